"""The costs:, uncertainty: and appraisal: blocks: validated like the rest of a scenario
file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import sim
from sim.scenario.costs import Costs, input_range
from tests.support.paths import SCENARIOS
from tests.support.scenarios import make

COSTS = {"price_year": 2013, "officer_hour": 22.5, "clinician_hour": 43, "s136_detention": 1800,
         "ae_attendance": 126}


def _load(tmp_path: Path, body: str) -> sim.Scenario:
    shutil.copyfile(SCENARIOS / "_base.yaml", tmp_path / "_base.yaml")
    path = tmp_path / "s.yaml"
    path.write_text(body, encoding="utf-8")
    return sim.load_scenario(path)


def _problems(tmp_path: Path, body: str) -> list[str]:
    with pytest.raises(sim.ScenarioError) as info:
        _load(tmp_path, body)
    return [f"{p.line}: {p.key}: {p.message}" for p in info.value.problems]


def test_shipped_scenarios_have_costs_and_uncertainty():
    for name in ("no_car", "cpft_one_car", "cpft_two_cars"):
        s = sim.load_scenario(SCENARIOS / f"{name}.yaml")
        assert s.costs.price_year == 2013
        assert s.costs.s136_detention.value == 1800 and s.costs.payer("s136_detention") == "nhs"
        assert s.costs.year("setup_per_car") == 2024
        keys = set(s.uncertainty.inputs)
        assert {"demand.calls_per_day", "response.car.on_scene_minutes.mean",
                "costs.s136_detention", "costs.officer_hour", "costs.clinician_hour"} <= keys
        assert all(i.label and i.unit and i.group for i in s.uncertainty.inputs.values())
        assert s.uncertainty.calibration.population == 900_000
        assert s.uncertainty.draws >= 1000 and s.uncertainty.replications == 1
        assert s.appraisal.discount_rate == 0.035


def test_costs_defaults_and_required_keys():
    c = Costs(**COSTS)
    assert [c.item(k).value for k in ("vehicle_per_car_hour", "management_per_year",
                                      "training_per_car_per_year", "setup_per_car",
                                      "alternative_care", "ae_conveyance")] == [0] * 6
    assert make().costs is None and make().uncertainty is None


def test_bad_costs_are_reported_with_file_line_and_key(tmp_path):
    problems = _problems(tmp_path, """name: s
extends: _base.yaml
costs:
  officer_hr: 20
  s136_detention: -5
  price_year: 1066
""")
    assert "4: costs.officer_hr: unknown key; did you mean 'officer_hour'?" in problems
    assert any(p.startswith("5: costs.s136_detention") and "greater than or equal to 0" in p
               for p in problems)
    assert any(p.startswith("6: costs.price_year:") for p in problems)


def test_missing_required_cost(tmp_path):
    data = make().to_dict()
    data["costs"] = {k: v for k, v in COSTS.items() if k != "s136_detention"}
    with pytest.raises(sim.ScenarioError, match=r"costs.s136_detention: required key"):
        sim.scenario_from_dict(data)


def test_with_overrides_reaches_costs_and_uncertainty_by_dotted_keys():
    s = sim.load_scenario(SCENARIOS / "cpft_one_car.yaml")
    t = s.with_overrides({"costs.s136_detention": 2500, "uncertainty.draws": 7,
                          "costs.setup_per_car": 1000})
    assert t.costs.s136_detention.value == 2500 and t.costs.setup_per_car.value == 1000
    assert t.uncertainty.draws == 7
    assert s.costs.s136_detention.value == 1800  # the original is unchanged
    assert s.with_overrides({"costs.s136_detention.value": 900}).costs.payer(
        "s136_detention") == "nhs"
    with pytest.raises(sim.ScenarioError, match="costs.s136_detenton: unknown key"):
        s.with_overrides({"costs.s136_detenton": 1})
    with pytest.raises(sim.ScenarioError, match="greater than or equal to 0"):
        s.with_overrides({"costs.officer_hour": -1})
    assert s.with_overrides({"uncertainty": None}).uncertainty is None


def test_uncertain_inputs_are_checked_against_the_scenario(tmp_path):
    problems = _problems(tmp_path, """name: s
extends: _base.yaml
uncertainty:
  inputs:
    reponse.car.p_s136: {dist: uniform, low: 0, high: 0.1}
    run.weeks: {dist: uniform, low: 1, high: 2}
    response.car.p_conveyed_ae: {dist: lognormal, mean: 0.05, sd: 0.1}
    costs.officer_hour: {dist: uniform, low: 10, high: 5}
""")
    assert any(p.startswith("5: uncertainty.inputs.reponse.car.p_s136: an uncertain input must "
                            "be a key under one of") for p in problems)
    assert any(p.startswith("6: uncertainty.inputs.run.weeks:") for p in problems)
    assert any(p.startswith("7: uncertainty.inputs.response.car.p_conveyed_ae: the value")
               and "Input should be less than or equal to 1" in p for p in problems)
    assert any(p.startswith("8: uncertainty.inputs.costs.officer_hour")
               and "high must be at least low" in p for p in problems)
    # the calibration derives the detention probabilities: an input may not draw them
    problems = _problems(tmp_path, """name: s
extends: _base.yaml
uncertainty:
  inputs:
    case_mix.0.car.p_s136: {dist: uniform, low: 0.01, high: 0.1}
""")
    assert any("case_mix.0.car.p_s136 is derived by the calibration" in p for p in problems)


def test_an_input_a_scenario_lacks_is_allowed(tmp_path):
    s = _load(tmp_path, """name: s
extends: _base.yaml
uncertainty:
  inputs:
    cars.1.officers: {dist: uniform, low: 1, high: 2}
""")
    assert "cars.1.officers" in s.uncertainty.inputs


def test_uncertainty_settings_are_validated():
    data = sim.load_scenario(SCENARIOS / "no_car.yaml").to_dict()
    for key, value in (("draws", -1), ("replications", 0), ("low_percentile", 60),
                       ("high_percentile", 40), ("wtp_step", 0)):
        bad = {**data, "uncertainty": {**data["uncertainty"], key: value}}
        with pytest.raises(sim.ScenarioError, match=f"uncertainty.{key}"):
            sim.scenario_from_dict(bad)
    with pytest.raises(sim.ScenarioError, match="at least one uncertain input"):
        sim.scenario_from_dict({**data, "uncertainty": {"inputs": {}}})
    for key, value in (("years", 0), ("years", 31), ("discount_rate", -0.01),
                       ("demand_trend", 0.9)):
        with pytest.raises(sim.ScenarioError, match=f"appraisal.{key}"):
            sim.scenario_from_dict({**data, "appraisal": {key: value}})


def test_input_range():
    from pydantic import TypeAdapter

    from sim.scenario.distributions import Distribution

    dist = TypeAdapter(Distribution).validate_python
    assert input_range(dist({"dist": "uniform", "low": 2, "high": 5})) == (2, 5)
    assert input_range(dist({"dist": "triangular", "low": 1, "mode": 2, "high": 4})) == (1, 4)
    lo, hi = input_range(dist({"dist": "exponential", "mean": 1}))
    assert lo == pytest.approx(0.0010005) and hi == pytest.approx(6.9077553)


def test_merged_scenario_with_costs_round_trips(tmp_path):
    s = sim.load_scenario(SCENARIOS / "cpft_two_cars.yaml")
    from sim.reporting.results import scenario_yaml

    path = tmp_path / "merged.yaml"
    path.write_text(scenario_yaml(s), encoding="utf-8")
    assert sim.load_scenario(path) == s
