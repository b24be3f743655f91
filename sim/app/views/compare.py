"""Page: run and compare scenarios (common random numbers, paired differences).

The run is one ``sim.compare`` call (``sim/app/running.py``) whose progress hook moves the
bar after each batch of replications. Stop (or Streamlit's own stop) asks Streamlit for a
rerun; the next update of the bar, inside the hook, then raises Streamlit's own exception,
which ends the run between batches: nothing of it is kept and no worker process is left.
The numbers are those of ``crisis-sim run`` with the same scenarios, replications, weeks and
seed.
"""

from __future__ import annotations

import time

import streamlit as st

from sim.app import charts, running, state
from sim.core.metrics import BY_NAME

state.init(st.session_state)
lib = state.library(st.session_state)

st.title("Run and compare")
st.caption("Every scenario runs the same random calls (common random numbers), so "
           "differences between them are paired and their intervals narrow.")

names = list(lib)
built = [n for n in names if lib[n].origin != "shipped"]
default = ([n for n in ("no_car",) if n in names] + built) if built else \
    [n for n in ("no_car", "cpft_one_car", "cpft_two_cars") if n in names] or names[:2]
with st.container(border=True):
    picked = st.multiselect("Scenarios to compare", names, default=default, key="run_names",
                            format_func=lambda n: f"{n} ({lib[n].origin})",
                            max_selections=running.MAX_SCENARIOS,
                            help="Shipped, uploaded and built scenarios of this session.")
    c1, c2, c3, c4, c5 = st.columns(5)
    first = lib[picked[0]].scenario.run if picked else None
    baseline = c1.selectbox("Baseline (compared against)", picked or ["-"],
                            index=picked.index("no_car") if "no_car" in picked else 0,
                            key="run_baseline")
    reps = c2.number_input("Replications", 1, running.MAX_REPS,
                           first.replications if first else 30, key="run_reps",
                           help=f"Independent simulated years per scenario (1 to "
                                f"{running.MAX_REPS}); more give narrower intervals.")
    weeks = c3.number_input("Measured weeks", 1, running.MAX_WEEKS,
                            first.weeks if first else 52, key="run_weeks",
                            help=f"Weeks counted after the warm-up (1 to {running.MAX_WEEKS}).")
    warmup = c4.number_input("Warm-up weeks", 0, running.MAX_WARMUP_WEEKS,
                             first.warmup_weeks if first else 1, key="run_warmup",
                             help="Weeks simulated first and not counted.")
    seed = c5.number_input("Seed", 0, running.MAX_SEED, first.seed if first else 2026,
                           key="run_seed", help="The same seed gives the same numbers, here "
                                                "and on the command line.")
    b1, b2, _ = st.columns([1, 1, 4])
    go = b1.button("Run", type="primary", disabled=not picked, key="run_go")
    b2.button("Stop", key="run_stop", help="Stops a run after the batch of replications it "
                                             "is on; nothing of it is kept.")

settings = running.Settings(names=tuple(picked), baseline=str(baseline), reps=int(reps),
                            weeks=int(weeks), warmup_weeks=int(warmup), seed=int(seed))
if st.session_state.get("run_stop") and st.session_state.pop("running", False):
    st.warning("Run stopped; nothing was kept from it.", icon=":material/stop_circle:")
if go:
    problems = running.check(settings)
    if problems:
        for p in problems:
            st.error(p, icon=":material/error:")
    else:
        state.forget_run(st.session_state)
        st.session_state["running"] = True
        bar = st.progress(0.0, text="Starting ...")
        started = time.perf_counter()

        def report(done: int, total: int) -> None:
            # A Stop pressed meanwhile makes this call raise: the run ends here.
            bar.progress(done / total, text=f"{done} of {total} replications done "
                                            f"({time.perf_counter() - started:.1f} s)")

        result = running.run_comparison([lib[n].scenario for n in picked], settings,
                                        on_progress=report)
        st.session_state["run"] = state.RunRecord(
            result=result, settings=settings, sources=state.sources(st.session_state, picked),
            seconds=time.perf_counter() - started)
        st.session_state["running"] = False  # the bar stays as the last batch left it

record: state.RunRecord | None = st.session_state.get("run")
if record is None:
    st.info("Pick scenarios and press Run. A comparison of two scenarios, 30 replications of "
            "a year, takes a few seconds.", icon=":material/info:")
    st.stop()

result, ran = record.result, record.settings
st.success(f"{len(ran.names)} scenario(s) x {ran.reps} replications of {ran.weeks} weeks "
           f"(seed {ran.seed}, {ran.warmup_weeks} warm-up week(s)) in {record.seconds:.1f} s.",
           icon=":material/check_circle:")

st.subheader("Headline results")
st.caption("Mean per replication with its 95% interval, [low, high]. With a control room "
           "or a Section 136 pathway in any scenario, their rows follow the cars' (n/a: a "
           "scenario without one).")
st.table(running.headline_table(result, running.headline_metrics(result)).set_index("measure"))

if result.baseline is not None and len(result.scenarios) > 1:
    st.subheader(f"Paired differences against {result.baseline}")
    st.caption("Scenario minus baseline, replication by replication, with 95% intervals; "
               "the last row of each scenario is the change in Section 136 detentions.")
    st.table(running.differences_table(result).set_index(["scenario", "measure"]))

st.subheader("Hour of the week: where calls go unmet, and how busy the cars are")
which = st.selectbox("Scenario", [s.name for s in result.scenarios], key="heatmap_scenario",
                     index=min(1, len(result.scenarios) - 1))
grid = running.hour_grid(result, which)
per_week = "calls per week in this hour"
top = float(max(grid["unmet_off_shift"].max(), grid["unmet_busy"].max(), 0.01))
c1, c2 = st.columns(2)
c1.altair_chart(charts.heatmap(grid, "unmet_off_shift", BY_NAME["unmet_off_shift"].title,
                               per_week, domain=(0.0, top)))
c2.altair_chart(charts.heatmap(grid, "unmet_busy", BY_NAME["unmet_busy"].title, per_week,
                               domain=(0.0, top)))
if grid["utilisation"].notna().any():
    st.altair_chart(charts.heatmap(grid, "utilisation", BY_NAME["car_utilisation"].title,
                                   "share of on-shift time busy", scheme="viridis",
                                   percent=True,
                                   domain=(0.0, max(1.0, float(grid["utilisation"].max())))))
else:
    st.caption(f"{which} has no car on shift in any hour, so no utilisation to show.")
st.page_link("views/funding.py", label="Read the funding case of this run",
             icon=":material/payments:")
