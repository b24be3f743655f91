"""The optional event log: it adds up to the metrics, respects shifts, changes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli.run import main
from sim.core import eventlog
from sim.core.eventlog import COLUMNS
from sim.core.model import ScenarioModel
from tests.support.paths import SCENARIOS
from tests.support.scenarios import make

VARIANTS = {
    "loss": {},
    "waiting": {"dispatch.max_wait_minutes": 30},
    "hand_over": {"dispatch.end_of_shift": "hand_over"},
    "wait_and_hand_over": {"dispatch.max_wait_minutes": 45, "dispatch.end_of_shift": "hand_over"},
    "two_cars": {"dispatch.max_wait_minutes": 20, "cars": [
        {"name": "a", "shifts": [{"days": "all", "start": "15:00", "end": "23:00"}]},
        {"name": "b", "shifts": [{"days": "all", "start": "19:00", "end": "03:00"}],
         "takes_other_jobs": False}]},
    "case_mix": {"case_mix": [
        {"type": "high_risk", "share": 0.3, "standard": {"p_s136": 0.45},
         "car": {"p_s136": 0.2}},
        {"type": "welfare", "share": 0.7, "standard": {"p_s136": 0.05},
         "car": {"p_s136": 0.02}}]},
}


@pytest.fixture(scope="module", params=list(VARIANTS))
def logged(request):
    scenario = make(VARIANTS[request.param], name=request.param)
    result = sim.simulate(scenario, reps=2, weeks=6, event_log=True)
    return scenario, result


def test_rows_add_up_to_the_metrics(logged):
    _, result = logged
    events = result.events
    assert list(events.columns) == list(COLUMNS)
    for _, row in result.replications.iterrows():
        ev = events[(events.replication == row.replication) & events.measured]
        calls, others = ev[ev.kind == "call"], ev[ev.kind == "other_job"]
        assert len(calls) == row.mh_calls
        outcomes = calls.outcome.value_counts()
        for outcome in ("car_attended", "unmet_off_shift", "unmet_busy", "waiting_at_end"):
            assert outcomes.get(outcome, 0) == row[outcome], outcome
        assert (calls.pathway == "car").sum() == row.car_attended
        assert len(others) == row.other_jobs_arrived
        assert (others.outcome == "car_attended").sum() == row.other_jobs_attended
        assert calls.handed_over.sum() == row.handed_over
        assert calls.s136.sum() == row.s136
        assert calls.ae_conveyed.sum() == row.ae_conveyances
        attended = calls[calls.outcome == "car_attended"]
        assert (attended.dispatch > attended.arrival).sum() == row.waited


def test_per_car_counts_match_by_car(logged):
    _, result = logged
    events = result.events
    for _, row in result.by_car.iterrows():
        ev = events[(events.replication == row.replication) & events.measured
                    & (events.car == row.car)]
        assert (ev.kind == "call").sum() == row.car_attended
        assert (ev.kind == "other_job").sum() == row.other_jobs_attended


def _windows(scenario, car_name, until):
    car = next(c for c in scenario.cars if c.name == car_name)
    return np.array(list(car.pattern().iter_windows(until)))


def test_car_jobs_start_on_shift_one_at_a_time(logged):
    scenario, result = logged
    events = result.events
    max_wait = scenario.dispatch.max_wait_minutes
    assert events.car.notna().any()
    for (_, car), jobs in events[events.car.notna()].groupby(["replication", "car"],
                                                             observed=True):
        windows = _windows(scenario, car, events.arrival.max() + 1)
        i = np.searchsorted(windows[:, 0], jobs.dispatch.to_numpy(), side="right") - 1
        assert (i >= 0).all()
        assert (jobs.dispatch.to_numpy() < windows[i, 1]).all(), "a job started off shift"
        jobs = jobs.sort_values("dispatch")
        assert (jobs.dispatch.to_numpy()[1:] >= jobs.end.to_numpy()[:-1]).all(), \
            "a car started a job before it came free"
        assert (jobs.dispatch >= jobs.arrival).all()
        assert (jobs.end >= jobs.dispatch).all()
        assert (jobs.dispatch - jobs.arrival <= max_wait).all()
        handed = jobs[jobs.handed_over]
        assert np.isin(handed.end.to_numpy(), windows[:, 1]).all(), \
            "a handed-over job ends at a shift end"
    if scenario.dispatch.end_of_shift == "hand_over":
        assert events.handed_over.any()


def test_unmet_calls_have_no_car(logged):
    _, result = logged
    ev = result.events
    unmet = ev[(ev.kind == "call") & (ev.outcome != "car_attended")]
    assert unmet.car.isna().all() and unmet.dispatch.isna().all()
    assert (unmet.pathway == "standard").all()
    assert ev.outcome.notna().all()


def test_log_does_not_change_the_results(logged):
    scenario, with_log = logged
    without = sim.simulate(scenario, reps=2, weeks=6)
    assert without.events is None
    pd.testing.assert_frame_equal(with_log.replications, without.replications, check_exact=True)
    pd.testing.assert_frame_equal(with_log.by_hour_of_week, without.by_hour_of_week,
                                  check_exact=True)
    pd.testing.assert_frame_equal(with_log.by_car, without.by_car, check_exact=True)


def test_off_by_default_and_same_in_parallel():
    scenario = make(VARIANTS["waiting"])
    assert ScenarioModel(scenario).run(11, 0).events is None
    serial = sim.compare([scenario, make(name="other")], reps=3, weeks=3, jobs=1,
                         event_log=True)
    parallel = sim.compare([scenario, make(name="other")], reps=3, weeks=3, jobs=2,
                           event_log=True)
    pd.testing.assert_frame_equal(serial.events, parallel.events, check_exact=True)
    assert list(serial.events.scenario.unique()) == ["test", "other"]
    assert list(serial.events.replication.unique()) == [0, 1, 2]


def test_written_as_csv_without_pyarrow(tmp_path, monkeypatch):
    monkeypatch.setattr(eventlog, "have_pyarrow", lambda: False)
    result = sim.simulate(make(), reps=1, weeks=2, event_log=tmp_path / "events.parquet")
    path = result.extra["event_log_path"]
    assert path == tmp_path / "events.csv"
    back = pd.read_csv(path)
    assert list(back.columns) == list(COLUMNS) and len(back) == len(result.events)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]  # no temporary files


def test_written_as_parquet_with_pyarrow(tmp_path):
    pytest.importorskip("pyarrow")
    result = sim.simulate(make(), reps=1, weeks=2, event_log=tmp_path / "events")
    path = result.extra["event_log_path"]
    assert path == tmp_path / "events.parquet"
    back = pd.read_parquet(path)
    assert len(back) == len(result.events)


def test_command_line_flag(tmp_path, capsys):
    out, log = tmp_path / "out", tmp_path / "log.csv"
    status = main([str(SCENARIOS / "cpft_one_car.yaml"), "--reps", "2", "--weeks", "2",
                   "--jobs", "1", "--no-plots", "--out", str(out), "--event-log", str(log)])
    assert status == 0
    assert "event log" in capsys.readouterr().out
    events = pd.read_csv(log)
    reps = pd.read_csv(out / "replications.csv")
    measured_calls = events[(events.kind == "call") & events.measured]
    assert len(measured_calls) == reps.mh_calls.sum()
