"""The one YAML reader: plain data, the line of every key, and located problems.

Every file a user gives the tool (scenarios, sweep files) is read here, with PyYAML's
safe loader: no Python objects, duplicate keys reported, and unquoted times such as
``17:00`` (which YAML 1.1 reads as the number 1020) reported with a hint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.common.errors import KeyPath, Positions, Problem, format_key


def read_yaml(path: Path, what: str = "a scenario file") -> tuple[Any, Positions, list[Problem]]:
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
            Problem(file, node.start_mark.line + 1, "", f"{what} must be a map of keys")
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
