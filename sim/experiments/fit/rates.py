"""Rates, intervals and the checks on them (``docs/fit.md``, "Method").

* Rates per hour-of-week cell: incidents / hours observed, with exact Poisson (Garwood
  1936) intervals.
* When data are thin, a day x hour model (rate = day effect x hour effect, the Poisson
  log-linear main-effects model, fitted by iterative proportional fitting) with its
  deviance against the 168 free cells, so the user sees what the smoothing costs.
* Over-dispersion per cell: the Pearson statistic of the weekly counts of that cell about
  their Poisson expectation (a variance-to-mean test).
* Trend and seasonality: a Poisson regression of the weekly counts on time (and one yearly
  sine/cosine pair), with the expected count of each week under the fitted hour-of-week
  rates as the offset, so partial weeks and clock changes need no correction; the scale
  is the Pearson dispersion when that exceeds 1 (quasi-Poisson).
* Shares with Wilson (1927) score intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.scenario.calendar import DAY_NAMES

CONFIDENCE = 0.95
THIN_MEAN_PER_CELL = 10.0
"""Below this many incidents per cell on average the profile is smoothed (``auto``): a
cell's own rate would then have a relative standard error above 1/sqrt(10), about 32%."""


def garwood(counts: np.ndarray, exposure: np.ndarray, confidence: float = CONFIDENCE
            ) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson rate ``counts / exposure``."""
    n = np.asarray(counts, dtype=float)
    e = np.asarray(exposure, dtype=float)
    alpha = 1.0 - confidence
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(n > 0, stats.chi2.ppf(alpha / 2, 2 * n) / 2, 0.0) / e
        high = stats.chi2.ppf(1 - alpha / 2, 2 * n + 2) / 2 / e
    return low, high


def wilson(successes: float, trials: float, confidence: float = CONFIDENCE
           ) -> tuple[float, float]:
    """Wilson score interval of a proportion (NaN without trials)."""
    if trials <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (
        1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class DayHourFit:
    """The day x hour model of the 168 cells and its fit against the free cells."""

    rates: np.ndarray
    """168 rates per hour (Monday 00:00 first)."""
    deviance: float
    df: int
    p_value: float


def day_hour_model(counts: np.ndarray, exposure: np.ndarray, iterations: int = 200
                   ) -> DayHourFit:
    """Maximum-likelihood rates ``day[d] * hour[h]`` from 168 counts and exposures.

    Iterative proportional fitting of the expected counts ``exposure * day * hour`` to the
    day and hour margins of the counts: the Poisson log-linear model with main effects
    only (Bishop, Fienberg & Holland 1975, chapter 3).
    """
    n = np.asarray(counts, dtype=float).reshape(7, 24)
    e = np.asarray(exposure, dtype=float).reshape(7, 24)
    day = np.ones(7)
    hour = n.sum(axis=0) / np.maximum(e.sum(axis=0), 1e-12)
    for _ in range(iterations):
        day_new = n.sum(axis=1) / np.maximum((e * hour).sum(axis=1), 1e-12)
        hour_new = n.sum(axis=0) / np.maximum((e * day_new[:, None]).sum(axis=0), 1e-12)
        done = np.allclose(day_new, day, rtol=1e-12) and np.allclose(hour_new, hour, rtol=1e-12)
        day, hour = day_new, hour_new
        if done:
            break
    rates = day[:, None] * hour[None, :]
    fitted = rates * e
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > 0, n * np.log(n / fitted), 0.0) - (n - fitted)
    deviance = float(2 * terms.sum())
    df = 168 - (7 + 24 - 1)
    return DayHourFit(rates=rates.ravel(), deviance=deviance, df=df,
                      p_value=float(stats.chi2.sf(deviance, df)))


def cell_dispersion(counts: np.ndarray, exposure: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: the dispersion index, its p-value and the weeks it rests on.

    ``counts`` and ``exposure`` are ``(weeks, 168)``. The Pearson statistic
    ``sum_w (x_w - r e_w)^2 / (r e_w)`` over the weeks that observed the cell, with
    ``r = sum x / sum e``, is referred to chi-square with weeks - 1 degrees of freedom;
    the index is the statistic over its degrees of freedom (1 for Poisson counts).
    """
    x = np.asarray(counts, dtype=float)
    e = np.asarray(exposure, dtype=float)
    seen = e > 0
    rate = x.sum(axis=0) / np.maximum(e.sum(axis=0), 1e-12)
    expected = rate[None, :] * e
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(seen & (expected > 0), (x - expected) ** 2 / expected, 0.0)
    weeks = seen.sum(axis=0)
    df = np.maximum(weeks - 1, 1)
    statistic = terms.sum(axis=0)
    index = np.where(rate > 0, statistic / df, np.nan)
    p = np.where(rate > 0, stats.chi2.sf(statistic, df), np.nan)
    return index, p, weeks


@dataclass(frozen=True)
class PoissonFit:
    coef: np.ndarray
    cov: np.ndarray
    fitted: np.ndarray
    deviance: float
    pearson: float
    df_resid: int

    @property
    def dispersion(self) -> float:
        return self.pearson / self.df_resid if self.df_resid > 0 else math.nan


def poisson_regression(y: np.ndarray, design: np.ndarray, offset: np.ndarray,
                       iterations: int = 50) -> PoissonFit:
    """Poisson regression with a log link by iteratively reweighted least squares."""
    y = np.asarray(y, dtype=float)
    x = np.asarray(design, dtype=float)
    beta = np.zeros(x.shape[1])
    beta[0] = math.log(max(y.sum(), 0.5) / np.exp(offset).sum())
    for _ in range(iterations):
        eta = offset + x @ beta
        mu = np.exp(eta)
        z = eta - offset + (y - mu) / mu
        xtw = x.T * mu
        new = np.linalg.solve(xtw @ x, xtw @ z)
        if np.allclose(new, beta, rtol=1e-10, atol=1e-12):
            beta = new
            break
        beta = new
    mu = np.exp(offset + x @ beta)
    cov = np.linalg.inv((x.T * mu) @ x)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev_terms = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
    return PoissonFit(coef=beta, cov=cov, fitted=mu, deviance=float(2 * dev_terms.sum()),
                      pearson=float(((y - mu) ** 2 / mu).sum()), df_resid=len(y) - x.shape[1])


@dataclass(frozen=True)
class TrendTest:
    """Trend, seasonality and over-dispersion of the weekly counts."""

    weeks: int
    change_per_year: float
    """Fractional change a year (0.08: demand rose 8% a year)."""
    change_low: float
    change_high: float
    trend_p: float
    seasonal_p: float
    """NaN when the period is shorter than a year (not tested)."""
    seasonal_amplitude: float
    """Peak of the yearly cycle above the average, as a fraction."""
    dispersion: float
    dispersion_p: float
    fitted_trend: np.ndarray
    """Expected weekly counts under the trend model."""

    @property
    def significant(self) -> bool:
        return bool(self.trend_p < 1 - CONFIDENCE)

    def sentences(self) -> list[str]:
        """The findings in plain words."""
        pct = f"{abs(self.change_per_year):.0%}"
        ci = f"95% interval {self.change_low:+.0%} to {self.change_high:+.0%}"
        if self.significant:
            way = "rose" if self.change_per_year > 0 else "fell"
            out = [f"Demand {way} {pct} a year ({ci}; p = {self.trend_p:.2g})."]
        else:
            out = [f"No clear trend: demand changed by {self.change_per_year:+.0%} a year "
                   f"({ci}; p = {self.trend_p:.2g})."]
        if math.isnan(self.seasonal_p):
            out.append("Seasonality not tested: the period is shorter than a year.")
        elif self.seasonal_p < 1 - CONFIDENCE:
            out.append(f"A yearly cycle: the peak is about {self.seasonal_amplitude:.0%} above "
                       f"the average (p = {self.seasonal_p:.2g}); the scenario's rates are "
                       "the average over the period.")
        else:
            out.append(f"No clear yearly cycle (p = {self.seasonal_p:.2g}).")
        if self.dispersion_p < 1 - CONFIDENCE:
            out.append(f"Weekly counts vary {self.dispersion:.2f} times as much as Poisson "
                       f"counts would (p = {self.dispersion_p:.2g}): weeks differ by more than "
                       "chance, and the intervals here are too narrow by a factor of about "
                       f"{math.sqrt(self.dispersion):.2f}.")
        else:
            out.append(f"Weekly counts vary as Poisson counts do (dispersion "
                       f"{self.dispersion:.2f}, p = {self.dispersion_p:.2g}).")
        return out


def trend_test(counts: np.ndarray, expected: np.ndarray, years: np.ndarray) -> TrendTest:
    """Test weekly ``counts`` for a log-linear trend and a yearly cycle.

    ``expected`` is each week's expected count under constant hour-of-week rates (the
    offset: it carries the week's exposure); ``years`` is the time of each week's middle
    in years from the start.
    """
    y = np.asarray(counts, dtype=float)
    offset = np.log(np.asarray(expected, dtype=float))
    t = np.asarray(years, dtype=float)
    t = t - t.mean()
    ones = np.ones_like(t)
    trend = poisson_regression(y, np.column_stack([ones, t]), offset)
    scale = max(1.0, trend.dispersion) if trend.df_resid > 0 else 1.0
    se = math.sqrt(trend.cov[1, 1] * scale)
    df = max(trend.df_resid, 1)
    q = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df))
    beta = float(trend.coef[1])
    p_trend = float(2 * stats.t.sf(abs(beta) / se, df))
    seasonal_p = amplitude = math.nan
    final = trend
    span = float(np.ptp(years)) if len(years) else 0.0
    if span >= 1.0 and len(y) > 8:
        angle = 2 * math.pi * np.asarray(years, dtype=float)
        season = poisson_regression(y, np.column_stack([ones, t, np.sin(angle), np.cos(angle)]),
                                    offset)
        s_scale = max(1.0, season.dispersion)
        f_stat = max(trend.deviance - season.deviance, 0.0) / 2 / s_scale
        seasonal_p = float(stats.f.sf(f_stat, 2, max(season.df_resid, 1)))
        amplitude = math.exp(math.hypot(season.coef[2], season.coef[3])) - 1
        final = season
    return TrendTest(
        weeks=len(y), change_per_year=math.exp(beta) - 1,
        change_low=math.exp(beta - q * se) - 1, change_high=math.exp(beta + q * se) - 1,
        trend_p=p_trend, seasonal_p=seasonal_p, seasonal_amplitude=amplitude,
        dispersion=final.dispersion,
        dispersion_p=float(stats.chi2.sf(final.pearson, max(final.df_resid, 1))),
        fitted_trend=trend.fitted,
    )


def rate_table(counts: np.ndarray, exposure: np.ndarray, used: np.ndarray,
               dispersion: tuple[np.ndarray, np.ndarray, np.ndarray]) -> pd.DataFrame:
    """The tidy table of the 168 cells (``rates_by_hour_of_week.csv``)."""
    low, high = garwood(counts, exposure)
    index, p, weeks = dispersion
    cell = np.arange(168)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.asarray(counts, dtype=float) / np.asarray(exposure, dtype=float)
    return pd.DataFrame({
        "cell": cell, "day": [DAY_NAMES[c // 24] for c in cell], "hour": cell % 24,
        "exposure_hours": exposure, "incidents": counts.astype(np.int64),
        "rate_per_hour": rate, "ci_low": low, "ci_high": high, "rate_used": used,
        "weeks_observed": weeks, "dispersion_index": index, "dispersion_p": p,
    })
