"""Page: the rota optimiser (``crisis-sim optimise`` in the browser).

Pick a scenario of this session as the base, a budget of car-hours and the rotas allowed;
the optimiser finds one that is, with 95% probability, within a chosen margin of the best
(``sim/app/optimising.py``, ``docs/optimise.md``). The best rota is shown on the week grid
and can be used in the builder and in runs.
"""

from __future__ import annotations

import time

import streamlit as st

from sim.app import charts, editing, optimising, running, state
from sim.app.library import Entry
from sim.core.metrics import BY_NAME
from sim.scenario.schema import Scenario

state.init(st.session_state)
lib = state.library(st.session_state)
st.title("Optimise the rota")
st.caption("Which hours should the cars work? For a budget of car-hours a week, the optimiser "
           "screens every rota allowed, then picks one that is, with 95% probability, within "
           "the margin you set of the best (docs/optimise.md). Small problems take seconds; "
           "the shipped one-car problem takes a few minutes.")

names = [n for n, e in lib.items() if e.scenario.cars]
if not names:
    st.info("Build a scenario with at least one car first.", icon=":material/info:")
    st.stop()
with st.container(border=True):
    c1, c2, c3 = st.columns(3)
    base_name = c1.selectbox("Base scenario (demand, crews, costs)", names, key="opt_base",
                             index=names.index("cpft_one_car") if "cpft_one_car" in names
                             else 0)
    base: Scenario = lib[base_name].scenario
    hours_now = round(sum(c.pattern().minutes_per_week for c in base.cars) / 60)
    cars = c2.number_input("Cars", 1, optimising.MAX_CARS, len(base.cars), key="opt_cars")
    car_hours = c3.number_input("Car-hours a week (all cars)", 1, 168 * optimising.MAX_CARS,
                                hours_now, key="opt_hours",
                                help=f"The base's rota has {hours_now} car-hours a week.")
    c1, c2, c3 = st.columns(3)
    lengths = c1.multiselect("Shift lengths (hours)", list(range(4, 13)), [8, 10],
                             key="opt_lengths")
    starts = c2.slider("Shifts start between", 0, 23, (12, 22), key="opt_starts",
                       help="Whole hours; a shift may run past midnight.")
    patterns = c3.multiselect("Day patterns", list(optimising.DAY_PATTERNS),
                              ["every_day", "sun_thu_fri_sat"], key="opt_patterns",
                              help="every_day: one shift all week; sun_thu_fri_sat: the "
                                   "Cambridgeshire shape; per_day: each day its own shift or "
                                   "a day off (sampled).")
    c1, c2, c3, c4, c5 = st.columns(5)
    metric = c1.selectbox("Objective", list(optimising.OBJECTIVES), key="opt_metric",
                          format_func=lambda m: BY_NAME[m].title)
    delta = c2.number_input(f"Margin that does not matter ({BY_NAME[metric].unit} a year)",
                            0.1, 10_000.0, 3.0, key="opt_delta",
                            help="The indifference zone: rotas closer than this to the best "
                                 "count as equally good.")
    samples = c3.number_input("Per-day rotas sampled", 0, optimising.MAX_PER_DAY_SAMPLES, 100,
                              key="opt_samples", disabled="per_day" not in patterns)
    max_reps = c4.number_input("Most replications per rota", 10, optimising.MAX_REPS, 100,
                               key="opt_reps")
    weeks = c5.number_input("Weeks per replication", 1, running.MAX_WEEKS, base.run.weeks,
                            key="opt_weeks")
    b1, b2, _ = st.columns([1, 1, 4])
    go = b1.button("Optimise", type="primary", key="opt_go")
    b2.button("Stop", key="opt_stop", help="Stops the optimiser at its next step.")

choices = optimising.Choices(cars=int(cars), car_hours=int(car_hours),
                             shift_lengths=tuple(sorted(lengths)), start_from=starts[0],
                             start_to=starts[1], day_patterns=tuple(patterns),
                             per_day_samples=int(samples), metric=metric, delta=float(delta),
                             max_reps=int(max_reps), weeks=int(weeks), seed=base.run.seed)
if go:
    problems = optimising.check(choices)
    for p in problems:
        st.error(p, icon=":material/error:")
    if not problems:
        st.session_state.pop("optimised", None)
        started = time.perf_counter()
        with st.status("Optimising ...", expanded=True) as box:
            try:
                result = optimising.optimise(base, choices, jobs=running.default_jobs(),
                                             log=lambda note: box.write(note))
            except ValueError as exc:  # the optimise file's rules (OptimiseError), in words
                box.update(label="Not run", state="error")
                st.error(str(exc), icon=":material/error:")
            else:
                box.update(label=f"Done in {time.perf_counter() - started:.0f} s",
                           state="complete", expanded=False)
                st.session_state["optimised"] = result

result = st.session_state.get("optimised")
if result is None:
    st.stop()
if result.best is None:
    st.warning("No rota met the constraints.", icon=":material/warning:")
    st.stop()

st.subheader(f"Best rota: {result.best.label()}")
st.caption(f"{len(result.candidates):,} rotas looked at; "
           f"{len(result.indistinguishable)} cannot be told apart from the pick "
           f"(within {choices.delta:g} {BY_NAME[metric].unit} a year).")
best: Scenario = result.best_scenario
st.altair_chart(charts.coverage(editing.coverage_frame(best.to_dict())))
for note in result.notes:
    st.caption(f"Note: {note}")
st.markdown("**The pick against the base's rota and the best daily shift of a start-hour "
            "sweep** (fresh replications, a year)")
st.table(optimising.comparison_table(result).set_index(["against", "measure"]))
st.markdown("**Rotas as good as the pick** (mean a year with its 95% interval)")
st.table(optimising.contenders(result).set_index("rota"))
if st.button("Use the best rota", type="primary", key="opt_use",
             help="Adds it to this session's scenarios and opens it in the builder."):
    entry = Entry(scenario=best, origin="built", file=None,
                  extends=lib[base_name].extends, parent=lib[base_name].parent,
                  comments=lib[base_name].comments, source_data=lib[base_name].source_data)
    message = state.add(st.session_state, entry)
    if message:
        st.error(message, icon=":material/error:")
    else:
        state.load_draft(st.session_state, entry)
        st.switch_page("views/build.py")
