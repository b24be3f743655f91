"""``demand.hour_of_week_profile``: 168 weights instead of hourly_profile x weekday_factors."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

import sim
from sim.core.demand import DemandModel
from sim.core.streams import Streams
from sim.scenario.presets import HOURLY_PROFILES
from tests.support.paths import SCENARIOS
from tests.support.scenarios import BASE

WEEK = [round(0.1 + (c % 24) / 10 + (c // 24) / 20, 3) for c in range(168)]


def data_with(demand: dict) -> dict:
    data = copy.deepcopy(BASE)
    data["demand"] = demand
    return data


def write(tmp_path: Path, body: str, name: str = "s.yaml") -> Path:
    (tmp_path / "_base.yaml").write_text((SCENARIOS / "_base.yaml").read_text())
    path = tmp_path / name
    path.write_text(body)
    return path


def problem(tmp_path: Path, body: str):
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(write(tmp_path, body))
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0]


def test_rates_are_calls_per_day_times_7_times_the_shares() -> None:
    s = sim.scenario_from_dict(data_with({"calls_per_day": 12, "hour_of_week_profile": WEEK}))
    rates = np.array(s.demand.rates_per_hour())
    assert rates == pytest.approx(12 * 7 * np.array(WEEK) / sum(WEEK), rel=1e-12)
    assert rates.sum() == pytest.approx(84)
    assert s.demand.hourly_profile is None and s.demand.weekday_factors is None


def test_shipped_scenarios_keep_their_rates() -> None:
    for path in sorted(SCENARIOS.glob("[!_]*.yaml")):
        s = sim.load_scenario(path)
        d = s.demand
        weights = HOURLY_PROFILES[d.hourly_profile] if isinstance(d.hourly_profile, str) \
            else d.hourly_profile
        expected = [d.calls_per_day * d.weekday_factors[day] * weights[h] / sum(weights)
                    for day in range(7) for h in range(24)]
        assert d.hour_of_week_profile is None
        assert d.rates_per_hour() == expected, path.name   # bit for bit


def test_a_file_extending_base_replaces_its_shape_with_nulls(tmp_path: Path) -> None:
    body = ("extends: _base.yaml\ndemand:\n  calls_per_day: 7\n  hourly_profile: null\n"
            f"  weekday_factors: null\n  hour_of_week_profile: {WEEK}\n")
    s = sim.load_scenario(write(tmp_path, body))
    assert s.demand.rates_per_hour() == pytest.approx(49 * np.array(WEEK) / sum(WEEK))
    again = s.with_overrides({"demand.calls_per_day": 14})  # round trip through to_dict
    assert sum(again.demand.rates_per_hour()) == pytest.approx(98)
    assert "hourly_profile" not in s.to_dict()["demand"]


def test_both_forms_at_once_is_an_error_at_the_key(tmp_path: Path) -> None:
    body = ("extends: _base.yaml\ndemand:\n  weekday_factors: null\n"
            f"  hour_of_week_profile: {WEEK}\n")
    p = problem(tmp_path, body)
    assert p.key == "demand.hourly_profile" and "not both" in p.message
    assert "hourly_profile: null" in p.message
    body = ("extends: _base.yaml\ndemand:\n  hourly_profile: null\n"
            f"  hour_of_week_profile: {WEEK}\n")
    p = problem(tmp_path, body)
    assert p.key == "demand.weekday_factors" and "weekday_factors: null" in p.message


@pytest.mark.parametrize(("weights", "words"), [
    (WEEK[:167], "needs 168 weights"),
    (WEEK[:100] + [-1.0] + WEEK[101:], "weight 100 (Fri 04:00)"),
    ([0.0] * 168, "must not all be zero"),
    (WEEK[:5] + [True] + WEEK[6:], "weight 5"),
    (WEEK[:5] + ["x"] + WEEK[6:], "weight 5"),
    ("flat", "needs 168 weights"),
])
def test_invalid_profiles_are_rejected(tmp_path: Path, weights, words: str) -> None:
    body = yaml.safe_dump({"extends": "_base.yaml", "demand": {
        "hourly_profile": None, "weekday_factors": None, "hour_of_week_profile": weights}})
    p = problem(tmp_path, body)
    assert p.key.startswith("demand.hour_of_week_profile") and words in p.message


def test_infinite_weight_is_rejected(tmp_path: Path) -> None:
    body = ("extends: _base.yaml\ndemand:\n  hourly_profile: null\n  weekday_factors: null\n"
            "  hour_of_week_profile: [" + ", ".join(["1"] * 167 + [".inf"]) + "]\n")
    assert problem(tmp_path, body).key.startswith("demand.hour_of_week_profile")


def test_a_null_hourly_profile_alone_means_flat() -> None:
    data = data_with({"calls_per_day": 24, "hourly_profile": None, "weekday_factors": None})
    s = sim.scenario_from_dict(data)
    assert s.demand.hourly_profile == "flat" and s.demand.rates_per_hour() == [1.0] * 168


def test_the_model_draws_calls_where_the_profile_puts_them() -> None:
    week = [0.0] * 168
    week[50] = 1.0   # Tuesday 02:00-03:00 only
    s = sim.scenario_from_dict(data_with({"calls_per_day": 10, "hour_of_week_profile": week}))
    chunk = next(DemandModel(s).chunks(Streams(1, 0), 4 * 7 * 24 * 60))
    hours = (chunk.arrival // 60).astype(int) % 168
    assert chunk.arrival.size > 0 and set(hours.tolist()) == {50}
    assert abs(chunk.arrival.size / 4 - 70) < 4 * np.sqrt(70 / 4)   # 70 a week, Poisson
