"""``report.html``: one self-contained page a commissioner can open and forward.

Images are embedded as base64 PNG, styles are inline, and nothing is fetched from the
network; the page needs no JavaScript. Sections: the question and the answer, the
scenarios compared, headline results with intervals, where and why calls go unmet, the
Section 136 pathway (when a scenario has one), the funding case (cash, and with police
time), sensitivity (tornado, switching values, PSA and CEAC when the analysis ran),
assumptions with their sources, and the run manifest.

The page's data is built apart from its markup:

- ``page.py``: :class:`~sim.reporting.report.page.Page`, every section as data, from the
  sections of ``run_sections.py``, ``pathway_section.py``, ``economics_sections.py`` and
  ``assumptions.py``
  (cells in ``cells.py``);
- ``figures.py``: the funding-case figures (matplotlib), also written to ``plots/``;
- ``render.py``: the Jinja2 environment (autoescaping) and :func:`render_report`;
- ``sim/reporting/templates/``: ``report.html.j2``, with one partial per section in
  ``sim/reporting/templates/report/``.

The economics arrive computed (:func:`sim.economics.funding.compute`,
:func:`sim.economics.psa.run_psa`); :mod:`sim.reporting.funding_case` writes the files.
"""

from sim.reporting.report.render import render_report

__all__ = ["render_report"]
