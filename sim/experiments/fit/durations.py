"""Officer time per incident: three distributions fitted by maximum likelihood, one chosen.

Lognormal, gamma and exponential are fitted to the officer minutes by maximum likelihood
(lognormal and exponential in closed form; the gamma shape by Newton's method on
``log k - digamma(k) = log(mean) - mean(log x)``, Choi & Wette 1969). The one with the
smallest AIC (Akaike 1974: ``2 * parameters - 2 * log-likelihood``) is used; the
Kolmogorov-Smirnov statistic (the largest gap between the data's and the fitted
cumulative distribution) says how close it is. Its textbook p-value assumes parameters
fixed in advance; with parameters fitted to the same data it is conservative (Lilliefors
1967), so the report gives the statistic, not a pass/fail. Zero durations have no
logarithm: they are excluded and counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

FORMS = ("lognormal", "gamma", "exponential")


@dataclass(frozen=True)
class DurationFit:
    """One distribution fitted to officer minutes."""

    dist: str
    mean: float
    sd: float
    log_likelihood: float
    parameters: int
    ks_statistic: float
    n: int

    @property
    def aic(self) -> float:
        return 2 * self.parameters - 2 * self.log_likelihood

    def frozen(self) -> stats.rv_continuous:
        """The fitted distribution as a SciPy frozen distribution."""
        return frozen(self.dist, self.mean, self.sd)

    def scenario_dist(self, divide_by: float = 1.0) -> dict[str, float | str]:
        """This distribution scaled by ``1 / divide_by``, as a scenario file writes it."""
        mean, sd = self.mean / divide_by, self.sd / divide_by
        if self.dist == "exponential":
            return {"dist": "exponential", "mean": mean}
        return {"dist": self.dist, "mean": mean, "sd": sd}


def frozen(dist: str, mean: float, sd: float) -> stats.rv_continuous:
    """A SciPy distribution with the given form, mean and sd (sd unused for exponential)."""
    if dist == "lognormal":
        sigma2 = math.log1p((sd / mean) ** 2)
        return stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(math.log(mean) - sigma2 / 2))
    if dist == "gamma":
        shape = (mean / sd) ** 2
        return stats.gamma(a=shape, scale=mean / shape)
    return stats.expon(scale=mean)


def ks_statistic(sorted_x: np.ndarray, cdf: np.ndarray) -> float:
    """One-sample Kolmogorov-Smirnov statistic of sorted data against its fitted CDF."""
    n = sorted_x.size
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - cdf), np.max(cdf - (i - 1) / n)))


def _gamma_shape(mean: float, mean_log: float) -> float:
    s = math.log(mean) - mean_log
    if s <= 0:  # all values equal: a degenerate sample
        return 1e6
    k = (3 - s + math.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s)
    for _ in range(100):
        step = (math.log(k) - special.digamma(k) - s) / (1 / k - special.polygamma(1, k))
        k_new = k - step
        if k_new <= 0:
            k_new = k / 2
        if abs(k_new - k) < 1e-12 * k:
            return k_new
        k = k_new
    return k


def fit_durations(minutes: np.ndarray) -> list[DurationFit]:
    """Lognormal, gamma and exponential fits of positive ``minutes``, best AIC first."""
    x = np.sort(np.asarray(minutes, dtype=float))
    x = x[x > 0]
    n = x.size
    if n < 2:
        return []
    logs = np.log(x)
    mean, mean_log, sum_log = float(x.mean()), float(logs.mean()), float(logs.sum())
    fits = []

    mu, sigma = mean_log, float(logs.std())
    if sigma > 0:
        ll = float(-sum_log - n * math.log(sigma) - n / 2 * math.log(2 * math.pi)
                   - ((logs - mu) ** 2).sum() / (2 * sigma**2))
        ln_mean = math.exp(mu + sigma**2 / 2)
        ln_sd = ln_mean * math.sqrt(math.expm1(sigma**2))
        cdf = special.ndtr((logs - mu) / sigma)
        fits.append(DurationFit("lognormal", ln_mean, ln_sd, ll, 2, ks_statistic(x, cdf), n))

        k = _gamma_shape(mean, mean_log)
        theta = mean / k
        ll = float((k - 1) * sum_log - x.sum() / theta - n * k * math.log(theta)
                   - n * special.gammaln(k))
        cdf = special.gammainc(k, x / theta)
        fits.append(DurationFit("gamma", mean, math.sqrt(k) * theta, ll, 2,
                                ks_statistic(x, cdf), n))

    ll = float(-n * math.log(mean) - x.sum() / mean)
    cdf = -np.expm1(-x / mean)
    fits.append(DurationFit("exponential", mean, mean, ll, 1, ks_statistic(x, cdf), n))
    return sorted(fits, key=lambda f: f.aic)


def durations_table(fits: list[DurationFit], pathway: str, used: bool) -> pd.DataFrame:
    """Tidy rows of ``durations.csv`` for one set of fits."""
    best = fits[0].aic if fits else math.nan
    return pd.DataFrame([{
        "pathway": pathway, "dist": f.dist, "n": f.n, "mean_minutes": f.mean,
        "sd_minutes": f.sd, "log_likelihood": f.log_likelihood, "parameters": f.parameters,
        "aic": f.aic, "delta_aic": f.aic - best, "ks_statistic": f.ks_statistic,
        "chosen": i == 0, "used_in_scenario": used and i == 0,
    } for i, f in enumerate(fits)])
