"""Candidate rotas: enumerating (and sampling) the space of an optimise file.

A car's rota is seven days, each either off or one shift ``(start hour, length)`` that
starts that day (it may run past midnight). Day patterns (``sim/experiments/optimise/spec.py``,
``DAY_PATTERNS``) tie days together: ``every_day`` gives all seven days one shift,
``sun_thu_fri_sat`` one shift Sunday to Thursday and another Friday and Saturday (the
Cambridgeshire rota's shape), ``mon_fri_sat_sun`` weekdays and the weekend; those are
enumerated over every allowed start and length. ``per_day`` rotas (each day its own shift
or a day off) are too many to enumerate (49^7 for 24 starts and two lengths), so
``per_day_samples`` of them are drawn at random, reproducibly from the seed.

A candidate gives each of the budget's cars one rota, such that the car-hours add up to
the budget, no car works two shifts at once, cars do not overlap unless ``overlap`` is
true, and every ``cover`` constraint holds. Rotas are compared by their days, so the
same rota reached by two patterns is one candidate; cars with the same crew are
interchangeable, so their rotas are taken as an unordered combination.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from sim.common.errors import Problem
from sim.experiments.optimise.spec import (
    DAY_PATTERNS,
    MAX_ENUMERATED,
    OptimiseError,
    OptimiseSpec,
)
from sim.scenario.calendar import DAY_NAMES
from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import Scenario

Day = tuple[int, int] | None
"""One day of a car's rota: ``(start hour, length in hours)``, or None for a day off."""

CarRota = tuple[Day, Day, Day, Day, Day, Day, Day]
"""Monday to Sunday."""


@dataclass(frozen=True)
class Candidate:
    """One rota for all the cars, with its place in the list of candidates."""

    index: int
    cars: tuple[CarRota, ...]
    pattern: str

    @property
    def car_hours(self) -> int:
        """Car-hours a week, all cars together."""
        return sum(d[1] for rota in self.cars for d in rota if d is not None)

    def label(self) -> str:
        """``Mon-Sun 19-03`` or ``car1: Sun-Thu 15-23, Fri-Sat 17-01; car2: ...``."""
        parts = [car_label(rota) for rota in self.cars]
        if len(parts) == 1:
            return parts[0]
        return "; ".join(f"car{i + 1}: {p}" for i, p in enumerate(parts))

    def coverage(self) -> np.ndarray:
        """Cars on shift in each hour of the week (168 whole numbers)."""
        return sum((rota_hours(r) for r in self.cars), np.zeros(168, dtype=np.int64))


def shift_groups(rota: CarRota) -> list[tuple[tuple[int, ...], int, int]]:
    """The rota as shift lines: ``(days, start hour, length)``, days with equal shifts
    grouped, in day order of their first day (Monday first)."""
    groups: dict[tuple[int, int], list[int]] = {}
    for day, shift in enumerate(rota):
        if shift is not None:
            groups.setdefault(shift, []).append(day)
    return sorted(((tuple(days), s, n) for (s, n), days in groups.items()),
                  key=lambda g: (g[0][0], g[1]))


def days_text(days: tuple[int, ...]) -> str:
    """``Mon-Sun``, ``Sun-Thu``, ``Fri-Sat`` or ``Mon,Wed,Fri``."""
    if len(days) == 7:
        return "Mon-Sun"
    names = list(days)
    # a run of consecutive days, possibly wrapping past Sunday: Sun-Thu
    for start in range(len(names)):
        seq = names[start:] + names[:start]
        if all((seq[i] + 1) % 7 == seq[i + 1] for i in range(len(seq) - 1)) and len(seq) >= 2:
            return f"{DAY_NAMES[seq[0]]}-{DAY_NAMES[seq[-1]]}"
    return ",".join(DAY_NAMES[d] for d in names)


def car_label(rota: CarRota) -> str:
    """``Sun-Thu 15-23, Fri-Sat 17-01`` (hours; ``off`` for a car with no shift)."""
    groups = shift_groups(rota)
    if not groups:
        return "off"
    ordered = sorted(groups, key=lambda g: (len(g[0]) < 7, g[0][0] != 6, g[0][0], g[1]))
    return ", ".join(f"{days_text(days)} {s:02d}-{(s + n) % 24:02d}" for days, s, n in ordered)


def shifts_yaml(rota: CarRota) -> list[dict[str, object]]:
    """The rota as a scenario file's ``shifts:`` list (a shift ending at or before its
    start ends the next day, ``sim/scenario/calendar.py``)."""
    return [{"days": [DAY_NAMES[d] for d in days] if len(days) < 7 else "all",
             "start": f"{s:02d}:00", "end": f"{(s + n) % 24:02d}:00"}
            for days, s, n in shift_groups(rota)]


def rota_hours(rota: CarRota) -> np.ndarray:
    """Shifts of one car on each hour of the week (above 1 where two shifts overlap)."""
    hours = np.zeros(168, dtype=np.int64)
    for day, shift in enumerate(rota):
        if shift is not None:
            start, length = shift
            first = 24 * day + start
            hours[np.arange(first, first + length) % 168] += 1
    return hours


def build_scenario(spec: OptimiseSpec, candidate: Candidate, name: str | None = None) -> Scenario:
    """The base scenario with the candidate's rota on its cars, validated.

    Car ``i`` keeps base car ``i``'s crew and settings (the last base car's for cars
    beyond the base's, named ``car<i+1>``); only its shifts change.
    """
    return rota_scenario(spec.base, candidate.cars,
                         name or f"{spec.name}_{candidate.index}",
                         f"{spec.name}: candidate {candidate.index}, {candidate.label()}")


def rota_scenario(base: Scenario, cars: tuple[CarRota, ...], name: str,
                  description: str) -> Scenario:
    """``base`` with ``cars`` as its cars' rotas (see :func:`build_scenario`)."""
    data = base.to_dict()
    base_cars = data.get("cars") or []
    new_cars = []
    names = {c.get("name") for c in base_cars}
    for i, rota in enumerate(cars):
        if i < len(base_cars):
            car = dict(base_cars[i])
        elif base_cars:
            car = dict(base_cars[-1])
            car["name"] = _fresh_name(names, i)
        else:
            car = {"name": f"car{i + 1}"}
        car["shifts"] = shifts_yaml(rota)
        names.add(car["name"])
        new_cars.append(car)
    data["cars"] = new_cars
    data["name"] = name
    data["description"] = description
    return scenario_from_dict(data, source=f"<{name}>")


def _fresh_name(names: set, i: int) -> str:
    n = i + 1
    while f"car{n}" in names:
        n += 1
    return f"car{n}"


def crews_identical(spec: OptimiseSpec) -> bool:
    """Whether the budget's cars all have the same crew and settings (interchangeable)."""
    cars = spec.base.cars
    if len(cars) <= 1:
        return True
    picked = [cars[min(i, len(cars) - 1)] for i in range(spec.cars)]
    keys = {(c.officers, c.clinicians, spec.base.car_takes_other_jobs(c)) for c in picked}
    return len(keys) == 1


# --------------------------------------------------------------------------- enumerating

def _pattern_rotas(groups: tuple[tuple[int, ...], ...], starts: tuple[int, ...],
                   lengths: tuple[int, ...]) -> list[CarRota]:
    options = [(s, n) for n in lengths for s in starts]
    rotas = []
    for choice in itertools.product(options, repeat=len(groups)):
        days: list[Day] = [None] * 7
        for group, shift in zip(groups, choice, strict=True):
            for d in group:
                days[d] = shift
        rotas.append(tuple(days))  # type: ignore[arg-type]
    return rotas


def _per_day_rotas(spec: OptimiseSpec, low: float, high: float,
                   rng: np.random.Generator) -> list[CarRota]:
    """``per_day_samples`` distinct per-day rotas with ``low <= hours <= high``, each
    drawn uniformly from all such rotas (a length vector weighted by its number of start
    combinations, then starts uniformly), without self-overlap or a broken cover."""
    sp = spec.space
    choices = (0, *sp.shift_lengths)
    vectors, weights = [], []
    n_starts = len(sp.start_hours)
    for vector in itertools.product(choices, repeat=7):
        if low <= sum(vector) <= high and any(vector):
            vectors.append(vector)
            weights.append(float(n_starts) ** sum(1 for v in vector if v))
    if not vectors:
        return []
    p = np.asarray(weights) / sum(weights)
    starts = np.asarray(sp.start_hours)
    single = spec.cars == 1
    found: dict[CarRota, None] = {}
    attempts = 0
    while len(found) < sp.per_day_samples and attempts < 50 * sp.per_day_samples:
        attempts += 1
        vector = vectors[int(rng.choice(len(vectors), p=p))]
        picks = rng.choice(starts, size=7)
        rota: CarRota = tuple((int(picks[d]), v) if v else None  # type: ignore[assignment]
                              for d, v in enumerate(vector))
        hours = rota_hours(rota)
        if hours.max() > 1:
            continue
        if single and not all(all(hours[h] >= c.cars for h in c.hours_of_week())
                              for c in spec.covers):
            continue
        found[rota] = None
    return list(found)


def generate(spec: OptimiseSpec) -> tuple[list[Candidate], list[str]]:
    """Every candidate rota of the problem (in a fixed order) and notes for the user.

    Raises
    ------
    OptimiseError
        When no rota fits the budget and constraints, or the space is too large to list.
    """
    sp = spec.space
    low, high = spec.car_hours
    notes: list[str] = []
    rng = np.random.default_rng([spec.seed, 7001])
    by_rota: dict[CarRota, str] = {}
    for pattern in sp.day_patterns:
        if pattern == "per_day":
            share_low, share_high = (low / spec.cars, high / spec.cars)
            if spec.cars > 1:
                share_low = share_high = high / spec.cars
            for rota in _per_day_rotas(spec, share_low, share_high, rng):
                by_rota.setdefault(rota, pattern)
            continue
        for rota in _pattern_rotas(DAY_PATTERNS[pattern], sp.start_hours, sp.shift_lengths):
            hours = sum(d[1] for d in rota if d is not None)
            if hours <= high and rota_hours(rota).max() <= 1:
                by_rota.setdefault(rota, pattern)
    rotas = list(by_rota)
    hours = np.array([sum(d[1] for d in r if d is not None) for r in rotas])
    cover = np.array([rota_hours(r) for r in rotas]) if rotas else np.zeros((0, 168))
    required = [(np.array(c.hours_of_week()), c.cars) for c in spec.covers]
    combos_iter = (itertools.combinations_with_replacement(range(len(rotas)), spec.cars)
                   if crews_identical(spec) else itertools.product(range(len(rotas)),
                                                                   repeat=spec.cars))
    total = (math.comb(len(rotas) + spec.cars - 1, spec.cars) if crews_identical(spec)
             else len(rotas) ** spec.cars)
    if total > MAX_ENUMERATED:
        raise OptimiseError([_space_problem(spec, f"the space has {total:,} combinations of "
                                            f"rotas for {spec.cars} cars, more than "
                                            f"{MAX_ENUMERATED:,}; narrow the start hours, "
                                            "lengths or day patterns")])
    kept: list[tuple[int, ...]] = []
    for combo in combos_iter:
        h = sum(hours[i] for i in combo)
        if not low - 1e-9 <= h <= high + 1e-9:
            continue
        on = cover[list(combo)].sum(axis=0) if spec.cars > 1 else cover[combo[0]]
        if not sp.overlap and spec.cars > 1 and on.max() > 1:
            continue
        if any((on[hrs] < need).any() for hrs, need in required):
            continue
        kept.append(combo)
    if not kept:
        raise OptimiseError([_space_problem(spec, "no rota in the space fits the budget ("
                                            f"{_hours_text(spec)}) and the constraints; allow "
                                            "more start hours, lengths or day patterns")])
    if len(kept) > sp.max_candidates:
        notes.append(f"{len(kept):,} rotas fit; {sp.max_candidates:,} of them drawn at random "
                     "(space.max_candidates)")
        pick = np.sort(rng.choice(len(kept), size=sp.max_candidates, replace=False))
        kept = [kept[i] for i in pick]
    candidates = []
    for index, combo in enumerate(kept):
        patterns = sorted({by_rota[rotas[i]] for i in combo})
        candidates.append(Candidate(index, tuple(rotas[i] for i in combo), "+".join(patterns)))
    return candidates, notes


def _hours_text(spec: OptimiseSpec) -> str:
    low, high = spec.car_hours
    hours = f"{high:g}" if low == high else f"{low:g} to {high:g}"
    return f"{hours} car-hours a week for {spec.cars} car{'s' if spec.cars > 1 else ''}"


def _space_problem(spec: OptimiseSpec, message: str) -> Problem:
    file = spec.source or "<optimise>"
    return Problem(file, spec.space.line, "optimise.space", message)


def sweep_rotas(spec: OptimiseSpec) -> list[Candidate]:
    """The plain start-hour sweep: every car on one daily shift of the budget's length,
    starting at each allowed hour (as ``scenarios/sweeps/rota_start_hour.yaml`` does),
    keeping those that meet the overlap rule and the cover constraints."""
    low, high = spec.car_hours
    out: list[Candidate] = []
    required = [(np.array(c.hours_of_week()), c.cars) for c in spec.covers]
    for length in spec.space.shift_lengths:
        if not low - 1e-9 <= 7 * length * spec.cars <= high + 1e-9:
            continue
        for start in spec.space.start_hours:
            rota: CarRota = ((start, length),) * 7  # type: ignore[assignment]
            cand = Candidate(len(out), (rota,) * spec.cars, "sweep")
            on = cand.coverage()
            if not spec.space.overlap and on.max() > 1:
                continue
            if any((on[hrs] < need).any() for hrs, need in required):
                continue
            out.append(cand)
    return out
