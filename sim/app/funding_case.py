"""The funding case in the app: verdicts, tables and figures, and the files to download.

Everything comes from the tool's own functions: :func:`sim.economics.funding.compute` and
:func:`~sim.economics.funding.verdict` (the command line's plain-language lines),
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
from sim.economics.funding import BY_NAME, Economics, compute, verdict
from sim.economics.psa import PSAResult, run_psa
from sim.reporting.results import write_results

try:
    from sim.reporting.report.figures import economics_figures
except ImportError:  # pragma: no cover - the report before it became a package
    from sim.reporting.report import economics_figures  # type: ignore[no-redef,attr-defined]

MAX_DRAWS = 200
"""Most draws of the sensitivity analysis from the app."""
MAX_DRAW_REPS = 10
"""Most replications per draw."""

TABLE_MEASURES: dict[str, str] = {
    "scheme_cost": "Scheme cost (crews, vehicles, management, training)",
    "savings_nhs": "NHS costs avoided (detentions, A&E): cash",
    "savings_police": "Frontline police time released (not cash)",
    "net_benefit_cash": "Net benefit in NHS cash",
    "net_benefit_with_police": "Net benefit counting police time",
    "benefit_cost_ratio_cash": "Benefit-cost ratio, NHS cash",
    "benefit_cost_ratio_with_police": "Benefit-cost ratio, counting police time",
    "detentions_avoided": "Section 136 detentions avoided",
    "cost_per_detention_avoided": "Scheme cost per detention avoided",
    "officer_hours_released": "Frontline officer hours released",
}
"""The measures of the funding table, in order, with their labels (``economics.csv`` has
every measure; units come from :data:`sim.economics.funding.MEASURES`)."""

CAPTIONS = {
    "economics_funding_case.png": "Scheme cost, savings and net benefit a year, per option, "
                                  "with 95% intervals",
    "economics_tornado_with_police.png": "Tornado: net benefit counting police time, each "
                                         "uncertain input at its low and high value",
    "economics_tornado_cash.png": "Tornado: net benefit in NHS cash, each uncertain input at "
                                  "its low and high value",
    "economics_ceac.png": "Acceptability curve: chance the scheme is worth it at each "
                          "willingness to pay per detention avoided",
    "economics_psa.png": "Net benefit in each draw of the uncertain inputs",
}


def verdicts(econ: Economics, psa: PSAResult | None = None) -> list[str]:
    """One plain-language line per comparison (the command line's words)."""
    draws = int(psa.settings["draws"]) if psa is not None else 0
    return [verdict(econ, s, c, psa.prob_positive(s, c) if psa is not None else None, draws)
            for s, c in econ.pairs]


def _cell(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "-" if not math.isinf(value) else "never"
    if unit.startswith("£"):
        return formats.money(value)
    return formats.console(value)


def funding_table(econ: Economics,
                  measures: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per measure: its label and unit, then ``mean [low, high]`` per comparison
    (columns ``scenario vs comparator``)."""
    rows = []
    for m, label in (measures or TABLE_MEASURES).items():
        spec = BY_NAME[m]
        row = {"measure": label, "unit": spec.unit}
        for s, c in econ.pairs:
            mean = econ.value(s, c, m)
            lo, hi = econ.value(s, c, m, "ci_low"), econ.value(s, c, m, "ci_high")
            text = _cell(mean, spec.unit)
            if math.isfinite(lo) and math.isfinite(hi):
                text += f" [{_cell(lo, spec.unit)}, {_cell(hi, spec.unit)}]"
            row[f"{s} vs {c}"] = text
        rows.append(row)
    return pd.DataFrame(rows)


def figures(econ: Economics, psa: PSAResult | None = None) -> dict[str, bytes]:
    """The report's funding-case figures, PNG bytes by file name."""
    return economics_figures(econ, psa)


def sensitivity(result: sim.RunResult, econ: Economics, draws: int, reps: int,
                jobs: int = 1) -> PSAResult | None:
    """The sensitivity analysis, bounded (``draws`` 0..200, ``reps`` 1..10)."""
    if not (0 <= draws <= MAX_DRAWS and 1 <= reps <= MAX_DRAW_REPS):
        raise ValueError(f"draws must be 0 to {MAX_DRAWS} and replications per draw 1 to "
                         f"{MAX_DRAW_REPS}, got {draws} and {reps}")
    return run_psa(result, econ, draws=draws, reps=reps, jobs=jobs)


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


__all__ = ["Downloads", "compute", "downloads", "figures", "funding_table", "sensitivity",
           "verdicts"]
