"""The one rule for names: scenario, car, call-type, sweep and sweep-variant names.

Names are data, never paths: they label rows of results and become parts of file names
(``scenarios/<name>.yaml`` in a results folder), so they may hold only letters, digits,
``_``, ``-`` and ``.``, start with a letter, a digit or ``_`` (no ``..``, no hidden
files, nothing that reads as a command-line option or a spreadsheet formula), and have at
most :data:`MAX_NAME_LENGTH` characters. The scenario schema (:mod:`sim.scenario.schema`)
and the sweep file loader (:mod:`sim.experiments.sweeps.design`) both check it with
:func:`name_problem`; ``docs/scenarios.md`` (section "Limits") states it for users.
"""

from __future__ import annotations

import re

MAX_NAME_LENGTH = 64
"""Longest name: enough for a descriptive name, short enough for every file system."""

NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
"""A name, matched whole (``fullmatch``): ASCII letters, digits, ``_``, ``-``, ``.``."""

NAME_RULE = ("a name holds only letters, digits, '_', '-' and '.', starts with a letter, a digit "
             f"or '_', and has at most {MAX_NAME_LENGTH} characters")
"""The rule in words, as every message about a bad name ends."""

_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")

_SHOWN = 40
"""A bad name is quoted in a message up to this many characters."""


def name_problem(name: object) -> str | None:
    """What is wrong with ``name`` as a name (one line), or ``None`` if it is a good name."""
    if not isinstance(name, str):
        return f"a name must be text, got {name!r:.{_SHOWN}}; {NAME_RULE}"
    if not name:
        return f"a name must not be empty; {NAME_RULE}"
    shown = repr(name if len(name) <= _SHOWN else name[:_SHOWN] + "...")
    if len(name) > MAX_NAME_LENGTH:
        return f"{shown} is {len(name)} characters long; {NAME_RULE}"
    if NAME_PATTERN.fullmatch(name):
        return None
    bad = sorted({c for c in name if c not in _ALLOWED})
    if not bad:
        return f"{shown} starts with {name[0]!r}; {NAME_RULE}"
    listed = " ".join(repr(c) for c in bad[:5]) + (" ..." if len(bad) > 5 else "")
    return f"{shown} contains {listed}; {NAME_RULE}"


def check_name(name: str) -> str:
    """``name`` itself if it is a good name; else :class:`ValueError` with the problem.

    For pydantic validators (an ``AfterValidator`` in :mod:`sim.scenario.schema`).
    """
    problem = name_problem(name)
    if problem is not None:
        raise ValueError(problem)
    return name
