"""The hold-out test: does a simulation of the fitted scenario look like the later data?

The scenario fitted on the earlier part of the period is run by the project's own runner
(:func:`sim.run.runner.run_scenarios`, with an event log) for as many weeks as the
hold-out part has, and compared with what the export recorded then:

``weekly_counts``
    Mean incidents a week: observed (whole hold-out weeks) against simulated, a z-test
    whose variance adds the model's week-to-week variance over the observed weeks, the
    simulation's own noise and the sampling error of the fitted rates.
``hour_of_week_profile``
    Chi-square of the observed counts per cell against the simulated profile (weighted by
    the hours each cell was observed), on 168 cells, or day x 4-hour blocks or hours of the
    day when expected counts would fall below 5 (Cochran 1954). The profile compared
    against is itself an estimate (from the fitted incidents, then the simulated calls), so
    the test is the two-sample test of homogeneity with the model's effective sample size
    ``1 / (1 / N_fit + 1 / N_simulated)``.
``officer_minutes``
    Two-sample Kolmogorov-Smirnov test of the officer minutes of standard-response
    incidents with no detention and no conveyance against the same calls simulated (the
    model's demand generator, :class:`sim.core.demand.DemandModel`, with the run's seed).
``outcomes_standard`` (and ``outcomes_car`` when the export and the scenario both have a car)
    Chi-square of the counts of detentions, conveyances and neither against the
    simulated shares, a test of homogeneity as for the profile.

Each test is at level ``0.05 / k`` for ``k`` tests (Bonferroni), so the hold-out as a whole
passes, when the model is right, at least 95% of the time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from sim.common.units import HOURS_PER_WEEK, MINUTES_PER_HOUR, MINUTES_PER_WEEK
from sim.core.demand import DemandModel
from sim.core.streams import Streams
from sim.run.runner import run_scenarios
from sim.scenario.schema import Scenario

FAMILY_LEVEL = 0.05
MIN_EXPECTED = 5.0
MIN_INCIDENTS = 20
WARMUP_WEEKS = 1


@dataclass(frozen=True)
class HoldoutObserved:
    """What the export recorded in the hold-out part."""

    weekly_counts: np.ndarray
    """Incidents in each whole hold-out week."""
    cell_counts: np.ndarray
    cell_exposure: np.ndarray
    minutes: np.ndarray
    """Officer minutes of standard-response incidents with outcome none."""
    outcomes_standard: np.ndarray
    """Counts of s136, ae, none among standard-response incidents."""
    outcomes_car: np.ndarray | None
    weeks: int
    """Weeks (whole or partial) in the hold-out part."""


@dataclass(frozen=True)
class FitBasis:
    """How much the fitted values rest on (the sampling error the tests allow for)."""

    incidents: int
    weekly_rate_rel_var: float
    """Relative variance of the fitted rate of calls a week."""
    standard_incidents: int
    car_incidents: int


@dataclass(frozen=True)
class HoldoutResult:
    """The tests' table and what the report plots."""

    table: pd.DataFrame
    passed: bool
    level: float
    reps: int
    weeks: int
    plots: dict[str, np.ndarray] = field(default_factory=dict)


def _pool(expected: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """168 cells, else day x 4-hour blocks, else hours of the day: the finest grouping whose
    expected counts are all at least :data:`MIN_EXPECTED`."""
    groups = [(np.arange(168), "168 hour-of-week cells"),
              ((np.arange(168) // 24) * 6 + (np.arange(168) % 24) // 4, "42 day x 4-hour blocks"),
              (np.arange(168) % 24, "24 hours of the day"),
              ((np.arange(168) % 24) // 4, "6 four-hour blocks of the day")]
    for group, label in groups:
        e = np.bincount(group, weights=expected)
        if e.min() >= MIN_EXPECTED or label.startswith("6"):
            return e, np.bincount(group, weights=observed), label
    raise AssertionError("unreachable")


def _chi_square(observed: np.ndarray, model_share: np.ndarray, model_n: float
                ) -> tuple[float, int, float]:
    """Chi-square test that ``observed`` counts follow the model's shares, where the shares
    are themselves an estimate resting on ``model_n`` counts: the two-sample test of
    homogeneity (the squared difference of the shares over the pooled share times
    ``1 / N_observed + 1 / model_n``), with K - 1 degrees of freedom."""
    n = observed.sum()
    share = observed / n
    pooled = (observed + model_n * model_share) / (n + model_n)
    keep = pooled > 0
    stat = float((((share - model_share) ** 2)[keep] / pooled[keep]).sum()
                 / (1 / n + 1 / model_n))
    df = int(keep.sum()) - 1
    return stat, df, float(stats.chi2.sf(stat, max(df, 1)))


def _effective_n(*sizes: float) -> float:
    """Counts an estimate rests on when it passes through several samples (the fit, then
    the simulation): the sampling variances add, ``1 / n = sum 1 / n_i``."""
    return 1.0 / sum(1.0 / max(n, 1.0) for n in sizes)


def _simulated_minutes(scenario: Scenario, seed: int, reps: int, weeks: int) -> np.ndarray:
    model = DemandModel(scenario)
    horizon = (weeks + WARMUP_WEEKS) * MINUTES_PER_WEEK
    parts = []
    for r in range(reps):
        for chunk in model.chunks(Streams(seed, r), horizon):
            plain = ~chunk.s136_standard & ~chunk.ae_standard
            parts.append(chunk.standard_officer_hours[plain] * MINUTES_PER_HOUR)
    return np.concatenate(parts) if parts else np.empty(0)


def run_holdout(scenario: Scenario, observed: HoldoutObserved, basis: FitBasis, *,
                seed: int, reps: int) -> HoldoutResult:
    """Simulate ``scenario`` over the hold-out weeks and run the tests."""
    weeks = max(1, observed.weeks)
    result = run_scenarios([scenario], reps=reps, weeks=weeks, warmup_weeks=WARMUP_WEEKS,
                           seed=seed, jobs=1, progress=False, event_log=True)
    events = result.events
    calls = events[(events["kind"] == "call") & events["measured"].astype(bool)]
    arrival = calls["arrival"].to_numpy(dtype=float)
    rep = calls["replication"].to_numpy(dtype=np.int64)
    week = (arrival // MINUTES_PER_WEEK).astype(np.int64) - WARMUP_WEEKS
    sim_weekly = np.bincount(rep * weeks + week, minlength=reps * weeks).astype(float)
    sim_cells = np.bincount((arrival // MINUTES_PER_HOUR).astype(np.int64) % HOURS_PER_WEEK,
                            minlength=HOURS_PER_WEEK) / (reps * weeks)
    rows = []

    # Weekly counts.
    y = observed.weekly_counts.astype(float)
    sim_mean, sim_var = float(sim_weekly.mean()), float(sim_weekly.var(ddof=1))
    if y.size:
        var = (sim_var / y.size + sim_var / sim_weekly.size
               + sim_mean**2 * basis.weekly_rate_rel_var)
        z = (float(y.mean()) - sim_mean) / math.sqrt(max(var, 1e-12))
        rows.append(("weekly_counts", "z", z, np.nan, float(2 * stats.norm.sf(abs(z))),
                     f"mean {y.mean():.1f} a week over {y.size} weeks",
                     f"mean {sim_mean:.1f} a week over {sim_weekly.size} simulated weeks",
                     "z-test of the mean weekly count (model variance + simulation noise + "
                     "fit's sampling error)"))

    # Hour-of-week profile.
    n_obs = float(observed.cell_counts.sum())
    weight = sim_cells * observed.cell_exposure
    if n_obs > 0 and weight.sum() > 0:
        expected = n_obs * weight / weight.sum()
        e_pool, o_pool, label = _pool(expected, observed.cell_counts.astype(float))
        model_n = _effective_n(basis.incidents, len(calls))
        stat, df, p = _chi_square(o_pool, e_pool / e_pool.sum(), model_n)
        rows.append(("hour_of_week_profile", "chi-square", stat, df, p,
                     f"{int(n_obs):,} incidents", f"{len(calls):,} calls",
                     f"chi-square of homogeneity on {label}: observed shares against the "
                     f"simulated ones, which rest on about {model_n:,.0f} incidents (fit and "
                     "simulation)"))

    # Officer minutes.
    sim_minutes = _simulated_minutes(scenario, seed, reps, weeks)
    obs_minutes = observed.minutes[observed.minutes > 0]
    if obs_minutes.size >= MIN_INCIDENTS and sim_minutes.size >= MIN_INCIDENTS:
        if np.all(obs_minutes == np.round(obs_minutes)):
            sim_minutes = np.round(sim_minutes)  # the export records whole minutes
        ks = stats.ks_2samp(obs_minutes, sim_minutes)
        rows.append(("officer_minutes", "Kolmogorov-Smirnov D", float(ks.statistic), np.nan,
                     float(ks.pvalue),
                     f"median {np.median(obs_minutes):.0f} min, n = {obs_minutes.size:,}",
                     f"median {np.median(sim_minutes):.0f} min, n = {sim_minutes.size:,}",
                     "two-sample KS of officer minutes, standard response, no detention or "
                     "conveyance"))

    # Outcome shares.
    sim_std = calls[calls["pathway"] == "standard"]
    for pathway, counts, sim, fitted_n in (
            ("standard", observed.outcomes_standard, sim_std, basis.standard_incidents),
            ("car", observed.outcomes_car, calls[calls["pathway"] == "car"],
             basis.car_incidents)):
        if counts is None or counts.sum() < MIN_INCIDENTS or len(sim) < MIN_INCIDENTS:
            continue
        s136 = sim["s136"].astype(bool).to_numpy()
        ae = sim["ae_conveyed"].astype(bool).to_numpy()
        sim_counts = np.array([s136.sum(), (ae & ~s136).sum(), (~s136 & ~ae).sum()], float)
        n = float(counts.sum())
        model_n = _effective_n(fitted_n, len(sim))
        stat, df, p = _chi_square(counts.astype(float), sim_counts / sim_counts.sum(), model_n)
        share = counts / n
        sim_share = sim_counts / sim_counts.sum()
        rows.append((f"outcomes_{pathway}", "chi-square", stat, df, p,
                     f"s136 {share[0]:.1%}, ae {share[1]:.1%} of {int(n):,}",
                     f"s136 {sim_share[0]:.1%}, ae {sim_share[1]:.1%} of {len(sim):,}",
                     f"chi-square of homogeneity of s136 / ae / neither ({pathway} response); "
                     f"the simulated shares rest on about {model_n:,.0f} incidents"))

    level = FAMILY_LEVEL / max(len(rows), 1)
    table = pd.DataFrame(rows, columns=["check", "statistic", "value", "df", "p_value",
                                        "observed", "simulated", "method"])
    table["level"] = level
    table["result"] = np.where(table["p_value"] >= level, "pass", "fail")
    plots = {
        "observed_weekly": y, "simulated_weekly": sim_weekly,
        "observed_rate": np.divide(observed.cell_counts, observed.cell_exposure,
                                   out=np.zeros(HOURS_PER_WEEK),
                                   where=observed.cell_exposure > 0),
        "simulated_rate": sim_cells, "observed_minutes": obs_minutes,
        "simulated_minutes": sim_minutes,
    }
    return HoldoutResult(table=table, passed=bool((table["result"] == "pass").all()),
                         level=level, reps=reps, weeks=weeks, plots=plots)
