"""Probabilistic sensitivity analysis, CEAC, tornado and switching values (sim.economics.psa)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
import sim.run.runner
from sim.economics import funding as E
from sim.economics import psa as P
from sim.scenario.costs import Costs, Uncertainty
from tests.support.economics import COSTS, NONE, ONE_CAR, A
from tests.support.economics import hand_result as _result
from tests.support.scenarios import make


def _with_uncertainty(result, inputs: dict, **settings):
    block = {"inputs": inputs, **settings}
    for i, s in enumerate(result.scenarios):
        result.scenarios[i] = s.with_overrides({"uncertainty": block})
    return result


def test_draws_are_seeded_per_input_and_within_range():
    block = Uncertainty(inputs={"costs.a": {"dist": "uniform", "low": 1, "high": 2},
                                "costs.b": {"dist": "triangular", "low": 0, "mode": 1,
                                            "high": 5}}, draws=200, seed=3)
    draws = P.draw_inputs(block)
    assert list(draws.columns) == ["draw", "costs.a", "costs.b"]
    assert len(draws) == 200 and draws["draw"].tolist() == list(range(200))
    assert draws["costs.a"].between(1, 2).all() and draws["costs.b"].between(0, 5).all()
    assert draws["costs.a"].mean() == pytest.approx(1.5, abs=0.06)
    # the same again; an input's draws do not depend on the other inputs
    pd.testing.assert_frame_equal(draws, P.draw_inputs(block))
    alone = Uncertainty(inputs={"costs.a": {"dist": "uniform", "low": 1, "high": 2}},
                        draws=200, seed=3)
    np.testing.assert_array_equal(P.draw_inputs(alone)["costs.a"], draws["costs.a"])
    other = Uncertainty(inputs=dict(block.inputs), draws=200, seed=4)
    assert not np.allclose(P.draw_inputs(other)["costs.a"], draws["costs.a"])
    assert len(P.draw_inputs(block, draws=5)) == 5


def test_ceac_by_hand():
    outcomes = pd.DataFrame({
        "draw": range(4), "scenario": "one", "comparator": "none",
        "detentions_avoided": [10.0] * 4,
        "net_benefit_cash": [-1000.0, -500.0, 100.0, -3000.0],
        "net_benefit_with_police": [1.0, 1.0, 1.0, 1.0],
        **{k: 0.0 for k in ("scheme_cost", "savings_nhs", "savings_police",
                            "officer_hours_released")}})
    curve = P.ceac(outcomes, [0, 60, 150, 300, 301])
    cash = curve[curve.view == "cash"].set_index("wtp")["probability"]
    assert cash.to_dict() == {0: 0.25, 60: 0.5, 150: 0.75, 300: 0.75, 301: 1.0}
    police = curve[curve.view == "with_police"]["probability"]
    assert (police == 1.0).all()


def test_cost_only_analysis_needs_no_simulation_and_is_exact():
    result = _result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]})
    result = _with_uncertainty(result, {
        "costs.s136_detention": {"dist": "uniform", "low": 500, "high": 4000},
        "costs.officer_hour": {"dist": "uniform", "low": 19, "high": 21},
    }, draws=20, seed=9)
    econ = E.compute(result)
    psa = P.run_psa(result, econ)
    assert psa.simulated_replications == 0
    assert psa.settings["replications_per_draw"] == 2  # all the run's replications
    det = A * 55  # mean detentions avoided a year
    base = econ.value("one", "none", "net_benefit_cash")
    assert psa.base.net_benefit_cash.iloc[0] == pytest.approx(base)

    t = psa.tornado[(psa.tornado.view == "cash") & (psa.tornado.input == "costs.s136_detention")]
    row = t.iloc[0]
    assert row.low_value == pytest.approx(500 + 0.05 * 3500)
    assert row.high_value == pytest.approx(500 + 0.95 * 3500)
    assert row.net_benefit_low == pytest.approx(base + (row.low_value - 1000) * det)
    assert row.net_benefit_high == pytest.approx(base + (row.high_value - 1000) * det)
    assert row.swing == pytest.approx(0.9 * 3500 * det)
    # in the cash view the officer hour only prices the car's own officer
    officer = psa.tornado[(psa.tornado.view == "cash")
                          & (psa.tornado.input == "costs.officer_hour")].iloc[0]
    hours = A * (2100 + 2200) / 2  # car-hours a year, one officer in the car
    assert officer.net_benefit_high - officer.net_benefit_low == pytest.approx(
        -(officer.high_value - officer.low_value) * hours)

    # net benefit is linear in the price of a detention: the switching value is exact
    sw = psa.switching.set_index(["view", "input"]).loc[("cash", "costs.s136_detention")]
    assert sw.switching_value == pytest.approx(1000 - base / det, rel=1e-9)
    assert sw.percentile == pytest.approx(100 * (sw.switching_value - 500) / 3500, abs=1e-6)
    assert sw.result == "net benefit turns positive above this value"
    officer_sw = psa.switching.set_index(["view", "input"]).loc[("cash", "costs.officer_hour")]
    assert officer_sw.result == "does not switch within range"

    # each draw equals the economics recomputed at the draw's prices
    d = psa.draws.iloc[3]
    costs = Costs(**{**COSTS, "s136_detention": d["costs.s136_detention"],
                     "officer_hour": d["costs.officer_hour"]})
    again = E.compute(result, costs={"one": costs})
    out = psa.outcomes[psa.outcomes.draw == 3].iloc[0]
    for m in ("net_benefit_cash", "net_benefit_with_police", "scheme_cost"):
        assert out[m] == pytest.approx(again.value("one", "none", m))
    # CEAC: at 0 the share of draws with a positive net benefit, then non-decreasing
    curve = psa.ceac[psa.ceac.view == "cash"]
    assert curve.probability.iloc[0] == pytest.approx(
        (psa.outcomes.net_benefit_cash > 0).mean())
    assert (np.diff(curve.probability) >= 0).all()
    assert psa.prob_positive("one", "none")["cash"] == pytest.approx(
        (psa.outcomes.net_benefit_cash > 0).mean())


def _small_run(**uncertainty):
    inputs = {"response.car.p_s136": {"dist": "uniform", "low": 0.01, "high": 0.1},
              "costs.s136_detention": {"dist": "uniform", "low": 1000, "high": 3000}}
    block = {"inputs": inputs, "draws": 3, "replications": 2, "switching_iterations": 2,
             **uncertainty}
    two_cars = [{"name": "car1", "shifts": [{"days": "all", "start": "15:00", "end": "23:00"}]},
                {"name": "car2", "shifts": [{"days": "all", "start": "19:00", "end": "03:00"}]}]
    common = {"costs": COSTS, "uncertainty": block, "run.weeks": 2}
    scen = [make({**common, "name": "none", "cars": []}),
            make({**common, "name": "one"}),
            make({**common, "name": "two", "cars": two_cars})]
    return sim.compare(scen, baseline="none", reps=3, progress=False)


def test_simulated_inputs_rerun_only_the_car_scenarios_with_common_random_numbers(monkeypatch):
    result = _small_run()
    econ = E.compute(result)
    seen: list[sim.Scenario] = []
    original = sim.run.runner.run_scenarios

    def spy(scenarios, **kwargs):
        seen.extend(scenarios)
        assert kwargs["reps"] == 2 and kwargs["seed"] == result.settings["one"].seed
        return original(scenarios, **kwargs)

    monkeypatch.setattr("sim.economics.psa.run_scenarios", spy)
    psa = P.run_psa(result, econ)
    assert seen and not any(s.name.startswith("none") for s in seen)  # no car: never run
    assert psa.simulated_replications == 2 * len(seen)
    assert all(s.uncertainty is None for s in seen)
    # every draw gives the same input values to both car scenarios
    by_value = {}
    for s in seen:
        by_value.setdefault(s.response.car.p_s136, set()).add(s.name.split("~")[0])
    drawn = psa.draws["response.car.p_s136"]
    for value in drawn:
        names = {n for v, ns in by_value.items() if abs(v - value) < 1e-12 for n in ns}
        assert names == {"one", "two"}
    # the base case re-uses the run's first replications: no re-simulation
    base = psa.base.set_index(["scenario", "comparator"])
    per_rep = econ.per_replication[("one", "none")]
    assert base.loc[("one", "none"), "net_benefit_cash"] == pytest.approx(
        per_rep.loc[[0, 1], "net_benefit_cash"].mean())
    assert set(psa.outcomes.draw) == {0, 1, 2}
    assert len(psa.ceac) == 3 * 2 * len(np.arange(0, 10000 + 125, 250))


def test_analysis_is_deterministic_and_jobs_do_not_matter():
    result = _small_run()
    econ = E.compute(result)
    a = P.run_psa(result, econ, jobs=1)
    b = P.run_psa(result, econ, jobs=2)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)
    pd.testing.assert_frame_equal(a.tornado, b.tornado)
    pd.testing.assert_frame_equal(a.switching, b.switching)


def test_flags_and_notes():
    result = _small_run(replications=5)
    econ = E.compute(result)
    psa = P.run_psa(result, econ, draws=0)
    assert psa.settings["draws"] == 0 and psa.outcomes.empty and psa.ceac.empty
    assert not psa.tornado.empty and not psa.switching.empty
    assert psa.settings["replications_per_draw"] == 3  # at most the run's replications
    assert any("3 replications per draw" in n for n in psa.notes)
    assert P.run_psa(result, econ, draws=1, reps=1).settings["replications_per_draw"] == 1


def test_no_uncertainty_block_means_no_analysis():
    result = _result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]})
    assert P.run_psa(result, E.compute(result)) is None


def test_input_missing_from_a_scenario_is_held_fixed_with_a_note():
    result = _small_run()
    result = _with_uncertainty(result, {
        "cars.1.officers": {"dist": "uniform", "low": 1, "high": 3},
        "costs.s136_detention": {"dist": "uniform", "low": 1000, "high": 3000}},
        draws=2, replications=1, switching_iterations=1)
    psa = P.run_psa(result, E.compute(result))
    assert any("cars.1.officers names no value of one" in n for n in psa.notes)
    inp = next(i for i in psa.inputs if i.key == "cars.1.officers")
    assert inp.applies_to == ("two",)
    # whole numbers stay whole
    assert inp.base == 1
