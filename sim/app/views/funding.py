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
st.caption(f"Is the car worth funding, and a second one? From the run of "
           f"{', '.join(record.settings.names)} ({record.settings.reps} replications of "
           f"{record.settings.weeks} weeks): net benefit = savings - costs, for each payer "
           "and for the public sector as a whole; police time released is valued but is not "
           "cash (officers are still paid).")

if not econ.pairs:
    st.warning("Nothing to compare: the run needs a scenario with cars and costs, and a "
               "baseline to compare it with.", icon=":material/warning:")
    st.stop()

basis, lines, extra = funding_case.appraisal_lines(econ, psa, result.scenarios)
st.subheader("Verdicts")
st.caption(basis[0].upper() + basis[1:] + ".")
for line in lines:
    st.markdown(f"- {line}")
for line in extra:
    st.caption(line)

st.subheader("Costs, savings and net benefit")
st.caption("Mean a year with its 95% interval, [low, high], per comparison"
           + (" (expected values over the draws)." if psa is not None else "."))
st.table(funding_case.funding_table(econ, psa).set_index("measure"))

st.subheader("Sensitivity to the uncertain inputs")
block = next((s.uncertainty for s in result.scenarios if s.name == result.baseline),
             None) or next((s.uncertainty for s in result.scenarios if s.uncertainty), None)
if block is None:
    st.caption("The scenarios have no uncertainty: block, so there is no sensitivity "
               "analysis to run.")
else:
    if psa is None:
        st.caption("The sensitivity analysis draws the uncertain inputs of the scenarios' "
                   "uncertainty: block and re-runs the simulation: expected values, the "
                   "chance each option pays, the acceptability frontier and the tornado.")
    c1, c2, c3 = st.columns([1, 1, 2])
    draws = c1.number_input("Draws", 0, funding_case.MAX_DRAWS,
                            min(block.draws, funding_case.MAX_DRAWS), key="psa_draws",
                            help="Draws of the uncertain inputs (0: none).")
    draw_reps = c2.number_input("Replications per draw", 1, funding_case.MAX_DRAW_REPS,
                                min(block.replications, funding_case.MAX_DRAW_REPS),
                                key="psa_reps")
    if c3.button("Run the sensitivity analysis", key="psa_go",
                 help="Re-runs the scenarios once per draw: a minute or more with many "
                      "draws."):
        with st.spinner("Drawing inputs and re-running the scenarios ..."):
            psa = funding_case.sensitivity(result, econ, int(draws), int(draw_reps),
                                           jobs=running.default_jobs())
        st.session_state["psa"] = psa
        st.session_state.pop("downloads", None)
        st.rerun()
    if psa is not None:
        st.caption(f"Sensitivity analysis: {psa.settings['draws']:,} draws x "
                   f"{psa.settings['replications_per_draw']} replication(s) in "
                   f"{psa.wall_seconds:.1f} s; the verdicts above are expected values.")

shown = funding_case.figures(econ, psa)
names = list(shown)
for i in range(0, len(names), 2):
    cols = st.columns(2)
    for col, name in zip(cols, names[i:i + 2], strict=False):
        col.image(shown[name], caption=funding_case.CAPTIONS.get(name, name))

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
                       mime="text/html", key="dl_report", on_click="ignore")
    c2.download_button("economics.xlsx", files.workbook, file_name="economics.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="dl_workbook", on_click="ignore")
    c3.download_button(f"results.zip ({len(files.files)} files)", files.results_zip,
                       file_name="results.zip", mime="application/zip", key="dl_zip",
                       on_click="ignore")
