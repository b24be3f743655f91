"""Every page of the planner app, driven by Streamlit's AppTest (no browser, no server).

The app's script runs in this process; widgets are set as a person would set them, and the
assertions read what the page shows and what the session holds. A run must give the same
numbers as ``sim.compare`` with the same inputs and seed.
"""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("streamlit")

from streamlit.testing.v1 import AppTest  # noqa: E402

import sim  # noqa: E402
from sim.app import editing, running  # noqa: E402
from sim.core.metrics import title  # noqa: E402
from sim.economics.funding import compute  # noqa: E402
from sim.economics.verdicts import verdicts  # noqa: E402
from tests.support.paths import ROOT, SCENARIOS  # noqa: E402

MAIN = ROOT / "sim" / "app" / "main.py"
TIMEOUT = 120


def _app() -> AppTest:
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _add_scenario(at: AppTest) -> None:
    [button] = [b for b in at.button if b.label == "Add to this session's scenarios"]
    button.click().run()


def test_build_page_edits_change_the_scenario():
    at = _app()
    _no_exceptions(at)
    assert at.title[0].value == "Build a scenario"
    # The rota grid starts from the shipped one-car scenario: two shift lines of car1.
    grid = at.data_editor[0].value
    assert list(grid["car"]) == ["car1", "car1"]
    assert list(grid["days"]) == ["Sun-Thu", "Fri, Sat"]
    # Every input has its meaning and source on hover (from scenarios/_base.yaml).
    calls = at.number_input(key="calls_0")
    assert "Cambridgeshire" in calls.help and "Source" in calls.help

    at.text_input(key="name_0").set_value("busier_two_cars")
    calls.set_value(12.0)
    at.number_input(key="cost_officer_hour_0").set_value(30.0)
    at.session_state["rota_0"] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"car": "car2", "days": "all", "start": "19:00", "end": "03:00", "officers": 1,
         "clinicians": 1}]}
    at.run()
    _no_exceptions(at)
    assert not _errors(at)
    assert [m.value for m in at.metric][:2] == ["2", "112 h"]  # 56 + 56 car-hours a week
    _add_scenario(at)
    built = at.session_state["library"]["busier_two_cars"]
    assert built.origin == "built"
    s = built.scenario
    assert s.demand.calls_per_day == 12.0
    assert s.costs.officer_hour.value == 30.0
    assert [c.name for c in s.cars] == ["car1", "car2"]
    assert s.cars[1].pattern().minutes_per_week == 56 * 60
    # What was not edited is kept from the starting scenario.
    shipped = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml")
    assert s.response == shipped.response and s.case_mix == shipped.case_mix


def test_bad_values_show_the_command_lines_message_next_to_the_field():
    at = _app()
    at.number_input(key="calls_0").set_value(-1.0)
    at.session_state["rota_0"] = {"edited_rows": {1: {"start": "25:00"}}, "deleted_rows": [],
                                  "added_rows": []}
    at.run()
    _no_exceptions(at)
    errors = "\n".join(_errors(at))
    # The schema's own messages (what the command line prints after FILE:LINE: KEY:).
    data = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml").to_dict()
    data["demand"]["calls_per_day"] = -1.0
    data["cars"][0]["shifts"][1]["start"] = "25:00"
    with pytest.raises(sim.ScenarioError) as caught:
        sim.scenario_from_dict(data, source="built")
    messages = {p.key: p.message for p in caught.value.problems}
    assert f"demand.calls_per_day: {messages['demand.calls_per_day']}" in errors
    assert f"row 2 (car1): start: {messages['cars[0].shifts[1].start']}" in errors
    assert "2 problems found" in errors
    # The command-line form of every problem, and nothing can be saved.
    [code] = [c.value for c in at.code]
    assert "built: cars[0].shifts[1].start: time '25:00' is not a time of day" in code
    [button] = [b for b in at.button if b.label == "Add to this session's scenarios"]
    assert button.disabled
    assert not at.download_button


def test_uploads_go_through_the_strict_loader(tmp_path):
    at = _app()
    bad = b"name: bad\nextends: _base.yaml\ncars:\n  - name: c\n    shifts:\n" \
          b"      - {days: all, start: 17:00, end: \"01:00\"}\n"
    at.file_uploader(key="upload").set_value(("bad.yaml", bad, "application/x-yaml")).run()
    _no_exceptions(at)
    # The same lines the command line prints for the same file.
    path = tmp_path / "bad.yaml"
    path.write_bytes(bad)
    (tmp_path / "_base.yaml").write_bytes((SCENARIOS / "_base.yaml").read_bytes())
    with pytest.raises(sim.ScenarioError) as caught:
        sim.load_scenario(path)
    expected = [str(p).replace(str(path), "bad.yaml") for p in caught.value.problems]
    assert _errors(at) == expected
    assert "unquoted time 17:00" in expected[0]

    escape = b"name: sneaky\nextends: ../../../etc/passwd\n"
    at.file_uploader(key="upload").set_value(("sneaky.yaml", escape, "text/yaml")).run()
    [error] = _errors(at)
    assert error.startswith("sneaky.yaml:2: extends: an uploaded file may extend only a "
                            "shipped scenario file")

    good = (SCENARIOS / "cpft_two_cars.yaml").read_bytes().replace(b"name: cpft_two_cars",
                                                                     b"name: upload_two")
    at.file_uploader(key="upload").set_value(("mine.yaml", good, "text/yaml")).run()
    _no_exceptions(at)
    assert not _errors(at)
    assert at.session_state["library"]["upload_two"].origin == "uploaded"
    # The builder now holds the upload: its grid shows both cars.
    assert list(at.data_editor[0].value["car"]) == ["car1", "car1", "car2"]


def test_run_page_shows_the_same_numbers_as_sim_compare():
    at = _app()
    at.switch_page("views/compare.py").run()
    _no_exceptions(at)
    assert at.multiselect(key="run_names").value == ["no_car", "cpft_one_car", "cpft_two_cars"]
    at.number_input(key="run_reps").set_value(3)
    at.number_input(key="run_weeks").set_value(4)
    at.number_input(key="run_seed").set_value(11)
    at.button(key="run_go").click().run()
    _no_exceptions(at)
    names = ("no_car", "cpft_one_car", "cpft_two_cars")
    expected = sim.compare([sim.load_scenario(SCENARIOS / f"{n}.yaml") for n in names],
                           baseline="no_car", reps=3, weeks=4, warmup_weeks=1, seed=11)
    got = at.session_state["run"].result
    pd.testing.assert_frame_equal(got.replications, expected.replications, check_exact=True)
    pd.testing.assert_frame_equal(got.comparison(), expected.comparison(), check_exact=True)
    headline = at.table[0].value
    want = running.headline_table(expected, running.headline_metrics(expected)).set_index("measure")
    assert list(headline.columns) == ["unit", *names]
    assert headline.to_dict() == want.to_dict()
    differences = at.table[1].value
    assert "Change in Section 136 detentions" in differences.to_string()
    assert len(at.get("vega_lite_chart")) == 3  # unmet (2) and utilisation heatmaps


def test_funding_page_verdicts_tables_and_downloads():
    at = _app()
    at.switch_page("views/funding.py").run()
    assert "Run a comparison first" in at.info[0].value
    at.switch_page("views/compare.py").run()
    at.number_input(key="run_reps").set_value(3)
    at.number_input(key="run_weeks").set_value(4)
    at.button(key="run_go").click().run()
    at.switch_page("views/funding.py").run()
    _no_exceptions(at)
    result = at.session_state["run"].result
    econ = compute(result)
    lines = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert lines == [f"- {v.sentence}" for v in verdicts(econ, None, result.scenarios)]
    assert any("Funding cpft_two_cars" in line and "instead of cpft_one_car" in line
               for line in lines)
    table = at.table[0].value
    assert list(table.columns) == ["unit", *[f"{s} vs {c}" for s, c in econ.pairs]]
    assert table.loc["Net benefit: the public sector", "unit"] == "£ a year"
    assert len(at.image) >= 1  # the funding-case figure
    [prepare] = [b for b in at.button if b.key == "prepare"]
    prepare.click().run(timeout=180)
    _no_exceptions(at)
    labels = [d.label for d in at.download_button]
    assert labels[:2] == ["report.html", "economics.xlsx"] and labels[2].startswith("results.zip")
    files = at.session_state["downloads"]
    assert files.report_html.startswith(b"<!DOCTYPE html>") or b"<html" in files.report_html[:200]
    assert "report.html" in files.files and "summary.csv" in files.files


def test_two_sessions_do_not_share_scenarios():
    first, second = _app(), _app()
    first.text_input(key="name_0").set_value("only_in_first").run()
    _add_scenario(first)
    assert "only_in_first" in first.session_state["library"]
    second.run()
    assert "only_in_first" not in second.session_state["library"]


def test_fit_page_fits_an_upload_and_hands_the_scenario_to_the_builder():
    from sim.cli.fit import summary
    from sim.experiments.fit import fit_incidents

    export = ROOT / "examples" / "incidents" / "synthetic_incidents.csv"
    at = _app()
    at.switch_page("views/fit.py").run()
    _no_exceptions(at)
    at.file_uploader(key="fit_export").set_value(("bad.csv", b"a,b\n1,2\n", "text/csv")).run()
    at.button(key="fit_go").click().run()
    [code] = [c.value for c in at.code]
    assert code.startswith("bad.csv:1: incident_id: required column missing")
    at.file_uploader(key="fit_export").set_value(
        ("synthetic_incidents.csv", export.read_bytes(), "text/csv")).run()
    at.button(key="fit_go").click().run()
    _no_exceptions(at)
    [code] = [c.value for c in at.code]
    assert code == "\n".join(summary(fit_incidents(export)))  # the command line's words
    assert [b.label for b in at.download_button] == ["fit_report.html", "fitted_scenario.yaml"]
    at.button(key="fit_use").click().run()
    _no_exceptions(at)
    fitted = at.session_state["library"]["fitted_synthetic_incidents"]
    assert fitted.origin == "fitted"
    assert fitted.scenario.demand.hour_of_week_profile is not None
    assert at.session_state["draft"].entry is fitted  # the builder now holds it
    assert at.title[0].value == "Build a scenario"


def test_optimise_page_finds_the_same_rota_as_the_optimiser():
    from sim.app import optimising

    at = _app()
    at.switch_page("views/optimise.py").run()
    _no_exceptions(at)
    at.multiselect(key="opt_lengths").set_value([8])
    at.slider(key="opt_starts").set_value((17, 21))
    at.multiselect(key="opt_patterns").set_value(["every_day"])
    at.number_input(key="opt_reps").set_value(12)
    at.number_input(key="opt_weeks").set_value(8)
    at.button(key="opt_go").click().run()
    _no_exceptions(at)
    base = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml")
    choices = optimising.Choices(cars=1, car_hours=56, shift_lengths=(8,), start_from=17,
                                 start_to=21, day_patterns=("every_day",), per_day_samples=100,
                                 metric="s136_avoided", delta=3.0, max_reps=12, weeks=8,
                                 seed=base.run.seed)
    expected = optimising.optimise(base, choices)
    assert at.subheader[0].value == f"Best rota: {expected.best.label()}"
    got = at.session_state["optimised"]
    pd.testing.assert_frame_equal(got.table, expected.table)
    assert len(at.get("vega_lite_chart")) == 1  # the best rota on the week grid
    compared = at.table[0].value
    assert ("Section 136 detentions avoided", "detentions a year") in \
        {(m, u) for m, u in zip(compared.index.get_level_values(1), compared["unit"],
                                strict=True)}


def _room_chart_spec(at: AppTest) -> str:
    """The spec of the builder's week picture (the last chart of the page)."""
    return at.get("vega_lite_chart")[-1].proto.spec


def test_build_page_adds_a_control_room_with_its_rota_and_advice():
    at = _app()
    room = at.checkbox(key="room_on_0")
    assert not room.value and "control room" in room.help
    assert "\u260e" not in _room_chart_spec(at)  # no control room in the picture yet
    room.check().run()
    _no_exceptions(at)
    assert not _errors(at)
    # The room starts from the documented example, each input with its source on hover.
    assert list(at.data_editor[1].value.itertuples(index=False, name=None)) == \
        [("all", "08:00", "24:00")]
    practitioners = at.number_input(key="room_practitioners_0")
    assert practitioners.value == 2 and "docs/scenarios.md" in practitioners.help
    advised = at.number_input(key="advice_p_s136_0")
    assert advised.value == 0.02 and "Source" in advised.help and "Devon" in advised.help

    at.text_input(key="name_0").set_value("car_and_room")
    practitioners.set_value(3)
    at.number_input(key="room_share_0").set_value(0.5)
    at.selectbox(key="room_dist_0").set_value("gamma")
    at.number_input(key="advice_p_no_deployment_0").set_value(0.2)
    at.session_state["room_0"] = {"edited_rows": {0: {"end": "22:00"}}, "deleted_rows": [],
                                  "added_rows": [{"days": "Fri, Sat", "start": "22:00",
                                                  "end": "02:00"}]}
    at.run()
    _no_exceptions(at)
    assert not _errors(at)
    metrics = {m.label: m.value for m in at.metric}
    # 3 practitioners x (14 h x 7 days + 4 h x 2 nights) = 318 practitioner-hours a week.
    assert metrics["Practitioner-hours on shift a week"] == "318 h"
    assert metrics["Control-room practitioners at once"] == "3"
    # The week picture shows the practitioners on shift beside the cars.
    spec = _room_chart_spec(at)
    assert "control-room practitioners on shift" in spec and "room_label" in spec
    _add_scenario(at)
    s = at.session_state["library"]["car_and_room"].scenario
    room = s.control_room
    assert room.practitioners == 3 and room.share_screened == 0.5
    assert room.pattern().minutes_per_week == (14 * 7 + 4 * 2) * 60
    assert room.handling_minutes.dist == "gamma"
    assert (room.handling_minutes.mean, room.handling_minutes.sd) == (15.0, 8.0)
    assert s.response.control_room.p_no_deployment == 0.2
    assert s.response.control_room.p_s136 == 0.02
    # The cars and the rest are as they were.
    shipped = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml")
    assert s.cars == shipped.cars and s.case_mix == shipped.case_mix

    # Taking the control room away again leaves a scenario without one.
    at.checkbox(key="room_on_0").uncheck().run()
    _no_exceptions(at)
    assert len(at.data_editor) == 1
    at.text_input(key="name_0").set_value("car_no_room")
    _add_scenario(at)
    assert at.session_state["library"]["car_no_room"].scenario.control_room is None


def test_control_room_problems_show_the_schemas_message_at_the_field():
    at = _app()
    at.checkbox(key="room_on_0").check().run()
    at.number_input(key="room_practitioners_0").set_value(0)
    at.number_input(key="advice_p_s136_0").set_value(0.5)
    at.session_state["room_0"] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"days": "Mon", "start": "07:00", "end": "07:00"}]}
    at.run()
    _no_exceptions(at)
    errors = _errors(at)
    data = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml").to_dict()
    data["control_room"] = {"shifts": [{"days": "all", "start": "08:00", "end": "24:00"},
                                       {"days": ["Mon"], "start": "07:00", "end": "07:00"}],
                            "practitioners": 0, "share_screened": 0.8,
                            "handling_minutes": {"dist": "lognormal", "mean": 15, "sd": 8}}
    data["response"]["control_room"]["p_s136"] = 0.5
    with pytest.raises(sim.ScenarioError) as caught:
        sim.scenario_from_dict(data, source="built")
    messages = {p.key: p.message for p in caught.value.problems}
    assert set(messages) == {"control_room.practitioners", "control_room.shifts[1]",
                             "response.control_room.p_s136"}
    assert "advice cannot raise a risk" in messages["response.control_room.p_s136"]
    # Each under its own input: the grid's names its row.
    assert f"- control_room.practitioners: {messages['control_room.practitioners']}" in errors
    assert f"- response.control_room.p_s136: {messages['response.control_room.p_s136']}" \
        in errors
    assert f"- row 2: {messages['control_room.shifts[1]']}" in errors
    [code] = [c.value for c in at.code]
    assert "built: control_room.practitioners: " in code
    [button] = [b for b in at.button if b.label == "Add to this session's scenarios"]
    assert button.disabled


def test_a_built_control_room_is_run_and_screens_calls():
    at = _app()
    at.text_input(key="name_0").set_value("phone_advice")
    at.checkbox(key="room_on_0").check().run()
    _add_scenario(at)
    built = at.session_state["library"]["phone_advice"].scenario
    at.switch_page("views/compare.py").run()
    at.multiselect(key="run_names").set_value(["no_car", "phone_advice"])
    at.number_input(key="run_reps").set_value(2)
    at.number_input(key="run_weeks").set_value(3)
    at.button(key="run_go").click().run()
    _no_exceptions(at)
    got = at.session_state["run"].result
    reps = got.replications.set_index("scenario")
    assert (reps.loc["phone_advice", "cr_screened"] > 0).all()
    assert (reps.loc["no_car", "cr_screened"] == 0).all()
    expected = sim.compare([sim.load_scenario(SCENARIOS / "no_car.yaml"), built],
                           baseline="no_car", reps=2, weeks=3, warmup_weeks=1,
                           seed=built.run.seed)
    pd.testing.assert_frame_equal(got.replications, expected.replications, check_exact=True)
    # The headline table gains the control room's rows.
    headline = at.table[0].value
    assert "Calls advised by the control room" in headline.index
    assert headline.loc["Calls advised by the control room", "no_car"].startswith("0")


def _progress(at: AppTest):
    """The Run & compare page's progress bar, as the run left it."""
    [bar] = at.get("progress")
    return bar.proto


def test_progress_moves_by_batches_to_the_end_of_the_run():
    at = _app()
    at.switch_page("views/compare.py").run()
    at.multiselect(key="run_names").set_value(["no_car", "cpft_one_car"])
    at.number_input(key="run_reps").set_value(9)
    at.number_input(key="run_weeks").set_value(2)
    at.button(key="run_go").click().run()
    _no_exceptions(at)
    bar = _progress(at)
    # Left by the run API's hook after its last batch: 100%, every replication counted.
    assert bar.value == 100 and bar.text.startswith("18 of 18 replications done")
    expected = sim.compare([sim.load_scenario(SCENARIOS / f"{n}.yaml")
                            for n in ("no_car", "cpft_one_car")], baseline="no_car",
                           reps=9, weeks=2, warmup_weeks=1,
                           seed=at.number_input(key="run_seed").value)
    pd.testing.assert_frame_equal(at.session_state["run"].result.replications,
                                  expected.replications, check_exact=True)


def _pathway_on(at: AppTest) -> tuple[dict, bool]:
    """Tick the pathway (unticking first if the shipped scenario has one); the block it
    starts from and whether that is the scenario's own."""
    box = at.checkbox(key="path_on_0")
    shipped = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml")
    assert box.value == (shipped.pathway is not None)
    if box.value:
        box.uncheck().run()
    at.checkbox(key="path_on_0").check().run()
    _no_exceptions(at)
    return editing.pathway_start(shipped.to_dict())


def test_build_page_adds_edits_and_removes_a_section_136_pathway():
    at = _app()
    assert "Section 136 pathway" in at.checkbox(key="path_on_0").help
    start, own = _pathway_on(at)
    assert not _errors(at)
    # Every input starts from the scenario's own block, else the design's example, and says
    # where its value comes from on hover.
    beds = at.number_input(key="path_beds_0")
    assert beds.value == editing.beds_input(start["place_of_safety"]["beds"])[0]
    assert "Source" in beds.help
    assert ("design (section 9" in beds.help) != own
    assert at.selectbox(key="path_bed_hours_dist_0").value == \
        start["place_of_safety"]["bed_hours"]["dist"]

    at.text_input(key="name_0").set_value("one_bed")
    at.checkbox(key="path_beds_inf_0").uncheck()
    beds.set_value(1)
    at.number_input(key="path_max_wait_hours_0").set_value(4.0)
    at.number_input(key="path_p_ambulance_0").set_value(0.5)
    at.number_input(key="path_divert_ae_0").set_value(0.9)
    at.number_input(key="path_divert_custody_0").set_value(0.1)
    at.number_input(key="path_legal_limit_hours_0").set_value(36.0)
    at.selectbox(key="path_handover_minutes_dist_0").set_value("fixed").run()
    at.number_input(key="path_handover_minutes_fixed_value_0").set_value(50.0)
    at.run()
    _no_exceptions(at)
    assert not _errors(at)
    assert "1 place-of-safety bed(s)" in at.success[0].value
    _add_scenario(at)
    path = at.session_state["library"]["one_bed"].scenario.pathway
    assert path.place_of_safety.beds == 1 and path.place_of_safety.max_wait_hours == 4.0
    assert path.conveyance.p_ambulance == 0.5 and path.legal_limit_hours == 36.0
    assert (path.place_of_safety.divert.ae, path.place_of_safety.divert.custody) == (0.9, 0.1)
    assert path.place_of_safety.handover_minutes.dist == "fixed"
    assert path.place_of_safety.handover_minutes.value == 50.0
    assert path.place_of_safety.bed_hours.model_dump(exclude_none=True) == \
        start["place_of_safety"]["bed_hours"]  # not edited: as it started

    # No limit on beds: inf, as the schema writes it.
    at.checkbox(key="path_beds_inf_0").check().run()
    assert at.number_input(key="path_beds_0").disabled
    at.text_input(key="name_0").set_value("no_bed_limit")
    _add_scenario(at)
    path = at.session_state["library"]["no_bed_limit"].scenario.pathway
    assert path.place_of_safety.beds == "inf" and path.place_of_safety.bed_count == float("inf")

    # Taken away again: no pathway block at all.
    at.checkbox(key="path_on_0").uncheck().run()
    _no_exceptions(at)
    assert not [w for w in at.number_input if w.key.startswith("path_")]
    at.text_input(key="name_0").set_value("no_pathway")
    _add_scenario(at)
    assert at.session_state["library"]["no_pathway"].scenario.pathway is None


def test_pathway_problems_show_the_schemas_message_at_the_field():
    at = _app()
    start, _ = _pathway_on(at)
    at.checkbox(key="path_beds_inf_0").uncheck()
    at.number_input(key="path_beds_0").set_value(0)
    at.number_input(key="path_divert_custody_0").set_value(0.3)
    at.number_input(key="path_max_wait_hours_0").set_value(100.0)
    at.run()
    _no_exceptions(at)
    errors = _errors(at)
    data = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml").to_dict()
    data["pathway"] = editing.pathway_from_inputs(start, {
        "place_of_safety.beds": 0, "place_of_safety.divert.custody": 0.3,
        "place_of_safety.max_wait_hours": 100.0})
    with pytest.raises(sim.ScenarioError) as caught:
        sim.scenario_from_dict(data, source="built")
    messages = {p.key: p.message for p in caught.value.problems}
    assert set(messages) == {"pathway.place_of_safety.beds", "pathway.place_of_safety.divert",
                             "pathway.place_of_safety.max_wait_hours"}
    assert "or inf for no limit; got 0" in messages["pathway.place_of_safety.beds"]
    for key, message in messages.items():  # each under its own input
        assert f"- {key}: {message}" in errors
    [code] = [c.value for c in at.code]
    assert "built: pathway.place_of_safety.beds: beds must be between 1" in code
    [button] = [b for b in at.button if b.label == "Add to this session's scenarios"]
    assert button.disabled


def test_a_run_with_a_pathway_shows_its_rows():
    at = _app()
    at.text_input(key="name_0").set_value("car_one_bed")
    _pathway_on(at)
    at.checkbox(key="path_beds_inf_0").uncheck()
    at.number_input(key="path_beds_0").set_value(1)
    at.run()
    _add_scenario(at)
    built = at.session_state["library"]["car_one_bed"].scenario
    at.switch_page("views/compare.py").run()
    at.multiselect(key="run_names").set_value(["no_car", "car_one_bed"])
    at.number_input(key="run_reps").set_value(2)
    at.number_input(key="run_weeks").set_value(3)
    at.button(key="run_go").click().run()
    _no_exceptions(at)
    no_car = sim.load_scenario(SCENARIOS / "no_car.yaml")
    expected = sim.compare([no_car, built], baseline="no_car", reps=2, weeks=3,
                           warmup_weeks=1, seed=built.run.seed)
    got = at.session_state["run"].result
    pd.testing.assert_frame_equal(got.replications, expected.replications, check_exact=True)
    assert (got.replications.set_index("scenario").loc["car_one_bed", "pos_occupancy"]
            > 0).all()
    headline = at.table[0].value
    want = running.headline_table(expected, running.headline_metrics(expected))
    assert headline.to_dict() == want.set_index("measure").to_dict()
    rows = [title(m) for m in running.PATHWAY_HEADLINE]
    assert list(headline.index[-4:]) == rows
    occupancy = headline.loc[title("pos_occupancy")]
    assert occupancy["unit"] == "beds" and occupancy["car_one_bed"] != running.NO_VALUE
    if no_car.pathway is None:  # no beds modelled there
        assert occupancy["no_car"] == running.NO_VALUE
