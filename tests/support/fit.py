"""Incident exports for the fit tests: the shipped synthetic one (fitted once per session,
since a hold-out fit simulates) and small hand-made CSVs written in a test's folder."""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from pathlib import Path

from sim.experiments.fit import FitResult, fit_incidents
from tests.support.paths import ROOT

SYNTHETIC = ROOT / "examples" / "incidents" / "synthetic_incidents.csv"
CANONICAL = ("incident_id", "created_at", "mental_health", "deployed", "officer_minutes",
             "outcome")


@cache
def synthetic_fit(holdout: float | None = None) -> FitResult:
    """The fit of the shipped synthetic export (computed once per test session)."""
    return fit_incidents(SYNTHETIC, holdout=holdout)


def small_rows(days: int = 9, per_day: int = 6, start: dt.date = dt.date(2024, 1, 1)
               ) -> list[dict[str, str]]:
    """Valid rows: ``per_day`` deployed incidents a day at spread-out hours, ``days`` days."""
    rows = []
    outcomes = ("none", "none", "s136", "none", "ae", "none")
    for d in range(days):
        for k in range(per_day):
            when = dt.datetime.combine(start + dt.timedelta(days=d), dt.time(
                (k * 24 // per_day + d) % 24, (7 * k + d) % 60))
            rows.append({"incident_id": f"INC{d:03d}{k:02d}",
                         "created_at": when.strftime("%Y-%m-%d %H:%M:%S"),
                         "mental_health": "true", "deployed": "true",
                         "officer_minutes": str(60 + 17 * k + 3 * d),
                         "outcome": outcomes[k % len(outcomes)]})
    return rows


def write_rows(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = CANONICAL,
               encoding: str = "utf-8", before: str = "") -> Path:
    """Write ``rows`` as CSV (``before``: text above the header, like a spreadsheet title)."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        fh.write(before)
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
