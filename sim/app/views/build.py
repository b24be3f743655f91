"""Page: build a scenario (demand, cars and rotas in a grid, the control room, the Section
136 pathway's capacity, dispatch, costs).

Every edit is applied to the draft's data and validated by the scenario schema
(``sim/app/editing.py``); each problem is shown under the input at fault, in the command
line's words. A valid scenario can be added to this session's list (then run on the
Run & compare page) and downloaded as YAML.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from sim.app import charts, editing, hints, state
from sim.app.library import Entry, load_upload
from sim.common.errors import Problem, ScenarioError
from sim.scenario.calendar import DAY_NAMES
from sim.scenario.presets import HOURLY_PROFILES

CUSTOM = "custom weights"
SOURCE = "built"


def _problems_at(slot: Any, problems: list[Problem], label=None) -> None:
    """Show problems in a placeholder under an input (nothing when there are none)."""
    if problems:
        text = "\n".join(f"- {label(p) if label else p.key}: {p.message}" for p in problems)
        slot.error(text, icon=":material/error:")


def _distribution(form_col: Any, param_cols: list[Any], label: str, short: str, unit: str,
                  dist: Any, prefix: str, v: int, help: str) -> dict[str, Any]:
    """A distribution's inputs: its form (``{prefix}_dist_{v}``) in ``form_col``, then its
    parameters (``{prefix}_{form}_{name}_{v}``) over ``param_cols``; the forms and their
    parameters are the schema's (``editing.DISTRIBUTION_FORMS``). An ``empirical`` list is
    kept from the file as it is."""
    dist = dict(dist or {})
    forms = [f for f in editing.DISTRIBUTION_FORMS
             if f != "empirical" or dist.get("dist") == "empirical"]
    form = form_col.selectbox(f"{label} ({unit}): distribution", forms,
                              index=forms.index(dist["dist"]) if dist.get("dist") in forms
                              else 0, key=f"{prefix}_dist_{v}", help=help)
    if form == "empirical":
        param_cols[0].caption(f"Kept from the file: {len(dist.get('values', []))} values.")
        return dist
    out: dict[str, Any] = {"dist": form}
    step = 1.0 if unit == "minutes" else 0.5
    for i, (name, value) in enumerate(editing.distribution_params(dist, form).items()):
        out[name] = param_cols[i % len(param_cols)].number_input(
            f"{short}: {name} ({unit})", value=float(value), step=step, format="%.2f",
            key=f"{prefix}_{form}_{name}_{v}", help=help)
    return out


def _start_from(name: str) -> None:
    state.load_draft(st.session_state, state.library(st.session_state)[name])
    st.session_state.pop("saved_message", None)


def _uploaded() -> None:
    upload = st.session_state.get("upload")
    st.session_state["upload_problems"] = []
    if upload is None:
        return
    try:
        entry = load_upload(upload.name, upload.getvalue())
    except ScenarioError as exc:
        st.session_state["upload_problems"] = [str(p) for p in exc.problems]
        return
    clash = state.add(st.session_state, entry)
    if clash:
        st.session_state["upload_problems"] = [f"{entry.file}: name: {clash}"]
        return
    state.load_draft(st.session_state, entry)


state.init(st.session_state)
draft: state.Draft = st.session_state["draft"]
base, entry, v = draft.base, draft.entry, draft.version
comments = entry.comments or hints.base_comments()

st.title("Build a scenario")
st.caption(f"Editing a copy of **{entry.scenario.name}** ({entry.origin}"
           f"{', ' + entry.file if entry.file else ''}). Hover over the ? of an input for "
           "its meaning and source.")

with st.container(border=True):
    left, right = st.columns(2)
    with left:
        names = list(state.library(st.session_state))
        origin = {n: e.origin for n, e in state.library(st.session_state).items()}
        pick = st.selectbox("Start again from a scenario of this session", names,
                            index=names.index(entry.scenario.name)
                            if entry.scenario.name in names else 0,
                            format_func=lambda n: f"{n} ({origin[n]})", key="start_from")
        st.button("Load into the builder", on_click=_start_from, args=(pick,),
                  help="Replaces the edits below with that scenario's values.")
    with right:
        st.file_uploader("...or upload a scenario file (YAML, at most 1 MiB)",
                         type=["yaml", "yml"], key="upload", on_change=_uploaded,
                         help="Read by the same strict loader as the command line. It may "
                              "extend a shipped file by name (extends: _base.yaml).")
        for line in st.session_state.get("upload_problems", []):
            st.error(line, icon=":material/error:")

# ----------------------------------------------------------------------- inputs
edits: dict[str, Any] = {}
st.subheader("Name")
c1, c2 = st.columns([1, 2])
edits["name"] = c1.text_input("Scenario name", value=base.get("name", ""), key=f"name_{v}",
                              help=hints.hint("name", comments))
name_slot = c1.empty()
edits["description"] = c2.text_area("Description", value=base.get("description", ""),
                                    key=f"description_{v}", height=68,
                                    help=hints.hint("description", comments))

st.subheader("Demand")
demand = base.get("demand", {})
c1, c2, c3 = st.columns(3)
edits["demand.calls_per_day"] = c1.number_input(
    "Calls a day (mental-health calls needing a deployment)",
    value=float(demand.get("calls_per_day", 0.0)), step=0.5, format="%.2f",
    key=f"calls_{v}", help=hints.hint("demand.calls_per_day", comments))
calls_slot = c1.empty()
edits["demand.other_jobs_per_hour"] = c2.number_input(
    "Other emergencies an hour (jobs a car may be sent to)",
    value=float(demand.get("other_jobs_per_hour", 0.0)), step=0.05, format="%.2f",
    key=f"other_{v}", help=hints.hint("demand.other_jobs_per_hour", comments))
other_slot = c2.empty()
weekday_slot = profile_slot = None
if demand.get("hour_of_week_profile") is not None:
    c3.info("Demand follows this scenario's hour-of-week profile (168 weights, as fitted to "
            "incident data); calls a day scale it. The grid below shows it hour by hour.",
            icon=":material/info:")
else:
    profile = demand.get("hourly_profile") or "flat"
    options = [*HOURLY_PROFILES, CUSTOM]
    choice = c3.selectbox("Hourly profile (how a day's calls spread over its hours)", options,
                          index=options.index(profile) if isinstance(profile, str) and
                          profile in options else len(options) - 1,
                          key=f"profile_{v}",
                          help=hints.hint("demand.hourly_profile", comments))
    profile_slot = c3.empty()
    st.markdown("**Weekday factors** (multipliers of the calls a day, Monday to Sunday)",
                help=hints.hint("demand.weekday_factors", comments))
    factors = list(demand.get("weekday_factors") or [1.0] * 7)
    cols = st.columns(7)
    edits["demand.weekday_factors"] = [
        col.number_input(day, value=float(factors[i]) if i < len(factors) else 1.0,
                         step=0.05, format="%.2f", key=f"weekday_{i}_{v}")
        for i, (col, day) in enumerate(zip(cols, DAY_NAMES, strict=True))]
    weekday_slot = st.empty()
    if choice == CUSTOM:
        start = editing.hourly_weights(profile)
        table = st.data_editor(
            pd.DataFrame({"hour starting": [f"{h:02d}:00" for h in range(24)],
                          "weight": start}),
            key=f"weights_{v}", hide_index=True, num_rows="fixed",
            disabled=["hour starting"], height=250,
            column_config={"weight": st.column_config.NumberColumn(
                "relative weight", help="Only the ratios matter.")})
        edits["demand.hourly_profile"] = [None if pd.isna(w) else float(w)
                                          for w in table["weight"]]
        weights = [0.0 if w is None else max(float(w), 0.0)
                   for w in edits["demand.hourly_profile"]]
    else:
        edits["demand.hourly_profile"] = choice
        weights = editing.hourly_weights(choice)
    if sum(weights) > 0:
        st.altair_chart(charts.hourly_profile(weights,
                                              max(edits["demand.calls_per_day"], 0.0)))

st.subheader("Cars and their rotas")
st.caption("One row per shift line. Days: all, Mon-Fri, Sun-Thu or Fri, Sat. Times "
           "\"HH:MM\"; an end at or before the start ends the next day (17:00 to 01:00). "
           "A car with two shift lines has two rows with the same name and crew. Add a row "
           "with the + above the grid; select rows and press Delete to remove them.")
grid = st.data_editor(
    editing.rota_frame(base.get("cars", [])), key=f"rota_{v}", num_rows="dynamic",
    hide_index=True, width="stretch",
    column_config={
        "car": st.column_config.TextColumn("car", help=hints.hint("cars", comments)),
        "days": st.column_config.TextColumn("days", help="all, Mon-Fri, Sun-Thu, Fri, Sat"),
        "start": st.column_config.TextColumn("start (HH:MM)", help="Shift start, \"15:00\""),
        "end": st.column_config.TextColumn("end (HH:MM)",
                                           help="Shift end; at or before the start: the "
                                                "next day"),
        "officers": st.column_config.NumberColumn("officers", step=1, format="%d", default=1,
                                                  help="Police officers in the car"),
        "clinicians": st.column_config.NumberColumn("clinicians", step=1, format="%d",
                                                    default=1, help="Mental-health "
                                                    "practitioners in the car"),
    })
rota = editing.cars_from_rota(grid, base.get("cars", []), source=SOURCE)
edits["cars"] = rota.cars
rota_slot = st.empty()

st.subheader("Control room (advice by telephone)")
room = base.get("control_room")
room_comments = comments if room is not None else {**{
    f"control_room.{k}": editing.ROOM_STARTING_SOURCE
    for k in ("shifts", "practitioners", "share_screened", "handling_minutes")}, **comments}
has_room = st.checkbox(
    "Mental-health practitioners in the police control room advise on calls by phone",
    value=room is not None, key=f"room_on_{v}", help=hints.hint("control_room", comments))
room_slot = st.empty()
room_grid_slot = room_rows = None
room_slots: dict[str, Any] = {}
if has_room:
    room = room or editing.DEFAULT_ROOM
    st.caption("The practitioners' rota, one row per shift line (days and times as for the "
               "cars), how many are on shift at once, the share of calls passed to them and "
               "how long a call takes. Then what happens to a call after advice: on the "
               "picture below, the telephone and number in each hour are the practitioners "
               "on shift.")
    left, right = st.columns([1, 1])
    with left:
        room_grid = st.data_editor(
            editing.room_frame(room), key=f"room_{v}", num_rows="dynamic", hide_index=True,
            width="stretch",
            column_config={
                "days": st.column_config.TextColumn(
                    "days", help=hints.hint("control_room.shifts", room_comments)),
                "start": st.column_config.TextColumn("start (HH:MM)",
                                                     help="Shift start, \"08:00\""),
                "end": st.column_config.TextColumn("end (HH:MM)",
                                                   help="Shift end; at or before the start: "
                                                        "the next day"),
            })
        room_shifts, room_rows = editing.room_shifts(room_grid)
        room_grid_slot = st.empty()
    with right:
        c1, c2 = st.columns(2)
        practitioners = c1.number_input(
            "Practitioners on shift at once", value=int(room.get("practitioners", 1)), step=1,
            format="%d", key=f"room_practitioners_{v}",
            help=hints.hint("control_room.practitioners", room_comments))
        room_slots["practitioners"] = c1.empty()
        share = c2.number_input(
            "Share of calls passed to the control room", value=float(
                room.get("share_screened", 1.0)), step=0.05, format="%.2f",
            key=f"room_share_{v}", help=hints.hint("control_room.share_screened",
                                                   room_comments))
        room_slots["share_screened"] = c2.empty()
        new_handling = _distribution(
            c1, [c2], "Handling time of a call", "Handling time", "minutes",
            room.get("handling_minutes"), "room", v,
            hints.hint("control_room.handling_minutes", room_comments))
        room_slots["handling_minutes"] = st.empty()
    edits["control_room"] = {
        **{k: val for k, val in room.items()
           if k not in ("shifts", "practitioners", "share_screened", "handling_minutes")},
        "shifts": room_shifts, "practitioners": int(practitioners),
        "share_screened": float(share), "handling_minutes": new_handling}

    st.markdown("**After advice** (the standard response's outcomes when officers are sent "
                "after a practitioner has advised; each no higher than without advice)",
                help=hints.hint("response.control_room", comments))
    advice = editing.default_advice(base)
    labels = {"p_no_deployment": "Share resolved by phone (no officers sent)",
              "p_s136": "Risk of a Section 136 detention after advice",
              "p_conveyed_ae": "Risk of a conveyance to A&E after advice"}
    cols = st.columns(3)
    advised = dict(advice)
    for col, key in zip(cols, editing.ADVICE_KEYS, strict=True):
        advised[key] = col.number_input(
            labels[key], value=float(advice.get(key, 0.0)), step=0.01, format="%.3f",
            key=f"advice_{key}_{v}", help=hints.hint(f"response.control_room.{key}",
                                                      comments))
        room_slots[f"advice.{key}"] = col.empty()
    edits["response.control_room"] = advised
else:
    edits["control_room"] = None

st.subheader("Section 136 pathway (places of safety)")
path_start, own_path = editing.pathway_start(base)
path_comments = dict(comments)
if not own_path:  # the example's values: say so, whatever a parent file says of its own
    path_comments.update({f"pathway.{k}": editing.PATHWAY_STARTING_SOURCE
                          for k in editing.PATHWAY_KEYS})
for share in ("ae", "custody"):  # a divert written as one map has its comment there
    key = f"pathway.place_of_safety.divert.{share}"
    if key not in path_comments and "pathway.place_of_safety.divert" in path_comments:
        path_comments[key] = path_comments["pathway.place_of_safety.divert"]
has_path = st.checkbox(
    "Model the Section 136 pathway: conveyance, place-of-safety beds, diverts and the "
    "24-hour limit", value=base.get("pathway") is not None, key=f"path_on_{v}",
    help=hints.hint("pathway", comments))
path_slot = st.empty()
path_slots: dict[str, Any] = {}
if has_path:
    st.caption("What a detention holds officers for: the wait for an ambulance or the drive, "
               "the wait for a bed (at most the longest wait, then a divert to A&E or "
               "custody) and the handover. Beds are shared by every call of the scenario."
               + ("" if own_path else " Starting values: the design's example (section 9), "
                  "not published figures; set your own."))
    path_values: dict[str, Any] = {}
    c1, c2, c3, c4 = st.columns(4)
    beds, no_limit = editing.beds_input(
        editing.pathway_value(path_start, "place_of_safety.beds"))
    beds_help = hints.hint("pathway.place_of_safety.beds", path_comments)
    unlimited = c2.checkbox("No limit on beds", value=no_limit, key=f"path_beds_inf_{v}",
                            help=beds_help)
    beds = c1.number_input("Place-of-safety beds", value=beds, step=1, format="%d",
                           disabled=unlimited, key=f"path_beds_{v}", help=beds_help)
    path_values["place_of_safety.beds"] = "inf" if unlimited else int(beds)
    path_slots["place_of_safety.beds"] = c1.empty()
    cols = [c3, c4, c1, c2, c3, c4]
    for col, (key, label) in zip(cols, editing.PATHWAY_NUMBERS, strict=True):
        path_values[key] = col.number_input(
            label, value=float(editing.pathway_value(path_start, key, 0.0)),
            step=0.05 if key.endswith(("p_ambulance", ".ae", ".custody", "p_ae_first"))
            else 0.5,
            format="%.2f", key=f"path_{editing.pathway_widget(key)}_{v}",
            help=hints.hint(f"pathway.{key}", path_comments))
        path_slots[key] = col.empty()
    path_slots["place_of_safety.divert"] = st.empty()
    for key, label, unit in editing.PATHWAY_DISTRIBUTIONS:
        cols = st.columns(4)
        path_values[key] = _distribution(
            cols[0], cols[1:], label, label.split(" (")[0], unit,
            editing.pathway_value(path_start, key), f"path_{editing.pathway_widget(key)}", v,
            hints.hint(f"pathway.{key}", path_comments))
        path_slots[key] = st.empty()
    edits["pathway"] = editing.pathway_from_inputs(path_start, path_values)
else:
    edits["pathway"] = None

st.subheader("Dispatch rules")
dispatch = base.get("dispatch", {})
c1, c2, c3 = st.columns(3)
edits["dispatch.max_wait_minutes"] = c1.number_input(
    "Longest wait for a busy car (minutes)", value=float(dispatch.get("max_wait_minutes", 0.0)),
    step=5.0, format="%.1f", key=f"wait_{v}",
    help=hints.hint("dispatch.max_wait_minutes", comments))
wait_slot = c1.empty()
edits["dispatch.takes_other_jobs"] = c2.checkbox(
    "Cars also take other emergencies", value=bool(dispatch.get("takes_other_jobs", False)),
    key=f"takes_{v}", help=hints.hint("dispatch.takes_other_jobs", comments))
ends = ["finish_job", "hand_over"]
edits["dispatch.end_of_shift"] = c3.selectbox(
    "At the end of a shift", ends, index=ends.index(dispatch.get("end_of_shift", "finish_job")),
    key=f"end_{v}", help=hints.hint("dispatch.end_of_shift", comments))

costs = base.get("costs")
cost_slots: dict[str, Any] = {}
if costs is not None:
    st.subheader("Costs (for the funding case)")
    st.caption(f"£ at {costs.get('price_year', '?')} prices unless an item says otherwise.")
    cols = st.columns(4)
    items = [k for k in editing.cost_items() if k in costs or k in editing.COST_LABELS]
    for i, key in enumerate(items):
        col = cols[i % 4]
        value, dotted = editing.cost_value(costs, key)
        edits[dotted] = col.number_input(
            editing.cost_label(key), value=value, step=1.0, format="%.2f",
            key=f"cost_{key}_{v}", help=hints.hint(f"costs.{key}", comments))
        cost_slots[key] = col.empty()

with st.expander("Response models, case mix and uncertainty (kept from the starting "
                 "scenario)"):
    st.caption("These are edited in the scenario file (docs/scenarios.md lists every key).")
    st.json({k: base[k] for k in ("response", "case_mix", "uncertainty") if k in base},
            expanded=False)

# ----------------------------------------------------------------------- validation
data = editing.apply_edits(base, edits)
scenario, problems = editing.validate(data, SOURCE)
problems = rota.problems + problems
shown: list[Problem] = []


def place(slot: Any, found: list[Problem], label=None) -> None:
    if slot is None:
        return  # no input for these here: listed with the others below
    shown.extend(found)
    _problems_at(slot, found, label)


place(name_slot, editing.under(problems, "name"))
place(calls_slot, editing.under(problems, "demand.calls_per_day"))
place(other_slot, editing.under(problems, "demand.other_jobs_per_hour"))
place(profile_slot, editing.under(problems, "demand.hourly_profile"))
place(weekday_slot, editing.under(problems, "demand.weekday_factors"))
place(wait_slot, editing.under(problems, "dispatch.max_wait_minutes"))
place(rota_slot, [p for p in problems if p.key.startswith(("cars", "row "))],
      label=lambda p: editing.where(p, rota))
for key, slot in cost_slots.items():
    place(slot, editing.under(problems, f"costs.{key}"))
place(room_slot, [p for p in problems if p.key == "control_room"])
if has_room:
    place(room_grid_slot, editing.under(problems, "control_room.shifts"),
          label=lambda p: editing.room_where(p, room_rows))
    for key, slot in room_slots.items():
        dotted = f"response.control_room.{key[7:]}" if key.startswith("advice.") \
            else f"control_room.{key}"
        place(slot, editing.under(problems, dotted))
place(path_slot, [p for p in problems if p.key in ("pathway", "pathway.conveyance",
                                                   "pathway.place_of_safety")])
if has_path:
    for key, slot in path_slots.items():
        found = editing.under(problems, f"pathway.{key}")
        if key == "place_of_safety.divert":  # the shares' rule; each share's own below it
            found = [p for p in found if p.key == "pathway.place_of_safety.divert"]
        place(slot, found)

coverage = editing.coverage_frame(data)
with st.container():
    st.markdown("**Cover against demand, hour by hour**")
    m1, m2, m3 = st.columns(3)
    m1.metric("Cars", len(rota.cars))
    m2.metric("Car-hours on shift a week", f"{coverage['cars'].sum():g} h")
    share = editing.covered_share(coverage)
    m3.metric("Calls arriving with a car on shift", "-" if share != share else f"{share:.0%}",
              help="Share of the week's expected calls that arrive while at least one car "
                   "is on shift (whether or not it is free).")
    if has_room:
        m1, m2, m3 = st.columns(3)
        m1.metric("Control-room practitioners at once", int(practitioners))
        m2.metric("Practitioner-hours on shift a week",
                  f"{coverage['practitioners'].sum():g} h")
        share = editing.covered_share(coverage, "practitioners")
        m3.metric("Calls arriving with a practitioner on shift",
                  "-" if share != share else f"{share:.0%}",
                  help="Share of the week's expected calls that arrive while the control "
                       "room has a practitioner on shift (whether or not one is free).")
    if coverage["calls"].notna().all():
        st.altair_chart(charts.coverage(coverage))

st.subheader("Check and save")
others = [p for p in problems if p not in shown]
if problems:
    st.error(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found; fix "
             f"{'them' if len(problems) != 1 else 'it'} to save or download this scenario.",
             icon=":material/error:")
    st.code("\n".join(str(p) for p in problems), language=None)
    for p in others:
        st.error(f"{p.key or 'scenario'}: {p.message}", icon=":material/error:")
else:
    room_text = (f", a control room of {scenario.control_room.practitioners} "
                 f"practitioner(s), {coverage['practitioners'].sum():g} practitioner-hours a "
                 "week" if scenario.control_room is not None else "")
    if scenario.pathway is not None:
        beds = scenario.pathway.place_of_safety.beds
        room_text += (", a Section 136 pathway with "
                      + ("no limit on place-of-safety beds" if beds == "inf"
                         else f"{beds} place-of-safety bed(s)"))
    st.success(f"Valid scenario **{scenario.name}**: {len(scenario.cars)} car(s), "
               f"{coverage['cars'].sum():g} car-hours a week{room_text}.",
               icon=":material/check_circle:")

c1, c2 = st.columns(2)
if c1.button("Add to this session's scenarios", type="primary", disabled=bool(problems),
             help="Then pick it on the Run & compare page. A built scenario of the same name "
                  "is replaced."):
    saved = Entry(scenario=scenario, origin="built", file=None, extends=entry.extends,
                  parent=entry.parent, comments=entry.comments,
                  source_data=entry.source_data)
    message = state.add(st.session_state, saved)
    if message:
        st.session_state["saved_message"] = ("error", f"name: {message}")
    else:
        st.session_state["saved_message"] = ("success", f"Added **{scenario.name}**; pick it "
                                             "on the Run & compare page.")
kind, text = st.session_state.get("saved_message", (None, None))
if kind == "error":
    c1.error(text, icon=":material/error:")
elif kind == "success":
    c1.success(text, icon=":material/check_circle:")

if scenario is not None:
    keep = c2.checkbox(f"Only what differs from {entry.extends} (keeps extends:)",
                       value=entry.extends is not None, disabled=entry.extends is None,
                       help="Such a file must sit beside the file it extends (scenarios/). "
                            "Untick for a file that stands alone.")
    text = editing.scenario_yaml(
        scenario.to_dict(), extends=entry.extends if keep else None,
        parent=entry.parent if keep else None, comments=entry.comments,
        source=entry.source_data,
        header=f"Scenario built in the crisis-sim planner app from {entry.file or 'scratch'}.")
    c2.download_button("Download the scenario (YAML)", text, file_name=f"{scenario.name}.yaml",
                       mime="application/x-yaml")
