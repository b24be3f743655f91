"""Page: the funding case of the last run (verdicts, tables, figures, downloads).

Everything is computed by the tool's own functions (``sim/app/funding_case.py``): the
same verdicts as the command line, the report's figures, and the files of
``write_results`` (``report.html``, ``economics.xlsx``, a zip of the results folder).
"""

from __future__ import annotations

import streamlit as st

from sim.app import funding_case, running, state

state.init(st.session_state)
st.title("The funding case")
record: state.RunRecord | None = st.session_state.get("run")
if record is None:
    st.info("Run a comparison first: the funding case is worked out from its counts.",
            icon=":material/info:")
    st.page_link("views/compare.py", label="Go to Run & compare", icon=":material/play_arrow:")
    st.stop()

result = record.result
econ = funding_case.compute(result)
psa = st.session_state.get("psa")
year = econ.price_year()
st.caption(f"Is the car worth funding, and a second one? £ a year"
           f"{f' at {year} prices' if year else ''}, from the run of "
           f"{', '.join(record.settings.names)} ({record.settings.reps} replications of "
           f"{record.settings.weeks} weeks). Net benefit = savings - scheme cost, in NHS cash, "
           "then counting police time released (not cash: officers are still paid).")

if not econ.pairs:
    st.warning("Nothing to compare: the run needs a scenario with cars and costs, and a "
               "baseline to compare it with.", icon=":material/warning:")
    st.stop()

st.subheader("Verdicts")
for line in funding_case.verdicts(econ, psa):
    st.markdown(f"- {line}")
for note in econ.notes:
    st.caption(f"Note: {note}")

st.subheader("Costs, savings and net benefit")
st.caption("Mean a year with its 95% interval, [low, high], per comparison.")
st.table(funding_case.funding_table(econ).set_index("measure"))

st.subheader("Sensitivity to the uncertain inputs")
if psa is None:
    st.caption("The sensitivity analysis draws the uncertain inputs of the scenarios' "
               "uncertainty: block and re-runs the simulation: the tornado, the acceptability "
               "curve and the chance each option pays.")
c1, c2, c3 = st.columns([1, 1, 2])
draws = c1.number_input("Draws", 0, funding_case.MAX_DRAWS, 40, key="psa_draws",
                        help="Draws of the uncertain inputs (0: tornado and switching "
                             "values only).")
draw_reps = c2.number_input("Replications per draw", 1, funding_case.MAX_DRAW_REPS, 4,
                            key="psa_reps")
if c3.button("Run the sensitivity analysis", key="psa_go",
             help="Takes about half a minute with 40 draws on two cores."):
    with st.spinner("Drawing inputs and re-running the scenarios ..."):
        psa = funding_case.sensitivity(result, econ, int(draws), int(draw_reps),
                                       jobs=running.default_jobs())
    st.session_state["psa"] = psa
    st.session_state.pop("downloads", None)
    st.rerun()
if psa is not None:
    st.caption(f"Sensitivity analysis: {psa.settings['draws']} draws x "
               f"{psa.settings['replications_per_draw']} replications in "
               f"{psa.wall_seconds:.1f} s; the verdicts above include the share of draws with "
               "a positive net benefit.")

figures = funding_case.figures(econ, psa)
names = list(figures)
for i in range(0, len(names), 2):
    cols = st.columns(2)
    for col, name in zip(cols, names[i:i + 2], strict=False):
        col.image(figures[name], caption=funding_case.CAPTIONS.get(name, name))

st.subheader("Download")
files: funding_case.Downloads | None = st.session_state.get("downloads")
if files is None:
    st.caption("report.html (one page to forward), economics.xlsx (for finance teams) and "
               "a zip of the whole results folder, as the command line writes them.")
    if st.button("Prepare the files", key="prepare", type="primary",
                 help="Writes the results folder with its plots; a few seconds."):
        with st.spinner("Writing the report, workbook and plots ..."):
            files = funding_case.downloads(result, psa, record.sources)
        st.session_state["downloads"] = files
if files is not None:
    c1, c2, c3 = st.columns(3)
    c1.download_button("report.html", files.report_html, file_name="report.html",
                       mime="text/html", key="dl_report")
    c2.download_button("economics.xlsx", files.workbook, file_name="economics.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="dl_workbook")
    c3.download_button(f"results.zip ({len(files.files)} files)", files.results_zip,
                       file_name="results.zip", mime="application/zip", key="dl_zip")
