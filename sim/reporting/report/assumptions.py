"""The page's assumptions, as data: every commented value the results rest on, with the
source its scenario file gives beside it (laid out by ``assumptions.html.j2`` in
``sim/reporting/templates/report/``).

The comments are read by :func:`sim.common.yamlio.yaml_comments`, following ``extends``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.common.yamlio import yaml_comments
from sim.run.result import RunResult

ASSUMPTION_ROOTS = ("demand", "dispatch", "response", "case_mix", "costs", "uncertainty")
"""The blocks of a scenario whose commented values the table lists."""


@dataclass(frozen=True)
class AssumptionRow:
    """One value: its dotted key, the value as shown and its comment (the source)."""

    key: str
    value: str
    comment: str


@dataclass(frozen=True)
class Assumptions:
    """The values of ``reference`` (the baseline), then keys only other scenarios have."""

    reference: str
    rows: tuple[AssumptionRow, ...]


def assumptions(result: RunResult, sources: dict[str, str]) -> Assumptions:
    """Assumptions with their sources, from the scenario files' comments."""
    ref = next((s for s in result.scenarios if s.name == result.baseline), result.scenarios[0])
    rows = []
    seen: set[str] = set()
    for s in [ref, *[s for s in result.scenarios if s is not ref]]:
        src = sources.get(s.name)
        if not src:
            continue
        plain = s.to_dict()
        for key, comment in yaml_comments(src).items():
            if key.split(".")[0] not in ASSUMPTION_ROOTS or key in seen:
                continue
            value = lookup(plain, key)
            if value is None:
                continue
            seen.add(key)
            shown = ("(the entries below)" if isinstance(value, list) or (
                isinstance(value, dict) and "dist" not in value) else short(value))
            rows.append(AssumptionRow(key, shown, comment))
    return Assumptions(ref.name, tuple(rows))


def lookup(data: Any, key: str) -> Any:
    """The value at a dotted key (list items by index; a dotted key inside a map, as in
    ``uncertainty.inputs``, as one key), or None."""
    node = data
    parts = key.split(".")
    for i, part in enumerate(parts):
        if isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError):
                return None
        elif isinstance(node, dict):
            if part not in node:
                return node.get(".".join(parts[i:]))
            node = node[part]
        else:
            return None
    return node


def short(value: Any) -> str:
    """A value in brief: maps as ``k: v``, long lists cut at 80 characters."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {short(v)}" for k, v in value.items())
    if isinstance(value, list):
        text = ", ".join(short(v) for v in value)
        return f"[{text[:80]}{'...' if len(text) > 80 else ''}]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
