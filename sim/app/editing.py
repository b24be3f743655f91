"""Editing a scenario in the app: the rota grid, edits validated by the schema, coverage, YAML.

A draft is plain data, as a merged scenario file holds (``Scenario.to_dict()``). Edits are
applied to it and the result is validated by :func:`sim.scenario_from_dict`, the schema
the command line uses, so the messages are the same. The rota grid has one row per shift
line (``car, days, start, end, officers, clinicians``); :func:`cars_from_rota` turns it
into the ``cars:`` list and remembers which row each shift came from, so that a problem
at ``cars[0].shifts[1].start`` is shown at its row. The control room's rota is a grid of
its own (``days, start, end``): :func:`room_shifts` does the same for
``control_room.shifts``.
"""

from __future__ import annotations

import copy
import math
import re
import textwrap
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import TypeAdapter

import sim
from sim.common.dotted import set_dotted
from sim.common.errors import Problem, ScenarioError
from sim.common.units import HOURS_PER_WEEK
from sim.scenario.calendar import (
    DAY_NAMES,
    WeeklyPattern,
    parse_hhmm,
    shift_intervals,
    shift_minutes_by_hour,
)
from sim.scenario.costs import Costs
from sim.scenario.distributions import Distribution
from sim.scenario.presets import HOURLY_PROFILES
from sim.scenario.schema import Demand, Scenario

ROTA_COLUMNS = ("car", "days", "start", "end", "officers", "clinicians")
"""Columns of the rota grid, in order."""

ROOM_COLUMNS = ("days", "start", "end")
"""Columns of the control room's rota grid, in order."""

_KEY = re.compile(r"^cars\[(\d+)\]\.shifts\[(\d+)\]\.?(.*)$")
_CAR_KEY = re.compile(r"^cars\[(\d+)\]\.?(.*)$")
_ROOM_KEY = re.compile(r"^control_room\.shifts\[(\d+)\]\.?(.*)$")


# ----------------------------------------------------------------------------- days


def days_text(days: Sequence[str]) -> str:
    """Days as people write them: ``all``, ``Sun-Thu`` (runs of three or more), ``Fri, Sat``."""
    index = sorted({DAY_NAMES.index(d) for d in days if d in DAY_NAMES})
    if len(index) == 7:
        return "all"
    if not index:
        return ", ".join(days)
    # Start a run after a gap, so that Sun, Mon .. Thu reads "Sun-Thu".
    start = next((i for i in index if (i - 1) % 7 not in index), index[0])
    order = [(start + k) % 7 for k in range(7) if (start + k) % 7 in index]
    runs: list[list[int]] = []
    for i in order:
        if runs and (runs[-1][-1] + 1) % 7 == i:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[i] for i in run)
    return ", ".join(parts)


def parse_days(text: Any) -> list[str] | str:
    """Days from grid text: ``all``, ``Mon-Fri``, ``Fri, Sat``, ``Sun Mon``.

    A range runs forward through the week (``Sat-Mon`` is Sat, Sun, Mon). A word that is not
    a day is passed on unchanged, so that the schema reports it in the command line's words.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    words = [w for w in re.split(r"[,\s]+", str(text).strip()) if w]
    days: list[str] = []
    for word in words:
        if word.lower() == "all":
            return "all"
        if "-" in word:
            first, _, last = word.partition("-")
            a, b = _day(first), _day(last)
            if a is not None and b is not None:
                days.extend(DAY_NAMES[(a + k) % 7] for k in range((b - a) % 7 + 1))
                continue
        d = _day(word)
        days.append(DAY_NAMES[d] if d is not None else word)
    return days


_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(word: str) -> int | None:
    """Index of a day written as ``Thu``, ``Thurs`` or ``Thursday`` (any case), else None."""
    w = word.strip().lower()
    return next((i for i, full in enumerate(_FULL) if len(w) >= 3 and full.startswith(w)),
                None)


# ----------------------------------------------------------------------------- rota grid


def rota_frame(cars: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The rota grid of a ``cars:`` list: one row per shift line."""
    rows = []
    for car in cars:
        for shift in car.get("shifts", []):
            days = shift.get("days", [])
            rows.append({
                "car": car.get("name", ""),
                "days": days_text(days if isinstance(days, list) else [days]),
                "start": shift.get("start", ""), "end": shift.get("end", ""),
                "officers": car.get("officers", 1), "clinicians": car.get("clinicians", 1),
            })
    frame = pd.DataFrame(rows, columns=list(ROTA_COLUMNS))
    return frame.astype({"car": "string", "days": "string", "start": "string", "end": "string",
                         "officers": "Int64", "clinicians": "Int64"})


def _blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) \
        or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> Any:
    """A grid number as plain Python (whole numbers as int), or the value unchanged."""
    if _blank(value):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if float(value).is_integer() else float(value)
    return value


@dataclass(frozen=True)
class Rota:
    """The ``cars:`` list made from the grid, and where each shift came from.

    Attributes
    ----------
    cars
        Plain data for ``cars:``.
    rows
        ``(car index, shift index) -> grid row`` (0-based).
    problems
        Problems the schema cannot see (a car whose rows give two crews, a row with no car).
    """

    cars: list[dict[str, Any]]
    rows: dict[tuple[int, int], int]
    problems: list[Problem]


def cars_from_rota(frame: pd.DataFrame, before: Sequence[Mapping[str, Any]] = (),
                   source: str = "<built>") -> Rota:
    """The ``cars:`` list of the grid; other keys of a car (``takes_other_jobs``) are kept
    from ``before`` by the car's name."""
    kept = {c.get("name"): c for c in before}
    cars: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    rows: dict[tuple[int, int], int] = {}
    problems: list[Problem] = []
    for row, rec in enumerate(frame.to_dict("records")):
        values = {k: rec.get(k) for k in ROTA_COLUMNS}
        if all(_blank(values[k]) for k in ("car", "days", "start", "end")):
            continue  # a row just added in the grid (its crew may hold the defaults)
        name = "" if _blank(values["car"]) else str(values["car"]).strip()
        if not name:
            problems.append(Problem(source, None, f"row {row + 1}: car",
                                    "every row needs the name of its car"))
            continue
        shift = {"days": parse_days(values["days"]),
                 "start": None if _blank(values["start"]) else str(values["start"]).strip(),
                 "end": None if _blank(values["end"]) else str(values["end"]).strip()}
        crew = {k: _number(values[k]) for k in ("officers", "clinicians")}
        if name not in index:
            car = {k: v for k, v in copy.deepcopy(kept.get(name, {})).items()
                   if k not in ("name", "shifts", "officers", "clinicians")}
            car = {"name": name, "shifts": [], **car}
            for k, v in crew.items():
                if v is not None:
                    car[k] = v
            index[name] = len(cars)
            cars.append(car)
        else:
            car = cars[index[name]]
            for k, v in crew.items():
                if v is not None and car.get(k, v) != v:
                    problems.append(Problem(source, None, f"row {row + 1}: {k}",
                                            f"car {name!r} has {car[k]} {k} on an earlier row; "
                                            "a car has one crew: give every row of a car the "
                                            "same crew"))
        rows[(index[name], len(car["shifts"]))] = row
        car["shifts"].append(shift)
    return Rota(cars=cars, rows=rows, problems=problems)


def where(problem: Problem, rota: Rota | None = None,
          frame: pd.DataFrame | None = None) -> str:
    """Where a problem is, for people: ``row 2 (car1): start`` for a rota key, else its key."""
    key = problem.key
    if rota is not None:
        match = _KEY.match(key)
        if match:
            car, shift, rest = int(match[1]), int(match[2]), match[3]
            row = rota.rows.get((car, shift))
            if row is not None:
                name = rota.cars[car]["name"] if car < len(rota.cars) else "?"
                return f"row {row + 1} ({name}){': ' + rest if rest else ''}"
        match = _CAR_KEY.match(key)
        if match and int(match[1]) < len(rota.cars):
            car = int(match[1])
            rows = sorted(r for (c, _), r in rota.rows.items() if c == car)
            first = f"row {rows[0] + 1}" if rows else "car"
            return f"{first} ({rota.cars[car]['name']}){': ' + match[2] if match[2] else ''}"
    return key


# ----------------------------------------------------------------------------- control room

DEFAULT_ROOM: dict[str, Any] = {
    "shifts": [{"days": "all", "start": "08:00", "end": "24:00"}],
    "practitioners": 2,
    "share_screened": 0.8,
    "handling_minutes": {"dist": "lognormal", "mean": 15, "sd": 8},
}
"""The control room a scenario starts with when one is added in the builder: the example
of ``docs/scenarios.md`` (``control_room``), every value then editable."""

ROOM_STARTING_SOURCE = ("Starting value of a control room added in the planner app: the "
                        "example in docs/scenarios.md (control_room), not a published "
                        "figure; set your own.")
"""The source shown on hover for the values of :data:`DEFAULT_ROOM`."""

ADVICE_KEYS = ("p_no_deployment", "p_s136", "p_conveyed_ae")
"""The outcomes after advice (``response.control_room``), in the order the builder shows."""


def default_advice(data: Mapping[str, Any]) -> dict[str, float]:
    """Outcomes after advice for a scenario that has none: the scenario's own
    ``response.control_room`` if it has one, else the standard response's risks and no call
    resolved by phone (advice that changes nothing until its outcomes are set)."""
    response = data.get("response") or {}
    own = response.get("control_room")
    if isinstance(own, Mapping):
        return dict(own)
    standard = response.get("standard") or {}
    return {"p_no_deployment": 0.0, "p_s136": standard.get("p_s136", 0.0),
            "p_conveyed_ae": standard.get("p_conveyed_ae", 0.0)}


def room_frame(room: Mapping[str, Any] | None) -> pd.DataFrame:
    """The control room's rota grid: one row per shift line (``days, start, end``)."""
    rows = []
    for shift in (room or {}).get("shifts", []):
        days = shift.get("days", [])
        rows.append({"days": days_text(days if isinstance(days, list) else [days]),
                     "start": shift.get("start", ""), "end": shift.get("end", "")})
    return pd.DataFrame(rows, columns=list(ROOM_COLUMNS)).astype("string")


def room_shifts(frame: pd.DataFrame) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """``control_room.shifts`` from the grid, and ``shift index -> grid row`` (0-based).

    A row with nothing in it (just added) is left out; what a row holds is passed on as it
    is, so that the schema reports a bad day or time in the command line's words.
    """
    shifts: list[dict[str, Any]] = []
    rows: dict[int, int] = {}
    for row, rec in enumerate(frame.to_dict("records")):
        values = {k: rec.get(k) for k in ROOM_COLUMNS}
        if all(_blank(v) for v in values.values()):
            continue
        rows[len(shifts)] = row
        shifts.append({"days": parse_days(values["days"]),
                       "start": None if _blank(values["start"]) else str(values["start"]).strip(),
                       "end": None if _blank(values["end"]) else str(values["end"]).strip()})
    return shifts, rows


def room_where(problem: Problem, rows: Mapping[int, int]) -> str:
    """Where a problem of the control room's rota is, for people: ``row 2: start``."""
    match = _ROOM_KEY.match(problem.key)
    if match and int(match[1]) in rows:
        rest = match[2]
        return f"row {rows[int(match[1])] + 1}{': ' + rest if rest else ''}"
    return problem.key


# ----------------------------------------------------------------------------- S136 pathway

DEFAULT_PATHWAY: dict[str, Any] = {
    "conveyance": {
        "p_ambulance": 0.35,
        "ambulance_wait_hours": {"dist": "lognormal", "mean": 1.5, "sd": 1.0},
        "travel_minutes": {"dist": "lognormal", "mean": 30, "sd": 15},
    },
    "place_of_safety": {
        "beds": 2,
        "handover_minutes": {"dist": "lognormal", "mean": 45, "sd": 20},
        "bed_hours": {"dist": "lognormal", "median": 10, "p95": 24},
        "max_wait_hours": 2,
        "divert": {"ae": 0.97, "custody": 0.03},
    },
    "ae_as_place_of_safety_hours": {"dist": "lognormal", "mean": 6, "sd": 3},
    "custody_hours": {"dist": "fixed", "value": 3},
    "legal_limit_hours": 24,
}
"""The Section 136 pathway a scenario starts with when one is added in the builder and the
scenario has none of its own: the example of DESIGN.md section 9 (also ``docs/scenarios.md``,
``pathway``) with the schema's default custody hold, every value then editable."""

PATHWAY_STARTING_SOURCE = ("Starting value of a Section 136 pathway added in the planner app: "
                           "the example in the design (section 9; docs/scenarios.md, pathway), "
                           "not a published figure; set your own.")
"""The source shown on hover for the values of :data:`DEFAULT_PATHWAY`."""

PATHWAY_NUMBERS: tuple[tuple[str, str], ...] = (
    ("conveyance.p_ambulance", "Share conveyed by ambulance (else a police vehicle)"),
    ("place_of_safety.max_wait_hours", "Longest wait for a bed (hours), then divert"),
    ("place_of_safety.divert.ae", "Diverts taken to A&E (share)"),
    ("place_of_safety.divert.custody", "Diverts taken to custody (share)"),
    ("legal_limit_hours", "Detention limit (hours from arrival at the place of safety)"),
    ("place_of_safety.p_ae_first", "Taken straight to A&E, medical need (share)"),
)
"""The pathway's plain numbers the builder edits (keys under ``pathway.``) and their labels;
``place_of_safety.beds`` has an input of its own (a whole number, or no limit)."""

PATHWAY_DISTRIBUTIONS: tuple[tuple[str, str, str], ...] = (
    ("conveyance.ambulance_wait_hours", "Officers' wait for an ambulance", "hours"),
    ("conveyance.travel_minutes", "Journey to the place of safety", "minutes"),
    ("place_of_safety.handover_minutes", "Handover once a bed is free", "minutes"),
    ("place_of_safety.bed_hours", "A bed occupied (arrival to end of assessment)", "hours"),
    ("ae_as_place_of_safety_hours", "Officers held at A&E (straight there, or after a divert)",
     "hours"),
    ("custody_hours", "Officers held booking into custody after a divert", "hours"),
)
"""The pathway's distributions (keys under ``pathway.``), their labels and units."""

PATHWAY_KEYS: tuple[str, ...] = ("place_of_safety.beds", *(k for k, _ in PATHWAY_NUMBERS),
                                 *(k for k, _, _ in PATHWAY_DISTRIBUTIONS))
"""Every key under ``pathway.`` the builder edits."""


def pathway_widget(key: str) -> str:
    """The widget name of a pathway key: ``divert_ae`` for ``place_of_safety.divert.ae``."""
    for part in ("conveyance.", "place_of_safety."):
        key = key.removeprefix(part)
    return key.replace(".", "_")


def pathway_start(data: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The pathway the builder starts from, and whether it is the scenario's own: the
    scenario's ``pathway`` block if it has one, else a copy of :data:`DEFAULT_PATHWAY`."""
    own = data.get("pathway")
    if isinstance(own, Mapping):
        return copy.deepcopy(dict(own)), True
    return copy.deepcopy(DEFAULT_PATHWAY), False


def pathway_value(pathway: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """The value at ``key`` (dotted, under ``pathway.``), or ``default`` when it is absent
    (a key the schema defaults: ``max_wait_hours``, ``divert``, ``legal_limit_hours``)."""
    value = _get(dict(pathway), key)
    if value is not _MISSING:
        return value
    fallback = _get(DEFAULT_PATHWAY, key)
    return default if fallback is _MISSING else fallback


def beds_input(beds: Any) -> tuple[int, bool]:
    """What the beds inputs show for ``beds``: a whole number, and whether there is no limit
    (``inf``: the number then shows the example's 2 beds, used if the limit comes back)."""
    if beds == "inf" or (isinstance(beds, float) and math.isinf(beds)):
        return int(DEFAULT_PATHWAY["place_of_safety"]["beds"]), True
    try:
        return int(beds), False
    except (TypeError, ValueError):
        return int(DEFAULT_PATHWAY["place_of_safety"]["beds"]), False


def pathway_from_inputs(start: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``pathway:`` block: ``start`` with each dotted key of ``values`` set (``beds`` as
    given, ``"inf"`` for no limit); passed to the schema as it is, so a bad value is
    reported in the command line's words."""
    out = copy.deepcopy(dict(start))
    for key, value in values.items():
        set_dotted(out, key, copy.deepcopy(value))
    return out


def _forms() -> dict[str, tuple[str, ...]]:
    union = typing.get_args(Distribution)[0]
    return {cls.model_fields["dist"].annotation.__args__[0]:
            tuple(k for k in cls.model_fields if k != "dist")
            for cls in typing.get_args(union)}


DISTRIBUTION_FORMS: dict[str, tuple[str, ...]] = _forms()
"""Each distribution form (``dist``) and its parameters, read from the schema's classes."""


def distribution_params(dist: Mapping[str, Any] | None, form: str) -> dict[str, float]:
    """The parameters the builder shows for a distribution of ``form``, with the values of
    ``dist`` where it is of that form (a lognormal shows the pair it is given by: ``mean``
    and ``sd``, or ``median`` and ``p95``). ``empirical`` has a list, not numbers: empty."""
    dist = dict(dist or {})
    names = DISTRIBUTION_FORMS.get(form, ())
    if form == "lognormal":
        names = ("median", "p95") if dist.get("dist") == form and "median" in dist \
            else ("mean", "sd")
    if form == "empirical":
        return {}
    mean = _mean_of(dist)
    out = {}
    for name in names:
        if isinstance(dist.get(name), int | float) and not isinstance(dist.get(name), bool):
            out[name] = float(dist[name])  # kept from the form it had (sd of a lognormal)
        elif name in ("mean", "value", "median", "mode"):
            out[name] = mean
        elif name in ("low",):
            out[name] = 0.0
        elif name in ("high", "p95"):
            out[name] = 2 * mean
        else:  # sd
            out[name] = mean / 2
    return out


def _mean_of(dist: Mapping[str, Any]) -> float:
    """A distribution's mean if it is valid (to start another form from), else 1."""
    try:
        return float(TypeAdapter(Distribution).validate_python(dict(dist)).mean_value)
    except (ValueError, TypeError, OverflowError):
        return 1.0


# ----------------------------------------------------------------------------- drafts


def apply_edits(base: Mapping[str, Any], edits: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with each dotted key of ``edits`` set (maps and lists whole)."""
    data = copy.deepcopy(dict(base))
    for key, value in edits.items():
        set_dotted(data, key, copy.deepcopy(value))
    return data


def validate(data: Mapping[str, Any], source: str) -> tuple[Scenario | None, list[Problem]]:
    """The scenario, or the schema's problems (the command line's messages)."""
    try:
        return sim.scenario_from_dict(dict(data), source=source), []
    except ScenarioError as exc:
        return None, list(exc.problems)


def under(problems: Sequence[Problem], *prefixes: str) -> list[Problem]:
    """The problems at one of the keys ``prefixes`` or below them (``demand`` takes
    ``demand.calls_per_day``; ``cars`` takes ``cars[0].shifts[1].start``)."""
    out = []
    for p in problems:
        key = p.key
        for prefix in prefixes:
            if key == prefix or key.startswith((prefix + ".", prefix + "[")):
                out.append(p)
                break
    return out


# ----------------------------------------------------------------------------- coverage


def demand_rates(data: Mapping[str, Any]) -> np.ndarray | None:
    """Expected calls in each of the 168 hours of the week, if the demand block is valid."""
    try:
        demand = Demand.model_validate(data.get("demand", {}))
    except ValueError:
        return None
    return np.asarray(demand.rates_per_hour(), dtype=float)


def _pattern(shifts: Sequence[Mapping[str, Any]]) -> WeeklyPattern:
    """The merged weekly windows of shift lines given as plain data; lines that do not
    parse are left out (the schema reports them)."""
    intervals: list[tuple[int, int]] = []
    for shift in shifts:
        days = shift.get("days")
        days = list(DAY_NAMES) if days == "all" else days
        try:
            index = [DAY_NAMES.index(d) for d in days]
            intervals += shift_intervals(index, parse_hhmm(str(shift.get("start"))),
                                         parse_hhmm(str(shift.get("end"))))
        except (ValueError, TypeError):
            continue
    return WeeklyPattern.from_intervals(intervals)


def cars_on_shift(cars: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Mean number of cars on shift in each hour of the week; shift lines that do not
    parse are left out (the schema reports them)."""
    patterns = [_pattern(car.get("shifts", [])) for car in cars]
    return shift_minutes_by_hour(patterns) / 60.0 if patterns else np.zeros(HOURS_PER_WEEK)


def practitioners_on_shift(room: Mapping[str, Any] | None) -> np.ndarray:
    """Mean number of control-room practitioners on shift in each hour of the week (the
    room's windows times its practitioners; zero with no control room)."""
    if not room:
        return np.zeros(HOURS_PER_WEEK)
    people = room.get("practitioners", 1)
    people = people if isinstance(people, int | float) and not isinstance(people, bool) \
        and people > 0 else 0
    return shift_minutes_by_hour([_pattern(room.get("shifts", []))]) / 60.0 * people


def coverage_frame(data: Mapping[str, Any]) -> pd.DataFrame:
    """One row per hour of the week: ``day``, ``hour``, ``calls`` (expected calls in that
    hour, NaN if the demand is invalid), ``cars`` (mean cars on shift) and ``practitioners``
    (mean control-room practitioners on shift; zero with no control room)."""
    rates = demand_rates(data)
    cars = cars_on_shift(data.get("cars", []) or [])
    hours = np.arange(HOURS_PER_WEEK)
    return pd.DataFrame({
        "day": [DAY_NAMES[h // 24] for h in hours],
        "hour": hours % 24,
        "calls": rates if rates is not None else np.full(HOURS_PER_WEEK, np.nan),
        "cars": cars,
        "practitioners": practitioners_on_shift(data.get("control_room")),
    })


def covered_share(coverage: pd.DataFrame, column: str = "cars") -> float:
    """Share of the week's expected calls that arrive with at least one car (or, with
    ``column="practitioners"``, one control-room practitioner) on shift."""
    calls = coverage["calls"].to_numpy()
    total = float(np.nansum(calls))
    if total <= 0:
        return math.nan
    return float(np.nansum(calls * np.minimum(coverage[column].to_numpy(), 1.0))) / total


def hourly_weights(profile: Any) -> list[float]:
    """The 24 weights of a preset name or a list (a preset that does not exist: flat)."""
    if isinstance(profile, str):
        return list(HOURLY_PROFILES.get(profile, HOURLY_PROFILES["flat"]))
    return [float(w) for w in profile]


# ----------------------------------------------------------------------------- costs

COST_LABELS: dict[str, str] = {
    "officer_hour": "Officer (£ an hour)", "clinician_hour": "Practitioner (£ an hour)",
    "vehicle_per_car_hour": "Vehicle (£ a car-hour)",
    "management_per_year": "Management (£ a year)",
    "training_per_car_per_year": "Training (£ a car a year)",
    "setup_per_car": "Set-up (£ a car, once)",
    "s136_detention": "Section 136 detention (£ each)",
    "alternative_care": "Care instead of a detention (£ each)",
    "ae_attendance": "A&E attendance (£ each)", "ae_conveyance": "A&E conveyance (£ each)",
}
"""Labels of the unit costs the builder edits (others are kept as the file gives them)."""


def cost_items() -> list[str]:
    """The unit-cost keys of a ``costs:`` block (every field but the price year)."""
    return [k for k in Costs.model_fields if k != "price_year"]


def cost_value(costs: Mapping[str, Any], key: str) -> tuple[float, str]:
    """A unit cost's amount and the dotted key that sets it: ``costs.K`` for a bare number,
    ``costs.K.value`` for an item written as a map (``{value: 22.5, price_year: 2013}``)."""
    item = costs.get(key, 0.0)
    if isinstance(item, Mapping):
        return float(item.get("value", 0.0)), f"costs.{key}.value"
    return float(item), f"costs.{key}"


def cost_label(key: str) -> str:
    """The label of a unit cost's input."""
    if key in COST_LABELS:
        return COST_LABELS[key]
    field = Costs.model_fields.get(key)
    text = field.description if field is not None and field.description else key
    return text[0].upper() + text[1:] + " (£)"


# ----------------------------------------------------------------------------- YAML


def _differs(value: Any, parent: Any) -> bool:
    return value != parent


def diff_from_parent(data: Mapping[str, Any], parent: Mapping[str, Any]) -> dict[str, Any]:
    """What ``data`` sets over ``parent`` under the ``extends`` rules: maps merge key by key,
    lists and distributions (maps with ``dist``) are replaced whole."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in parent:
            out[key] = value
            continue
        base = parent[key]
        if isinstance(value, dict) and isinstance(base, dict) and "dist" not in value:
            sub = diff_from_parent(value, base)
            if sub:
                out[key] = sub
        elif _differs(value, base):
            out[key] = value
    return out


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True,
                          width=10_000)
    text = text.strip()
    return text[:-4].strip() if text.endswith("\n...") or text.endswith(" ...") else text


def _simple(value: Any) -> bool:
    """Whether a value fits on one line: scalars, lists of scalars, maps of those."""
    if isinstance(value, dict):
        return all(_simple(v) and not isinstance(v, dict) for v in value.values())
    if isinstance(value, list):
        return all(not isinstance(v, dict | list) for v in value)
    return True


def _comment_lines(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, width=max(40, 92 - len(indent)))]


def _get(data: Any, dotted: str) -> Any:
    node = data
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


_MISSING = object()


def _emit(mapping: Mapping[str, Any], indent: str, prefix: str, comments: Mapping[str, str],
          source: Any, lines: list[str], first: str | None = None) -> None:
    for i, (key, value) in enumerate(mapping.items()):
        dotted = f"{prefix}.{key}" if prefix else str(key)
        lead = first if (first is not None and i == 0) else indent
        comment = comments.get(dotted)
        if comment is not None and source is not None and _get(source, dotted) != value:
            comment = "set in the planner app (the file's comment was about another value)"
        if comment:
            lines.extend(_comment_lines(comment, indent))
        if isinstance(value, dict) and value and not (_simple(value) and prefix):
            lines.append(f"{lead}{key}:")
            _emit(value, indent + "  ", dotted, comments, source, lines)
        elif isinstance(value, list) and value and not _simple(value):
            lines.append(f"{lead}{key}:")
            for j, item in enumerate(value):
                if isinstance(item, dict) and item and not _simple(item):
                    _emit(item, indent + "    ", f"{dotted}.{j}", comments, source, lines,
                          first=indent + "  - ")
                else:
                    lines.append(f"{indent}  - {_flow(item)}")
        else:
            lines.append(f"{lead}{key}: {_flow(value)}")


OPTIONAL_BLOCKS = ("control_room", "pathway")
"""Optional top-level blocks the builder adds and takes away. A scenario without one
(``Scenario.to_dict()`` leaves it out) whose parent file has one is written with
``key: null``, so that the file loads back without it rather than with the parent's."""


def scenario_yaml(data: Mapping[str, Any], *, extends: str | None = None,
                  parent: Mapping[str, Any] | None = None,
                  comments: Mapping[str, str] | None = None,
                  source: Mapping[str, Any] | None = None, header: str = "") -> str:
    """A scenario file's text: ``name``, ``description``, ``extends`` (when given with its
    ``parent`` data, only what differs from the parent follows, and ``pathway: null`` or
    ``control_room: null`` for a block of the parent's taken away), then the rest, each key
    with its comment from the file it came from while its value is unchanged (``source``)."""
    body = dict(data)
    top: dict[str, Any] = {k: body.pop(k) for k in ("name", "description") if k in body}
    if extends is not None and parent is not None:
        for key in OPTIONAL_BLOCKS:  # taken away here, but the parent has one: say so
            if key not in body and isinstance(parent.get(key), Mapping):
                body[key] = None
        body = diff_from_parent(body, parent)
    lines = _comment_lines(header, "") if header else []
    _emit(top, "", "", comments or {}, source, lines)
    if extends is not None and parent is not None:
        lines.append(f"extends: {_flow(extends)}")
    _emit(body, "", "", comments or {}, source, lines)
    return "\n".join(lines) + "\n"
