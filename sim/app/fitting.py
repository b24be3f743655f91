"""Fitting a scenario to an uploaded incident export, for the app's Fit page.

The same function as ``crisis-sim fit`` (:func:`sim.experiments.fit.fit_incidents`,
``docs/fit.md``), on the uploaded files written to a fresh temporary folder (so no path
typed in the app is opened); the problems it finds name the uploaded files, in the command
line's words. The fitted scenario file is then read back with the strict loader (as an
upload is: ``sim/app/library.py``), ready for the builder and for runs.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sim.app.library import SHIPPED_DIR, Entry, load_upload, safe_upload_name
from sim.common.errors import InputError, Problem
from sim.experiments.fit import FitResult, fit_incidents
from sim.experiments.fit.api import PROFILES, SCENARIO_FILE, WINDOWS
from sim.reporting.fit_report import render_fit_report

MAX_EXPORT_BYTES = 20 * 1024 * 1024
"""Largest incident export the app reads (20 MiB: about 150,000 incidents)."""
MAX_HOLDOUT_REPS = 50

__all__ = ["PROFILES", "WINDOWS", "FitOutcome", "fit_upload"]


@dataclass(frozen=True)
class FitOutcome:
    """A finished fit: the result, its report (HTML), the scenario file's text, and the
    scenario as the builder and the runs take it."""

    result: FitResult
    report_html: str
    scenario_text: str
    entry: Entry


def _named(problem: Problem, folder: Path, names: dict[str, str]) -> Problem:
    file = problem.file
    for written, shown in names.items():
        file = file.replace(written, shown)
    file = file.replace(str(folder) + "/", "")
    return dataclasses.replace(problem, file=file)


def fit_upload(name: str, content: bytes, *, mapping: tuple[str, bytes] | None = None,
               base: str = "_base.yaml", holdout: float | None = None,
               skip_bad_rows: bool = False, profile: str = "auto",
               demand_window: str = "auto", holdout_reps: int = 20,
               shipped: Path = SHIPPED_DIR) -> FitOutcome:
    """Fit a scenario to an uploaded export.

    Parameters
    ----------
    name, content
        The export's file name (only its last part is used) and bytes.
    mapping
        An uploaded mapping file (name, bytes), or None for the canonical columns.
    base
        The shipped scenario file the fitted one extends (a name in ``scenarios/``).
    holdout, skip_bad_rows, profile, demand_window, holdout_reps
        As :func:`sim.experiments.fit.fit_incidents` (``holdout_reps`` at most 50).

    Raises
    ------
    InputError
        Problems with the files or the options, naming the uploaded files.
    """
    shown = Path(name or "incidents.csv").name
    if len(content) > MAX_EXPORT_BYTES:
        raise InputError([Problem(shown, None, "", f"file too large: {len(content):,} bytes, "
                                  f"more than the {MAX_EXPORT_BYTES // 2**20} MiB the app reads; "
                                  "use crisis-sim fit on the command line")])
    bases = sorted(p.name for p in shipped.glob("*.yaml")) if shipped.is_dir() else []
    if base not in bases:
        raise InputError([Problem("base", None, "", f"must be one of the shipped scenario "
                                  f"files: {', '.join(bases)}")])
    if not 1 <= holdout_reps <= MAX_HOLDOUT_REPS:
        raise InputError([Problem("holdout replications", None, "",
                                  f"must be 1 to {MAX_HOLDOUT_REPS}, got {holdout_reps}")])
    with tempfile.TemporaryDirectory(prefix="crisis-sim-fit-") as tmp:
        folder = Path(tmp)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(shown).stem).strip(".") or "incidents"
        export = folder / f"{stem}.csv"
        export.write_bytes(content)
        names = {str(export): shown}
        mapping_path = None
        if mapping is not None:
            mapping_path = folder / ("mapping_" + safe_upload_name(mapping[0]))
            mapping_path.write_bytes(mapping[1])
            names[str(mapping_path)] = Path(mapping[0]).name
        try:
            result = fit_incidents(export, mapping=mapping_path, base=shipped / base,
                                   holdout=holdout, skip_bad_rows=skip_bad_rows,
                                   profile=profile, demand_window=demand_window,
                                   holdout_reps=holdout_reps)
        except InputError as exc:
            raise InputError([_named(p, folder, names) for p in exc.problems]) from None
    result = dataclasses.replace(result, source=shown)
    text = result.scenario.text(base)
    entry = load_upload(SCENARIO_FILE, text.encode("utf-8"), shipped)
    entry = dataclasses.replace(entry, origin="fitted")
    return FitOutcome(result=result, report_html=render_fit_report(result, SCENARIO_FILE),
                      scenario_text=text, entry=entry)
