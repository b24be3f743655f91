"""Text cells that are safe to open in a spreadsheet (no formula injection).

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (OWASP, "CSV Injection"). Names and notes in the outputs come from
files written by other people, so :func:`neutralise` prefixes such text with a single
quote, which makes the spreadsheet show it as text. It is the one rule, used for every CSV
(:func:`sim.common.atomic.write_csv`) and for ``economics.xlsx``
(:mod:`sim.reporting.workbook`); ``docs/security.md`` describes it.

Numbers are never altered: only ``str`` values change, and not even those that are a plain
number (``"-1.5"``, which a spreadsheet reads as the number it is).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` with a single quote in front if it is text a spreadsheet would run.

    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-5"), neutralise(-5.0), neutralise("no_car")
    ('-5', -5.0, 'no_car')
    """
    if (isinstance(value, str) and value.startswith(FORMULA_START)
            and not _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def _needs(values: Any) -> bool:
    return any(neutralise(v) is not v for v in values)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and column name) passed through :func:`neutralise`.

    Returns ``frame`` itself when nothing needs a change (the usual case), else a copy;
    numeric columns are never touched.
    """
    changed: dict[int, pd.Series] = {}
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        if isinstance(series.dtype, pd.CategoricalDtype):
            text = series.cat.categories  # few values, many rows
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            text = series
        else:
            continue  # numbers, times, booleans: never altered
        if _needs(text):
            changed[i] = series.astype(object).map(neutralise)
    rename = _needs(frame.columns)
    if not changed and not rename:
        return frame
    out = frame.copy()
    for i, series in changed.items():
        out.isetitem(i, series)
    if rename:
        out.columns = [neutralise(c) for c in frame.columns]
    return out
