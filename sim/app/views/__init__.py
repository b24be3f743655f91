"""The app's pages, one script each, run by ``st.navigation`` in ``sim/app/main.py``.

``build.py`` (build a scenario), ``compare.py`` (run and compare) and ``funding.py`` (the
funding case) always appear. Pages for features that are still being built (fitting a
scenario to a force's incident export, the rota optimiser) are listed by
:func:`optional_pages` only when both their page script and the feature's Python API
exist, so the app never shows a placeholder.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent

OPTIONAL = (
    ("fit.py", "Fit to incident data", ":material/query_stats:", "sim.experiments.fit"),
    ("optimise.py", "Optimise the rota", ":material/tune:", "sim.experiments.optimise"),
)
"""(page script, title, icon, the module the page needs)."""


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def optional_pages() -> list[tuple[str, str, str]]:
    """(script, title, icon) of each optional page whose script and feature both exist."""
    return [(file, title, icon) for file, title, icon, module in OPTIONAL
            if (HERE / file).is_file() and _exists(module)]
