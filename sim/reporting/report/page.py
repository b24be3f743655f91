"""The whole page as data: :class:`Page` holds every section, :func:`build_page` fills it
from computed results. The templates (``sim/reporting/templates/``) only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sim.economics.funding import Economics
from sim.economics.psa import PSAResult
from sim.reporting.report import economics_sections as econ_sections
from sim.reporting.report import run_sections
from sim.reporting.report.assumptions import Assumptions, assumptions
from sim.reporting.report.pathway_section import PathwaySection, pathway
from sim.run.result import RunResult
from sim.scenario.loader import is_partial


@dataclass(frozen=True)
class Page:
    """Every section of ``report.html``, in the order the page shows them (``pathway``:
    None, and the section left out, when no scenario has a Section 136 pathway)."""

    subtitle: str
    answer: econ_sections.Answer
    scenarios: tuple[run_sections.ScenarioRow, ...]
    headline: run_sections.Headline
    unmet: run_sections.Unmet
    pathway: PathwaySection | None
    funding: econ_sections.Funding
    sensitivity: econ_sections.Sensitivity | None
    assumptions: Assumptions
    manifest: run_sections.Manifest | None


def build_page(result: RunResult, econ: Economics, psa: PSAResult | None, *,
               figures: dict[str, bytes], plot_files: dict[str, bytes],
               sources: dict[str, str], manifest: dict[str, Any] | None,
               created: datetime | None = None) -> Page:
    """The page's data from a run, its funding case and (if run) its sensitivity analysis.

    ``figures``: the funding-case figures by name (:mod:`sim.reporting.report.figures`);
    ``plot_files``: the run's plots by file name; ``sources``: scenario file per scenario
    (partial files, which only ``extends`` others, are left out); ``manifest``: the
    content of ``manifest.json``; ``created``: when (default now).
    """
    sources = {k: v for k, v in sources.items() if v and not is_partial(v)}
    created = created or datetime.now(timezone.utc)
    what = ("Street triage response cars and control-room practitioners"
            if any(s.control_room is not None for s in result.scenarios)
            else "Street triage response cars")
    subtitle = (f"{what}: simulated with {_reps_text(result)}; money at "
                f"{econ_sections.price_text(econ)} prices. "
                f"Generated {created.strftime('%d %B %Y %H:%M UTC')}.")
    return Page(
        subtitle=subtitle,
        answer=econ_sections.answer(econ, psa, result.scenarios, result.baseline),
        scenarios=run_sections.scenarios(result, sources),
        headline=run_sections.headline(result),
        unmet=run_sections.unmet(result, plot_files),
        pathway=pathway(result),
        funding=econ_sections.funding(econ, psa, figures),
        sensitivity=econ_sections.sensitivity(psa, econ, figures),
        assumptions=assumptions(result, sources),
        manifest=run_sections.manifest(manifest, psa),
    )


def _reps_text(result: RunResult) -> str:
    st = list(result.settings.values())
    reps = {s.replications for s in st}
    weeks = {s.weeks for s in st}
    if len(reps) == 1 and len(weeks) == 1:
        return f"{reps.pop()} replications of {weeks.pop()} weeks per scenario"
    return "replications per scenario as listed"
