"""Cells of the report's tables: numbers formatted with their interval, and embedded images.

Plain frozen dataclasses that the templates in ``sim/reporting/templates/report/`` lay out
(the ``interval`` macro of ``_macros.html.j2``). Every number goes through
:mod:`sim.common.formats`; nothing here holds markup.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

from sim.common import formats


@dataclass(frozen=True)
class Interval:
    """A formatted value, with its 95% interval when there is one.

    ``sign`` (``pos``, ``neg`` or empty) colours a net benefit; ``note`` is a line shown
    under the value (``positive in 45% of years``).
    """

    text: str
    low: str | None = None
    high: str | None = None
    sign: str = ""
    note: str | None = None


@dataclass(frozen=True)
class Image:
    """An embedded PNG: its ``alt`` text and a ``data:`` URI (our own base64, no markup)."""

    alt: str
    src: str


def image(png: bytes, alt: str) -> Image:
    """An image for the page, embedded as base64 (no file beside the report)."""
    return Image(alt, "data:image/png;base64," + base64.b64encode(png).decode("ascii"))


def decimals(value: float | None, digits: int) -> str:
    """A value with a fixed number of decimals (timings, ratios, years), ``n/a`` for none."""
    return formats.number(value, whole_from=math.inf, small=f".{digits}f")


def cell(value: float, kind: str) -> str:
    """One value of the funding case by its kind: ``num``, ``money``, ``pct``, ``ratio`` or
    ``years`` (a payback that never comes reads ``never``)."""
    if kind == "money":
        return formats.money(value)
    if kind == "pct":
        return formats.percent(value)
    if kind == "ratio":
        return decimals(value, 2)
    if kind == "years":
        return "never" if value is not None and math.isinf(value) else decimals(value, 1)
    return formats.report(value)


def sign(value: float) -> str:
    """``pos``, ``neg`` or empty: the colour of a net benefit."""
    if not math.isfinite(value):
        return ""
    return "pos" if value > 0 else ("neg" if value < 0 else "")


def pair_label(scenario: str, comparator: str) -> str:
    """``scenario vs comparator``."""
    return f"{scenario} vs {comparator}"
