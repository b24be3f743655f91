"""The planner app's plain functions (``sim/app/``), without Streamlit: the rota grid, YAML
written back, bounded runs with the command line's numbers, uploads and the app command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.app import charts, editing, library, running
from sim.cli import app as app_command
from sim.cli import run as cli_run
from tests.support.paths import SCENARIOS


@pytest.mark.parametrize(("days", "text"), [
    (["Sun", "Mon", "Tue", "Wed", "Thu"], "Sun-Thu"),
    (["Fri", "Sat"], "Fri, Sat"),
    (["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "all"),
    (["Mon", "Wed", "Thu", "Fri"], "Mon, Wed-Fri"),
    (["Sat", "Sun", "Mon"], "Sat-Mon"),
])
def test_days_read_and_written_as_people_write_them(days, text):
    assert editing.days_text(days) == text
    parsed = editing.parse_days(text)
    assert parsed == "all" if text == "all" else sorted(parsed) == sorted(days)


def test_a_word_that_is_not_a_day_reaches_the_schema_unchanged():
    assert editing.parse_days("Mon, Fry") == ["Mon", "Fry"]
    assert editing.parse_days("Thu-Sum") == ["Thu-Sum"]


def test_rota_grid_round_trip_and_crew_rule():
    one = sim.load_scenario(SCENARIOS / "cpft_two_cars.yaml")
    cars = one.to_dict()["cars"]
    frame = editing.rota_frame(cars)
    assert list(frame["car"]) == ["car1", "car1", "car2"]
    rota = editing.cars_from_rota(frame, cars)
    assert not rota.problems
    assert sim.scenario_from_dict({**one.to_dict(), "cars": rota.cars}) == one
    assert rota.rows == {(0, 0): 0, (0, 1): 1, (1, 0): 2}
    blank = pd.DataFrame([{"car": None, "days": None, "start": None, "end": None,
                           "officers": 1, "clinicians": 1}])  # a row just added: crew only
    with_blank = editing.cars_from_rota(pd.concat([frame, blank], ignore_index=True), cars)
    assert with_blank.cars == rota.cars and not with_blank.problems
    frame.loc[1, "officers"] = 2  # the second line of car1 gives it another crew
    bad = editing.cars_from_rota(frame, cars)
    [problem] = bad.problems
    assert problem.key == "row 2: officers" and "has 1 officers on an earlier row" in \
        problem.message


def test_a_problem_is_placed_at_its_grid_row():
    data = sim.load_scenario(SCENARIOS / "cpft_two_cars.yaml").to_dict()
    frame = editing.rota_frame(data["cars"])
    frame.loc[2, "end"] = "27:00"
    rota = editing.cars_from_rota(frame, data["cars"])
    _, problems = editing.validate({**data, "cars": rota.cars}, "built")
    [p] = problems
    assert p.key == "cars[1].shifts[0].end"
    assert editing.where(p, rota) == "row 3 (car2): end"


def test_coverage_counts_cars_on_shift_against_demand():
    data = sim.load_scenario(SCENARIOS / "cpft_two_cars.yaml").to_dict()
    cover = editing.coverage_frame(data)
    assert len(cover) == 168 and cover["cars"].sum() == 112  # 56 + 56 car-hours a week
    monday = cover[cover.day == "Mon"].set_index("hour")["cars"]
    assert monday[14] == 0 and monday[15] == 1 and monday[20] == 2 and monday[23] == 1
    assert cover[cover.day == "Tue"].set_index("hour")["cars"][2] == 1  # car2 until 03:00
    assert cover["calls"].sum() == pytest.approx(70.0)  # 10 calls a day
    assert 0.5 < editing.covered_share(cover) < 1.0
    empty = editing.coverage_frame({**data, "cars": []})
    assert editing.covered_share(empty) == 0.0


def _with_room(**room) -> dict:
    data = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml").to_dict()
    data["control_room"] = {**editing.DEFAULT_ROOM, **room}
    return data


def test_control_room_grid_round_trip_and_rows():
    data = _with_room(shifts=[{"days": "all", "start": "08:00", "end": "24:00"},
                              {"days": ["Fri", "Sat"], "start": "22:00", "end": "02:00"}])
    frame = editing.room_frame(data["control_room"])
    assert list(frame.itertuples(index=False, name=None)) == \
        [("all", "08:00", "24:00"), ("Fri, Sat", "22:00", "02:00")]
    shifts, rows = editing.room_shifts(frame)
    scenario = sim.scenario_from_dict({**data, "control_room": {**data["control_room"],
                                                                "shifts": shifts}})
    assert scenario == sim.scenario_from_dict(data)
    # A blank row (just added) is left out; a bad one is placed at its row of the grid.
    blank = pd.DataFrame([{"days": None, "start": None, "end": None}])
    frame = pd.concat([blank, frame], ignore_index=True).astype("string")
    frame.loc[2, "start"] = "25:00"
    shifts, rows = editing.room_shifts(frame)
    assert rows == {0: 1, 1: 2}
    _, problems = editing.validate({**data, "control_room": {**data["control_room"],
                                                             "shifts": shifts}}, "built")
    [p] = problems
    assert p.key == "control_room.shifts[1].start"
    assert editing.room_where(p, rows) == "row 3: start"
    assert p.message.startswith("time '25:00' is not a time of day")


def test_coverage_counts_practitioners_apart_from_cars():
    data = _with_room(practitioners=2)  # 08:00 to 24:00 every day
    cover = editing.coverage_frame(data)
    assert cover["practitioners"].sum() == 2 * 16 * 7
    monday = cover[cover.day == "Mon"].set_index("hour")
    assert monday["practitioners"][7] == 0 and monday["practitioners"][8] == 2
    assert cover["cars"].sum() == 56  # the car is counted as before
    # Share of calls arriving with a practitioner on shift: the demand in 08:00-24:00.
    calls = cover["calls"].to_numpy()
    open_hours = (cover["hour"] >= 8).to_numpy()
    assert editing.covered_share(cover, "practitioners") == \
        pytest.approx(calls[open_hours].sum() / calls.sum())
    none = editing.coverage_frame(sim.load_scenario(SCENARIOS / "cpft_one_car.yaml").to_dict())
    assert none["practitioners"].sum() == 0
    # In the picture, a telephone and the practitioners under the cars' number.
    spec = charts.coverage(cover).to_dict()
    labels = {row["room_label"] for row in next(iter(spec["datasets"].values()))}
    assert labels == {"", f"{charts.PHONE}2"}
    assert "room_label" not in str(charts.coverage(none).to_dict()["layer"])


def test_distribution_inputs_come_from_the_schemas_forms():
    assert editing.DISTRIBUTION_FORMS["triangular"] == ("low", "mode", "high")
    lognormal = {"dist": "lognormal", "mean": 15, "sd": 8}
    assert editing.distribution_params(lognormal, "lognormal") == {"mean": 15.0, "sd": 8.0}
    assert editing.distribution_params(lognormal, "gamma") == {"mean": 15.0, "sd": 8.0}
    assert editing.distribution_params(lognormal, "fixed") == {"value": 15.0}
    assert editing.distribution_params({"dist": "lognormal", "median": 10, "p95": 30},
                                       "lognormal") == {"median": 10.0, "p95": 30.0}
    assert editing.distribution_params(lognormal, "empirical") == {}


def test_advice_defaults_to_the_scenarios_own_or_to_no_effect():
    data = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml").to_dict()
    assert editing.default_advice(data) == data["response"]["control_room"]
    del data["response"]["control_room"]
    standard = data["response"]["standard"]
    assert editing.default_advice(data) == {"p_no_deployment": 0.0,
                                            "p_s136": standard["p_s136"],
                                            "p_conveyed_ae": standard["p_conveyed_ae"]}


def test_yaml_of_a_control_room_loads_back(tmp_path):
    entries, _ = library.load_shipped()
    entry = entries["cpft_one_car"]
    data = _with_room(practitioners=3)
    data["name"] = "with_room"
    data["response"]["control_room"]["p_no_deployment"] = 0.2
    scenario = sim.scenario_from_dict(data)
    text = editing.scenario_yaml(scenario.to_dict(), extends=entry.extends,
                                 parent=entry.parent, comments=entry.comments,
                                 source=entry.source_data)
    written = yaml.safe_load(text)
    assert written["control_room"]["practitioners"] == 3
    assert written["response"] == {"control_room": {"p_no_deployment": 0.2}}
    (tmp_path / "_base.yaml").write_bytes((SCENARIOS / "_base.yaml").read_bytes())
    (tmp_path / "with_room.yaml").write_text(text, encoding="utf-8")
    assert sim.load_scenario(tmp_path / "with_room.yaml") == scenario


def test_yaml_keeps_extends_and_comments_and_loads_back(tmp_path):
    entries, problems = library.load_shipped()
    assert not problems
    entry = entries["cpft_one_car"]
    edited = entry.scenario.with_overrides({"name": "later_car", "demand.calls_per_day": 12,
                                            "cars.0.shifts.0.start": "16:00"})
    text = editing.scenario_yaml(edited.to_dict(), extends=entry.extends, parent=entry.parent,
                                 comments=entry.comments, source=entry.source_data)
    data = yaml.safe_load(text)
    assert data["extends"] == "_base.yaml"
    assert set(data) == {"name", "description", "extends", "demand", "cars"}
    assert data["demand"] == {"calls_per_day": 12.0}  # only what differs from _base.yaml
    # A comment is kept where the value is the file's; an edited value loses its source.
    assert "# Shared defaults" not in text
    assert "set in the planner app" in text.split("calls_per_day")[0].rsplit("demand:", 1)[1]
    (tmp_path / "_base.yaml").write_bytes((SCENARIOS / "_base.yaml").read_bytes())
    (tmp_path / "later_car.yaml").write_text(text, encoding="utf-8")
    assert sim.load_scenario(tmp_path / "later_car.yaml") == edited
    whole = editing.scenario_yaml(edited.to_dict(), comments=entry.comments,
                                  source=entry.source_data)
    assert "extends" not in yaml.safe_load(whole)
    assert "# Hour-of-day shape of self-harm presentations" in whole  # unchanged: kept
    (tmp_path / "whole.yaml").write_text(whole, encoding="utf-8")
    assert sim.load_scenario(tmp_path / "whole.yaml").model_dump() == \
        edited.model_copy(update={"name": "later_car"}).model_dump()


def test_upload_limits_and_names():
    with pytest.raises(sim.ScenarioError) as big:
        library.load_upload("huge.yaml", b"#" * (library.MAX_UPLOAD_BYTES + 1))
    assert str(big.value.problems[0]).startswith("huge.yaml: file too large")
    with pytest.raises(sim.ScenarioError) as partial:
        library.load_upload("_mine.yaml", b"name: x\n")
    assert "partial file" in partial.value.problems[0].message
    assert library.safe_upload_name("../../etc/passwd") == "passwd.yaml"
    entry = library.load_upload("C:\\Users\\me\\two.yaml",
                                (SCENARIOS / "cpft_two_cars.yaml").read_bytes())
    assert entry.scenario == sim.load_scenario(SCENARIOS / "cpft_two_cars.yaml")
    assert entry.file == "C_Users_me_two.yaml" or entry.file.endswith("two.yaml")


def test_run_is_bounded_and_stops_when_asked():
    one = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml")
    none = sim.load_scenario(SCENARIOS / "no_car.yaml")
    too_many = running.Settings(("no_car",), "no_car", running.MAX_REPS + 1, 52, 1, 1)
    assert running.check(too_many) == ["replications must be a whole number from 1 to 200, "
                                       "got 201"]
    with pytest.raises(ValueError, match="weeks must be"):
        running.run_comparison([none], running.Settings(("no_car",), "no_car", 2, 105, 1, 1))
    seen = []

    def stop(done, total):
        seen.append((done, total))
        if done >= 4:
            raise KeyboardInterrupt  # what the page's Stop does to a run

    settings = running.Settings(("cpft_one_car", "no_car"), "no_car", 12, 2, 0, 3)
    with pytest.raises(KeyboardInterrupt):
        running.run_comparison([one, none], settings, jobs=1, on_progress=stop)
    # Progress and Stop come between batches of replications, within the first scenario.
    assert seen == [(3, 24), (6, 24)]


def test_progress_reaches_the_total_with_the_numbers_of_sim_compare():
    scenarios = [sim.load_scenario(SCENARIOS / f"{n}.yaml") for n in ("cpft_one_car", "no_car")]
    settings = running.Settings(("cpft_one_car", "no_car"), "no_car", 5, 2, 1, 9)
    seen = []
    result = running.run_comparison(scenarios, settings, jobs=2,
                                    on_progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (10, 10) and len(seen) > 2
    assert [d for d, _ in seen] == sorted({d for d, _ in seen})
    expected = sim.compare(scenarios[::-1], baseline="no_car", reps=5, weeks=2,
                           warmup_weeks=1, seed=9)
    pd.testing.assert_frame_equal(result.replications, expected.replications,
                                  check_exact=True)
    assert result.baseline == "no_car" and [s.name for s in result.scenarios] == \
        ["no_car", "cpft_one_car"]
    big = running.Settings(("a", "b"), "a", 30, 52, 1, 1)
    assert running.jobs_for(big) == 1  # two scenarios of 30 years: in this process
    assert running.jobs_for(running.Settings(("a", "b", "c"), "a", 30, 52, 1, 1)) == \
        running.default_jobs()


def test_run_gives_the_command_lines_numbers(tmp_path):
    names = ("cpft_one_car", "no_car")
    files = [str(SCENARIOS / f"{n}.yaml") for n in names]
    out = tmp_path / "cli"
    assert cli_run.main([*files, "--reps", "3", "--weeks", "3", "--warmup-weeks", "1",
                         "--seed", "5", "--jobs", "1", "--out", str(out), "--no-plots",
                         "--psa", "0", "--quiet"]) == 0
    settings = running.Settings(names, "no_car", 3, 3, 1, 5)
    result = running.run_comparison([sim.load_scenario(f) for f in files], settings, jobs=2)
    assert [s.name for s in result.scenarios] == ["no_car", "cpft_one_car"]
    cli = pd.read_csv(out / "replications.csv")
    assert list(cli.columns) == list(result.replications.columns)
    assert (cli["scenario"] == result.replications["scenario"]).all()
    numbers = cli.columns[2:]
    np.testing.assert_allclose(cli[numbers].to_numpy(float),
                               result.replications[numbers].to_numpy(float), rtol=1e-12,
                               atol=1e-12, equal_nan=True)
    summary = pd.read_csv(out / "summary.csv")
    np.testing.assert_allclose(summary["mean"], result.summary()["mean"], rtol=1e-12,
                               equal_nan=True)


def test_app_command_serves_on_localhost_only_by_default():
    cmd = app_command.command("127.0.0.1", 8600)
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    assert cmd[4].endswith("sim/app/main.py")
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--server.port"] == "8600"
    assert flags["--server.headless"] == "true"
    args = app_command.build_parser().parse_args([])
    assert (args.address, args.port) == ("127.0.0.1", 8501)
    assert app_command.main(["--port", "0"]) == 2


def test_a_pathway_starts_from_the_scenarios_own_or_the_designs_example():
    data = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml").to_dict()
    data.pop("pathway", None)
    start, own = editing.pathway_start(data)
    assert not own and start == editing.DEFAULT_PATHWAY and start is not editing.DEFAULT_PATHWAY
    # The example is the design's (section 9), and valid as it stands.
    assert start["place_of_safety"]["beds"] == 2
    assert start["place_of_safety"]["bed_hours"] == {"dist": "lognormal", "median": 10,
                                                     "p95": 24}
    assert sim.scenario_from_dict({**data, "pathway": start}).pathway is not None
    mine = editing.pathway_from_inputs(start, {"place_of_safety.beds": "inf"})
    again, own = editing.pathway_start({**data, "pathway": mine})
    assert own and again["place_of_safety"]["beds"] == "inf"
    assert editing.beds_input("inf") == (2, True) and editing.beds_input(5) == (5, False)
    assert editing.pathway_value({"conveyance": {}}, "conveyance.p_ambulance") == 0.35
    assert editing.pathway_widget("place_of_safety.divert.ae") == "divert_ae"


@pytest.mark.parametrize("beds", [3, "inf"])
def test_yaml_of_a_pathway_loads_back(tmp_path, beds):
    entries, _ = library.load_shipped()
    entry = entries["cpft_one_car"]
    data = entry.scenario.to_dict()
    data["name"] = "with_pathway"
    data["pathway"] = editing.pathway_from_inputs(editing.DEFAULT_PATHWAY, {
        "place_of_safety.beds": beds, "place_of_safety.max_wait_hours": 3.5})
    scenario = sim.scenario_from_dict(data)
    text = editing.scenario_yaml(scenario.to_dict(), extends=entry.extends,
                                 parent=entry.parent, comments=entry.comments,
                                 source=entry.source_data)
    written = yaml.safe_load(text)
    assert written["pathway"]["place_of_safety"]["beds"] == beds
    assert written["pathway"]["place_of_safety"]["max_wait_hours"] == 3.5
    (tmp_path / "_base.yaml").write_bytes((SCENARIOS / "_base.yaml").read_bytes())
    (tmp_path / "with_pathway.yaml").write_text(text, encoding="utf-8")
    assert sim.load_scenario(tmp_path / "with_pathway.yaml") == scenario


def test_headline_rows_of_a_pathway_and_their_units():
    none = sim.load_scenario(SCENARIOS / "no_car.yaml")
    data = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml").to_dict()
    data["pathway"] = editing.DEFAULT_PATHWAY
    with_path = sim.scenario_from_dict(data)
    result = sim.compare([none, with_path], reps=2, weeks=2, seed=4)
    metrics = running.headline_metrics(result)
    assert metrics[-4:] == running.PATHWAY_HEADLINE
    table = running.headline_table(result, metrics).set_index("measure")
    assert table.loc["Police hours per detention", "unit"] == "hours per detention"
    assert table.loc["Detentions over the 24-hour limit", "unit"] == "detentions in 2 weeks"
    assert table.loc["Place-of-safety beds occupied (mean)", "cpft_one_car"] != running.NO_VALUE
    if none.pathway is None:
        assert table.loc["Place-of-safety beds occupied (mean)", "no_car"] == running.NO_VALUE
    plain = sim.compare([none], reps=1, weeks=1)
    if none.pathway is None:
        assert not set(running.PATHWAY_HEADLINE) & set(running.headline_metrics(plain))


def test_a_pathway_taken_away_stays_away_when_the_parent_file_has_one(tmp_path):
    (tmp_path / "_base.yaml").write_bytes((SCENARIOS / "_base.yaml").read_bytes())
    parent_text = yaml.safe_dump({"extends": "_base.yaml", "name": "with_beds",
                                  "pathway": editing.DEFAULT_PATHWAY}, sort_keys=False)
    (tmp_path / "with_beds.yaml").write_text(parent_text, encoding="utf-8")
    parent = sim.load_scenario(tmp_path / "with_beds.yaml")
    assert parent.pathway is not None
    data = parent.to_dict()
    data.pop("pathway")  # what the builder holds once the pathway is unticked
    data["name"] = "no_beds"
    scenario = sim.scenario_from_dict(data)
    text = editing.scenario_yaml(scenario.to_dict(), extends="with_beds.yaml",
                                 parent=parent.to_dict())
    assert yaml.safe_load(text)["pathway"] is None
    (tmp_path / "no_beds.yaml").write_text(text, encoding="utf-8")
    loaded = sim.load_scenario(tmp_path / "no_beds.yaml")
    assert loaded.pathway is None and loaded == scenario
