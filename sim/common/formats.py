"""Numbers as people read them: one module for every way the tool prints a number.

Each place that shows numbers (the console, the plots, the report, the validation table,
the benchmarks) has its own precision on purpose; the rules live here, side by side.
``missing`` is what a NaN or infinite value (or None) prints as.
"""

from __future__ import annotations

import math


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def number(value: float | None, *, missing: str = "n/a", whole_from: float = 100.0,
           one_decimal_from: float | None = None, two_decimals_from: float | None = None,
           small: str = ".2f") -> str:
    """A number with precision by size.

    At least ``whole_from``: a whole number with thousands separators (``4,129``); at least
    ``one_decimal_from`` (if given): one decimal; at least ``two_decimals_from`` (if given):
    two decimals; anything smaller: the format spec ``small``.
    """
    if not _finite(value):
        return missing
    size = abs(value)
    if size >= whole_from:
        return f"{value:,.0f}"
    if one_decimal_from is not None and size >= one_decimal_from:
        return f"{value:.1f}"
    if two_decimals_from is not None and size >= two_decimals_from:
        return f"{value:.2f}"
    return format(value, small)


def console(value: float | None) -> str:
    """The console tables: ``4,129``, ``43.93``, ``-`` for no value."""
    return number(value, missing="-")


def interval(mean: float, low: float, high: float) -> str:
    """``mean [low, high]`` in console precision; the mean alone without an interval."""
    if not _finite(low):
        return console(mean)
    return f"{console(mean)} [{console(low)}, {console(high)}]"


def figure(value: float | None) -> str:
    """Labels on plots: ``4,129``, ``43.9``, ``0.40``."""
    return number(value, one_decimal_from=10.0)


def report(value: float | None) -> str:
    """Cells of the HTML report: ``4,129``, ``43.9``, ``1.25``, ``0.0191``."""
    return number(value, one_decimal_from=10.0, two_decimals_from=1.0, small=".3g")


def significant(value: float | None, digits: int = 4) -> str:
    """``digits`` significant figures (the validation table): ``0.1913``, ``-`` for none."""
    return number(value, missing="-", whole_from=math.inf, small=f".{digits}g")


def benchmark(value: float | None) -> str:
    """Benchmark figures: ``219,674``, ``12.5``, ``0.016``."""
    return number(value, missing="-", whole_from=1000.0, one_decimal_from=10.0, small=".3f")


def money(value: float | None, signed: bool = False) -> str:
    """``£12,300`` (rounded to £100 from £1,000 up); ``-£1,200``; ``n/a`` for no value."""
    if not _finite(value):
        return "n/a"
    v = round(value, -2) if abs(value) >= 1000 else round(value)
    sign = "-" if v < 0 else ("+" if signed and v > 0 else "")
    return f"{sign}£{abs(v):,.0f}"


def percent(p: float | None) -> str:
    """``45%``; ``n/a`` for no value."""
    return "n/a" if not _finite(p) else f"{p:.0%}"
