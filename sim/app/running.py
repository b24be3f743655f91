"""Runs from the app: bounded, with progress, and the same numbers as the command line.

:func:`run_comparison` is one :func:`sim.compare` call (the public API, so exactly the
numbers of ``crisis-sim run`` with the same seed) whose progress hook ``on_batch`` is called
after each batch of replications: that is where the page's progress bar moves and where a
Stop stops the run (an exception raised from the hook ends it with nothing kept and no
worker process left). The tables here are what the page shows: means with 95% intervals
and paired differences, each metric with its title and unit from ``sim/core/metrics.py``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

import sim
from sim.common import formats
from sim.core.metrics import BY_NAME, EFFECTS, HEADLINE, title
from sim.scenario.schema import Scenario

MAX_REPS = 200
"""Most replications per scenario a browser may ask for."""
MAX_WEEKS = 104
"""Most measured weeks (two years)."""
MAX_WARMUP_WEEKS = 26
"""Most warm-up weeks."""
MAX_SCENARIOS = 8
"""Most scenarios in one comparison."""
MAX_SEED = 2**32 - 1
NO_VALUE = "n/a"
"""A cell with no value (a car's utilisation in a scenario with no car)."""

Progress = Callable[[int, int], None]
"""``(replications done, replications in all)``, over every scenario of the run: the run
API's ``on_batch`` hook (:func:`sim.compare`)."""


@dataclass(frozen=True)
class Settings:
    """What a comparison runs: scenario names (baseline first), replications, weeks, seed."""

    names: tuple[str, ...]
    baseline: str
    reps: int
    weeks: int
    warmup_weeks: int
    seed: int


def check(settings: Settings) -> list[str]:
    """Why these settings cannot run (empty when they can): the app's bounds."""
    problems = []
    if not settings.names:
        problems.append("pick at least one scenario")
    if len(settings.names) > MAX_SCENARIOS:
        problems.append(f"at most {MAX_SCENARIOS} scenarios in one comparison")
    if settings.names and settings.baseline not in settings.names:
        problems.append(f"the baseline {settings.baseline!r} is not one of the scenarios")
    for label, value, low, high in (("replications", settings.reps, 1, MAX_REPS),
                                    ("weeks", settings.weeks, 1, MAX_WEEKS),
                                    ("warm-up weeks", settings.warmup_weeks, 0,
                                     MAX_WARMUP_WEEKS),
                                    ("seed", settings.seed, 0, MAX_SEED)):
        if not (isinstance(value, int) and low <= value <= high):
            problems.append(f"{label} must be a whole number from {low} to {high}, got {value}")
    return problems


IN_PROCESS_REP_WEEKS = 3200
"""Up to this many simulated replication-weeks (over every scenario of a run) the run goes
in the app's own process (about 2 s on one core): starting worker processes would cost more
than they save."""


def default_jobs() -> int:
    """Worker processes for a large run: the cores this process may use, at most 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cores or 1))


def jobs_for(settings: Settings) -> int:
    """Worker processes for a run: 1 for a small run, else :func:`default_jobs` (the
    numbers are the same either way)."""
    runs = max(1, len(settings.names)) * settings.reps
    if runs * (settings.weeks + settings.warmup_weeks) <= IN_PROCESS_REP_WEEKS:
        return 1
    return max(1, min(default_jobs(), runs))


def ordered(scenarios: Sequence[Scenario], baseline: str) -> list[Scenario]:
    """The baseline first, the others as given (the command line's order)."""
    return sorted(scenarios, key=lambda s: s.name != baseline)


def run_comparison(scenarios: Sequence[Scenario], settings: Settings, *, jobs: int | None = None,
                   on_progress: Progress | None = None) -> sim.RunResult:
    """Run the scenarios with common random numbers: exactly
    ``sim.compare(ordered(scenarios), baseline, reps=..., seed=..., weeks=...,
    warmup_weeks=..., on_batch=on_progress)``.

    ``on_progress(replications done, replications in all)`` is called after each batch of
    replications; an exception it raises (the page's Stop) ends the run there, with no
    result. ``jobs``: worker processes (default :func:`jobs_for`; the numbers do not depend
    on it).

    Raises
    ------
    ValueError
        When :func:`check` finds a problem, or the scenarios are not the settings' names.
    """
    problems = check(settings)
    if problems:
        raise ValueError("; ".join(problems))
    by_name = {s.name: s for s in scenarios}
    if sorted(by_name) != sorted(settings.names) or len(by_name) != len(scenarios):
        raise ValueError("the scenarios must be those named in the settings, each once")
    jobs = jobs_for(settings) if jobs is None else jobs
    return sim.compare(ordered(scenarios, settings.baseline), baseline=settings.baseline,
                       reps=settings.reps, seed=settings.seed, weeks=settings.weeks,
                       warmup_weeks=settings.warmup_weeks, jobs=jobs, progress=False,
                       on_batch=on_progress)


# ----------------------------------------------------------------------------- tables


NOT_TOTALS = ("fraction", "calls per car per month", "minutes", "hours per call",
              "hours per detention", "beds")
"""Units of metrics that are rates, means or shares, not totals over the measured weeks."""


def unit_text(metric: str, weeks: int) -> str:
    """A metric's unit, with the period for totals over the measured weeks."""
    unit = BY_NAME[metric].unit
    if unit in NOT_TOTALS:
        return unit
    return f"{unit} in {weeks} weeks"


def _weeks(result: sim.RunResult) -> int:
    return next(iter(result.settings.values())).weeks


CONTROL_ROOM_HEADLINE = ("cr_screened", "cr_resolved_by_phone", "cr_unscreened_busy",
                         "cr_utilisation")
"""Rows added to the headline table when a scenario of the run has a control room."""


PATHWAY_HEADLINE = ("officer_hours_per_s136", "pos_occupancy", "pos_diverted_ae",
                    "s136_breaches_24h")
"""Rows added to the headline table when a scenario of the run has a Section 136 pathway."""


def headline_metrics(result: sim.RunResult) -> tuple[str, ...]:
    """The headline metrics of a run: :data:`HEADLINE`, then the control room's when any of
    its scenarios has one, then the Section 136 pathway's when any has one."""
    metrics = tuple(HEADLINE)
    if any(s.control_room is not None for s in result.scenarios):
        metrics += CONTROL_ROOM_HEADLINE
    if any(s.pathway is not None for s in result.scenarios):
        metrics += PATHWAY_HEADLINE
    return metrics


def headline_table(result: sim.RunResult, metrics: Sequence[str] = HEADLINE) -> pd.DataFrame:
    """Rows: metrics (title and unit); columns: scenarios, each ``mean [low, high]``
    (:data:`NO_VALUE` where there is none: a pathway row of a scenario without a pathway)."""
    summary = result.summary()
    weeks = _weeks(result)
    rows = []
    for metric in metrics:
        row = {"measure": title(metric), "unit": unit_text(metric, weeks)}
        for s in result.scenarios:
            if metric in PATHWAY_HEADLINE and s.pathway is None:
                row[s.name] = NO_VALUE  # no beds or limit modelled without a pathway
                continue
            r = summary[(summary.scenario == s.name) & (summary.metric == metric)].iloc[0]
            text = formats.interval(r["mean"], r["ci_low"], r["ci_high"])
            row[s.name] = NO_VALUE if text == "-" else text
        rows.append(row)
    return pd.DataFrame(rows)


def differences_table(result: sim.RunResult, metrics: Sequence[str] = EFFECTS) -> pd.DataFrame:
    """Paired differences against the baseline: one row per scenario and metric, then the
    percentage change in Section 136 detentions (ratio of means, delta-method interval)."""
    if result.baseline is None or len(result.scenarios) < 2:
        return pd.DataFrame(columns=["scenario", "measure", "unit", "difference", "95% interval"])
    diff = result.comparison()
    weeks = _weeks(result)
    rows = []
    for s in result.scenarios:
        if s.name == result.baseline:
            continue
        for metric in metrics:
            d = diff[(diff.scenario == s.name) & (diff.metric == metric)].iloc[0]
            rows.append({"scenario": s.name, "measure": BY_NAME[metric].title,
                         "unit": unit_text(metric, weeks),
                         "difference": formats.console(d["mean_difference"]),
                         "95% interval": _bounds(d["ci_low"], d["ci_high"])})
        pct = diff[(diff.scenario == s.name) & (diff.metric == "s136_change_pct")].iloc[0]
        ratio, lo, hi = (pct[k] / 100 for k in ("mean_difference", "ci_low", "ci_high"))
        rows.append({"scenario": s.name, "measure": "Change in Section 136 detentions",
                     "unit": f"% of {result.baseline}'s",
                     "difference": _pct(ratio),
                     "95% interval": f"[{_pct(lo)}, {_pct(hi)}]" if math.isfinite(lo)
                     else NO_VALUE})
    return pd.DataFrame(rows)


def detention_change(result: sim.RunResult, scenario: str) -> float:
    """Change in mean Section 136 detentions against the baseline, as a fraction."""
    reps = result.replications
    mine = reps[reps.scenario == scenario]["s136"].mean()
    base = reps[reps.scenario == result.baseline]["s136"].mean()
    return float(mine / base - 1.0) if base > 0 else math.nan


def _pct(value: float) -> str:
    return NO_VALUE if not math.isfinite(value) else f"{value * 100:+.1f}%"


def _bounds(low: float, high: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return NO_VALUE
    return f"[{formats.console(low)}, {formats.console(high)}]"


def hour_grid(result: sim.RunResult, scenario: str) -> pd.DataFrame:
    """Hour-of-week rows of one scenario with the utilisation (busy / on shift; NaN with no
    car on shift) beside the unmet calls per week."""
    rows = result.by_hour_of_week
    out = rows[rows.scenario == scenario].copy()
    on = out["car_on_shift"].to_numpy(dtype=float)
    busy = out["car_busy"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["utilisation"] = np.where(on > 0, busy / np.where(on > 0, on, 1.0), np.nan)
    return out.reset_index(drop=True)
