"""Dotted keys into plain scenario data: ``"cars.0.officers"``, ``"demand.calls_per_day"``.

Used by overrides, sweeps and the sensitivity analysis. A numeric part indexes a list.
"""

from __future__ import annotations

from typing import Any


def get_dotted(data: Any, dotted: str) -> Any:
    """``data["a"]["b"]`` for ``dotted == "a.b"`` (a numeric part indexes a list).

    Raises
    ------
    KeyError
        If there is no such key or list item.
    """
    node = data
    for part in dotted.split("."):
        if isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError):
                raise KeyError(dotted) from None
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(dotted)
    return node


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``data["a"]["b"] = value`` for ``dotted == "a.b"``, creating maps as needed.

    A numeric part indexes a list (``"cars.0.officers"``).
    """
    parts = dotted.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
