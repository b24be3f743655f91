"""Loading scenario files: YAML with line numbers, ``extends``, strict validation.

Every problem in a file is reported together, each as ``FILE:LINE: KEY: message``
(with a hint where one helps), through a single :class:`ScenarioError`.

Rules (``docs/scenarios.md``):

* ``extends: other.yaml`` (relative to the file) merges the files deeply: maps merge,
  lists and scalars are replaced whole; a cycle is an error.
* files whose names start with ``_`` are partial: they are only extended, never run
  (:func:`load_scenario` refuses one).
* a scenario without its own ``name`` is named after its file, whose name must then follow
  the name rule (:mod:`sim.common.names`).
* a file is read with the limits of :mod:`sim.common.yamlio` (size, nesting, aliases,
  encoding); a chain of ``extends`` is at most :data:`MAX_EXTENDS` files long.
* unknown keys, duplicate keys, unquoted times (YAML reads ``17:00`` as 1020) and every
  schema rule of :mod:`sim.scenario.schema` are errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.common.errors import (
    KeyPath,
    Positions,
    Problem,
    ScenarioError,
    by_line,
    dedupe,
    format_key,
)
from sim.common.names import name_problem
from sim.common.yamlio import read_yaml
from sim.scenario.schema import Scenario, validate

__all__ = ["KeyPath", "Positions", "Problem", "Scenario", "ScenarioError", "format_key",
           "is_partial", "load_scenario", "scenario_from_dict"]

MAX_EXTENDS = 10
"""Longest chain of ``extends`` (a file, its parent, ...): the shipped files use 2."""

PARTIAL = "a partial file (name starts with _) is only extended by other files, never run"
"""Why a partial file is refused as a scenario (by :func:`load_scenario` and the CLI)."""


def is_partial(path: str | Path) -> bool:
    """Whether a file is partial (its name starts with ``_``): extended, never run."""
    return Path(path).name.startswith("_")


# ----------------------------------------------------------------------- extends


def deep_merge(base: Any, over: Any) -> Any:
    """Deep merge: maps merge key by key, anything else in ``over`` replaces ``base``.

    A distribution (a map with a ``dist`` key) is replaced whole, so that an extending file
    can change a distribution's form (``lognormal`` to ``fixed``) without mixing parameters.
    """
    if isinstance(over, dict) and "dist" in over:
        return over
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return over


def _merged_positions(data: Any, own: Positions, inherited: Positions, path: KeyPath = ()
                      ) -> Positions:
    """Positions for merged data: the extending file's where it set a key, else the parent's."""
    out: Positions = {}
    pos = own.get(path) or inherited.get(path)
    if pos:
        out[path] = pos
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(_merged_positions(value, own, inherited, (*path, key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.update(_merged_positions(value, own, inherited, (*path, i)))
    return out


def _load_raw(path: Path, chain: tuple[Path, ...]
              ) -> tuple[dict | None, Positions, list[Problem]]:
    """Data of a file merged over its parents; ``None`` when it cannot be read as a whole
    (a syntax error, a broken ``extends``), so that no misleading schema errors follow."""
    data, positions, problems = read_yaml(path)
    if data is None:
        return None, positions, problems
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data, positions, problems
    line = positions.get(("extends",), (str(path), None))[1]
    if not isinstance(parent_ref, str):
        problems.append(Problem(str(path), line, "extends", "must be a file name (a string)"))
        return None, positions, problems
    parent = (path.parent / parent_ref).resolve()
    if parent in chain or parent == path.resolve():
        cycle = " -> ".join(p.name for p in (*chain, path.resolve(), parent))
        problems.append(Problem(str(path), line, "extends", f"extends cycle: {cycle}"))
        return None, positions, problems
    if len(chain) + 1 >= MAX_EXTENDS:
        problems.append(Problem(str(path), line, "extends",
                                f"a chain of extends longer than {MAX_EXTENDS} files"))
        return None, positions, problems
    if parent.is_dir():
        problems.append(Problem(str(path), line, "extends",
                                f"{parent_ref} is a folder, not a scenario file"))
        return None, positions, problems
    if not parent.is_file():
        problems.append(Problem(str(path), line, "extends", f"file not found: {parent_ref}"))
        return None, positions, problems
    base, base_positions, base_problems = _load_raw(parent, (*chain, path.resolve()))
    if base is None:
        return None, positions, base_problems + problems
    merged = deep_merge(base, data)
    return merged, _merged_positions(merged, positions, base_positions), base_problems + problems


# -------------------------------------------------------------------- validation


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge and validate one scenario file.

    Parameters
    ----------
    path
        A YAML scenario file (not a partial ``_*.yaml``, which is only extended).

    Returns
    -------
    Scenario
        The merged, validated scenario; its ``name`` defaults to the file's stem.

    Raises
    ------
    ScenarioError
        With every problem found, each naming the file, line and key; also for a partial
        file, a folder, and a file past a limit of the reader (:mod:`sim.common.yamlio`).
    """
    path = Path(path)
    if is_partial(path):
        raise ScenarioError([Problem(str(path), None, "", PARTIAL)])
    data, positions, problems = _load_raw(path, ())
    if data is None:
        raise ScenarioError(by_line(problems))
    name_at = positions.get(("name",))
    if name_at is None or name_at[0] != str(path):  # a name inherited from a parent is not used
        data["name"] = path.stem
        bad = name_problem(path.stem)
        if bad is not None:
            problems.append(Problem(str(path), None, "name",
                                    f"the scenario is named after its file, and the file name "
                                    f"{path.name!r} is not a valid name ({bad}); add a 'name:' "
                                    "key, or rename the file"))
            data["name"] = "scenario"  # reported once, here
    try:
        scenario = validate(data, positions, str(path))
    except ScenarioError as exc:
        raise ScenarioError(by_line(dedupe(problems + exc.problems))) from None
    if problems:
        raise ScenarioError(by_line(problems))
    return scenario


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate plain data (as a merged scenario file would hold) into a :class:`Scenario`."""
    data = dict(data)
    data.pop("extends", None)
    data.setdefault("name", "scenario")
    return validate(data, {}, source)
