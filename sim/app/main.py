"""The planner app's entry script: ``streamlit run sim/app/main.py`` (``crisis-sim app``).

Sets up the page, fills this browser session's state (``sim/app/state.py``) and shows
the navigation between the pages in ``sim/app/views/``. A page for fitting a scenario to
an incident export or for the rota optimiser appears here only once the tool has that
feature (``sim/app/views/__init__.py`` says which exist).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.app import state
from sim.app.views import optional_pages

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="Crisis response planner", page_icon=":material/local_taxi:",
                   layout="wide", initial_sidebar_state="expanded")
state.init(st.session_state)

pages = [
    st.Page(HERE / "views" / "build.py", title="Build a scenario", icon=":material/edit_note:",
            default=True),
    st.Page(HERE / "views" / "compare.py", title="Run & compare", icon=":material/play_arrow:"),
    st.Page(HERE / "views" / "funding.py", title="Funding case", icon=":material/payments:"),
    *[st.Page(HERE / "views" / file, title=title, icon=icon)
      for file, title, icon in optional_pages()],
]
with st.sidebar:
    st.caption("Crisis response capacity simulator: police and mental-health response cars. "
               "Each browser tab has its own scenarios and runs.")
st.navigation(pages).run()
