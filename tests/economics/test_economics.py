"""The funding case's formulas (sim.economics), checked against hand-computed cases.

The hand cases build a RunResult from made-up counts (no simulation), so every expected
value below is written out as arithmetic on those counts and prices.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import sim
from sim.economics import funding as E
from sim.scenario.costs import Costs
from tests.support.economics import COSTS, NONE, ONE_CAR, A
from tests.support.economics import hand_result as _result
from tests.support.scenarios import make


@pytest.fixture
def hand() -> E.Economics:
    result = _result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]})
    return E.compute(result)


def _row(econ: E.Economics, measure: str, scenario="one", comparator="none") -> pd.Series:
    t = econ.table
    return t[(t.scenario == scenario) & (t.comparator == comparator)
             & (t.measure == measure)].iloc[0]


def test_annual_factor_is_52_18_weeks_over_measured_weeks():
    assert pytest.approx(52.178571428571, rel=1e-12) == E.WEEKS_PER_YEAR
    assert E.annual_factor(52) * 52 == pytest.approx(365.25 / 7)
    assert E.annual_factor(1) == pytest.approx(52.178571428571)
    assert E.annual_factor(26) == pytest.approx(2 * E.annual_factor(52))
    with pytest.raises(ValueError):
        E.annual_factor(0)


def test_crew_and_fixed_costs_by_hand():
    c = Costs(**COSTS)
    assert E.crew_cost_per_hour(1, 1, c) == 20 + 40 + 5
    assert E.crew_cost_per_hour(2, 1, c) == 2 * 20 + 40 + 5
    assert E.crew_cost_per_hour(0, 0, c) == 5
    assert E.fixed_annual_cost(0, c) == 0  # no car: no management either
    assert E.fixed_annual_cost(1, c) == 1000 + 500
    assert E.fixed_annual_cost(3, c) == 1000 + 3 * 500


def test_costs_and_savings_by_hand(hand):
    # crew: 1 officer x 20 + 1 clinician x 40 + vehicle 5 = 65 per car-hour
    cost0 = A * (2000 + 100) * 65 + (1000 + 500)
    cost1 = A * (2000 + 200) * 65 + (1000 + 500)
    assert _row(hand, "scheme_cost")["mean"] == pytest.approx((cost0 + cost1) / 2)
    assert _row(hand, "crew_vehicle_cost")["mean"] == pytest.approx(A * (2100 + 2200) / 2 * 65)
    assert _row(hand, "fixed_cost")["mean"] == pytest.approx(1500)
    assert _row(hand, "car_hours")["mean"] == pytest.approx(A * (2100 + 2200) / 2)
    assert _row(hand, "setup_cost")["mean"] == pytest.approx(2000)
    nhs0 = A * (50 * 1000 + 10 * (100 + 50))
    nhs1 = A * (60 * 1000 + 20 * (100 + 50))
    assert _row(hand, "savings_nhs")["mean"] == pytest.approx((nhs0 + nhs1) / 2)
    police0, police1 = A * 3000 * 20, A * 4200 * 20
    assert _row(hand, "savings_police")["mean"] == pytest.approx((police0 + police1) / 2)
    assert _row(hand, "detentions_avoided")["mean"] == pytest.approx(A * 55)
    assert _row(hand, "ae_attendances_avoided")["mean"] == pytest.approx(A * 15)
    assert _row(hand, "officer_hours_released")["mean"] == pytest.approx(A * 3600)

    nb_cash = [nhs0 - cost0, nhs1 - cost1]
    nb_pol = [nhs0 + police0 - cost0, nhs1 + police1 - cost1]
    assert nb_pol[0] < 0 < nb_pol[1]  # the hand case has one good year and one bad
    row = _row(hand, "net_benefit_cash")
    assert row["mean"] == pytest.approx(np.mean(nb_cash))
    assert row["sd"] == pytest.approx(np.std(nb_cash, ddof=1))
    half = sps.t.ppf(0.975, 1) * np.std(nb_cash, ddof=1) / math.sqrt(2)
    assert row["ci_low"] == pytest.approx(np.mean(nb_cash) - half)
    assert row["ci_high"] == pytest.approx(np.mean(nb_cash) + half)
    assert row["prob_positive"] == 0.0
    assert row["n"] == 2
    assert _row(hand, "net_cost_cash")["mean"] == pytest.approx(-np.mean(nb_cash))
    row = _row(hand, "net_benefit_with_police")
    assert row["mean"] == pytest.approx(np.mean(nb_pol))
    assert row["prob_positive"] == 0.5
    assert _row(hand, "savings_total")["mean"] == pytest.approx(
        (nhs0 + nhs1 + police0 + police1) / 2)


def test_ratios_are_ratios_of_means_by_hand(hand):
    cost = np.mean([A * 2100 * 65 + 1500, A * 2200 * 65 + 1500])
    nhs = A * np.mean([50 * 1000 + 10 * 150, 60 * 1000 + 20 * 150])
    police = A * np.mean([3000 * 20, 4200 * 20])
    assert _row(hand, "benefit_cost_ratio_cash")["mean"] == pytest.approx(nhs / cost)
    assert _row(hand, "benefit_cost_ratio_with_police")["mean"] == pytest.approx(
        (nhs + police) / cost)
    assert _row(hand, "roi_cash")["mean"] == pytest.approx(nhs / cost - 1)
    assert _row(hand, "roi_with_police")["mean"] == pytest.approx((nhs + police) / cost - 1)
    assert _row(hand, "roi_with_police")["prob_positive"] == 0.5
    assert _row(hand, "cost_per_detention_avoided")["mean"] == pytest.approx(cost / (A * 55))
    assert _row(hand, "net_cost_per_detention_avoided")["mean"] == pytest.approx(
        (cost - nhs) / (A * 55))
    assert _row(hand, "cost_per_officer_hour_released")["mean"] == pytest.approx(
        cost / (A * 3600))
    assert _row(hand, "net_cost_per_officer_hour_released")["mean"] == pytest.approx(
        (cost - nhs) / (A * 3600))


def test_payback_by_hand(hand):
    # both views lose money on average here: never pays back
    assert math.isinf(_row(hand, "payback_years_cash")["mean"])
    assert math.isinf(_row(hand, "payback_years_with_police")["mean"])
    assert E.payback(2000, 500) == 4.0
    assert E.payback(0, 10) == 0.0  # no set-up cost and a positive balance: pays each year
    assert math.isinf(E.payback(100, 0))
    assert math.isinf(E.payback(100, -5))
    assert math.isinf(E.payback(100, math.nan))


def test_payback_interval_from_the_net_benefit_interval():
    rows = [{"s136": 40, "ae": 0, "hours": 0, "cars": {"car1": (1000, 0)}},
            {"s136": 120, "ae": 0, "hours": 0, "cars": {"car1": (1000, 0)}}]
    econ = E.compute(_result({"none": NONE, "one": rows}, {"none": [], "one": ["car1"]}))
    nb = _row(econ, "net_benefit_cash")
    assert nb["mean"] > 0 and nb["ci_low"] < 0  # a positive mean, an interval across 0
    pb = _row(econ, "payback_years_cash")
    assert pb["mean"] == pytest.approx(2000 / nb["mean"])
    assert pb["ci_low"] == pytest.approx(2000 / nb["ci_high"])
    assert math.isinf(pb["ci_high"])


def test_ratio_of_means_delta_interval_by_hand():
    r, sd, lo, hi, n = E.ratio_of_means(np.array([2.0, 4.0]), np.array([1.0, 1.0]))
    assert r == 3.0 and n == 2
    # residuals (num - 3 den) / mean(den) = -1, +1: sd sqrt(2), se 1
    assert sd == pytest.approx(math.sqrt(2))
    assert lo == pytest.approx(3 - sps.t.ppf(0.975, 1))
    assert hi == pytest.approx(3 + sps.t.ppf(0.975, 1))
    assert math.isnan(E.ratio_of_means(np.array([1.0]), np.array([0.0]))[0])
    assert math.isnan(E.ratio_of_means(np.array([1.0, 2.0]), np.array([-1.0, 0.5]))[0])
    r, _sd, lo, _hi, n = E.ratio_of_means(np.array([5.0]), np.array([2.0]))
    assert r == 2.5 and n == 1 and math.isnan(lo)


def test_incremental_comparison_is_paired_by_replication():
    two = [{"s136": 90, "ae": 15, "hours": 5000,
            "cars": {"car1": (2000, 100), "car2": (1500, 50)}},
           {"s136": 115, "ae": 40, "hours": 7000,
            "cars": {"car1": (2000, 200), "car2": (1500, 80)}}]
    result = _result({"none": NONE, "one": ONE_CAR, "two": two},
                     {"none": [], "one": ["car1"], "two": ["car1", "car2"]})
    econ = E.compute(result)
    assert econ.pairs == [("one", "none"), ("two", "none"), ("two", "one")]
    # second car: the extra car-hours, one more training fee, no second management fee
    extra = [A * (1500 + 50) * 65 + 500, A * (1500 + 80) * 65 + 500]
    assert _row(econ, "scheme_cost", "two", "one")["mean"] == pytest.approx(np.mean(extra))
    assert _row(econ, "detentions_avoided", "two", "one")["mean"] == pytest.approx(
        A * np.mean([90 - 50, 115 - 60]))
    # paired: the sd is that of the per-replication differences
    d = [A * (90 - 50), A * (115 - 60)]
    assert _row(econ, "detentions_avoided", "two", "one")["sd"] == pytest.approx(
        np.std(d, ddof=1))
    for m in ("scheme_cost", "savings_nhs", "net_benefit_cash", "net_benefit_with_police"):
        assert _row(econ, m, "two", "one")["mean"] == pytest.approx(
            _row(econ, m, "two", "none")["mean"] - _row(econ, m, "one", "none")["mean"])
    assert _row(econ, "setup_cost", "two", "one")["mean"] == pytest.approx(2000)


def test_comparison_pairs():
    scen = [make({"name": n}) for n in ("no_car", "one", "two", "rota_b")]
    costs = {"no_car": 0.0, "one": 100.0, "two": 200.0, "rota_b": 100.0}
    assert E.comparison_pairs(scen, "no_car", costs) == [
        ("one", "no_car"), ("two", "no_car"), ("rota_b", "no_car"), ("two", "rota_b")]
    # against another baseline, each scenario also meets its next cheaper one
    assert E.comparison_pairs(scen, "one", costs) == [
        ("no_car", "one"), ("two", "one"), ("rota_b", "one"), ("two", "rota_b"),
        ("rota_b", "no_car")]
    no_base = E.comparison_pairs(scen, None, costs)
    assert no_base == [(n, E.COUNTERFACTUAL) for n in ("no_car", "one", "two", "rota_b")]


def test_without_a_baseline_each_scenario_is_compared_with_its_counterfactual(hand):
    result = _result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]},
                     baseline=None)
    econ = E.compute(result)
    assert econ.pairs == [("one", E.COUNTERFACTUAL)]
    pd.testing.assert_frame_equal(
        econ.table.drop(columns="comparator").reset_index(drop=True),
        hand.table.drop(columns="comparator").reset_index(drop=True))


def test_prices_change_without_re_simulation(hand):
    result = _result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]})
    dearer = Costs(**{**COSTS, "s136_detention": 2000})
    econ = E.compute(result, costs={"one": dearer})
    # each detention is worth 1000 more: net benefit up by 1000 x detentions avoided
    gain = 1000 * A * 55
    assert _row(econ, "net_benefit_cash")["mean"] == pytest.approx(
        _row(hand, "net_benefit_cash")["mean"] + gain)
    assert _row(econ, "scheme_cost")["mean"] == pytest.approx(_row(hand, "scheme_cost")["mean"])


def test_scenario_with_cars_and_no_costs_is_left_out_with_a_note():
    result = _result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]})
    result.scenarios[1] = result.scenarios[1].with_overrides({"costs": None})
    econ = E.compute(result)
    assert econ.pairs == [] and econ.table.empty
    assert any("no costs" in n for n in econ.notes)


def test_no_car_costs_nothing_and_avoids_nothing():
    result = _result({"none": NONE, "one": ONE_CAR}, {"none": [], "one": ["car1"]})
    comps = E.compute(result).components["none"]
    assert (comps.to_numpy() == 0).all()


def test_economics_csv_columns_and_measures(hand):
    assert list(hand.table.columns) == E.COLUMNS
    assert list(hand.table.measure) == list(E.MEASURE_NAMES)
    flagged = set(hand.table[hand.table.prob_positive.notna()].measure)
    assert flagged == {m.name for m in E.MEASURES if m.prob_positive}


def test_money_and_verdict_wording(hand):
    assert E.money(1234.4) == "£1,200"
    assert E.money(-98765) == "-£98,800"
    assert E.money(12.6) == "£13"
    assert E.money(math.nan) == "n/a"
    line = E.verdict(hand, "one", "none")
    assert line.startswith("one vs none: net benefit -£")
    assert "a year in NHS cash (95% interval" in line
    assert "counting police time" in line and "positive in 50% of replications" in line
    line = E.verdict(hand, "one", "none", {"cash": 0.1, "with_police": 0.6}, draws=40)
    assert "and 10% of 40 PSA draws" in line and "and 60% of 40 PSA draws" in line


def test_simulated_run_identities():
    """On a real (small) run: comparisons against no_car equal the counterfactual, and
    the second car's increment is the difference of the two comparisons."""
    names = ("no_car", "cpft_one_car", "cpft_two_cars")
    scen = [sim.load_scenario(f"scenarios/{n}.yaml") for n in names]
    result = sim.compare(scen, baseline="no_car", reps=3, weeks=3, progress=False)
    econ = E.compute(result)
    assert econ.pairs == [("cpft_one_car", "no_car"), ("cpft_two_cars", "no_car"),
                          ("cpft_two_cars", "cpft_one_car")]
    single = E.compute(sim.simulate(scen[1], reps=3, weeks=3, progress=False))
    a = single.table.set_index("measure")["mean"]
    b = econ.table[(econ.table.scenario == "cpft_one_car")].set_index("measure")["mean"]
    pd.testing.assert_series_equal(a, b, check_names=False)
    for (s, c), diff in econ.per_replication.items():
        assert np.allclose(diff.net_benefit_cash, diff.savings_nhs - diff.scheme_cost)
        assert np.allclose(diff.net_benefit_with_police,
                           diff.savings_nhs + diff.savings_police - diff.scheme_cost), (s, c)
    two, one = (econ.per_replication[(n, "no_car")] for n in ("cpft_two_cars", "cpft_one_car"))
    inc = econ.per_replication[("cpft_two_cars", "cpft_one_car")]
    assert np.allclose(inc.net_benefit_with_police,
                       two.net_benefit_with_police - one.net_benefit_with_police)
    # counts come from the run: detentions avoided a year = s136_avoided x 52.18 / weeks
    reps = result.replications[result.replications.scenario == "cpft_one_car"]
    assert econ.value("cpft_one_car", "no_car", "detentions_avoided") == pytest.approx(
        reps.s136_avoided.mean() * E.WEEKS_PER_YEAR / 3)
