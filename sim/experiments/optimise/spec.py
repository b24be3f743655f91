"""Optimise files: the ``optimise:`` format and its strict loader (file:line:key errors).

An optimise file has one top-level key, ``optimise`` (``docs/optimise.md`` describes every
key; ``scenarios/optimise/cpft_56_hours.yaml`` is a worked example)::

    optimise:
      name: cpft_56_hours
      base: ../cpft_one_car.yaml          # a scenario file, relative to this file
      budget:
        cars: 1
        car_hours_per_week: 56             # exactly; or {min: 48, max: 56}
      space:
        shift_lengths_hours: [8, 10]
        start_hours: [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22]   # or {from: 12, to: 22}
        day_patterns: [every_day, sun_thu_fri_sat, per_day]
        per_day_samples: 400               # per_day rotas are sampled, not enumerated
        overlap: true                      # may two cars be on shift at once?
      objective:
        metric: s136_avoided               # or net_benefit: with_police (or cash)
        direction: max                     # default for this metric
      constraints:
        - cover: {from: "20:00", to: "23:00", days: all}
        - metric: unmet_busy
          at_most: 450                     # a year
          tolerance: 15
      delta: 3                             # indifference zone, objective units a year
      alpha: 0.05                          # P(pick within delta of the best) >= 1 - alpha
      screen: {keep: 100, check: 20}
      reps: {first_stage: 10, max: 400, compare: 50}
      seed: 2026

Every problem found is reported at once, each naming the file, line and key, through
:class:`sim.common.errors.Problem` (the sweep loader, ``sim/experiments/sweeps/design.py``,
works the same way).
"""

from __future__ import annotations

import copy
import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.common.errors import KeyPath, Positions, Problem, ScenarioError, by_line, dedupe
from sim.common.errors import format_key as _format_key
from sim.common.names import name_problem
from sim.common.units import WEEKS_PER_YEAR
from sim.common.yamlio import read_yaml
from sim.core.metrics import BY_NAME, METRIC_NAMES
from sim.economics.funding import VIEWS
from sim.experiments.base import experiment_key, load_base
from sim.scenario.calendar import DAY_NAMES
from sim.scenario.schema import Scenario

TOP_KEYS = ("name", "description", "base", "budget", "space", "objective", "constraints",
            "delta", "alpha", "screen", "reps", "seed", "weeks", "warmup_weeks")
BUDGET_KEYS = ("cars", "car_hours_per_week")
CONTROL_ROOM_BUDGET_KEYS = ("control_room", "practitioners", "practitioner_hours_per_week",
                            "call_handlers")
"""Keys of a control-room budget (design section 12, issue 15): not supported yet, so each
is reported with that reason rather than as an unknown key."""
CONTROL_ROOM_NOT_YET = (
    "a control-room budget is not supported yet: the optimiser searches car rotas only, "
    "and keeps the base scenario's control room (if it has one) as it is; see "
    "docs/optimise.md, section 7")
SPACE_KEYS = ("shift_lengths_hours", "start_hours", "day_patterns", "per_day_samples",
              "overlap", "max_candidates")
OBJECTIVE_KEYS = ("metric", "net_benefit", "direction")
COVER_KEYS = ("from", "to", "days", "cars")
METRIC_CONSTRAINT_KEYS = ("metric", "at_most", "at_least", "tolerance")
SCREEN_KEYS = ("keep", "check")
REPS_KEYS = ("first_stage", "max", "compare")

DAY_PATTERNS: dict[str, tuple[tuple[int, ...], ...]] = {
    "every_day": ((0, 1, 2, 3, 4, 5, 6),),
    "sun_thu_fri_sat": ((6, 0, 1, 2, 3), (4, 5)),
    "mon_fri_sat_sun": ((0, 1, 2, 3, 4), (5, 6)),
    "per_day": ((0,), (1,), (2,), (3,), (4,), (5,), (6,)),
}
"""Day patterns: groups of days (0 = Monday) that work the same shift. ``per_day`` rotas
(each day its own shift, or a day off) are sampled; the others are enumerated."""

MAXIMISE = frozenset({"car_attended", "other_jobs_attended", "s136_avoided", "ae_avoided",
                      "officer_hours_saved", "car_utilisation", "car_incidents_per_month"})
MINIMISE = frozenset({"unmet_off_shift", "unmet_busy", "waited", "handed_over", "s136",
                      "ae_conveyances", "officer_hours", "mean_car_response_minutes",
                      "car_overtime_hours", "waiting_at_end"})
"""Metrics whose direction is obvious; any other metric needs ``direction:``."""

ANNUAL_UNITS = frozenset({"calls", "jobs", "detentions", "conveyances", "hours", "car-hours"})
"""Metric units that are totals over the measured weeks: put on a per-year basis."""

DEFAULTS = {"delta": None, "alpha": 0.05, "keep": 100, "check": 20, "first_stage": 10,
            "max": 400, "compare": 50, "per_day_samples": 300, "max_candidates": 20000}
MAX_KN_CANDIDATES = 3000
"""The ranking-and-selection stage holds pairwise variances: at most this many rotas."""
MAX_ENUMERATED = 2_000_000
"""Combinations of per-car rotas looked at before the space is refused as too large."""


class OptimiseError(ScenarioError):
    """An optimise file cannot run; ``problems`` lists every issue, each with file:line:key."""


@dataclass(frozen=True)
class Objective:
    """What the optimiser maximises (values already per year where they are totals)."""

    metric: str | None
    net_benefit: str | None
    direction: str
    unit: str

    @property
    def name(self) -> str:
        """``s136_avoided`` or ``net_benefit_with_police``: the column it is read from."""
        return self.metric if self.metric is not None else f"net_benefit_{self.net_benefit}"

    @property
    def sign(self) -> float:
        """+1 to maximise, -1 to minimise."""
        return 1.0 if self.direction == "max" else -1.0


@dataclass(frozen=True)
class Cover:
    """At least ``cars`` cars on shift from ``start`` to ``end`` (hours) on ``days``."""

    start_hour: int
    end_hour: int
    days: tuple[int, ...]
    cars: int

    def hours_of_week(self) -> tuple[int, ...]:
        """The hours of the week (0 = Monday 00:00-01:00) that must be covered."""
        length = (self.end_hour - self.start_hour) % 24 or 24
        return tuple(sorted({(24 * d + self.start_hour + h) % 168 for d in self.days
                             for h in range(length)}))

    def label(self) -> str:
        days = "every day" if len(self.days) == 7 else ", ".join(DAY_NAMES[d] for d in self.days)
        cars = "a car" if self.cars == 1 else f"{self.cars} cars"
        return f"{cars} on shift {self.start_hour:02d}:00-{self.end_hour % 24:02d}:00 {days}"


@dataclass(frozen=True)
class MetricConstraint:
    """A metric (per year) at most or at least a limit, judged within ``tolerance``."""

    metric: str
    limit: float
    upper: bool
    tolerance: float

    @property
    def sign(self) -> float:
        """+1 for at most (the value minus the limit must be negative), -1 for at least."""
        return 1.0 if self.upper else -1.0

    def label(self) -> str:
        return f"{self.metric} {'at most' if self.upper else 'at least'} {self.limit:g} a year"


@dataclass(frozen=True)
class Space:
    """The rotas to consider."""

    shift_lengths: tuple[int, ...]
    start_hours: tuple[int, ...]
    day_patterns: tuple[str, ...]
    per_day_samples: int
    overlap: bool
    max_candidates: int
    line: int | None = None
    """The line of ``space:`` in the file, for problems found when rotas are listed."""


@dataclass(frozen=True)
class OptimiseSpec:
    """A validated optimise file: the problem, its settings and its base scenario."""

    name: str
    description: str
    source: str | None
    base_source: str | None
    base: Scenario
    cars: int
    car_hours: tuple[float, float]
    space: Space
    objective: Objective
    covers: tuple[Cover, ...]
    constraints: tuple[MetricConstraint, ...]
    delta: float
    alpha: float
    screen_keep: int | None
    screen_check: int
    first_stage: int
    max_reps: int
    compare_reps: int
    seed: int
    weeks: int
    warmup_weeks: int

    def with_seed(self, seed: int) -> OptimiseSpec:
        """The same problem with another seed (other random numbers; per_day samples too)."""
        from dataclasses import replace

        return replace(self, seed=int(seed))


# --------------------------------------------------------------------------- reading

def is_optimise_file(path: str | Path) -> bool:
    """Whether ``path`` is a YAML file whose top level holds an ``optimise:`` key."""
    return experiment_key(path) == "optimise"


def load_optimise(path: str | Path, *, seed: int | None = None) -> OptimiseSpec:
    """Read and validate an optimise file; ``seed`` overrides the file's.

    Raises
    ------
    OptimiseError
        With every problem found in the file or its base scenario.
    """
    path = Path(path)
    data, positions, problems = read_yaml(path, "an optimise file")
    if data is None:
        raise OptimiseError(problems)
    return _build(data, positions, problems, str(path), path.parent, path.stem, seed)


def optimise_from_dict(spec: dict[str, Any], *, base_dir: str | Path = ".",
                       seed: int | None = None) -> OptimiseSpec:
    """A problem from plain data: the map under ``optimise:`` (or one with that key).

    ``base`` may be a file name (relative to ``base_dir``), a
    :class:`~sim.scenario.schema.Scenario` or a plain scenario map.
    """
    data = spec if "optimise" in spec else {"optimise": spec}
    return _build(copy.copy(data), {}, [], "<optimise>", Path(base_dir), "optimise", seed)


# --------------------------------------------------------------------------- checking

class _Checker:
    def __init__(self, file: str, positions: Positions) -> None:
        self.file = file
        self.positions = positions
        self.problems: list[Problem] = []

    def add(self, path: KeyPath, message: str) -> None:
        where = path
        while where and where not in self.positions:
            where = where[:-1]
        line = self.positions.get(where, (self.file, None))[1]
        self.problems.append(Problem(self.file, line, _format_key(path), message))

    def keys(self, block: dict, path: KeyPath, allowed: tuple[str, ...]) -> None:
        for key in block:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = (f"did you mean '{close[0]}'?" if close
                        else f"allowed here: {', '.join(allowed)}")
                self.add((*path, key), f"unknown key; {hint}")

    def block(self, parent: dict, key: str, path: KeyPath, example: str) -> dict | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.add((*path, key), f"must be a map of keys, e.g. {example}")
            return None
        return value

    def whole(self, block: dict, key: str, path: KeyPath, low: int, default: int | None
              ) -> int | None:
        if key not in block:
            return default
        value = block[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.add((*path, key), f"must be a whole number, got {value!r}")
            return default
        if value < low:
            self.add((*path, key), f"must be at least {low}, got {value}")
            return default
        return value

    def number(self, block: dict, key: str, path: KeyPath, *, positive: bool = False
               ) -> float | None:
        if key not in block:
            return None
        value = block[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            self.add((*path, key), f"must be a number, got {value!r}")
            return None
        if positive and value <= 0:
            self.add((*path, key), f"must be above 0, got {value}")
            return None
        return float(value)


def _hour(check: _Checker, value: Any, where: KeyPath, *, allow_24: bool = False) -> int | None:
    """A whole hour of the day: 0..23 or ``"HH:00"``."""
    hour: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        hour = value
    elif isinstance(value, str):
        parts = value.split(":")
        if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[1]) == 2:
            if parts[1] != "00":
                check.add(where, f"{value!r}: only whole hours are allowed here (\"HH:00\")")
                return None
            hour = int(parts[0])
    if hour is None:
        check.add(where, f"must be an hour of the day, 0 to 23 or \"HH:00\", got {value!r}")
        return None
    top = 24 if allow_24 else 23
    if not 0 <= hour <= top:
        check.add(where, f"must be an hour of the day, 0 to {top}, got {value!r}")
        return None
    return hour


def _build(data: Any, positions: Positions, problems: list[Problem], file: str, base_dir: Path,
           stem: str, seed_flag: int | None) -> OptimiseSpec:
    check = _Checker(file, positions)
    check.problems.extend(problems)
    if not isinstance(data, dict) or "optimise" not in data:
        check.add((), "an optimise file needs a top-level 'optimise:' key")
        raise OptimiseError(check.problems)
    for key in data:
        if key != "optimise":
            check.add((key,), "unknown top-level key; an optimise file has only 'optimise:' "
                              "at the top level (put the scenario in the base file)")
    block = data["optimise"]
    top: KeyPath = ("optimise",)
    if not isinstance(block, dict):
        check.add(top, "must be a map of keys (name, base, budget, space, objective, ...)")
        raise OptimiseError(check.problems)
    check.keys(block, top, TOP_KEYS)

    name = block.get("name", stem)
    bad = name_problem(name)
    if bad is not None:
        check.add((*top, "name"), bad)
        name = "optimise"
    description = block.get("description", "")
    if not isinstance(description, str):
        check.add((*top, "description"), "must be text")
        description = ""

    base, base_source = _base(check, block, base_dir)
    cars, hours = _budget(check, block, base)
    space = _space(check, block)
    objective = _objective(check, block, base)
    covers, constraints = _constraints(check, block, cars)
    delta = check.number(block, "delta", top, positive=True)
    if delta is None and "delta" not in block:
        check.add((*top, "delta"), "required key is missing: the indifference zone, in the "
                                   "objective's units a year (differences smaller than this "
                                   "do not matter to you)")
    alpha = check.number(block, "alpha", top)
    if alpha is None:
        alpha = float(DEFAULTS["alpha"])  # type: ignore[arg-type]
    elif not 0 < alpha < 0.5:
        check.add((*top, "alpha"), f"must be between 0 and 0.5 (e.g. 0.05), got {alpha:g}")
        alpha = 0.05
    keep, check_n = _screen(check, block, objective)
    reps = check.block(block, "reps", top, "{first_stage: 10, max: 400, compare: 50}") or {}
    check.keys(reps, (*top, "reps"), REPS_KEYS)
    first = check.whole(reps, "first_stage", (*top, "reps"), 2, DEFAULTS["first_stage"])
    most = check.whole(reps, "max", (*top, "reps"), 2, DEFAULTS["max"])
    compare = check.whole(reps, "compare", (*top, "reps"), 2, DEFAULTS["compare"])
    if first is not None and most is not None and most < first:
        check.add((*top, "reps", "max"), f"must be at least first_stage ({first}), got {most}")
    run = base.run if base is not None else None
    seed = check.whole(block, "seed", top, 0, run.seed if run else 0)
    weeks = check.whole(block, "weeks", top, 1, run.weeks if run else 52)
    warmup = check.whole(block, "warmup_weeks", top, 0, run.warmup_weeks if run else 1)
    if seed_flag is not None:
        if isinstance(seed_flag, bool) or not isinstance(seed_flag, int) or seed_flag < 0:
            check.problems.append(Problem("--seed", None, "", f"must be a whole number, 0 or "
                                                              f"more, got {seed_flag!r}"))
        else:
            seed = seed_flag
    if check.problems or base is None or space is None or objective is None or cars is None:
        raise OptimiseError(by_line(dedupe(check.problems)))
    assert hours is not None and delta is not None and first is not None and most is not None
    assert compare is not None and seed is not None and weeks is not None and warmup is not None
    return OptimiseSpec(
        name=name, description=description, source=None if file == "<optimise>" else file,
        base_source=base_source, base=base, cars=cars, car_hours=hours, space=space,
        objective=objective, covers=covers, constraints=constraints, delta=delta, alpha=alpha,
        screen_keep=keep, screen_check=check_n, first_stage=first, max_reps=most,
        compare_reps=compare, seed=seed, weeks=weeks, warmup_weeks=warmup,
    )


def _base(check: _Checker, block: dict, base_dir: Path) -> tuple[Scenario | None, str | None]:
    scenario, source, messages, problems = load_base(block.get("base"), base_dir, kind="optimise",
                                                     purpose="whose cars get the rotas")
    for message in messages:
        check.add(("optimise", "base"), message)
    check.problems.extend(problems)
    return scenario, source


def _budget(check: _Checker, block: dict, base: Scenario | None
            ) -> tuple[int | None, tuple[float, float] | None]:
    where: KeyPath = ("optimise", "budget")
    budget = check.block(block, "budget", ("optimise",), "{cars: 1, car_hours_per_week: 56}")
    if budget is None:
        if "budget" not in block:
            check.add(where, "required key is missing: car_hours_per_week (and cars)")
        return None, None
    for key in CONTROL_ROOM_BUDGET_KEYS:
        if key in budget:
            check.add((*where, key), CONTROL_ROOM_NOT_YET)
    check.keys({k: v for k, v in budget.items() if k not in CONTROL_ROOM_BUDGET_KEYS}, where,
               BUDGET_KEYS)
    default_cars = max(1, len(base.cars)) if base is not None else 1
    cars = check.whole(budget, "cars", where, 1, default_cars)
    raw = budget.get("car_hours_per_week")
    at = (*where, "car_hours_per_week")
    hours: tuple[float, float] | None = None
    if raw is None:
        check.add(at, "required key is missing: car-hours a week for all cars together, "
                      "e.g. 56 (or {min: 48, max: 56})")
    elif isinstance(raw, dict):
        check.keys(raw, at, ("min", "max"))
        low = check.number(raw, "min", at, positive=True)
        high = check.number(raw, "max", at, positive=True)
        if "max" not in raw:
            check.add((*at, "max"), "required key is missing: the most car-hours a week")
        elif low is not None and high is not None and low > high:
            check.add((*at, "min"), f"must not be above max ({high:g}), got {low:g}")
        elif high is not None:
            hours = (low if low is not None else 0.0, high)
    else:
        value = check.number(budget, "car_hours_per_week", where, positive=True)
        if value is not None:
            hours = (value, value)
    if hours is not None and cars is not None and hours[1] > 168 * cars:
        check.add(at, f"{hours[1]:g} car-hours a week is more than {cars} car(s) on shift "
                      f"around the clock ({168 * cars})")
    return cars, hours


def _hours_list(check: _Checker, raw: Any, where: KeyPath) -> tuple[int, ...] | None:
    if isinstance(raw, dict):
        check.keys(raw, where, ("from", "to"))
        if "from" not in raw or "to" not in raw:
            check.add(where, "needs from and to, e.g. {from: 12, to: 22}")
            return None
        low = _hour(check, raw["from"], (*where, "from"))
        high = _hour(check, raw["to"], (*where, "to"))
        if low is None or high is None:
            return None
        if high < low:
            return tuple(list(range(low, 24)) + list(range(0, high + 1)))
        return tuple(range(low, high + 1))
    if not isinstance(raw, list) or not raw:
        check.add(where, "needs a list of hours, e.g. [17, 18, 19], or {from: 12, to: 22}")
        return None
    hours = []
    for i, value in enumerate(raw):
        hour = _hour(check, value, (*where, i))
        if hour is None:
            continue
        if hour in hours:
            check.add((*where, i), f"hour {hour} is repeated")
            continue
        hours.append(hour)
    return tuple(hours) if len(hours) == len(raw) else None


def _space(check: _Checker, block: dict) -> Space | None:
    where: KeyPath = ("optimise", "space")
    space = check.block(block, "space", ("optimise",),
                        "{shift_lengths_hours: [8], start_hours: [17, 18, 19], "
                        "day_patterns: [every_day]}")
    if space is None:
        if "space" not in block:
            check.add(where, "required key is missing: shift_lengths_hours, start_hours and "
                             "day_patterns")
        return None
    check.keys(space, where, SPACE_KEYS)
    ok = True
    lengths: list[int] = []
    raw = space.get("shift_lengths_hours")
    at = (*where, "shift_lengths_hours")
    if not isinstance(raw, list) or not raw:
        check.add(at, "needs a list of shift lengths in whole hours, e.g. [8, 10]")
        ok = False
    else:
        for i, value in enumerate(raw):
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 23:
                check.add((*at, i), f"must be a whole number of hours, 1 to 23, got {value!r}")
                ok = False
            elif value in lengths:
                check.add((*at, i), f"length {value} is repeated")
                ok = False
            else:
                lengths.append(value)
    if "start_hours" not in space:
        check.add((*where, "start_hours"), "required key is missing: the allowed start hours, "
                                           "e.g. {from: 12, to: 22}")
        starts = None
    else:
        starts = _hours_list(check, space["start_hours"], (*where, "start_hours"))
    patterns: list[str] = []
    raw = space.get("day_patterns", ["every_day"])
    at = (*where, "day_patterns")
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        check.add(at, f"needs a list of day patterns from: {', '.join(DAY_PATTERNS)}")
        ok = False
    else:
        for i, value in enumerate(raw):
            if value not in DAY_PATTERNS:
                close = difflib.get_close_matches(str(value), list(DAY_PATTERNS), n=1)
                hint = f"did you mean '{close[0]}'?" if close else (
                    f"choose from: {', '.join(DAY_PATTERNS)}")
                check.add((*at, i), f"unknown day pattern {value!r}; {hint}")
                ok = False
            elif value in patterns:
                check.add((*at, i), f"{value} is repeated")
                ok = False
            else:
                patterns.append(value)
    samples = check.whole(space, "per_day_samples", where, 1, DEFAULTS["per_day_samples"])
    most = check.whole(space, "max_candidates", where, 2, DEFAULTS["max_candidates"])
    overlap = space.get("overlap", True)
    if not isinstance(overlap, bool):
        check.add((*where, "overlap"), f"must be true or false, got {overlap!r}")
        ok = False
    if not ok or starts is None or samples is None or most is None:
        return None
    line = check.positions.get(where, (check.file, None))[1]
    return Space(tuple(lengths), starts, tuple(patterns), samples, bool(overlap), most, line)


def _objective(check: _Checker, block: dict, base: Scenario | None) -> Objective | None:
    where: KeyPath = ("optimise", "objective")
    raw = check.block(block, "objective", ("optimise",), "{metric: s136_avoided}")
    if raw is None:
        if "objective" not in block:
            check.add(where, "required key is missing: a metric to maximise or minimise "
                             "(metric: s136_avoided) or a net benefit (net_benefit: with_police)")
        return None
    check.keys(raw, where, OBJECTIVE_KEYS)
    metric, view = raw.get("metric"), raw.get("net_benefit")
    direction = raw.get("direction")
    if direction is not None and direction not in ("max", "min"):
        check.add((*where, "direction"), f"must be max or min, got {direction!r}")
        return None
    if (metric is None) == (view is None):
        check.add(where, "give one of metric (a metric name) or net_benefit (cash or "
                         "with_police)")
        return None
    if metric is not None:
        if metric not in METRIC_NAMES:
            close = difflib.get_close_matches(str(metric), METRIC_NAMES, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "see docs/metrics.md"
            check.add((*where, "metric"), f"unknown metric {metric!r}; {hint}")
            return None
        if direction is None:
            if metric in MAXIMISE:
                direction = "max"
            elif metric in MINIMISE:
                direction = "min"
            else:
                check.add((*where, "direction"), f"required for {metric}: max or min")
                return None
        unit = BY_NAME[metric].unit
        unit = f"{unit} a year" if unit in ANNUAL_UNITS else unit
        return Objective(metric, None, direction, unit)
    if view not in VIEWS:
        check.add((*where, "net_benefit"), f"must be one of {', '.join(VIEWS)}, got {view!r}")
        return None
    if base is not None and base.costs is None:
        check.add((*where, "net_benefit"), "the base scenario has no costs: block, so there is "
                                           "no net benefit to compute")
        return None
    return Objective(None, view, direction or "max", "£ a year")


def _constraints(check: _Checker, block: dict, cars: int | None
                 ) -> tuple[tuple[Cover, ...], tuple[MetricConstraint, ...]]:
    where: KeyPath = ("optimise", "constraints")
    raw = block.get("constraints", [])
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        check.add(where, "must be a list, e.g. [{cover: {from: \"20:00\", to: \"23:00\"}}, "
                         "{metric: unmet_busy, at_most: 450}]")
        return (), ()
    covers: list[Cover] = []
    metrics: list[MetricConstraint] = []
    for i, item in enumerate(raw):
        at = (*where, i)
        if not isinstance(item, dict):
            check.add(at, "must be a map: {cover: {...}} or {metric: ..., at_most: ...}")
            continue
        if "cover" in item:
            for key in item:
                if key != "cover":
                    check.add((*at, key), "a cover constraint has only the key cover")
            cover = _cover(check, item["cover"], (*at, "cover"), cars)
            if cover is not None:
                covers.append(cover)
        elif "metric" in item:
            constraint = _metric_constraint(check, item, at)
            if constraint is not None:
                metrics.append(constraint)
        else:
            check.add(at, "a constraint is {cover: {from, to, days}} or "
                          "{metric: NAME, at_most: X} (or at_least)")
    return tuple(covers), tuple(metrics)


def _cover(check: _Checker, raw: Any, at: KeyPath, cars: int | None) -> Cover | None:
    if not isinstance(raw, dict):
        check.add(at, "must be a map, e.g. {from: \"20:00\", to: \"02:00\", days: all}")
        return None
    check.keys(raw, at, COVER_KEYS)
    if "from" not in raw or "to" not in raw:
        check.add(at, "needs from and to (whole hours, e.g. \"20:00\" and \"02:00\")")
        return None
    start = _hour(check, raw["from"], (*at, "from"))
    end = _hour(check, raw["to"], (*at, "to"), allow_24=True)
    days_raw = raw.get("days", "all")
    days: list[int] = []
    if days_raw == "all":
        days = list(range(7))
    elif isinstance(days_raw, list) and days_raw:
        for j, day in enumerate(days_raw):
            if day not in DAY_NAMES:
                check.add((*at, "days", j), f"unknown day {day!r}; use {', '.join(DAY_NAMES)}")
            elif DAY_NAMES.index(day) not in days:
                days.append(DAY_NAMES.index(day))
    else:
        check.add((*at, "days"), "must be all or a list of days, e.g. [Fri, Sat]")
    need = check.whole(raw, "cars", at, 1, 1)
    if need is not None and cars is not None and need > cars:
        check.add((*at, "cars"), f"asks for {need} cars on shift, but the budget has {cars}")
        return None
    if start is None or end is None or not days or need is None:
        return None
    if start == end % 24:
        check.add(at, "from equals to; for a whole day write from: \"00:00\", to: \"24:00\"")
        return None
    return Cover(start, end, tuple(sorted(days)), need)


def _metric_constraint(check: _Checker, item: dict, at: KeyPath) -> MetricConstraint | None:
    check.keys(item, at, METRIC_CONSTRAINT_KEYS)
    metric = item.get("metric")
    if metric not in METRIC_NAMES:
        close = difflib.get_close_matches(str(metric), METRIC_NAMES, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see docs/metrics.md"
        check.add((*at, "metric"), f"unknown metric {metric!r}; {hint}")
        return None
    if ("at_most" in item) == ("at_least" in item):
        check.add(at, "give one of at_most or at_least (a value a year)")
        return None
    key = "at_most" if "at_most" in item else "at_least"
    limit = check.number(item, key, at)
    tolerance = check.number(item, "tolerance", at, positive=True)
    if limit is None or ("tolerance" in item and tolerance is None):
        return None
    if tolerance is None:
        tolerance = max(abs(limit) * 0.05, 1e-9)
    return MetricConstraint(str(metric), limit, key == "at_most", tolerance)


def _screen(check: _Checker, block: dict, objective: Objective | None
            ) -> tuple[int | None, int]:
    where: KeyPath = ("optimise", "screen")
    raw = block.get("screen")
    if raw is None:
        raw = {}
    if raw == "none":
        return None, 0
    if not isinstance(raw, dict):
        check.add(where, "must be none or a map, e.g. {keep: 100, check: 20}")
        return None, 0
    check.keys(raw, where, SCREEN_KEYS)
    keep: int | None
    if raw.get("keep") == "all":
        keep = None
    else:
        keep = check.whole(raw, "keep", where, 2, DEFAULTS["keep"])
        if keep is not None and keep > MAX_KN_CANDIDATES:
            check.add((*where, "keep"), f"at most {MAX_KN_CANDIDATES} rotas go on to the "
                                        f"ranking and selection, got {keep}")
            keep = MAX_KN_CANDIDATES
    check_n = check.whole(raw, "check", where, 0, DEFAULTS["check"]) or 0
    if keep is not None and objective is not None and not screenable(objective):
        check.add((*where, "keep"), f"the analytic screen cannot estimate {objective.name}; "
                                    "write screen: {keep: all} to take every rota to the "
                                    "simulation")
    return keep, check_n


SCREENABLE = frozenset({"car_attended", "unmet_off_shift", "unmet_busy", "s136_avoided",
                        "ae_avoided", "officer_hours_saved"})
"""Metrics the analytic screen (``sim/experiments/optimise/screen.py``) estimates."""


def screenable(objective: Objective) -> bool:
    """Whether the analytic screen can estimate this objective."""
    return objective.net_benefit is not None or objective.metric in SCREENABLE


def annual_factor(metric: str, weeks: int) -> float:
    """Multiplier from a replication's total over ``weeks`` weeks to a year (1 for rates)."""
    return WEEKS_PER_YEAR / weeks if BY_NAME[metric].unit in ANNUAL_UNITS else 1.0
