"""The appraisal's formulas (sim/economics/funding.py, prices.py), checked against
hand-computed cases.

The hand cases build a RunResult from made-up counts (no simulation), so every expected
value below is written out as arithmetic on those counts and prices.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.common.errors import ScenarioError
from sim.economics import funding as E
from sim.economics import prices as PR
from sim.scenario.costs import Appraisal, Costs, Uncertainty, input_key, rebalance_shares
from tests.support.economics import COSTS, NONE, ONE_CAR, ONE_YEAR, A
from tests.support.economics import hand_result as _result
from tests.support.paths import SCENARIOS
from tests.support.scenarios import make


@pytest.fixture
def hand() -> E.Economics:
    return E.compute(_result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]}))


def _ledger_by_hand(s136: float, ae: float, hours: float, paid: float, other: float
                    ) -> dict[str, float]:
    """One replication of ONE_CAR at COSTS, written out line by line (one officer and one
    practitioner in the car; other jobs take 45 minutes)."""
    return {"car_officers": -20 * A * paid, "car_practitioners": -40 * A * paid,
            "vehicles": -5 * A * paid, "management": -1000, "training": -500,
            "setup": -2000, "detentions": 1000 * A * s136, "alternative_care": -100 * A * s136,
            "ae_attendances": 100 * A * ae, "ae_conveyances": 50 * A * ae,
            "frontline_time": 20 * A * hours, "other_jobs": 20 * A * other * 45 / 60}


HAND = [_ledger_by_hand(50, 10, 3000, 2100, 40), _ledger_by_hand(60, 20, 4200, 2200, 80)]
PAYERS = {"police": ("car_officers", "vehicles", "setup", "frontline_time", "other_jobs"),
          "nhs": ("car_practitioners", "management", "training", "detentions",
                  "alternative_care", "ae_attendances"),
          "ambulance": ("ae_conveyances",)}
CASH = ("car_officers", "car_practitioners", "vehicles", "management", "training", "setup",
        "alternative_care", "ae_attendances")


def _row(econ, measure, perspective=E.PUBLIC, scenario="one", comparator="none"):
    t = econ.table
    return t[(t.scenario == scenario) & (t.comparator == comparator) & (t.measure == measure)
             & (t.perspective == perspective)].iloc[0]


# ------------------------------------------------------------------------ prices


def test_the_price_index_restates_by_ratio():
    table = PR.index_table()
    assert PR.latest_year() == 2024 and table[2024] == 100.0
    assert PR.uplift(2013, 2024) == pytest.approx(100 / 73.4795)
    assert PR.uplift(2024, 2013) == pytest.approx(0.734795)
    assert PR.uplift(2019, 2019) == 1.0
    assert PR.uplift(2013, 2020) * PR.uplift(2020, 2024) == pytest.approx(PR.uplift(2013, 2024))
    assert "covers 1990 to 2024" in PR.year_problem(1980)
    with pytest.raises(ValueError, match="no value for 2031"):
        PR.uplift(2031, 2024)


def test_each_cost_is_restated_from_its_own_price_year():
    costs = Costs(**{**COSTS, "price_year": 2013,
                     "clinician_hour": {"value": 40, "price_year": 2024, "payer": "nhs"}})
    settings = E.settings_of(Appraisal(price_year=2024))
    p = E.prices(costs, settings)
    assert p.value["officer_hour"] == pytest.approx(20 * 100 / 73.4795)  # 2013 by default
    assert p.value["clinician_hour"] == pytest.approx(40)  # its own year is 2024
    assert E.prices(costs, E.settings_of(Appraisal(price_year=2013))).value[
        "clinician_hour"] == pytest.approx(40 * 0.734795)
    # without a price year the report uses the latest full year of the index
    assert E.settings_of(None).price_year == 2024
    assert E.crew_cost_per_hour(1, 1, costs, Appraisal(price_year=2013)) == pytest.approx(
        20 + 40 * 0.734795 + 5)
    assert E.price_problems(make({"costs": {**COSTS, "price_year": 1985}})) == [
        PR.year_problem(1985)]


def test_unit_costs_shorthand_defaults_and_keys():
    c = Costs(price_year=2013, officer_hour=22.5, clinician_hour=43, s136_detention=1800,
              ae_attendance=126)
    assert c.officer_hour.value == 22.5 and c.year("officer_hour") == 2013
    assert c.payer("officer_hour") == "police" and c.payer("clinician_hour") == "nhs"
    assert c.payer("ae_conveyance") == "ambulance"
    assert c.cash("clinician_hour") and not c.cash("s136_detention")
    assert c.alternative_care.value == 0
    block = Uncertainty(inputs={"costs.s136_detention": {"dist": "uniform", "low": 1,
                                                         "high": 2, "label": "x"}})
    assert block.inputs["costs.s136_detention"].label == "x"
    assert input_key("costs.s136_detention") == "costs.s136_detention.value"
    assert input_key("demand.calls_per_day") == "demand.calls_per_day"
    with pytest.raises(ValueError, match="derived by the calibration"):
        Uncertainty(inputs={"case_mix.0.car.p_s136": {"dist": "uniform", "low": 0.01,
                                                      "high": 0.02}},
                    calibration={"population": 1e5,
                                 "s136_per_100k": {"dist": "fixed", "value": 50},
                                 "avoided_per_contact": {"dist": "fixed", "value": 0.1}})


def test_a_share_input_rescales_the_other_call_types():
    data = {"case_mix": [{"share": 0.7}, {"share": 0.2}, {"share": 0.2}]}
    assert rebalance_shares(data, ["case_mix.0.share"])
    assert [t["share"] for t in data["case_mix"]] == pytest.approx([0.7, 0.15, 0.15])
    assert not rebalance_shares({"case_mix": [{"share": 1.2}, {"share": 0.3}]},
                                ["case_mix.0.share"])
    assert rebalance_shares({"case_mix": [{"share": 0.5}]}, ["demand.calls_per_day"])


# ---------------------------------------------------------------- ledger and views


def test_ledger_lines_by_hand(hand):
    for unit, expected in enumerate(HAND):
        for key, value in expected.items():
            assert hand.ledgers["one"].loc[unit, key] == pytest.approx(value), key
    assert (hand.ledgers["none"].to_numpy() == 0).all()  # no car: no cost, nothing avoided
    q = hand.quantities["one"]
    assert q.loc[0, "car_officer_hours"] == pytest.approx(A * 2100)
    assert q.loc[1, "other_job_officer_hours"] == pytest.approx(A * 80 * 45 / 60)
    assert q.loc[0, "schemes"] == 1 and q.loc[0, "cars"] == 1


def test_perspectives_split_every_line_by_its_payer(hand):
    assert hand.perspectives == (E.PUBLIC, "nhs", "police", "ambulance")
    for perspective, keys in PAYERS.items():
        nb = [sum(h[k] for k in keys) for h in HAND]
        row = _row(hand, "net_benefit", perspective)
        assert row["mean"] == pytest.approx(np.mean(nb)), perspective
        assert row["basis"] == "run" and math.isnan(row["prob_positive"])
    total = [sum(h.values()) for h in HAND]
    assert _row(hand, "net_benefit")["mean"] == pytest.approx(np.mean(total))
    assert sum(_row(hand, "net_benefit", p)["mean"] for p in PAYERS) == pytest.approx(
        np.mean(total))
    # police time is never cash, whatever the officer hour's flag says
    cash = [sum(h[k] for k in CASH) for h in HAND]
    assert _row(hand, "cash_net_benefit")["mean"] == pytest.approx(np.mean(cash))
    assert _row(hand, "cash_net_benefit", "police")["mean"] == pytest.approx(
        np.mean([h["car_officers"] + h["vehicles"] + h["setup"] for h in HAND]))
    # costs and savings, and their ratio, for the public sector
    costs = [-(h["car_officers"] + h["car_practitioners"] + h["vehicles"] + h["management"]
               + h["training"] + h["setup"] + h["alternative_care"]) for h in HAND]
    benefits = [h["detentions"] + h["ae_attendances"] + h["ae_conveyances"]
                + h["frontline_time"] + h["other_jobs"] for h in HAND]
    assert _row(hand, "costs")["mean"] == pytest.approx(np.mean(costs))
    assert _row(hand, "benefits")["mean"] == pytest.approx(np.mean(benefits))
    assert _row(hand, "bcr")["mean"] == pytest.approx(np.mean(benefits) / np.mean(costs))
    # one undiscounted year: the NPV is the net benefit, payback is now or never
    assert _row(hand, "npv")["mean"] == pytest.approx(np.mean(total))
    assert max(total) < 0 and math.isinf(_row(hand, "payback_years")["mean"])
    assert _row(hand, "payback_years", "ambulance")["mean"] == 0  # no cost to repay


def test_an_unused_payer_is_no_perspective():
    costs = {**COSTS, "ae_conveyance": {"value": 0, "payer": "ambulance"}}
    econ = E.compute(_result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]},
                             costs=costs))
    assert econ.perspectives == (E.PUBLIC, "nhs", "police")
    econ = E.compute(_result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]},
                             costs={**COSTS, "management_per_year": {
                                 "value": 1000, "payer": "local_authority"}}))
    assert econ.perspectives == (E.PUBLIC, "nhs", "police", "ambulance", "local_authority")
    assert _row(econ, "net_benefit", "local_authority")["mean"] == pytest.approx(-1000)


# ------------------------------------------------------------------------ period


def _one_unit(**lines: float) -> pd.DataFrame:
    return pd.DataFrame([{ln.key: lines.get(ln.key, 0.0) for ln in E.LINES}])


def test_discounting_optimism_bias_and_trend_by_hand():
    settings = E.settings_of(Appraisal(price_year=2024, years=3, discount_rate=0.1,
                                       optimism_bias={"recurring": 0.2, "setup": 0.5},
                                       demand_trend=0.1))
    assert settings.discount_factors() == pytest.approx([1, 1 / 1.1, 1 / 1.21])
    assert E.annuity_factor(3, 0.1) == pytest.approx(1 + 1 / 1.1 + 1 / 1.21)
    price = E.prices(Costs(**COSTS), settings)
    m = E.appraise(_one_unit(car_officers=-100, setup=-50, detentions=80), price, settings,
                   E.PUBLIC).iloc[0]
    annuity = 1 + 1 / 1.1 + 1 / 1.21
    pv_costs = 120 * annuity + 75  # 20% on the recurring cost, 50% on the set-up
    pv_benefits = 80 + 88 / 1.1 + 96.8 / 1.21  # savings grow 10% a year: 80 each
    assert m.pv_costs == pytest.approx(pv_costs)
    assert m.pv_benefits == pytest.approx(240)
    assert m.npv == pytest.approx(pv_benefits - pv_costs)
    assert m.net_benefit == pytest.approx((pv_benefits - pv_costs) / annuity)
    assert m.costs == pytest.approx(pv_costs / annuity)
    assert m.bcr == pytest.approx(240 / pv_costs)
    assert math.isinf(m.payback_years)
    # the police perspective holds the officers and the set-up; the NHS the detentions
    police = E.appraise(_one_unit(car_officers=-100, setup=-50, detentions=80), price,
                        settings, "police").iloc[0]
    assert police.npv == pytest.approx(-pv_costs)
    assert police.bcr == pytest.approx(0)


def test_payback_by_hand():
    # set-up 75 at time 0, then 80 a year: paid back 75/80 of the way through year 0
    assert E.payback_years(np.array([[80.0, 80.0]]), -75.0)[0] == pytest.approx(75 / 80)
    # 50 in year 0 leaves 25; year 1 brings 50/1.1
    assert E.payback_years(np.array([[50.0, 50 / 1.1]]), -75.0)[0] == pytest.approx(
        1 + 25 / (50 / 1.1))
    assert E.payback_years(np.array([[10.0]]), 0.0)[0] == 0  # nothing owed: at once
    assert math.isinf(E.payback_years(np.array([[-5.0, -5.0]]), 0.0)[0])  # never
    assert math.isinf(E.payback_years(np.array([[10.0, 10.0]]), -100.0)[0])  # not in time
    settings = E.settings_of(Appraisal(price_year=2024, years=2, discount_rate=0.1,
                                       optimism_bias={"recurring": 0, "setup": 0}))
    m = E.appraise(_one_unit(setup=-75, detentions=50), E.prices(Costs(**COSTS), settings),
                   settings, E.PUBLIC).iloc[0]
    assert m.payback_years == pytest.approx(1 + 25 / (50 / 1.1))


# ------------------------------------------------------------------- comparisons


def test_incremental_comparison_is_paired_by_replication():
    two = [{"s136": 90, "ae": 15, "hours": 5000,
            "cars": {"car1": (2000, 100, 40), "car2": (1500, 50, 10)}},
           {"s136": 115, "ae": 40, "hours": 7000,
            "cars": {"car1": (2000, 200, 80), "car2": (1500, 80, 20)}}]
    econ = E.compute(_result({"none": NONE, "one": ONE_CAR, "two": two},
                             {"none": [], "one": ["car1"], "two": ["car1", "car2"]}))
    assert econ.pairs == [("one", "none"), ("two", "none"), ("two", "one")]
    inc = econ.per_replication[("two", "one", E.PUBLIC)]
    for p in econ.perspectives:
        for m in ("net_benefit", "npv", "cash_net_benefit"):
            assert _row(econ, m, p, "two", "one")["mean"] == pytest.approx(
                _row(econ, m, p, "two", "none")["mean"]
                - _row(econ, m, p, "one", "none")["mean"])
    # paired: the second car's set-up and training only, the extra car-hours, no second
    # management fee
    extra = [-(A * (1500 + 50) * 65 + 500 + 2000), -(A * (1500 + 80) * 65 + 500 + 2000)]
    assert inc.costs.to_numpy() == pytest.approx([-e + 100 * A * d for e, d in
                                                  zip(extra, (40, 55), strict=True)])


def test_comparison_pairs():
    scen = [make({"name": n}) for n in ("no_car", "one", "two", "rota_b")]
    costs = {"no_car": 0.0, "one": 100.0, "two": 200.0, "rota_b": 100.0}
    assert E.comparison_pairs(scen, "no_car", costs) == [
        ("one", "no_car"), ("two", "no_car"), ("rota_b", "no_car"), ("two", "rota_b")]
    assert E.comparison_pairs(scen, None, costs) == [
        (n, E.COUNTERFACTUAL) for n in ("no_car", "one", "two", "rota_b")]


def test_scenario_with_cars_and_no_costs_is_left_out_with_a_note():
    result = _result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]})
    result.scenarios[1] = result.scenarios[1].with_overrides({"costs": None})
    econ = E.compute(result)
    assert econ.pairs == [] and econ.table.empty
    assert any("no costs" in n for n in econ.notes)


def test_economics_csv_columns(hand):
    assert list(hand.table.columns) == E.COLUMNS
    per = hand.table.groupby("perspective").size()
    assert (per == len(E.MEASURES)).all()


def test_the_optimiser_views_are_one_public_sector_year(hand):
    result = _result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]})
    reps = result.replications[result.replications.scenario == "one"]
    cars = result.by_car[result.by_car.scenario == "one"]
    comp = E.paired(E.annual_components(result.scenarios[1], reps, cars, 52), None)
    recurring = [sum(v for k, v in h.items() if k != "setup") for h in HAND]
    cash = [sum(h[k] for k in CASH if k != "setup") for h in HAND]
    assert comp.net_benefit_with_police.to_numpy() == pytest.approx(recurring)
    assert comp.net_benefit_cash.to_numpy() == pytest.approx(cash)


def test_review_hand_checks_on_a_simulated_run():
    """The review of November 2026 checked by hand: one car against none, 10 replications,
    2013 prices, one year: 98.5 detentions and 4,061 officer hours a year, scheme cost
    £231.5k (3,114 car-hours x £70.5 + £12k), NHS savings £180.1k; by agency (vehicle,
    management and training charged to the NHS) NHS +£19k, police +£21k, public sector
    +£40k (without the car officers' other police jobs, which the review left out).

    The review ran the inputs of its day, which the Section 136 pathway's calibration
    (issue 12) has since changed: no pathway, 70 min on scene and 4 h at A&E for the
    standard response. They are restored here, so the hand checks still test the
    appraisal's arithmetic on a simulated run."""
    review_inputs = {
        "pathway": None,
        "response.standard.on_scene_minutes": {"dist": "lognormal", "mean": 70, "sd": 40},
        "response.standard.ae_wait_hours": {"dist": "lognormal", "mean": 4, "sd": 2}}
    costs = {"price_year": 2013, "officer_hour": {"value": 22.5, "payer": "police"},
             "clinician_hour": 43, "vehicle_per_car_hour": {"value": 5, "payer": "nhs"},
             "management_per_year": 10000,
             "training_per_car_per_year": 2000, "s136_detention": 1800, "ae_attendance": 126}
    appraisal = {**ONE_YEAR, "price_year": 2013}
    scen = [sim.load_scenario(SCENARIOS / f"{n}.yaml").with_overrides(
        {"costs": costs, "appraisal": appraisal, "uncertainty": None, **review_inputs})
        for n in ("no_car", "cpft_one_car")]
    econ = E.compute(sim.compare(scen, baseline="no_car", reps=10, progress=False))
    q = econ.quantities["cpft_one_car"]
    assert q.detentions_avoided.mean() == pytest.approx(98.5, abs=0.1)
    assert q.officer_hours_released.mean() == pytest.approx(4061, abs=1)
    assert q.car_hours.mean() == pytest.approx(3114, abs=1)
    lines = econ.lines[econ.lines.comparator == "no_car"].set_index("line")["mean"]
    scheme = -lines[["car_officers", "car_practitioners", "vehicles", "management",
                     "training"]].sum()
    assert scheme == pytest.approx(231_500, abs=100)
    assert lines[["detentions", "ae_attendances"]].sum() == pytest.approx(180_100, abs=100)
    nhs = econ.value("cpft_one_car", "no_car", "net_benefit", perspective="nhs")
    police = econ.value("cpft_one_car", "no_car", "net_benefit", perspective="police")
    assert nhs == pytest.approx(18_600, abs=300)  # 180.1 - 133.9 - 15.6 - 12 thousand
    assert police - lines["other_jobs"] == pytest.approx(21_300, abs=200)
    assert econ.value("cpft_one_car", "no_car", "net_benefit") - lines["other_jobs"] == \
        pytest.approx(39_900, abs=200)


def test_bad_appraisal_blocks_are_refused_at_load(tmp_path):
    file = tmp_path / "bad.yaml"
    file.write_text(f"extends: {SCENARIOS / 'cpft_one_car.yaml'}\nname: bad\n"
                    "appraisal: {years: 40, discount_rate: 0.035}\n"
                    "costs: {s136_detention: {value: 1800, payer: 'N H S'}}\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        sim.load_scenario(file)
    text = str(exc.value)
    assert "appraisal.years" in text and "costs.s136_detention.payer" in text


def test_the_price_index_ships_with_the_package():
    """A wheel (non-editable install) carries the table: pyproject's package data covers it."""
    tomllib = pytest.importorskip("tomllib")
    from tests.support.paths import ROOT

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = {p.resolve() for g in data["tool"]["setuptools"]["package-data"]["sim"]
               for p in (ROOT / "sim").glob(g)}
    assert (ROOT / "sim" / "economics" / "data" / "gdp_deflator.csv").resolve() in shipped
