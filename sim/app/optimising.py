"""The rota optimiser from the app's Optimise page (``crisis-sim optimise`` in the browser).

The page's choices become the map an optimise file holds (``docs/optimise.md``), with the
session's scenario as its ``base``, validated by
:func:`sim.experiments.optimise.spec.optimise_from_dict` (the file's own rules and
messages) and run by :func:`sim.experiments.optimise.run.run_optimise`. The app bounds the
problem so that a run from a browser stays within minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.common import formats
from sim.core.metrics import BY_NAME
from sim.experiments.optimise.run import OptimiseResult, run_optimise
from sim.experiments.optimise.spec import optimise_from_dict
from sim.scenario.schema import Scenario

DAY_PATTERNS = ("every_day", "sun_thu_fri_sat", "mon_fri_sat_sun", "per_day")
OBJECTIVES = ("s136_avoided", "officer_hours_saved", "car_attended", "ae_avoided",
              "unmet_busy", "unmet_off_shift")
"""Metrics a planner may optimise (the direction is the file's default for each)."""
MAX_CARS = 4
MAX_CANDIDATES = 3000
MAX_PER_DAY_SAMPLES = 400
MAX_REPS = 300
MAX_COMPARE_REPS = 100


@dataclass(frozen=True)
class Choices:
    """What the page asks for."""

    cars: int
    car_hours: int
    shift_lengths: tuple[int, ...]
    start_from: int
    start_to: int
    day_patterns: tuple[str, ...]
    per_day_samples: int
    metric: str
    delta: float
    first_stage: int = 10
    max_reps: int = 100
    compare_reps: int = 30
    weeks: int = 52
    seed: int = 2026


def spec_data(base: Scenario, c: Choices) -> dict[str, Any]:
    """The optimise file's map for these choices (the base given whole, as data)."""
    space: dict[str, Any] = {
        "shift_lengths_hours": list(c.shift_lengths),
        "start_hours": {"from": c.start_from, "to": c.start_to},
        "day_patterns": list(c.day_patterns),
        "max_candidates": MAX_CANDIDATES,
    }
    if "per_day" in c.day_patterns:
        space["per_day_samples"] = c.per_day_samples
    return {"optimise": {
        "name": f"{base.name}_optimised",
        "base": base.to_dict(),
        "budget": {"cars": c.cars, "car_hours_per_week": c.car_hours},
        "space": space,
        "objective": {"metric": c.metric},
        "delta": c.delta,
        "reps": {"first_stage": c.first_stage, "max": c.max_reps, "compare": c.compare_reps},
        "weeks": c.weeks,
        "seed": c.seed,
    }}


def check(c: Choices) -> list[str]:
    """The app's bounds (the optimiser's own rules are checked when the spec is built)."""
    problems = []
    if not 1 <= c.cars <= MAX_CARS:
        problems.append(f"cars must be 1 to {MAX_CARS}")
    if not 0 <= c.per_day_samples <= MAX_PER_DAY_SAMPLES:
        problems.append(f"sampled per-day rotas must be 0 to {MAX_PER_DAY_SAMPLES}")
    if not 2 <= c.first_stage <= c.max_reps <= MAX_REPS:
        problems.append(f"replications: first stage at least 2 and at most the maximum, "
                        f"which is at most {MAX_REPS}")
    if not 2 <= c.compare_reps <= MAX_COMPARE_REPS:
        problems.append(f"replications to compare must be 2 to {MAX_COMPARE_REPS}")
    if not c.day_patterns:
        problems.append("pick at least one day pattern")
    if not c.shift_lengths:
        problems.append("pick at least one shift length")
    return problems


def optimise(base: Scenario, c: Choices, *, jobs: int = 1, log=None) -> OptimiseResult:
    """Validate and run the optimisation (raises ValueError for the app's bounds and
    :class:`sim.experiments.optimise.spec.OptimiseError` for the file's rules)."""
    problems = check(c)
    if problems:
        raise ValueError("; ".join(problems))
    spec = optimise_from_dict(spec_data(base, c))
    return run_optimise(spec, jobs=jobs, progress=False, log=log)


def _interval(mean: float, low: float, high: float) -> str:
    return formats.interval(mean, low, high)


def comparison_table(result: OptimiseResult) -> pd.DataFrame:
    """The pick against the base's rota and the sweep's best: one row per comparison and
    metric, its title, unit (a year) and ``difference [low, high]``."""
    rows = []
    for r in result.comparison.itertuples():
        metric = BY_NAME[r.metric]
        rows.append({"against": r.against, "measure": metric.title,
                     "unit": f"{metric.unit} a year",
                     "pick minus it": _interval(r.mean_difference, r.ci_low, r.ci_high)})
    return pd.DataFrame(rows)


def contenders(result: OptimiseResult) -> pd.DataFrame:
    """The rotas the pick cannot be told apart from, best estimate first, with the
    objective's estimate a year and its 95% interval."""
    t = result.table
    rows = t[t["indistinguishable"].astype(bool)].sort_values("estimate", ascending=False)
    objective = result.spec.objective
    metric = BY_NAME.get(objective.metric) if objective.metric else None
    label = (f"{metric.title} ({metric.unit} a year)" if metric is not None
             else f"{objective.name} ({objective.unit})")
    return pd.DataFrame({
        "rota": rows["rota"],
        "car-hours a week": rows["car_hours_per_week"],
        label: [_interval(m, lo, hi) for m, lo, hi in zip(rows["estimate"], rows["ci_low"],
                                                           rows["ci_high"], strict=True)],
        "replications": rows["replications"],
    })
