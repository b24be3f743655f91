"""Whole numbers given by a user: replications, seeds, weeks, worker processes.

One rule, :func:`whole_number`, for the command line's flags (``--reps``, ``--seed``,
``--weeks``, ``--warmup-weeks``, ``--jobs``: the argparse types of ``sim/cli/run.py``) and the
Python API's arguments of the same names (``sim/run/runner.py``, ``sim/api.py``), so both
refuse the same values with the same words; :func:`flag_type` is the argparse type made
from it (``sim/cli/run.py``, ``sim/validation/__main__.py``).
"""

from __future__ import annotations

import argparse
import numbers
from collections.abc import Callable


def whole_number(value: object, minimum: int, name: str | None = None) -> int:
    """``value`` as an ``int`` of at least ``minimum``.

    Accepts an integer (not a bool) or the text of one (a command-line flag). Raises
    ``ValueError`` for a number that is not whole or is below ``minimum``, and for text that
    is not a whole number; ``TypeError`` for anything else (a bool, None, a list). The
    message is the command line's (``must be at least 1, got 0``, ``'2.5' is not a whole
    number``), after ``name: `` when a name is given.

    >>> whole_number("7", 1)
    7
    >>> whole_number(0, 1, "reps")
    Traceback (most recent call last):
    ...
    ValueError: reps: must be at least 1, got 0
    """
    prefix = f"{name}: " if name else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | str):
        raise TypeError(f"{prefix}{value!r} is not a whole number (it is a "
                        f"{type(value).__name__})")
    if isinstance(value, numbers.Integral):
        number = int(value)
    else:
        try:
            number = int(value) if isinstance(value, str) else None
        except ValueError:
            number = None
        if number is None:
            raise ValueError(f"{prefix}{value!r} is not a whole number")
    if number < minimum:
        raise ValueError(f"{prefix}must be at least {minimum}, got {number}")
    return number


def flag_type(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number of at least ``minimum`` (:func:`whole_number`),
    so that argparse reports ``argument --reps: must be at least 1, got 0``."""

    def parse(text: str) -> int:
        try:
            return whole_number(text, minimum)
        except (TypeError, ValueError) as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse
