"""Sweep files: reading, validation and the design of points (variants x grid x samples).

A sweep file has one top-level key, ``sweep``::

    sweep:
      name: cars_by_demand
      base: ../cpft_one_car.yaml        # a scenario file, relative to this file
      variants:                         # named overrides of the base
        one_car: {}
        two_cars: {cars: [...]}
      grid:                             # dotted keys, every combination
        demand.calls_per_day: [6, 8, 10]
      samples:                          # Latin hypercube over ranges
        n: 20
        ranges: {response.car.p_s136: [0.03, 0.09]}
      reps: 20

Points are every variant crossed with every grid combination, crossed with every sample
(the same samples in every cell): variant outermost, then the grid keys in the order
given, then the samples. A variant is a partial scenario merged deeply into the base
(maps merge, lists are replaced whole, like ``extends``); its keys may also be dotted
paths, with numbers indexing lists (``cars.0.shifts.0.start``). Grid and sample keys are
dotted paths set after the variant.

Every point is validated before anything runs; a problem is reported against the sweep
file's line and key (``sweep.grid.demand.calls_per_day[2]``), with the scenario problem
it causes and the point(s) it affects.

Limits (``docs/sweeps.md``): the sweep's name and its variants' names follow the one name
rule of :mod:`sim.common.names`; a sweep has at most :data:`MAX_POINTS` points (counted
before any is built) and at most :data:`MAX_SAMPLES` samples; ``reps``, ``weeks``,
``warmup_weeks`` and ``batch`` have the ceilings of a scenario's ``run`` block
(:mod:`sim.scenario.schema`); the file is read with the limits of :mod:`sim.common.yamlio`.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.common.errors import (
    KeyPath,
    Positions,
    Problem,
    ScenarioError,
    by_line,
    dedupe,
    format_key,
)
from sim.common.names import MAX_NAME_LENGTH, name_problem
from sim.common.yamlio import read_yaml
from sim.experiments.base import experiment_key, load_base
from sim.scenario.identity import model_sha256
from sim.scenario.loader import deep_merge
from sim.scenario.schema import (
    MAX_REPLICATIONS,
    MAX_WARMUP_WEEKS,
    MAX_WEEKS,
    Scenario,
    validate,
)

SWEEP_KEYS = ("name", "description", "base", "variants", "grid", "samples", "reps", "seed",
              "weeks", "warmup_weeks", "batch")
SAMPLE_KEYS = ("n", "ranges", "seed")
DEFAULT_BATCH = 10
"""Replications per task unless the file says ``batch``: small enough to spread a point
over several workers, large enough that task overhead stays small."""
SAMPLE_DIGITS = 6
"""Latin hypercube values are rounded to this many significant digits (readable tables)."""
DEFAULT_VARIANT = "base"
MAX_POINTS = 20_000
"""Points of a sweep (variants x grid combinations x samples): each is validated and
simulated, and 20,000 already takes hours at 30 replications."""
MAX_SAMPLES = 20_000
"""Latin hypercube samples (``samples.n``): as many as a sweep may have points."""


class SweepError(ScenarioError):
    """A sweep cannot run: a bad sweep file, a bad point, or a refused resume.

    ``problems`` lists every issue found, each naming the file, line and key.
    """


@dataclass(frozen=True)
class Point:
    """One point of a sweep: a variant with grid and sample values, as a scenario."""

    index: int
    variant: str
    inputs: dict[str, Any]
    scenario: Scenario
    config_sha256: str
    named_variant: bool = True

    def label(self) -> str:
        """``variant=two_cars, demand.calls_per_day=10`` (for messages)."""
        return _label(self.variant if self.named_variant else None, self.inputs)


def _label(variant: str | None, inputs: dict[str, Any]) -> str:
    parts = [f"variant={variant}"] if variant is not None else []
    return ", ".join(parts + [f"{k}={_show(v)}" for k, v in inputs.items()]) or "the base"


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: settings and every point, ready to run."""

    name: str
    description: str
    source: str | None
    base_source: str | None
    base: Scenario
    variants: tuple[str, ...]
    grid_keys: tuple[str, ...]
    sample_keys: tuple[str, ...]
    points: tuple[Point, ...]
    reps: int
    seed: int
    weeks: int
    warmup_weeks: int
    batch: int
    grid_values: dict[str, list[Any]] = field(default_factory=dict)
    has_variants: bool = True

    @property
    def input_columns(self) -> list[str]:
        """The columns that identify a point: ``variant`` then the swept keys."""
        return ["variant", *self.grid_keys, *self.sample_keys]

    @property
    def replications(self) -> int:
        return self.reps * len(self.points)

    def fingerprint(self) -> dict[str, Any]:
        """Everything that decides the results: refused on resume if it changed."""
        return {
            "name": self.name,
            "seed": self.seed,
            "reps": self.reps,
            "weeks": self.weeks,
            "warmup_weeks": self.warmup_weeks,
            "batch": self.batch,
            "columns": self.input_columns,
            "points": [{"point": p.index, "variant": p.variant, "inputs": p.inputs,
                        "config_sha256": p.config_sha256} for p in self.points],
        }


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


# --------------------------------------------------------------------------- reading

def is_sweep_file(path: str | Path) -> bool:
    """Whether ``path`` is a YAML file whose top level holds a ``sweep:`` key."""
    return experiment_key(path) == "sweep"


def load_sweep(path: str | Path, *, reps: int | None = None, seed: int | None = None,
               weeks: int | None = None, warmup_weeks: int | None = None) -> Sweep:
    """Read, validate and expand a sweep file; flags given here override the file.

    Raises
    ------
    SweepError
        With every problem found (of the sweep file, its base scenario or its points).
    """
    path = Path(path)
    data, positions, problems = read_yaml(path, what="a sweep file")
    if data is None:
        raise SweepError(problems)
    return _build(data, positions, problems, str(path), path.parent, path.stem,
                  dict(reps=reps, seed=seed, weeks=weeks, warmup_weeks=warmup_weeks))


def sweep_from_dict(spec: dict[str, Any], *, base_dir: str | Path = ".",
                    reps: int | None = None, seed: int | None = None, weeks: int | None = None,
                    warmup_weeks: int | None = None) -> Sweep:
    """A sweep from plain data: the map under ``sweep:`` (or a map with a ``sweep`` key).

    ``base`` may be a file name (relative to ``base_dir``), a :class:`~sim.scenario.schema.Scenario`
    or a plain scenario map.
    """
    data = spec if "sweep" in spec else {"sweep": spec}
    return _build(copy.deepcopy(data), {}, [], "<sweep>", Path(base_dir), "sweep",
                  dict(reps=reps, seed=seed, weeks=weeks, warmup_weeks=warmup_weeks))


# --------------------------------------------------------------------------- validation

class _Checker:
    def __init__(self, file: str, positions: Positions) -> None:
        self.file = file
        self.positions = positions
        self.problems: list[Problem] = []

    def line(self, path: KeyPath) -> int | None:
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, (self.file, None))[1]

    def add(self, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.file, self.line(path), format_key(path), message))

    def integer(self, block: dict, key: str, low: int, high: int | None = None) -> int | None:
        if key not in block:
            return None
        value = block[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(("sweep", key), f"must be a whole number, got {_short(value)}")
            return None
        if value < low:
            self.add(("sweep", key), f"must be at least {low}, got {value}")
            return None
        if high is not None and value > high:
            self.add(("sweep", key), f"must be at most {high:,}, got {value:,}")
            return None
        return value


def _short(value: Any) -> str:
    """``repr(value)``, cut to 40 characters (for messages)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def _unknown(check: _Checker, path: KeyPath, key: str, allowed: tuple[str, ...]) -> None:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"allowed here: {', '.join(allowed)}"
    check.add((*path, key), f"unknown key; {hint}")


def _build(data: Any, positions: Positions, problems: list[Problem], file: str, base_dir: Path,
           stem: str, flags: dict[str, int | None]) -> Sweep:
    check = _Checker(file, positions)
    check.problems.extend(problems)
    if not isinstance(data, dict) or "sweep" not in data:
        check.add((), "a sweep file needs a top-level 'sweep:' key")
        raise SweepError(check.problems)
    for key in data:
        if key != "sweep":
            check.add((key,), "unknown top-level key; a sweep file has only 'sweep:' at the "
                              "top level (put the scenario in the base file)")
    block = data["sweep"]
    if not isinstance(block, dict):
        check.add(("sweep",), "must be a map of keys (name, base, variants, grid, ...)")
        raise SweepError(check.problems)
    for key in block:
        if key not in SWEEP_KEYS:
            _unknown(check, ("sweep",), key, SWEEP_KEYS)

    if "name" in block:
        name = block["name"]
        bad = name_problem(name)
        if bad is not None:
            check.add(("sweep", "name"), bad)
            name = "sweep"
    else:
        name = stem
        bad = name_problem(stem)
        if bad is not None:
            check.add(("sweep",), f"the sweep is named after its file, and the file name "
                                  f"{Path(file).name!r} is not a valid name ({bad}); add a "
                                  "'name:' key under sweep, or rename the file")
            name = "sweep"
    description = block.get("description", "")
    if not isinstance(description, str):
        check.add(("sweep", "description"), "must be text")
        description = ""
    limits = (("reps", 1, MAX_REPLICATIONS), ("seed", 0, None), ("weeks", 1, MAX_WEEKS),
              ("warmup_weeks", 0, MAX_WARMUP_WEEKS), ("batch", 1, MAX_REPLICATIONS))
    settings = {key: check.integer(block, key, low, high) for key, low, high in limits}
    for key, low, high in limits:
        value = flags.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < low or (high is not None and value > high)):
            most = f" and at most {high:,}" if high is not None else ""
            check.problems.append(Problem(f"--{key.replace('_', '-')}", None, "",
                                          f"must be a whole number, at least {low}{most}, "
                                          f"got {_short(value)}"))
            flags[key] = None

    variants = _variants(check, block)
    grid = _grid(check, block)
    samples = _samples(check, block, grid)
    if not (block.get("variants") or block.get("grid") or block.get("samples")):
        check.add(("sweep",), "a sweep needs at least one of variants, grid or samples")
    if not _size_ok(check, block, variants, grid, samples):
        raise SweepError(_sorted(check.problems))
    base, base_source = _base(check, block, base_dir)
    if base is None:
        raise SweepError(_sorted(check.problems))

    run = base.run
    reps = _pick(flags["reps"], settings["reps"], run.replications)
    seed = _pick(flags["seed"], settings["seed"], run.seed)
    weeks = _pick(flags["weeks"], settings["weeks"], run.weeks)
    warmup = _pick(flags["warmup_weeks"], settings["warmup_weeks"], run.warmup_weeks)
    batch = min(reps, settings["batch"] or DEFAULT_BATCH)
    sample_rows = latin_hypercube(samples["ranges"], samples["n"],
                                  samples["seed"] if samples["seed"] is not None else seed
                                  ) if samples else [{}]

    has_variants = bool(variants)
    variant_items = list(variants.items()) if variants else [(DEFAULT_VARIANT, {})]
    grid_keys = list(grid)
    combos = list(itertools.product(*(list(enumerate(grid[k])) for k in grid_keys)))
    points: list[Point] = []
    failures: dict[tuple, list[str]] = {}
    base_data = base.to_dict()
    run_block = {"weeks": weeks, "warmup_weeks": warmup, "replications": reps, "seed": seed}
    cells = itertools.product(variant_items, combos, sample_rows)
    for number, ((variant, overrides), combo, sample) in enumerate(cells):
        applied: list[tuple[KeyPath, KeyPath]] = []  # (scenario path, sweep file path)
        inputs: dict[str, Any] = {}
        data_p = copy.deepcopy(base_data)
        local: list[Problem] = []
        for key, value in overrides.items():
            where = ("sweep", "variants", variant, key)
            if "." in key:
                _apply(check, data_p, key, copy.deepcopy(value), where, local)
            elif key in data_p:
                data_p[key] = deep_merge(data_p[key], copy.deepcopy(value))
            else:
                data_p[key] = copy.deepcopy(value)
            applied.append((_dotted(key), where))
        for key, (i, value) in zip(grid_keys, combo, strict=True):
            _apply(check, data_p, key, copy.deepcopy(value), ("sweep", "grid", key), local)
            applied.append((_dotted(key), ("sweep", "grid", key, i)))
            inputs[key] = value
        for key, value in sample.items():
            where = ("sweep", "samples", "ranges", key)
            _apply(check, data_p, key, value, where, local)
            applied.append((_dotted(key), where))
            inputs[key] = value
        suffix = f".{number}"
        data_p["name"] = name[:MAX_NAME_LENGTH - len(suffix)] + suffix
        data_p["run"] = dict(run_block)
        try:
            scenario = validate(data_p, {}, file)
        except ScenarioError as exc:
            local += [_attribute(check, p, applied, variant, has_variants) for p in exc.problems]
        else:
            if not local:
                points.append(Point(number, variant, inputs, scenario, model_sha256(scenario),
                                    has_variants))
                continue
        label = _label(variant if has_variants else None, inputs)
        for p in local:
            failures.setdefault((p.file, p.line or 0, p.key, p.message), []).append(
                f"{number} ({label})")
    for (pfile, line, key, message), where in failures.items():
        more = len(where) - 1
        tail = f"; and {more} more point{'s' if more > 1 else ''}" if more else ""
        check.problems.append(Problem(pfile, line or None, key,
                                      f"{message} [point {where[0]}{tail}]"))
    if check.problems:
        raise SweepError(_sorted(check.problems))
    return Sweep(
        name=name, description=description, source=None if file == "<sweep>" else file,
        base_source=base_source, base=base, variants=tuple(n for n, _ in variant_items),
        grid_keys=tuple(grid_keys), sample_keys=tuple(samples["ranges"]) if samples else (),
        points=tuple(points), reps=reps, seed=seed, weeks=weeks, warmup_weeks=warmup,
        batch=batch, grid_values={k: list(v) for k, v in grid.items()},
        has_variants=has_variants,
    )


def _size_ok(check: _Checker, block: dict, variants: dict, grid: dict[str, list[Any]],
             samples: dict[str, Any] | None) -> bool:
    """Whether the sweep has at most :data:`MAX_POINTS` points (counted, not built)."""
    n_variants = max(len(variants), 1)
    n_grid = math.prod(len(values) for values in grid.values())
    n_samples = samples["n"] if samples else 1
    points = n_variants * n_grid * n_samples
    if points <= MAX_POINTS:
        return True
    where: KeyPath = (("sweep", "grid") if len(grid) and n_grid > 1
                      else ("sweep", "samples", "n") if samples else ("sweep", "variants"))
    check.add(where, f"the sweep has {points:,} points ({n_variants:,} variant(s) x {n_grid:,} "
                     f"grid combination(s) x {n_samples:,} sample(s)), more than the "
                     f"{MAX_POINTS:,} a sweep may have; split it into smaller sweeps")
    return False


def _pick(flag: int | None, file_value: int | None, default: int) -> int:
    if flag is not None:
        return int(flag)
    return default if file_value is None else file_value


def _sorted(problems: list[Problem]) -> list[Problem]:
    return by_line(dedupe(problems))


_RUN_KEYS = "run settings are the sweep's own: use reps, seed, weeks and warmup_weeks under sweep"


def _check_key(check: _Checker, key: Any, where: KeyPath) -> bool:
    if not isinstance(key, str) or not key or any(not part for part in key.split(".")):
        check.add(where, "must be a key such as demand.calls_per_day")
        return False
    first = key.split(".")[0]
    if first in ("name", "description"):
        check.add(where, "the name and description of points are set by the sweep")
        return False
    if first in ("run", "extends"):
        check.add(where, _RUN_KEYS if first == "run" else "extends is not allowed here; "
                                                          "set base under sweep")
        return False
    return True


def _variants(check: _Checker, block: dict) -> dict[str, dict[str, Any]]:
    raw = block.get("variants")
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        check.add(("sweep", "variants"), "must be a map of variant names to overrides, "
                                         "e.g. {one_car: {}, two_cars: {cars: [...]}}")
        return {}
    out: dict[str, dict[str, Any]] = {}
    for name, overrides in raw.items():
        where = ("sweep", "variants", name)
        bad = name_problem(name)
        if bad is not None:
            check.add(where, f"bad variant name: {bad}")
            continue
        if overrides is None:
            overrides = {}
        if not isinstance(overrides, dict):
            check.add(where, "must be a map of overrides (a partial scenario, or dotted keys); "
                             "{} keeps the base as it is")
            continue
        ok = True
        for key in overrides:
            ok = _check_key(check, key, (*where, key)) and ok
        if ok:
            out[str(name)] = overrides
    return out


def _grid(check: _Checker, block: dict) -> dict[str, list[Any]]:
    raw = block.get("grid")
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        check.add(("sweep", "grid"), "must be a map of dotted keys to lists of values, "
                                     "e.g. {demand.calls_per_day: [6, 8, 10]}")
        return {}
    out: dict[str, list[Any]] = {}
    for key, values in raw.items():
        where = ("sweep", "grid", key)
        if not _check_key(check, key, where):
            continue
        if not isinstance(values, list) or not values:
            check.add(where, "needs a non-empty list of values, e.g. [6, 8, 10]")
            continue
        seen: list[Any] = []
        for i, value in enumerate(values):
            if value in seen:
                check.add((*where, i), f"value {_show(value)} is repeated")
            seen.append(value)
        out[key] = values
    return out


def _samples(check: _Checker, block: dict, grid: dict[str, list[Any]]) -> dict[str, Any] | None:
    raw = block.get("samples")
    if raw is None:
        return None
    where = ("sweep", "samples")
    if not isinstance(raw, dict):
        check.add(where, "must be a map with n and ranges, e.g. "
                         "{n: 20, ranges: {response.car.p_s136: [0.03, 0.09]}}")
        return None
    for key in raw:
        if key not in SAMPLE_KEYS:
            _unknown(check, where, key, SAMPLE_KEYS)
    n = raw.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SAMPLES:
        check.add((*where, "n"), f"must be a whole number of samples, from 1 to "
                                 f"{MAX_SAMPLES:,}, got {_short(n)}")
        n = None
    seed = raw.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        check.add((*where, "seed"), f"must be a whole number, 0 or more, got {_short(seed)}")
        seed = None
    ranges = raw.get("ranges")
    if not isinstance(ranges, dict) or not ranges:
        check.add((*where, "ranges"), "must be a map of dotted keys to [low, high]")
        return None
    out: dict[str, tuple[float, float]] = {}
    for key, bounds in ranges.items():
        at = (*where, "ranges", key)
        if not _check_key(check, key, at):
            continue
        if key in grid:
            check.add(at, "this key is also in grid; sweep it in one place")
            continue
        numeric = isinstance(bounds, list) and len(bounds) == 2 and all(
            isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b)
            for b in bounds)
        if not numeric:
            check.add(at, f"needs [low, high], two numbers, got {bounds!r}")
            continue
        if not bounds[0] < bounds[1]:
            check.add(at, f"low must be below high, got [{bounds[0]}, {bounds[1]}]")
            continue
        out[key] = (float(bounds[0]), float(bounds[1]))
    if n is None or len(out) != len(ranges):
        return None
    return {"n": n, "ranges": out, "seed": seed}


def _base(check: _Checker, block: dict, base_dir: Path) -> tuple[Scenario | None, str | None]:
    scenario, source, messages, problems = load_base(block.get("base"), base_dir, kind="sweep",
                                                     purpose="the points start from")
    for message in messages:
        check.add(("sweep", "base"), message)
    check.problems.extend(problems)
    return scenario, source


# --------------------------------------------------------------------------- applying

def _dotted(key: str) -> KeyPath:
    return tuple(int(p) if p.isdigit() else p for p in key.split("."))


def _apply(check: _Checker, data: dict[str, Any], key: str, value: Any, where: KeyPath,
           local: list[Problem]) -> None:
    """``data[a][b]... = value`` for dotted ``key``; a bad path is a problem at ``where``."""
    parts = key.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        done = ".".join(parts[:depth]) or "the scenario"
        if isinstance(node, list):
            if not part.isdigit():
                local.append(Problem(check.file, check.line(where), format_key(where),
                                     f"{done} is a list: '{part}' must be an index (0, 1, ...)"))
                return
            i = int(part)
            if i >= len(node):
                local.append(Problem(check.file, check.line(where), format_key(where),
                                     f"index {i} is out of range: {done} has {len(node)} "
                                     f"item{'s' if len(node) != 1 else ''} here"))
                return
            if last:
                node[i] = value
            else:
                node = node[i]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            local.append(Problem(check.file, check.line(where), format_key(where),
                                 f"{done} is {_show(node)}, not a map or a list: "
                                 f"it has no key '{part}'"))
            return


_KEY_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parse_key(text: str) -> KeyPath:
    """``"cars[0].shifts"`` -> ``("cars", 0, "shifts")`` (the inverse of format_key)."""
    return tuple(int(m.group(2)) if m.group(2) is not None else m.group(1)
                 for m in _KEY_PART.finditer(text))


def _attribute(check: _Checker, problem: Problem, applied: list[tuple[KeyPath, KeyPath]],
               variant: str, has_variants: bool) -> Problem:
    """Report a point's scenario problem at the sweep entry that caused it."""
    path = _parse_key(problem.key)
    best: tuple[KeyPath, KeyPath] | None = None
    for scen_path, where in reversed(applied):  # later overrides win
        if path[:len(scen_path)] == scen_path and (best is None or len(scen_path) > len(best[0])):
            best = (scen_path, where)
    if best is not None:
        scen_path, where = best
        if where[:2] == ("sweep", "variants"):
            where = (*where, *path[len(scen_path):])
        elif where[:2] == ("sweep", "grid") and problem.message.startswith("unknown key"):
            where = where[:-1]  # the key is wrong, not one of its values
    else:
        near = [w for s, w in reversed(applied) if path and s[:len(path)] == path]
        if near:
            where = near[0]
        elif has_variants:
            where = ("sweep", "variants", variant)
        else:
            where = ("sweep",)
    message = f"{problem.key}: {problem.message}" if problem.key else problem.message
    return Problem(check.file, check.line(where), format_key(where),
                   f"makes an invalid scenario: {message}")


# --------------------------------------------------------------------------- design

def latin_hypercube(ranges: dict[str, tuple[float, float]], n: int, seed: int
                    ) -> list[dict[str, float]]:
    """``n`` Latin hypercube samples of the ``ranges``, reproducible from ``seed``.

    Each range ``[low, high]`` is cut into ``n`` equal strata and every stratum holds
    exactly one sample of each key; values are rounded to :data:`SAMPLE_DIGITS`
    significant digits.
    """
    from scipy.stats import qmc

    keys = list(ranges)
    rng = np.random.default_rng(seed)
    try:
        engine = qmc.LatinHypercube(d=len(keys), rng=rng)
    except TypeError:  # scipy < 1.15 calls it seed
        engine = qmc.LatinHypercube(d=len(keys), seed=rng)
    unit = engine.random(n)
    lows = np.array([ranges[k][0] for k in keys])
    highs = np.array([ranges[k][1] for k in keys])
    values = qmc.scale(unit, lows, highs)
    return [{k: float(f"{values[i, j]:.{SAMPLE_DIGITS}g}") for j, k in enumerate(keys)}
            for i in range(n)]
