"""The Python API (sim/run/runner.py, sim/api.py), its argument checks, and the summary
statistics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim import cli
from sim.common.counts import whole_number
from sim.common.stats import paired_differences, t_interval
from sim.core.metrics import METRIC_NAMES
from tests.support.paths import SCENARIOS
from tests.support.sweeps import SMALL, write_sweep


def test_simulate_and_summary():
    scenario = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml")
    result = sim.simulate(scenario, reps=4, seed=7, weeks=2, jobs=2)
    reps = result.replications
    assert reps.shape == (4, 2 + len(METRIC_NAMES))
    assert list(reps.replication) == [0, 1, 2, 3]
    summary = result.summary()
    assert list(summary.columns) == ["scenario", "metric", "mean", "sd", "ci_low", "ci_high", "n"]
    row = summary[summary.metric == "car_attended"].iloc[0]
    assert row["mean"] == pytest.approx(reps.car_attended.mean())
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    assert row["n"] == 4


def test_with_overrides_and_compare():
    one = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml")
    busier = one.with_overrides({"name": "busier", "demand.calls_per_day": 14,
                                 "dispatch.max_wait_minutes": 20})
    assert busier.demand.calls_per_day == 14 and one.demand.calls_per_day == 10
    assert busier.dispatch.max_wait_minutes == 20
    two = one.with_overrides({"name": "two", "cars": [
        {"name": "a", "shifts": [{"days": "all", "start": "15:00", "end": "23:00"}]},
        {"name": "b", "shifts": [{"days": "all", "start": "19:00", "end": "03:00"}]}]})
    assert len(two.cars) == 2
    with pytest.raises(sim.ScenarioError) as exc:
        one.with_overrides({"demand.calls_per_day": -1})
    assert exc.value.problems[0].key == "demand.calls_per_day"

    result = sim.compare([one, two], baseline=one.name, reps=5, weeks=2)
    diff = result.comparison()
    d = diff[(diff.scenario == "two") & (diff.metric == "car_attended")].iloc[0]
    r = result.replications
    manual = (r[r.scenario == "two"].car_attended.to_numpy()
              - r[r.scenario == one.name].car_attended.to_numpy())
    assert d["mean_difference"] == pytest.approx(manual.mean())
    assert d["ci_low"] <= d["mean_difference"] <= d["ci_high"]


def test_t_interval_by_hand():
    x = [1.0, 2.0, 4.0, 7.0]
    mean, sd, lo, hi, n = t_interval(x)
    assert (mean, n) == (3.5, 4)
    assert sd == pytest.approx(np.std(x, ddof=1))
    half = stats.t.ppf(0.975, 3) * sd / 2
    assert (lo, hi) == pytest.approx((3.5 - half, 3.5 + half))
    assert math.isnan(t_interval([5.0])[2])
    assert t_interval([np.nan, 1.0, 3.0])[4] == 2


def test_paired_differences_remove_shared_noise():
    frame = pd.DataFrame({
        "scenario": ["a"] * 3 + ["b"] * 3,
        "replication": [0, 1, 2] * 2,
        "x": [10.0, 20.0, 30.0, 11.0, 21.0, 31.0],
    })
    d = paired_differences(frame, ["x"], "a").iloc[0]
    assert d["mean_difference"] == 1.0 and d["sd"] == 0.0
    with pytest.raises(ValueError, match="baseline"):
        paired_differences(frame, ["x"], "zzz")


# --------------------------------------------------------------------------- validation
# The API refuses what the command line refuses, in the same words (issue 10, point 6).

ONE_CAR = SCENARIOS / "cpft_one_car.yaml"


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"reps": -1}, ValueError, "reps: must be at least 1, got -1"),
    ({"reps": 0}, ValueError, "reps: must be at least 1, got 0"),
    ({"reps": 2.5}, ValueError, "reps: 2.5 is not a whole number"),
    ({"reps": True}, TypeError, "reps: True is not a whole number (it is a bool)"),
    ({"weeks": 0}, ValueError, "weeks: must be at least 1, got 0"),
    ({"warmup_weeks": -1}, ValueError, "warmup_weeks: must be at least 0, got -1"),
    ({"seed": -3}, ValueError, "seed: must be at least 0, got -3"),
    ({"seed": "7x"}, ValueError, "seed: '7x' is not a whole number"),
    ({"jobs": 0}, ValueError, "jobs: must be at least 1, got 0"),
    ({"jobs": False}, TypeError, "jobs: False is not a whole number (it is a bool)"),
    ({"reps": None, "weeks": [2]}, TypeError, "weeks: [2] is not a whole number (it is a list)"),
])
def test_simulate_compare_and_sweep_refuse_what_the_command_line_refuses(
        kwargs, error, message, tmp_path):
    scenario = sim.load_scenario(ONE_CAR)
    with pytest.raises(error) as exc:
        sim.simulate(scenario, **kwargs)
    assert str(exc.value) == message
    with pytest.raises(error) as exc:
        sim.compare([scenario], **kwargs)
    assert str(exc.value) == message
    with pytest.raises(error) as exc:
        sim.sweep(write_sweep(tmp_path, SMALL), out=tmp_path / "o", **kwargs)
    assert str(exc.value) == message
    assert not (tmp_path / "o").exists()  # refused before anything is written


@pytest.mark.parametrize(("flag", "value", "api"), [
    ("--reps", "0", {"reps": 0}), ("--reps", "2.5", {"reps": "2.5"}),
    ("--weeks", "0", {"weeks": 0}), ("--warmup-weeks", "-1", {"warmup_weeks": -1}),
    ("--seed", "-1", {"seed": -1}), ("--jobs", "0", {"jobs": 0}),
])
def test_the_words_are_the_command_lines(flag, value, api, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([str(ONE_CAR), flag, value])
    assert exit_.value.code == 2
    cli_line = capsys.readouterr().err.strip().splitlines()[-1]
    with pytest.raises(ValueError) as exc:
        sim.simulate(ONE_CAR, **api)
    name, words = str(exc.value).split(": ", 1)
    assert cli_line.endswith(f"argument {flag}: {words}"), (cli_line, words)
    assert flag == "--" + name.replace("_", "-")


def test_whole_numbers_that_are_accepted():
    assert whole_number(np.int64(3), 1, "reps") == 3
    assert type(whole_number(np.int64(3), 1)) is int
    assert whole_number("12", 0) == 12
    assert whole_number(0, 0, "seed") == 0
    with pytest.raises(TypeError, match="None is not a whole number"):
        whole_number(None, 0)
    with pytest.raises(ValueError, match=r"^3\.0 is not a whole number$"):
        whole_number(3.0, 1)  # like --reps 3.0 on the command line


def test_simulate_and_compare_take_paths_or_scenarios(tmp_path):
    by_path = sim.simulate(str(ONE_CAR), reps=2, weeks=1)
    by_object = sim.simulate(sim.load_scenario(ONE_CAR), reps=2, weeks=1)
    pd.testing.assert_frame_equal(by_path.replications, by_object.replications)
    both = sim.compare([SCENARIOS / "no_car.yaml", ONE_CAR], reps=2, weeks=1)
    assert [s.name for s in both.scenarios] == ["no_car", "cpft_one_car"]
    assert both.baseline == "no_car"
    pd.testing.assert_frame_equal(
        both.replications[both.replications.scenario == "cpft_one_car"].reset_index(drop=True),
        by_path.replications)
    with pytest.raises(sim.ScenarioError):
        sim.simulate(tmp_path / "missing.yaml")


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: sim.compare([]), ValueError, "compare needs at least one scenario"),
    (lambda: sim.compare(sim.load_scenario(ONE_CAR)), TypeError,
     "compare takes a list of scenarios, not Scenario"),
    (lambda: sim.compare(str(ONE_CAR)), TypeError, "compare takes a list of scenarios, not str"),
    (lambda: sim.simulate(42), TypeError,
     "simulate takes a Scenario or the path of a scenario file, not int"),
    (lambda: sim.compare([ONE_CAR, {"name": "x"}]), TypeError,
     "compare takes a Scenario or the path of a scenario file, not dict"),
])
def test_what_is_not_a_scenario(call, error, message):
    with pytest.raises(error) as exc:
        call()
    assert str(exc.value) == message
