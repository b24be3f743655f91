"""The page's Section 136 pathway, as data (laid out by ``pathway.html.j2`` in
``sim/reporting/templates/report/``): shown only when a scenario of the run has a
``pathway:`` block (``../shared/DESIGN.md`` section 9; ``docs/metrics.md``, "The Section
136 pathway and the do-minimum world").

One row per pathway metric of :mod:`sim.core.metrics`, one column per scenario with a
pathway: police time per detention (and with no scheme, and after a car attendance), the
places of safety (beds occupied, waits, diverts), breaches of the legal limit, the wait
for ambulances and frontline officer time per call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from sim.reporting.report.run_sections import HeadlineRow, metric_row, per_year
from sim.run.result import RunResult

PATHWAY_ROWS: tuple[str, ...] = (
    "s136",
    "officer_hours_per_s136", "officer_hours_per_s136_baseline", "car_officer_hours_per_s136",
    "pos_occupancy", "pos_waits", "pos_wait_hours",
    "pos_ae_first", "pos_diverted_ae", "pos_diverted_custody", "pos_diverted_baseline",
    "s136_breaches_24h", "s136_breaches_baseline",
    "ambulance_wait_hours",
    "officer_hours_per_call", "officer_hours_per_call_baseline", "officer_hours_saved",
)
"""The rows of the pathway table, in order (metric names of :mod:`sim.core.metrics`)."""


@dataclass(frozen=True)
class PathwaySection:
    """The Section 136 pathway: one row per metric (:data:`PATHWAY_ROWS`), one column per
    scenario with a pathway (``scenarios``); ``without``: the run's scenarios without one;
    ``limits``: the legal limits in hours when they differ from 24 (scenario, hours)."""

    scenarios: tuple[str, ...]
    rows: tuple[HeadlineRow, ...]
    without: tuple[str, ...]
    limits: tuple[tuple[str, str], ...]
    cars: bool


def pathway(result: RunResult) -> PathwaySection | None:
    """The pathway section of a run (None when no scenario has a pathway)."""
    with_pathway = [s for s in result.scenarios if s.pathway is not None]
    if not with_pathway:
        return None
    names = tuple(s.name for s in with_pathway)
    summary = result.summary()
    a = per_year(result)
    rows = []
    for name in PATHWAY_ROWS:
        row = metric_row(summary, names, name, a)
        if name == "pos_occupancy":  # each scenario's beds under its mean occupancy
            beds = [s.pathway.place_of_safety.bed_count for s in with_pathway]
            row = replace(row, cells=tuple(
                replace(c, note=_of_beds(b)) for c, b in zip(row.cells, beds, strict=True)))
        rows.append(row)
    limits = tuple((s.name, f"{s.pathway.legal_limit_hours:g}") for s in with_pathway
                   if s.pathway.legal_limit_hours != 24)
    return PathwaySection(
        scenarios=names, rows=tuple(rows),
        without=tuple(s.name for s in result.scenarios if s.pathway is None),
        limits=limits, cars=any(s.cars for s in with_pathway))


def _of_beds(beds: float) -> str:
    if math.isinf(beds):
        return "no bed limit"
    return f"of {beds:g} {'bed' if beds == 1 else 'beds'}"
