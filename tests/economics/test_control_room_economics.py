"""The control room in the appraisal: its cost line, its place among the options, and the
sensitivity analysis with control-room inputs (sim/economics/funding.py, psa.py)."""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.common.units import WEEKS_PER_YEAR
from sim.economics import funding as E
from sim.economics import psa as P
from sim.scenario.costs import CONTROL_ROOM_KEY, Uncertainty, input_used
from tests.support.economics import COSTS, ONE_YEAR
from tests.support.scenarios import ADVISED, make

ROOM = {"shifts": [{"days": "all", "start": "08:00", "end": "24:00"}], "practitioners": 2,
        "share_screened": 0.6, "handling_minutes": {"dist": "fixed", "value": 15}}
"""Two practitioners 16 hours a day: 224 practitioner-hours a week."""

CR_INPUTS = {
    "control_room.share_screened": {"dist": "uniform", "low": 0.2, "high": 0.9},
    "control_room.handling_minutes.value": {"dist": "uniform", "low": 10, "high": 20},
    "response.control_room.p_no_deployment": {"dist": "uniform", "low": 0.0, "high": 0.3},
}
OTHER_INPUTS = {
    "demand.calls_per_day": {"dist": "uniform", "low": 9, "high": 11},
    "costs.clinician_hour": {"dist": "uniform", "low": 30, "high": 50},
}
CALIBRATION = {"population": 900_000,
               "s136_per_100k": {"dist": "uniform", "low": 50, "high": 60},
               "avoided_per_contact": {"dist": "uniform", "low": 0.05, "high": 0.1}}
MIX = [{"type": "crisis", "share": 0.6, "standard": {"p_s136": 0.21},
        "car": {"p_s136": 0.02}, "control_room": {"p_s136": 0.10}},
       {"type": "concern", "share": 0.4, "sent_to_car": False,
        "standard": {"p_s136": 0.025}, "car": {"p_s136": 0.025}}]
ADV = {**ADVISED, "p_s136": 0.02}


def _scenarios(inputs: dict, names=("none", "one", "room"), draws: int = 8):
    block = {"draws": draws, "seed": 3, "inputs": inputs, "calibration": CALIBRATION}
    common = {"costs": COSTS, "appraisal": ONE_YEAR, "uncertainty": block, "run.weeks": 2,
              "case_mix": MIX, "demand.calls_per_day": 10.0, "response.control_room": ADV}
    every = {"none": {"cars": []}, "one": {}, "room": {"cars": [], "control_room": ROOM},
             "both": {"control_room": ROOM}}
    return [make({**common, **every[n], "name": n}) for n in names]


@pytest.fixture(scope="module")
def run_all():
    result = sim.compare(_scenarios({**OTHER_INPUTS, **CR_INPUTS},
                                    ("none", "one", "room", "both")),
                         baseline="none", reps=2, progress=False)
    econ = E.compute(result)
    return result, econ, P.run_psa(result, econ)


# ------------------------------------------------------------------- cost line


def test_the_control_room_line_prices_practitioner_hours_on_shift(run_all):
    result, econ, _ = run_all
    hours_a_year = 2 * 16 * 7 * WEEKS_PER_YEAR  # 224 practitioner-hours a week, a year
    for name in ("room", "both"):
        q = econ.quantities[name]
        assert q.cr_practitioner_hours.to_numpy() == pytest.approx(hours_a_year)
        # clinician_hour is £40 at 2024 prices, the report's year: no uplift
        assert econ.ledgers[name]["control_room"].to_numpy() == pytest.approx(
            -40 * hours_a_year)
        assert (q.schemes == 1).all()  # management: a control room is a scheme
    for name in ("none", "one"):
        assert (econ.ledgers[name]["control_room"] == 0).all()
    # the car's practitioners are not the control room's
    assert (econ.ledgers["room"]["car_practitioners"] == 0).all()
    lines = econ.lines.set_index(["scenario", "comparator", "line"])
    row = lines.loc[("room", "none", "control_room")]
    assert row.payer == "nhs" and bool(row.cash) and row.kind == "cost"
    assert row["mean"] == pytest.approx(-40 * hours_a_year)
    # a cost of the NHS: in the NHS's perspective, not the police's
    nhs = E.appraise(E.paired(econ.ledgers["room"], econ.ledgers["none"]),
                     econ.prices["room"], econ.settings, "nhs")
    police = E.appraise(E.paired(econ.ledgers["room"], econ.ledgers["none"]),
                        econ.prices["room"], econ.settings, "police")
    assert (nhs.costs >= 40 * hours_a_year).all()
    assert (police.costs == 0).all()


def test_a_control_room_alone_is_an_option_of_the_funding_case(run_all):
    _, econ, psa = run_all
    assert ("room", "none") in econ.pairs
    assert "room" in set(psa.frontier.option)
    assert set(psa.option_draws.scenario) >= {"none", "one", "room", "both"}
    assert "cr_practitioner_hours" in psa.option_draws.columns


def test_runs_without_a_control_room_report_no_control_room_line():
    result = sim.compare(_scenarios(OTHER_INPUTS, ("none", "one")), baseline="none",
                         reps=2, progress=False)
    econ = E.compute(result)
    assert "control_room" not in set(econ.lines.line)
    assert [ln.key for ln in E.shown_lines(result.scenarios)] == [
        ln.key for ln in E.LINES if ln.key != "control_room"]
    assert E.hidden_quantities(result.scenarios) == ["cr_practitioner_hours"]


# ---------------------------------------------------------------- PSA inputs


def test_control_room_inputs_change_only_scenarios_with_a_control_room():
    one, room = _scenarios({**OTHER_INPUTS, **CR_INPUTS}, ("one", "room"))
    block = room.uncertainty
    assert all(CONTROL_ROOM_KEY.fullmatch(k) for k in CR_INPUTS)
    point = {"demand.calls_per_day": 10.0, "costs.clinician_hour": 40.0,
             "control_room.share_screened": 0.3,
             "control_room.handling_minutes.value": 12.0,
             "response.control_room.p_no_deployment": 0.25,
             "calibration.s136_per_100k": 54.0, "calibration.avoided_per_contact": 0.08}
    # the car scenario has response.control_room (a number there) but no control room
    assert not input_used(one.to_dict(), "response.control_room.p_no_deployment")
    over_one = P.derive(one.to_dict(), point, block)
    assert not any(CONTROL_ROOM_KEY.fullmatch(k) for k in over_one)
    without = {k: v for k, v in point.items() if k not in CR_INPUTS}
    assert over_one == P.derive(one.to_dict(), without, block)
    over_room = P.derive(room.to_dict(), point, block)
    assert over_room["control_room.share_screened"] == 0.3
    assert over_room["control_room.handling_minutes.value"] == 12.0
    assert over_room["response.control_room.p_no_deployment"] == 0.25
    # the calibration scales the risks after advice by the same k as the standard ones
    k = over_room["case_mix.0.standard.p_s136"] / 0.21
    assert k != pytest.approx(1.0)
    assert over_room["case_mix.0.control_room.p_s136"] == pytest.approx(0.10 * k)
    assert over_room["case_mix.1.control_room.p_s136"] == pytest.approx(0.02 * k)
    assert over_room["case_mix.1.standard.p_s136"] == pytest.approx(0.025 * k)
    # and the scenario it gives is valid (advice never above the standard risk)
    room.with_overrides(over_room)


def test_a_control_room_draw_leaves_car_options_unchanged(run_all):
    _, _, psa = run_all
    drawn = psa.draws
    assert drawn["control_room.share_screened"].nunique() == len(drawn)
    alone = sim.compare(_scenarios(OTHER_INPUTS, ("none", "one")), baseline="none", reps=2,
                        progress=False)
    ref = P.run_psa(alone, E.compute(alone))
    od = psa.option_draws
    ours = od[od.scenario == "one"].reset_index(drop=True)
    theirs = ref.option_draws[ref.option_draws.scenario == "one"].reset_index(drop=True)
    # the same draws of the other inputs, the same simulated years: identical outcomes
    pd.testing.assert_frame_equal(ours[theirs.columns], theirs)
    shared = [c for c in ref.draws.columns]
    pd.testing.assert_frame_equal(drawn[shared], ref.draws)


def test_control_room_inputs_are_left_out_without_a_control_room():
    with_cr = sim.compare(_scenarios({**OTHER_INPUTS, **CR_INPUTS}, ("none", "one"), 6),
                          baseline="none", reps=2, progress=False)
    plain = sim.compare(_scenarios(OTHER_INPUTS, ("none", "one"), 6), baseline="none",
                        reps=2, progress=False)
    a = P.run_psa(with_cr, E.compute(with_cr))
    b = P.run_psa(plain, E.compute(plain))
    assert not any(CONTROL_ROOM_KEY.fullmatch(i.key) for i in a.inputs)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.evppi, b.evppi)
    block = Uncertainty(inputs=CR_INPUTS)
    assert set(P.input_list(block, with_cr.scenarios)) == set()
    assert set(P.input_list(block)) == set(CR_INPUTS)
