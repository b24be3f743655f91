"""``report.html`` from its Jinja2 templates: ``sim/reporting/templates/report.html.j2``
and one partial per section in ``sim/reporting/templates/report/``.

The environment escapes every value (``autoescape=True``); the templates mark nothing
safe, and the only non-text they carry are our own ``data:`` URIs of base64 PNGs.
Undefined names are errors, not blanks.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from sim.economics.funding import Economics
from sim.economics.psa import PSAResult
from sim.reporting.report.figures import economics_figures
from sim.reporting.report.page import Page, build_page
from sim.run.result import RunResult

TEMPLATE = "report.html.j2"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The reporting layer's templates, loaded from the installed package (package data)."""
    return Environment(loader=PackageLoader("sim.reporting", "templates"),
                       autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True, keep_trailing_newline=True)


def render_page(page: Page) -> str:
    """The page's data laid out as one HTML string."""
    return environment().get_template(TEMPLATE).render(page=page)


def render_report(result: RunResult, econ: Economics, psa: PSAResult | None = None, *,
                  figures: dict[str, bytes] | None = None,
                  plot_files: dict[str, bytes] | None = None,
                  sources: dict[str, str] | None = None,
                  manifest: dict[str, Any] | None = None) -> str:
    """The report as one HTML string (no external resources).

    Parameters
    ----------
    result
        The run (:class:`sim.run.runner.RunResult`).
    econ
        Its funding case (:func:`sim.economics.funding.compute`).
    psa
        The sensitivity analysis (:func:`sim.economics.psa.run_psa`), or None when it was
        not run.
    figures
        Funding-case figures by name (:func:`sim.reporting.report.figures.economics_figures`;
        drawn here if None).
    plot_files
        The run's plots (``plots/*.png``) by file name, embedded in "where and why".
    sources
        Scenario file per scenario name (for the assumptions and their sources).
    manifest
        The run manifest (``manifest.json`` content).
    """
    page = build_page(result, econ, psa,
                      figures=economics_figures(econ, psa) if figures is None else figures,
                      plot_files=plot_files or {}, sources=sources or {}, manifest=manifest)
    return render_page(page)
