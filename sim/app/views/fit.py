"""Page: fit a scenario to an uploaded incident export (``crisis-sim fit`` in the browser).

Upload the export (and a mapping file if its columns have other names), fit, read what the
fit found (the command line's summary, the hour-of-week rates, the hold-out test), download
the fit report and the scenario file, and use the fitted scenario in the builder and in
runs (``sim/app/fitting.py``).
"""

from __future__ import annotations

import streamlit as st

from sim.app import charts, fitting, state
from sim.app.library import shipped_files
from sim.cli.fit import summary
from sim.common.errors import InputError

state.init(st.session_state)
st.title("Fit a scenario to your incident data")
st.caption("Upload your command-and-control export (CSV, one row per incident: incident_id, "
           "created_at, mental_health, deployed, officer_minutes, outcome; docs/fit.md). "
           "Demand by hour of the week, officer time and outcomes are estimated from it, each "
           "with its interval. The file stays in this session; incident ids are never shown.")

with st.container(border=True):
    c1, c2 = st.columns(2)
    export = c1.file_uploader("Incident export (CSV, at most 20 MiB)", type=["csv"],
                              key="fit_export")
    mapping = c2.file_uploader("Mapping file (YAML; only if your columns have other names)",
                               type=["yaml", "yml"], key="fit_mapping",
                               help="Names your columns and codes: docs/fit.md, "
                                    "'The mapping file'.")
    c1, c2, c3, c4 = st.columns(4)
    bases = ["_base.yaml", *[p.name for p in shipped_files()]]
    base = c1.selectbox("Extend the shipped scenario", bases, key="fit_base",
                        help="The fitted scenario takes everything it does not fit (cars, "
                             "costs, pathways) from this file.")
    holdout = c2.slider("Hold back for testing (share of the period)", 0.0, 0.5, 0.0, 0.05,
                        key="fit_holdout", help="Fit on the earlier part and test a "
                                                "simulation of the fitted scenario against "
                                                "the later part (0: no test).")
    profile = c3.selectbox("Hour-of-week rates", list(fitting.PROFILES), key="fit_profile",
                           help="cells: each hour's own rate; day_hour: a day x hour model; "
                                "auto: the model when data are thin.")
    window = c4.selectbox("Demand window", list(fitting.WINDOWS), key="fit_window",
                          help="all: the whole period; last_year: its last 52 weeks; auto: "
                               "the last 52 weeks when demand has a trend.")
    skip = st.checkbox("Skip rows with problems (and count them) instead of stopping",
                       key="fit_skip")
    go = st.button("Fit", type="primary", disabled=export is None, key="fit_go")

if go and export is not None:
    st.session_state.pop("fit", None)
    try:
        with st.spinner("Fitting ..."):
            outcome = fitting.fit_upload(
                export.name, export.getvalue(),
                mapping=(mapping.name, mapping.getvalue()) if mapping is not None else None,
                base=base, holdout=holdout or None, skip_bad_rows=skip, profile=profile,
                demand_window=window)
    except InputError as exc:
        st.error(f"{len(exc.problems)} problem(s) found; nothing was fitted.",
                 icon=":material/error:")
        st.code("\n".join(str(p) for p in exc.problems), language=None)
    else:
        st.session_state["fit"] = outcome

outcome: fitting.FitOutcome | None = st.session_state.get("fit")
if outcome is None:
    st.stop()

result = outcome.result
st.subheader("What the fit found")
st.code("\n".join(summary(result)), language=None, wrap_lines=True)
rates = result.rates.assign(rate=result.rates["rate_used"])
st.altair_chart(charts.heatmap(rates, "rate", "Fitted demand: calls an hour, by hour of week",
                               "calls per hour"))
if result.holdout is not None:
    verdict = "passed" if result.holdout.passed else "failed"
    st.markdown(f"**Hold-out test {verdict}**: the fitted scenario simulated over the held-back "
                "weeks, against what happened.")
    st.table(result.holdout.table[["check", "statistic", "value", "p_value", "observed",
                                   "simulated", "result"]].set_index("check"))

c1, c2, c3 = st.columns(3)
c1.download_button("fit_report.html", outcome.report_html, file_name="fit_report.html",
                   mime="text/html", key="fit_report", on_click="ignore")
c2.download_button("fitted_scenario.yaml", outcome.scenario_text,
                   file_name="fitted_scenario.yaml", mime="application/x-yaml",
                   key="fit_yaml", on_click="ignore",
                   help=f"Extends {base}: save it beside that file (scenarios/).")
if c3.button("Use the fitted scenario", type="primary", key="fit_use",
             help="Adds it to this session's scenarios and opens it in the builder (add "
                  "cars there)."):
    message = state.add(st.session_state, outcome.entry)
    if message:
        st.error(message, icon=":material/error:")
    else:
        state.load_draft(st.session_state, outcome.entry)
        st.switch_page("views/build.py")
