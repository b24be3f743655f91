"""The sensitivity analysis and the decision analysis read from it (sim/economics/psa.py,
decision.py, verdicts.py): toys with known answers, hand cases, and small simulated runs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import sim
from sim.economics import decision as D
from sim.economics import funding as E
from sim.economics import psa as P
from sim.economics import verdicts as V
from sim.scenario.costs import Uncertainty
from tests.support.economics import COSTS, NONE, ONE_YEAR, A
from tests.support.economics import hand_result as _result
from tests.support.scenarios import make


def _normal(n: int, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
    """``n`` equally likely points of a normal distribution (its quantiles)."""
    return sps.norm.ppf((np.arange(n) + 0.5) / n, mean, sd)


def _gain(mu: float, sigma: float) -> float:
    """``E[max(0, X)] - max(0, E[X])`` for ``X ~ Normal(mu, sigma)``."""
    z = mu / sigma
    return mu * sps.norm.cdf(z) + sigma * sps.norm.pdf(z) - max(0.0, mu)


# -------------------------------------------------------------- value of information


def test_evpi_two_options_by_hand():
    nb = np.array([[0.0, -30.0], [0.0, 10.0], [0.0, 50.0], [0.0, -10.0]])
    # B is best on average (5 against 0); knowing the draw, pick B twice and A twice
    assert D.evpi(nb) == pytest.approx((0 + 10 + 50 + 0) / 4 - 5)
    assert D.evpi(np.array([[1.0, 0.0], [2.0, 0.0]])) == 0  # A always best: worth nothing


def test_evpi_of_a_normal_net_benefit_has_its_closed_form():
    b = _normal(20_000, 0.5, 2.0)
    nb = np.column_stack([np.zeros_like(b), b])
    assert D.evpi(nb) == pytest.approx(_gain(0.5, 2.0), rel=1e-3)


def test_evppi_by_regression_recovers_the_known_answer():
    rng = np.random.default_rng(5)
    n = 4000
    # independent standard normal inputs, each sample exactly its distribution's quantiles
    x1, x2, x3 = (rng.permutation(_normal(n)) for _ in range(3))
    nb = np.column_stack([np.zeros(n), 0.5 + 1.0 * x1 + 2.0 * x2])
    # learning x1 alone: E[max(0, 0.5 + x1)] - 0.5; x3 is irrelevant
    assert D.evppi(nb, x1) == pytest.approx(_gain(0.5, 1.0), abs=0.02)
    assert D.evppi(nb, x2) == pytest.approx(_gain(0.5, 2.0), abs=0.03)
    assert D.evppi(nb, x3) == pytest.approx(0.0, abs=0.02)
    both = D.evppi(nb, np.column_stack([x1, x2]))
    assert both == pytest.approx(D.evpi(nb), rel=1e-6)  # no noise left: the whole EVPI
    # the regression strips noise that is not explained by the inputs
    noisy = nb + np.column_stack([np.zeros(n), 3.0 * rng.normal(size=n)])
    assert D.evpi(noisy) > D.evpi(nb) + 0.2
    assert D.evppi(noisy, np.column_stack([x1, x2])) == pytest.approx(D.evpi(nb), abs=0.05)
    assert math.isnan(D.evppi(nb[:30], x1[:30]))  # too few draws for the regression


def test_one_way_curve_and_switching_value():
    x = np.linspace(0, 5, 501)
    assert D.switching_value(3 * x - 6, x) == pytest.approx(2.0, abs=1e-9)
    assert D.conditional_curve(3 * x - 6, x, np.array([1.0, 4.0])) == pytest.approx([-3, 6])
    assert D.switching_value(x ** 2 - 4, x) == pytest.approx(2.0, abs=0.05)
    assert math.isnan(D.switching_value(x + 1, x))  # never crosses 0


# ------------------------------------------------------------ incremental analysis


def test_incremental_analysis_marks_dominance_and_extended_dominance():
    f = D.incremental(["a", "b", "c", "d"], [0, 10, 30, 25], [0, 1, 2, 3]).set_index("option")
    assert list(f.index) == ["a", "b", "d", "c"]  # in order of cost
    assert f.status.to_dict() == {"a": "frontier", "b": "extendedly dominated",
                                  "d": "frontier", "c": "dominated"}
    # d against a: 25 more for 3 more; b's ICER (10) exceeds d's against b (7.5)
    assert f.loc["d", "compared_with"] == "a" and f.loc["d", "icer"] == pytest.approx(25 / 3)
    g = D.incremental(["a", "b", "c", "d"], [0, 10, 12, 30], [0, 1, 1.1, 3]).set_index("option")
    assert g.status.to_dict() == {"a": "frontier", "b": "frontier",
                                  "c": "extendedly dominated", "d": "frontier"}
    assert g.loc["b", "icer"] == pytest.approx(10) and g.loc["d", "icer"] == pytest.approx(10)
    # a cheaper option that achieves as much dominates
    h = D.incremental(["x", "y"], [5, 3], [1, 1]).set_index("option")
    assert h.status.to_dict() == {"y": "frontier", "x": "dominated"}


def test_acceptability_frontier_by_hand():
    nb = np.array([[0.0, -100.0], [0.0, 50.0], [0.0, -20.0], [0.0, -40.0]])
    effect = np.array([[0.0, 10.0]] * 4)
    curve = D.ceaf(nb, effect, ["none", "car"], [0, 3, 5, 11]).set_index(["wtp", "option"])
    assert curve.loc[(0, "car"), "probability_best"] == 0.25
    assert curve.loc[(0, "none"), "optimal"] and not curve.loc[(0, "car"), "optimal"]
    assert curve.loc[(3, "car"), "probability_best"] == 0.5  # -20 + 30 > 0
    assert curve.loc[(5, "car"), "probability_best"] == 0.75  # -40 + 50 > 0
    assert curve.loc[(5, "car"), "optimal"]  # mean -27.5 + 50 > 0
    assert curve.loc[(11, "car"), "probability_best"] == 1.0


# ---------------------------------------------------------------------- draws


def test_draws_are_seeded_per_input_and_within_range():
    spec = {"costs.a": {"dist": "uniform", "low": 1, "high": 2},
            "costs.b": {"dist": "triangular", "low": 0, "mode": 1, "high": 5}}
    block = Uncertainty(inputs=spec, seed=3)
    draws = P.draw_inputs(block, 200)
    assert list(draws.columns) == ["candidate", "costs.a", "costs.b"]
    assert draws["costs.a"].between(1, 2).all() and draws["costs.b"].between(0, 5).all()
    pd.testing.assert_frame_equal(draws, P.draw_inputs(block, 200))
    alone = Uncertainty(inputs={"costs.a": spec["costs.a"]}, seed=3)
    np.testing.assert_array_equal(P.draw_inputs(alone, 200)["costs.a"], draws["costs.a"])
    np.testing.assert_array_equal(P.draw_inputs(block, 50)["costs.a"], draws["costs.a"][:50])
    other = Uncertainty(inputs=spec, seed=4)
    assert not np.allclose(P.draw_inputs(other, 200)["costs.a"], draws["costs.a"])


CALIBRATION = {"population": 100_000,
               "s136_per_100k": {"dist": "uniform", "low": 50, "high": 60},
               "avoided_per_contact": {"dist": "uniform", "low": 0.05, "high": 0.3}}


def test_calibration_derives_the_detention_risks_by_hand():
    mix = [{"type": "crisis", "share": 0.6, "standard": {"p_s136": 0.2}, "car": {"p_s136": 0.02}},
           {"type": "concern", "share": 0.4, "sent_to_car": False,
            "standard": {"p_s136": 0.05}, "car": {"p_s136": 0.05}}]
    scen = make({"case_mix": mix, "demand.calls_per_day": 1.0})
    block = Uncertainty(calibration=CALIBRATION)
    point = {"calibration.s136_per_100k": 54.0, "calibration.avoided_per_contact": 0.1}
    over = P.derive(scen.to_dict(), point, block)
    target = 54 * 100_000 / 100_000 / 365.25 / 1.0  # detentions per call, no car
    k = target / (0.6 * 0.2 + 0.4 * 0.05)
    assert over["case_mix.0.standard.p_s136"] == pytest.approx(0.2 * k)
    assert over["case_mix.1.standard.p_s136"] == pytest.approx(0.05 * k)
    # the no-car world has the target rate; the car avoids 0.1 per crisis call it attends
    assert 0.6 * over["case_mix.0.standard.p_s136"] + 0.4 * over[
        "case_mix.1.standard.p_s136"] == pytest.approx(target)
    assert over["case_mix.0.car.p_s136"] == pytest.approx(0.2 * k - 0.1)
    # an effect leaving the car less than 0.5% (the floor) is rejected
    assert P.derive(scen.to_dict(), {**point, "calibration.avoided_per_contact": 0.21},
                    block) is None
    # drawn inputs are set in the type of the value they replace, shares rebalanced
    block = Uncertainty(inputs={"case_mix.0.share": {"dist": "uniform", "low": 0.5,
                                                     "high": 0.7},
                                "cars.0.officers": {"dist": "uniform", "low": 1, "high": 3}})
    over = P.derive(scen.to_dict(), {"case_mix.0.share": 0.7, "cars.0.officers": 2.4}, block)
    assert over == {"case_mix.0.share": 0.7, "case_mix.1.share": pytest.approx(0.3),
                    "cars.0.officers": 2}


# ------------------------------------------------------------- small analyses


def _hand_psa(draws: int = 40):
    one = [{"s136": 50, "ae": 10, "hours": 3000, "cars": {"car1": (2000, 100, 40)}}]
    result = _result({"none": NONE[:1], "one": one}, {"none": [], "one": ["car1"]})
    block = {"inputs": {"costs.s136_detention": {"dist": "uniform", "low": 500, "high": 4000,
                                                 "label": "Detention cost", "unit": "£"},
                        "costs.officer_hour": {"dist": "uniform", "low": 19, "high": 21}},
             "draws": draws, "seed": 9}
    for i, s in enumerate(result.scenarios):
        result.scenarios[i] = s.with_overrides({"uncertainty": block})
    return result


def test_price_only_analysis_reuses_the_run_and_is_exact():
    result = _hand_psa()
    econ = E.compute(result)
    psa = P.run_psa(result, econ)
    assert psa.simulated_replications == 0 and any("re-use" in n for n in psa.notes)
    m = psa.measures[("one", "none", E.PUBLIC)]
    det = A * 50
    # each draw: the run's ledger with the draw's detention price and officer hour
    base = econ.per_replication[("one", "none", E.PUBLIC)].net_benefit.iloc[0]
    officer = A * (2100 - 3000 - 40 * 45 / 60)  # hours paid in the car less hours released
    for d in (0, 7):
        row = psa.draws.iloc[d]
        assert m.net_benefit.iloc[d] == pytest.approx(
            base + (row["costs.s136_detention"] - 1000) * det
            - (row["costs.officer_hour"] - 20) * officer)
    # the headline is the mean over the draws, with their percentiles and errors
    nb = m.net_benefit.to_numpy()
    row = psa.table.set_index(["scenario", "perspective", "measure", "basis"]).loc[
        ("one", E.PUBLIC, "net_benefit", "expected")]
    assert row["mean"] == pytest.approx(nb.mean())
    assert row["low"] == pytest.approx(np.percentile(nb, 2.5))
    assert row["se"] == pytest.approx(nb.std(ddof=1) / math.sqrt(len(nb)))
    p = (nb > 0).mean()
    assert row["prob_positive"] == p
    assert row["prob_positive_se"] == pytest.approx(math.sqrt(p * (1 - p) / len(nb)))
    # net benefit is linear in the detention's price: the tornado and the switching value
    # are exact, and the tornado's base is the headline
    t = psa.tornado[(psa.tornado.perspective == E.PUBLIC)
                    & (psa.tornado.input == "costs.s136_detention")].iloc[0]
    assert t.net_benefit_base == pytest.approx(nb.mean())
    x = psa.draws["costs.s136_detention"]
    fit = np.polyfit(np.column_stack([x, psa.draws["costs.officer_hour"]])[:, 0], nb, 1)
    assert t.net_benefit_high - t.net_benefit_low == pytest.approx(
        fit[0] * (t.high_value - t.low_value), rel=0.02)
    sw = psa.switching.set_index(["perspective", "input"]).loc[
        (E.PUBLIC, "costs.s136_detention")]
    assert sw.switching_value == pytest.approx(-fit[1] / fit[0], rel=0.02)


def _small_scenarios(draws: int = 12):
    mix = [{"type": "crisis", "share": 0.6, "standard": {"p_s136": 0.21},
            "car": {"p_s136": 0.02}},
           {"type": "concern", "share": 0.4, "sent_to_car": False,
            "standard": {"p_s136": 0.025}, "car": {"p_s136": 0.025}}]
    block = {"draws": draws, "seed": 5,
             "calibration": {"population": 900_000,
                             "s136_per_100k": {"dist": "uniform", "low": 50, "high": 60},
                             "avoided_per_contact": {"dist": "uniform", "low": 0.08,
                                                     "high": 0.15, "group": "effect"}},
             "inputs": {"demand.calls_per_day": {"dist": "uniform", "low": 9, "high": 11,
                                                 "label": "Calls a day"},
                        "costs.s136_detention": {"dist": "uniform", "low": 1000,
                                                 "high": 3000}}}
    two = [{"name": "car1", "shifts": [{"days": "all", "start": "15:00", "end": "23:00"}]},
           {"name": "car2", "shifts": [{"days": "all", "start": "19:00", "end": "03:00"}]}]
    common = {"costs": COSTS, "uncertainty": block, "appraisal": ONE_YEAR, "run.weeks": 2,
              "case_mix": mix, "demand.calls_per_day": 10.0}
    return [make({**common, "name": "none", "cars": []}), make({**common, "name": "one"}),
            make({**common, "name": "two", "cars": two})]


@pytest.fixture(scope="module")
def small():
    result = sim.compare(_small_scenarios(), baseline="none", reps=3, progress=False)
    econ = E.compute(result)
    return result, econ, P.run_psa(result, econ)


def test_the_headline_is_the_mean_over_the_draws(small):
    result, econ, psa = small
    assert psa.settings["draws"] == 12 and len(psa.draws) == 12
    assert psa.simulated_replications == 12 * 2 + 3 * 2  # the draws, then at the means
    for (s, c, p), m in psa.measures.items():
        assert psa.value(s, c, "net_benefit", perspective=p) == pytest.approx(
            m.net_benefit.mean())
    # the option table agrees: each option against the do-minimum, draw by draw
    od = psa.option_draws.set_index(["scenario", "draw"])
    for s in ("one", "two"):
        assert od.loc[s][f"net_benefit_{E.PUBLIC}"].mean() == pytest.approx(
            psa.value(s, "none", "net_benefit"))
    # the verdict quotes the headline and the share positive
    v = V.verdict(econ, psa, "one", "none", {x.name: x for x in result.scenarios})
    assert E.money(psa.value("one", "none", "net_benefit")) in v.sentence
    assert f"positive in {E.percent(psa.prob_positive('one', 'none'))} of plausible worlds" \
        in v.sentence
    assert "for the NHS alone" in v.sentence and "hinges on" in v.sentence
    # the secondary appraisal at the means is labelled, not the headline
    assert set(psa.table.basis) == {"expected", "at_means"}


def test_draws_share_calls_across_options_and_not_across_draws(small):
    _, _, psa = small
    od = psa.option_draws
    one = od[od.scenario == "one"].set_index("draw")
    two = od[od.scenario == "two"].set_index("draw")
    none = od[od.scenario == "none"].set_index("draw")
    # common random numbers within a draw: the same calls, the same no-car world
    assert (one.mh_calls == two.mh_calls).all() and (one.mh_calls == none.mh_calls).all()
    assert (one.s136_baseline == two.s136_baseline).all()
    assert (none.s136 == one.s136_baseline).all()  # the no-car option is the counterfactual
    assert one.mh_calls.nunique() > 6  # a different simulated year in each draw


def test_decision_tables_are_consistent(small):
    _, econ, psa = small
    f = psa.frontier[psa.frontier.perspective == E.PUBLIC].set_index("option")
    for o in ("one", "two"):
        assert f.loc[o, "cost"] == pytest.approx(-psa.value(o, "none", "net_benefit"))
    curve = psa.ceaf[(psa.ceaf.perspective == E.PUBLIC) & (psa.ceaf.wtp == 0)]
    assert curve.probability_best.sum() == pytest.approx(1.0)
    best = curve[curve.optimal].option.iloc[0]
    assert best == f.index[f.cost.argmin()]
    ev = psa.evpi.set_index("perspective")
    assert ev.loc[E.PUBLIC, "evpi_period"] == pytest.approx(ev.loc[E.PUBLIC, "evpi_a_year"])
    conv = psa.convergence[psa.convergence.perspective == E.PUBLIC]
    assert (conv.mean_at_100pct == conv["mean"]).all()
    cc = psa.cost_consequence.set_index(["scenario", "outcome"])
    assert cc.loc[("one", "s136"), "difference"] == pytest.approx(
        -cc.loc[("one", "detentions_avoided"), "mean"])


def test_workers_do_not_change_the_answer(small):
    result, econ, psa = small
    again = P.run_psa(result, econ, jobs=2)
    pd.testing.assert_frame_equal(psa.table, again.table)
    pd.testing.assert_frame_equal(psa.option_draws, again.option_draws)


def test_no_analysis_without_a_block_or_draws(small):
    result, econ, _ = small
    assert P.run_psa(result, econ, draws=0) is None
    bare = _result({"none": NONE, "one": [dict(r) for r in NONE]}, {"none": [], "one": []})
    assert P.run_psa(bare, E.compute(bare)) is None
