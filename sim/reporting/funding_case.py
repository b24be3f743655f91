"""Writing the appraisal of a run: ``economics.csv`` and the sensitivity analysis's CSVs,
``plots/economics_*.png``, ``economics.xlsx`` and ``report.html``, each file atomically.

The economics arrive computed: :func:`sim.reporting.results.write_results` passes the
appraisal at the run's inputs (:func:`sim.economics.funding.compute`) and the sensitivity
analysis (:func:`sim.economics.psa.run_psa`); nothing is computed here. With the analysis,
``economics.csv`` holds its expected values (basis ``expected``) and the appraisal at the
inputs' means (``at_means``); without it, the run's own (``run``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.common.atomic import atomic_path, write_csv, write_text
from sim.economics.funding import Economics
from sim.economics.psa import PSAResult
from sim.reporting.report.figures import economics_figures
from sim.reporting.report.render import render_report
from sim.reporting.workbook import write_workbook
from sim.run.result import RunResult


def psa_tables(psa: PSAResult) -> dict[str, pd.DataFrame]:
    """The sensitivity analysis's CSV files by name."""
    draws = psa.option_draws.merge(psa.draws, on="draw")
    return {"psa_draws.csv": draws, "ceaf.csv": psa.ceaf, "frontier.csv": psa.frontier,
            "evpi.csv": psa.evpi, "evppi.csv": psa.evppi, "tornado.csv": psa.tornado,
            "switching_values.csv": psa.switching, "convergence.csv": psa.convergence,
            "cost_consequence.csv": psa.cost_consequence, "ledger.csv": psa.lines}


def write_funding_case(result: RunResult, econ: Economics, out_dir: str | Path, *,
                       psa: PSAResult | None = None, sources: dict[str, str] | None = None,
                       manifest: dict[str, Any] | None = None,
                       plot_paths: Sequence[Path] = (), plots: bool = True) -> list[Path]:
    """Write ``economics.csv``, ``economics.xlsx``, ``report.html`` and, when the
    sensitivity analysis ran, :func:`psa_tables` (with ``plots``, ``plots/economics_*.png``
    too) into ``out_dir``.

    ``econ`` is the appraisal of ``result`` at its own inputs; ``plot_paths`` are the run's
    plots, embedded in the report. Returns the paths written.
    """
    out = Path(out_dir)
    written: list[Path] = []

    def csv(name: str, frame: pd.DataFrame) -> None:
        write_csv(out / name, frame)
        written.append(out / name)

    csv("economics.csv", psa.table if psa is not None else econ.table)
    if psa is not None:
        for name, frame in psa_tables(psa).items():
            csv(name, frame)
    else:
        csv("ledger.csv", econ.lines)
    figures: dict[str, bytes] = {}
    if plots:
        figures = economics_figures(econ, psa)
        for name, png in figures.items():
            path = out / "plots" / name
            with atomic_path(path) as tmp:
                tmp.write_bytes(png)
            written.append(path)
    written.append(write_workbook(out / "economics.xlsx", econ, psa))
    plot_files = {Path(p).name: Path(p).read_bytes() for p in plot_paths}
    page = render_report(result, econ, psa, figures=figures, plot_files=plot_files,
                         sources=sources, manifest=manifest)
    write_text(out / "report.html", page)
    written.append(out / "report.html")
    return written
