"""Loading scenario files: YAML with line numbers, ``extends``, strict validation.

Every problem in a file is reported together, each as ``FILE:LINE: KEY: message``
(with a hint where one helps), through a single :class:`ScenarioError`.

Rules (DESIGN section 4):

* ``extends: other.yaml`` (relative to the file) merges the files deeply: maps merge,
  lists and scalars are replaced whole; a cycle is an error.
* files whose names start with ``_`` are partial: they are only extended, never run.
* a scenario without its own ``name`` is named after its file.
* unknown keys, duplicate keys, unquoted times (YAML reads ``17:00`` as 1020) and every
  schema rule of :mod:`sim.config` are errors.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.config import Scenario, cross_checks

KeyPath = tuple[str | int, ...]
Positions = dict[KeyPath, tuple[str, int]]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is and what it is."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


class ScenarioError(ValueError):
    """A scenario file (or override) is invalid; ``problems`` lists every issue found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_key(path: KeyPath) -> str:
    """``("cars", 0, "shifts")`` -> ``"cars[0].shifts"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def is_partial(path: str | Path) -> bool:
    """Whether a file is partial (its name starts with ``_``): extended, never run."""
    return Path(path).name.startswith("_")


# --------------------------------------------------------------------------- YAML


def _read_yaml(path: Path) -> tuple[Any, Positions, list[Problem]]:
    """Parse one file into plain data, the line of every key, and parse problems."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, {}, [Problem(file, None, "", f"cannot read file: {exc.strerror or exc}")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        what = getattr(exc, "problem", None) or str(exc)
        return None, {}, [Problem(file, line, "", f"YAML syntax error: {what}")]
    if node is None:
        return {}, {(): (file, 1)}, []
    builder = _Builder(file)
    data = builder.build(node, ())
    if not isinstance(data, dict):
        builder.problems.append(
            Problem(file, node.start_mark.line + 1, "", "a scenario file must be a map of keys")
        )
        return None, builder.positions, builder.problems
    return data, builder.positions, builder.problems


class _Builder:
    """Turns a composed YAML node tree into data, recording positions and problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: Positions = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.positions.setdefault(path, (self.file, node.start_mark.line + 1))
        if isinstance(node, yaml.MappingNode):
            self._constructor.flatten_mapping(node)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self._constructor.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    key = str(key)
                child = (*path, key)
                if key in result:
                    first = self.positions[child][1]
                    self.problems.append(
                        Problem(self.file, line, format_key(child),
                                f"duplicate key (first given on line {first})")
                    )
                    continue
                self.positions[child] = (self.file, line)
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if (
            node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
            and node.style is None
            and ":" in node.value
        ):
            value = self._constructor.construct_object(node)
            self.problems.append(
                Problem(self.file, node.start_mark.line + 1, format_key(path),
                        f"unquoted time {node.value}: YAML reads it as the number {value}; "
                        f"write it in quotes, \"{node.value}\"")
            )
            return node.value
        return self._constructor.construct_object(node, deep=True)


# ----------------------------------------------------------------------- extends


def _merge(base: Any, over: Any) -> Any:
    """Deep merge: maps merge key by key, anything else in ``over`` replaces ``base``.

    A distribution (a map with a ``dist`` key) is replaced whole, so that an extending file
    can change a distribution's form (``lognormal`` to ``fixed``) without mixing parameters.
    """
    if isinstance(over, dict) and "dist" in over:
        return over
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merge(base[key], value) if key in base else value
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
    data, positions, problems = _read_yaml(path)
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
    if not parent.is_file():
        problems.append(Problem(str(path), line, "extends", f"file not found: {parent_ref}"))
        return None, positions, problems
    base, base_positions, base_problems = _load_raw(parent, (*chain, path.resolve()))
    if base is None:
        return None, positions, base_problems + problems
    merged = _merge(base, data)
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
        With every problem found, each naming the file, line and key.
    """
    path = Path(path)
    data, positions, problems = _load_raw(path, ())
    if data is None:
        raise ScenarioError(_by_line(problems))
    name_at = positions.get(("name",))
    if name_at is None or name_at[0] != str(path):  # a name inherited from a parent is not used
        data["name"] = path.stem
    try:
        scenario = _validate(data, positions, str(path))
    except ScenarioError as exc:
        raise ScenarioError(_by_line(_dedupe(problems + exc.problems))) from None
    if problems:
        raise ScenarioError(_by_line(problems))
    return scenario


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate plain data (as a merged scenario file would hold) into a :class:`Scenario`."""
    data = dict(data)
    data.pop("extends", None)
    data.setdefault("name", "scenario")
    return _validate(data, {}, source)


def _validate(data: dict[str, Any], positions: Positions, file: str) -> Scenario:
    cross = cross_checks(data)
    problems = [_located(path, message, positions, file) for path, message in cross]
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        messages = {m for _, m in cross}
        for err in exc.errors():
            problem = _problem(err, data, positions, file)
            if not (problem.key == "" and problem.message in messages):
                problems.append(problem)
        raise ScenarioError(_by_line(_dedupe(problems))) from None
    if problems:  # pragma: no cover - the model runs the same checks
        raise ScenarioError(problems)
    return scenario


def _located(path: KeyPath, message: str, positions: Positions, file: str) -> Problem:
    where = path
    while where and where not in positions:
        where = where[:-1]
    pos_file, line = positions.get(where, (file, None))
    return Problem(pos_file, line, format_key(path), message)


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: list[Problem] = []
    for p in problems:
        if p not in seen:
            seen.append(p)
    return seen


def _data_path(loc: tuple[Any, ...], data: Any, keep_last: bool) -> KeyPath:
    """Keep the parts of a pydantic error location that are real keys in the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
            path.append(part)
        elif keep_last and part == loc[-1] and isinstance(part, str):
            path.append(part)  # a missing or unknown key: not in the data, or not allowed
            node = None
        # else: a union tag such as 'lognormal' or 'list[float]': not a key
    return tuple(path)


def _problem(err: dict[str, Any], data: Any, positions: Positions, file: str) -> Problem:
    kind = err["type"]
    path = _data_path(tuple(err["loc"]), data, keep_last=kind in ("missing", "extra_forbidden"))
    located = _located(path, "", positions, file)
    pos_file, line = located.file, located.line
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if kind == "extra_forbidden":
        allowed = [k for k in _allowed_keys(path[:-1], _node_at(data, path[:-1]))
                   if k != path[-1]]
        message = "unknown key"
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
        if close:
            message += f"; did you mean '{close[0]}'?"
        elif allowed:
            message += f"; allowed here: {', '.join(allowed)}"
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "union_tag_invalid" or kind == "union_tag_not_found":
        message = (
            "unknown distribution; use dist: fixed, exponential, lognormal, gamma, uniform, "
            "triangular or empirical"
        )
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = f"{message} (got {err.get('input')!r})"
    return Problem(pos_file, line, format_key(path), message)


def _node_at(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _allowed_keys(path: KeyPath, node: Any) -> list[str]:
    """Keys the schema accepts at ``path`` (for 'did you mean' hints).

    Where the schema allows several forms (the distributions), only the form named by
    the node's ``dist`` key counts.
    """
    tp: Any = Scenario
    for part in path:
        tp = _step(tp, part)
        if tp is None:
            return []
    models = [t for t in _union_members(tp) if isinstance(t, type) and issubclass(t, BaseModel)]
    tag = node.get("dist") if isinstance(node, dict) else None
    tagged = [m for m in models if "dist" in m.model_fields
              and tag in typing.get_args(m.model_fields["dist"].annotation)]
    return sorted({k for m in (tagged or models) for k in m.model_fields})


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _union_members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(tp) for m in _union_members(a)]
    return [tp]


def _step(tp: Any, part: str | int) -> Any:
    for member in _union_members(tp):
        if isinstance(part, int) and typing.get_origin(member) is list:
            return typing.get_args(member)[0]
        is_model = isinstance(member, type) and issubclass(member, BaseModel)
        if is_model and isinstance(part, str) and part in member.model_fields:
            return member.model_fields[part].annotation
    return None
