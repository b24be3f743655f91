"""The planner app: the whole tool in a browser (Streamlit), for people who do not write YAML.

Start it with ``crisis-sim app`` (``sim/cli/app.py``; it runs ``streamlit run`` on
``sim/app/main.py``, on 127.0.0.1 only by default). Pages (``sim/app/views/``):

* **Build** (``views/build.py``): start from a shipped scenario or an uploaded file, edit
  demand, the cars' rotas in a grid (with a 7 x 24 coverage picture against demand),
  dispatch rules and costs; every edit is validated by the scenario schema, with the
  command line's messages; download the scenario as YAML.
* **Run & compare** (``views/compare.py``): run scenarios with common random numbers and
  see the headline table, the paired differences and hour-of-week heatmaps.
* **Funding case** (``views/funding.py``): verdicts, tables and figures of the funding
  case; downloads of ``report.html``, ``economics.xlsx`` and the results folder.
* **Fit to incident data** (``views/fit.py``) and **Optimise the rota**
  (``views/optimise.py``), shown while those features exist (``views/__init__.py``).

The page scripts only lay out widgets; the work is done by plain functions, tested
without a browser: ``library.py`` (shipped scenarios and uploads through the strict
loader), ``editing.py`` (the rota grid, coverage, YAML text), ``running.py`` (bounded runs
with progress), ``funding_case.py`` (verdicts and downloads), ``fitting.py`` and
``optimising.py`` (the fit and the optimiser on the page's inputs), ``charts.py`` (Altair
figures), ``hints.py`` (help texts from the comments of ``scenarios/_base.yaml``) and
``state.py`` (what a browser session holds). Full description: ``docs/app.md``.

This package is the top layer (``pyproject.toml``): it may import every other layer, and
nothing imports it (the command line starts it in a separate process).
"""
