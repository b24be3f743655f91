"""The Section 136 pathway's inputs in the sensitivity analysis (sim/scenario/costs.py
PATHWAY_KEY, input_used; sim/economics/psa.py derive, input_list): set only where a
scenario has a pathway, whole beds stay whole, and a run without a pathway is analysed as
before the pathway existed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import sim
from sim.common.dotted import get_dotted
from sim.economics import funding as E
from sim.economics import psa as P
from sim.scenario.costs import (
    PATHWAY_KEY,
    UNCERTAIN_ROOTS,
    Uncertainty,
    input_applies,
    input_key,
    input_range,
    input_used,
)
from sim.scenario.loader import load_scenario
from tests.support.economics import COSTS, ONE_YEAR
from tests.support.scenarios import make, pathway

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"

PATHWAY_INPUTS = {
    "pathway.place_of_safety.beds": {"dist": "empirical", "values": [1, 2, 3, 4]},
    "pathway.place_of_safety.handover_minutes.mean": {"dist": "uniform", "low": 30,
                                                      "high": 90},
}
OTHER_INPUTS = {"demand.calls_per_day": {"dist": "uniform", "low": 9, "high": 11}}


def _scenarios(inputs: dict, with_pathway: bool, draws: int = 6):
    block = {"draws": draws, "seed": 5, "inputs": inputs}
    common = {"costs": COSTS, "appraisal": ONE_YEAR, "uncertainty": block, "run.weeks": 2,
              "demand.calls_per_day": 10.0}
    if with_pathway:
        common.update(pathway(2))
    return [make({**common, "cars": [], "name": "none"}), make({**common, "name": "one"})]


def test_pathway_is_a_root_an_input_may_lie_under():
    assert "pathway" in UNCERTAIN_ROOTS
    assert "pathway" in P.SIMULATED_ROOTS
    assert all(PATHWAY_KEY.fullmatch(k) for k in PATHWAY_INPUTS)
    assert not PATHWAY_KEY.fullmatch("response.standard.s136_hours.median")


def test_pathway_inputs_change_only_scenarios_with_a_pathway():
    _, without = _scenarios({**OTHER_INPUTS, **PATHWAY_INPUTS}, with_pathway=False)
    _, with_ = _scenarios({**OTHER_INPUTS, **PATHWAY_INPUTS}, with_pathway=True)
    assert without.pathway is None and with_.pathway is not None
    assert not input_used(without.to_dict(), "pathway.place_of_safety.beds")
    assert input_used(with_.to_dict(), "pathway.place_of_safety.beds")
    point = {"demand.calls_per_day": 10.5, "pathway.place_of_safety.beds": 3.0,
             "pathway.place_of_safety.handover_minutes.mean": 80.0}
    block = with_.uncertainty
    over_without = P.derive(without.to_dict(), point, block)
    assert over_without == {"demand.calls_per_day": 10.5}
    over_with = P.derive(with_.to_dict(), point, block)
    # whole beds stay whole (input_value keeps the type of the value it replaces)
    assert over_with["pathway.place_of_safety.beds"] == 3
    assert isinstance(over_with["pathway.place_of_safety.beds"], int)
    assert over_with["pathway.place_of_safety.handover_minutes.mean"] == 80.0
    drawn = with_.with_overrides(over_with)
    assert drawn.pathway.place_of_safety.bed_count == 3.0


def test_pathway_inputs_are_left_out_without_a_pathway():
    with_inputs = sim.compare(_scenarios({**OTHER_INPUTS, **PATHWAY_INPUTS}, False),
                              baseline="none", reps=2, progress=False)
    plain = sim.compare(_scenarios(OTHER_INPUTS, False), baseline="none", reps=2,
                        progress=False)
    a = P.run_psa(with_inputs, E.compute(with_inputs))
    b = P.run_psa(plain, E.compute(plain))
    assert not any(PATHWAY_KEY.fullmatch(i.key) for i in a.inputs)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    pd.testing.assert_frame_equal(a.table, b.table)
    block = Uncertainty(inputs=PATHWAY_INPUTS)
    assert set(P.input_list(block, with_inputs.scenarios)) == set()
    assert set(P.input_list(block)) == set(PATHWAY_INPUTS)


def test_the_shipped_uncertainty_block_draws_the_pathway_not_the_unused_s136_hours():
    base = load_scenario(SHIPPED / "no_car.yaml")
    inputs = base.uncertainty.inputs
    assert base.pathway is not None  # the shipped scenarios run with the pathway on
    assert "response.standard.s136_hours.median" not in inputs  # unused with a pathway
    beds = inputs["pathway.place_of_safety.beds"].distribution
    assert sorted(beds.values) == [1, 2, 3, 4]
    assert base.pathway.place_of_safety.beds in beds.values
    # every drawn range contains the shipped value it replaces
    plain = load_scenario(SHIPPED / "control_room.yaml").to_dict()  # every input applies
    for key, inp in inputs.items():
        if key.startswith("costs."):
            continue
        assert input_applies(plain, input_key(key)), key
        low, high = input_range(inp.distribution)
        value = get_dotted(plain, input_key(key))
        assert low <= value <= high, (key, value, low, high)


def test_the_no_scheme_option_takes_the_do_minimum_worlds_figures():
    """Breaches and hours per detention of the no-scheme option are its donor's do-minimum
    world's, not zero (they feed the cost-consequence table)."""
    donor = pd.DataFrame({
        "mh_calls": [100.0], "not_for_car": [40.0], "car_resolved_by_phone": [2.0],
        "s136": [10.0], "s136_baseline": [14.0], "ae_conveyances": [5.0],
        "ae_baseline": [6.0], "officer_hours": [200.0], "officer_hours_baseline": [260.0],
        "s136_breaches_24h": [1.0], "s136_breaches_baseline": [3.0],
        "officer_hours_per_s136": [6.0], "officer_hours_per_s136_baseline": [8.0],
        "officer_hours_per_call": [2.0], "officer_hours_per_call_baseline": [2.6],
        "car_attended": [50.0]})
    out = P._no_scheme_metrics(donor).iloc[0]
    assert out["s136"] == 14 and out["officer_hours"] == 260
    assert out["s136_breaches_24h"] == 3 and out["officer_hours_per_s136"] == 8
    assert out["officer_hours_per_call"] == 2.6 and out["car_attended"] == 0
    assert out["not_for_car"] == 42 and out["unmet_off_shift"] == 58
