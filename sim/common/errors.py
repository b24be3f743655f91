"""Problems with user input, and where they are.

One :class:`Problem` names the file, line and key of one thing wrong; a
:class:`ScenarioError` carries every problem found in a file (or an override), and
:class:`InputError` is one problem with the command line. Both mean exit status 2.
"""

from __future__ import annotations

from dataclasses import dataclass

KeyPath = tuple[str | int, ...]
"""A key inside a YAML document: ``("cars", 0, "shifts")``."""

Positions = dict[KeyPath, tuple[str, int]]
"""Where each key was written: key path -> (file, line)."""


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


class InputError(Exception):
    """Bad input from the command line: reported as problems, exit status 2."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def format_key(path: KeyPath) -> str:
    """``("cars", 0, "shifts")`` -> ``"cars[0].shifts"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def located(path: KeyPath, message: str, positions: Positions, file: str) -> Problem:
    """A problem at ``path``, placed at the nearest enclosing key whose line is known."""
    where = path
    while where and where not in positions:
        where = where[:-1]
    pos_file, line = positions.get(where, (file, None))
    return Problem(pos_file, line, format_key(path), message)


def by_line(problems: list[Problem]) -> list[Problem]:
    """Problems in file and line order (stable)."""
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


def dedupe(problems: list[Problem]) -> list[Problem]:
    """Problems without repeats, in their first order."""
    seen: list[Problem] = []
    for p in problems:
        if p not in seen:
            seen.append(p)
    return seen
