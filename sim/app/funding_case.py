"""The funding case in the app: verdicts, tables and figures, and the files to download.

Everything comes from the tool's own functions, as the command line uses them
(``sim/cli/run.py``): :func:`sim.economics.funding.compute` (the appraisal at the run's
inputs), the plain-language verdicts of ``sim/economics/verdicts.py``,
:func:`sim.economics.psa.run_psa` for the sensitivity analysis, the report's figures, and
:func:`sim.reporting.results.write_results` for the files, written into a temporary
folder and handed to the browser (``report.html``, ``economics.xlsx``, a zip of the whole
results folder).
"""

from __future__ import annotations

import io
import math
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import sim
from sim.common import formats
from sim.economics.funding import (
    BY_NAME,
    PUBLIC,
    Economics,
    compute,
    perspective_label,
    table_value,
)
from sim.economics.psa import PSAResult, run_psa
from sim.economics.verdicts import basis_line, evpi_line, frontier_line, verdicts
from sim.reporting.report.figures import economics_figures
from sim.reporting.results import write_results

MAX_DRAWS = 1000
"""Most draws of the sensitivity analysis from the app."""
MAX_DRAW_REPS = 10
"""Most replications per draw."""

TABLE_MEASURES: dict[str, str] = {
    "net_benefit": "Net benefit",
    "costs": "Costs",
    "benefits": "Savings",
    "cash_net_benefit": "Cash released less cash spent",
    "bcr": "Benefit-cost ratio",
    "payback_years": "Payback",
}
"""The measures of the funding table, in order, with their labels (``economics.csv`` has
them all; units come from :data:`sim.economics.funding.MEASURES`)."""

CAPTIONS = {
    "economics_perspectives.png": "Net benefit a year for each perspective (who pays and "
                                  "who saves), per comparison",
    "economics_plane.png": "Cost-effectiveness plane: extra cost against extra detentions "
                           "avoided, one point per draw of the uncertain inputs",
    "economics_ceaf.png": "Acceptability frontier: the best option, and the chance it is "
                          "best, at each value placed on a detention avoided",
    "economics_tornado.png": "Tornado: net benefit with each uncertain input at its low and "
                             "high value",
    "economics_evppi.png": "Value of learning more about each group of inputs",
    "economics_convergence.png": "Expected net benefit as the draws accumulate (stability)",
}


def appraisal_lines(econ: Economics, psa: PSAResult | None,
                    scenarios: list) -> tuple[str, list[str], list[str]]:
    """The basis, one verdict per comparison, and the closing lines (notes, the frontier,
    the value of information): what ``crisis-sim run`` prints, unwrapped."""
    basis = basis_line(econ, psa)
    lines = [v.sentence for v in verdicts(econ, psa, scenarios)]
    extra = [f"Note: {note}" for note in econ.notes]
    if psa is not None:
        extra += [line for line in (frontier_line(psa), evpi_line(psa, econ)) if line]
    return basis, lines, extra


def _cell(value: float, unit: str) -> str:
    if math.isinf(value):
        return "never" if unit == "years" else "n/a"
    if not math.isfinite(value):
        return "n/a"
    if unit.startswith("£"):
        return formats.money(value)
    return formats.console(value)


def funding_table(econ: Economics, psa: PSAResult | None = None,
                  measures: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per measure and perspective (label, unit), then ``mean [low, high]`` per
    comparison (columns ``scenario vs comparator``): expected values over the draws when
    the sensitivity analysis ran, else the run's own inputs with a 95% interval."""
    table = psa.table if psa is not None else econ.table
    basis = "expected" if psa is not None else "run"
    rows = []
    for m, label in (measures or TABLE_MEASURES).items():
        unit = BY_NAME[m].unit
        for perspective in econ.perspectives:
            row = {"measure": f"{label}: {perspective_label(perspective)}", "unit": unit}
            for s, c in econ.pairs:
                def get(column: str, s=s, c=c, perspective=perspective, m=m) -> float:
                    return table_value(table, s, c, m, column, perspective, basis)

                mean, lo, hi = get("mean"), get("low"), get("high")
                text = _cell(mean, unit)
                if math.isfinite(lo) and math.isfinite(hi):
                    text += f" [{_cell(lo, unit)}, {_cell(hi, unit)}]"
                row[f"{s} vs {c}"] = text
            rows.append(row)
            if m in ("bcr", "payback_years") and perspective == PUBLIC:
                break  # the ratio and payback only for the public sector as a whole
    return pd.DataFrame(rows)


def figures(econ: Economics, psa: PSAResult | None = None) -> dict[str, bytes]:
    """The report's funding-case figures, PNG bytes by file name."""
    return economics_figures(econ, psa)


def sensitivity(result: sim.RunResult, econ: Economics, draws: int, reps: int,
                jobs: int = 1) -> PSAResult | None:
    """The sensitivity analysis, bounded (``draws`` 0..1000, ``reps`` 1..10)."""
    if not (0 <= draws <= MAX_DRAWS and 1 <= reps <= MAX_DRAW_REPS):
        raise ValueError(f"draws must be 0 to {MAX_DRAWS} and replications per draw 1 to "
                         f"{MAX_DRAW_REPS}, got {draws} and {reps}")
    return run_psa(result, econ, draws=draws, reps=reps, jobs=jobs, progress=False)


@dataclass(frozen=True)
class Downloads:
    """The files a browser may download, as bytes."""

    report_html: bytes
    workbook: bytes
    results_zip: bytes
    files: tuple[str, ...]


def downloads(result: sim.RunResult, psa: PSAResult | None = None,
              sources: dict[str, str] | None = None, plots: bool = True) -> Downloads:
    """Write the run's results folder into a temporary folder and read back its files."""
    with tempfile.TemporaryDirectory(prefix="crisis-sim-app-") as tmp:
        out = Path(tmp) / "results"
        write_results(result, out, sources=sources or {}, psa=psa, plots=plots,
                      command=["crisis-sim app"])
        names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                archive.write(out / name, f"results/{name}")
        return Downloads(report_html=(out / "report.html").read_bytes(),
                         workbook=(out / "economics.xlsx").read_bytes(),
                         results_zip=buffer.getvalue(), files=tuple(names))


__all__ = ["Downloads", "appraisal_lines", "compute", "downloads", "figures", "funding_table",
           "sensitivity"]
