"""The hold-out test passes on the synthetic export and fails on one whose demand doubles."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.common.errors import InputError
from sim.experiments.fit import fit_incidents
from sim.experiments.fit.holdout import FAMILY_LEVEL
from sim.experiments.fit.synthetic import write_synthetic
from tests.support.fit import SYNTHETIC, synthetic_fit

CHECKS = ["weekly_counts", "hour_of_week_profile", "officer_minutes", "outcomes_standard"]


def test_the_synthetic_export_passes() -> None:
    result = synthetic_fit(0.25)
    table = result.holdout.table
    assert table["check"].tolist() == CHECKS
    assert (table["level"] == FAMILY_LEVEL / len(CHECKS)).all()
    assert result.holdout.passed, table.to_string()
    c = result.counts
    assert c["fit_incidents"] + c["holdout_incidents"] == c["incidents"]
    assert result.fit_period[1] == result.window[1]
    assert 0.2 < c["holdout_incidents"] / c["incidents"] < 0.3


def test_an_export_whose_demand_doubles_fails(tmp_path: Path) -> None:
    path = write_synthetic(tmp_path / "doubling.csv", double_halfway=True)
    result = fit_incidents(path, holdout=0.25)
    table = result.holdout.table.set_index("check")
    assert not result.holdout.passed
    assert table.loc["weekly_counts", "result"] == "fail"
    assert table.loc["weekly_counts", "p_value"] < 1e-6
    assert result.trend.significant and result.trend.change_per_year > 0.5
    assert "last 52 weeks" in result.window_reason


def test_a_holdout_leaving_less_than_a_week_is_refused() -> None:
    with pytest.raises(InputError) as info:
        fit_incidents(SYNTHETIC, holdout=0.995)
    assert "less than a whole week" in str(info.value)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.2])
def test_holdout_must_be_a_fraction(fraction: float) -> None:
    with pytest.raises(InputError):
        fit_incidents(SYNTHETIC, holdout=fraction)
