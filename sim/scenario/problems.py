"""Pydantic's validation errors as located problems: file, line, key and a plain message.

Used by :func:`sim.scenario.schema.validate` for every scenario, however it was made (a
file, a dictionary, overrides). Unknown keys get a "did you mean" hint from the keys the
schema allows at that place.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel

from sim.common.errors import KeyPath, Positions, Problem, format_key, located


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


def problem_from_error(err: dict[str, Any], data: Any, positions: Positions, file: str,
                       root: type[BaseModel]) -> Problem:
    kind = err["type"]
    path = _data_path(tuple(err["loc"]), data, keep_last=kind in ("missing", "extra_forbidden"))
    where = located(path, "", positions, file)
    pos_file, line = where.file, where.line
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if kind == "extra_forbidden":
        allowed = [k for k in _allowed_keys(root, path[:-1], _node_at(data, path[:-1]))
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


def _allowed_keys(root: type[BaseModel], path: KeyPath, node: Any) -> list[str]:
    """Keys the schema accepts at ``path`` (for 'did you mean' hints).

    Where the schema allows several forms (the distributions), only the form named by
    the node's ``dist`` key counts.
    """
    tp: Any = root
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
