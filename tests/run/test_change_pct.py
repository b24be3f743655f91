"""The ``s136_change_pct`` rows of the paired comparison, checked by hand arithmetic."""

from __future__ import annotations

import math

import pytest
from scipy import stats as sps

from tests.support.economics import ONE_CAR, hand_result

ROWS = [{"s136": 0, "ae": 0, "hours": 0}] * 3


def _result(base: list[float], car: list[float]):
    result = hand_result({"none": ROWS, "car": ROWS}, {"none": [], "car": ["car1"]})
    reps = result.replications
    reps.loc[reps.scenario == "none", "s136"] = base
    reps.loc[reps.scenario == "car", "s136"] = car
    return result


def test_change_pct_is_the_ratio_of_means_with_a_delta_method_interval():
    comp = _result([10, 20, 30], [6, 10, 21]).comparison()
    row = comp[comp.metric == "s136_change_pct"]
    assert len(row) == 1
    row = row.iloc[0]
    assert (row["scenario"], row["baseline"], row["n"]) == ("car", "none", 3)
    # Means 37/3 and 20: 100 * (37/3 - 20) / 20 = -38.33...%.
    assert row["mean_difference"] == pytest.approx(100 * (37 / 3 - 20) / 20)
    # Linearised ratio per replication: (car - R * base) / mean(base), R = 37/60.
    r = 37 / 60
    resid = [(6 - r * 10) / 20, (10 - r * 20) / 20, (21 - r * 30) / 20]
    sd = math.sqrt(sum(x * x for x in resid) / 2)  # their mean is 0
    half = 100 * float(sps.t.ppf(0.975, 2)) * sd / math.sqrt(3)
    assert row["sd"] == pytest.approx(100 * sd)
    assert row["ci_low"] == pytest.approx(row["mean_difference"] - half)
    assert row["ci_high"] == pytest.approx(row["mean_difference"] + half)


def test_change_pct_row_follows_the_scenarios_metric_rows():
    comp = _result([10, 20, 30], [6, 10, 21]).comparison()
    assert comp.metric.iloc[-1] == "s136_change_pct"
    assert (comp.metric == "s136_change_pct").sum() == 1


def test_a_baseline_without_detentions_gives_nan_not_an_error():
    comp = hand_result({"none": ROWS, "car": ROWS}, {"none": [], "car": ["car1"]}).comparison()
    row = comp[comp.metric == "s136_change_pct"].iloc[0]
    assert math.isnan(row["mean_difference"])
    assert math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
    assert row["n"] == 3


def test_one_scenario_has_no_change_rows():
    result = hand_result({"car": ONE_CAR}, {"car": ["car1"]}, baseline="car")
    assert result.comparison().empty
