"""The Python API of DESIGN section 5, and the summary statistics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.common.stats import paired_differences, t_interval
from sim.core.metrics import METRIC_NAMES
from tests.support.paths import SCENARIOS


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
