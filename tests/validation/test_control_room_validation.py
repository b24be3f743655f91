"""The control room's validation rows (sim/validation/published.py): what they compute,
which are calibration, and the documented misses."""

from __future__ import annotations

import numpy as np
import pytest

from sim.run.runner import run_scenarios
from sim.scenario.loader import load_scenario
from sim.validation import published as P
from sim.validation import status

EFFORT = P.Effort(reps=4, weeks=8)


@pytest.fixture(scope="module")
def rows():
    return {r.check: r for r in P.control_room_checks(EFFORT, 1)}


def test_norfolk_and_suffolk_ranges_by_hand():
    half = 1.96 * np.sqrt(1 / 200 + 1 / 200)  # log-ratio standard error of 200 against 200
    no_change = P.NS_NO_CHANGE
    assert no_change == pytest.approx((100 * (np.exp(-half) - 1), 100 * (np.exp(half) - 1)))
    assert P.NS_NO_CHANGE[0] == pytest.approx(-17.8, abs=0.1)
    assert P.NS_CAR[0] < -38 < P.NS_CAR[1]
    car = P.NS_CAR
    assert car == pytest.approx((-49.0, -24.6), abs=0.1)


def test_the_rows_are_the_shipped_scenarios_figures(rows):
    names = P.CONTROL_ROOM_SCENARIOS
    result = run_scenarios([load_scenario(P.SHIPPED_DIR / f"{n}.yaml") for n in names],
                           reps=EFFORT.reps, weeks=EFFORT.weeks, jobs=1, progress=False)
    comp = result.comparison("no_car").set_index(["scenario", "metric"])
    for scenario, check in (("control_room", "control room alone"),
                            ("cpft_one_car", "car alone")):
        row = rows[f"Norfolk & Suffolk: {check}, % change in S136 detentions"]
        pct = comp.loc[(scenario, "s136_change_pct")]
        assert row.simulated == pytest.approx(pct.mean_difference)
        assert (row.ci_low, row.ci_high) == pytest.approx((pct.ci_low, pct.ci_high))
    reps = result.replications.set_index("scenario")
    room = reps.loc["control_room"]
    devon = rows["Devon: detentions averted per call the control room screens"]
    assert devon.simulated == pytest.approx((room.s136_avoided / room.cr_screened).mean())
    volume = rows["Cambridgeshire control room: calls screened a year (ceiling)"]
    years = EFFORT.weeks * 7 / P.DAYS_PER_YEAR
    assert volume.simulated == pytest.approx((room.cr_screened / years).mean())
    assert 0 < volume.simulated < P.CAMBS_CR_CALLS


def test_calibration_is_labelled_and_no_row_fails_unexplained(rows):
    devon = rows["Devon: detentions averted per call the control room screens"]
    assert devon.note.startswith("calibration, not independent")
    assert (devon.expected.split(" to ")[0], devon.expected.split(" to ")[1]) == (
        f"{P.wilson_interval(76, 892)[0]:.3g}", f"{P.wilson_interval(76, 892)[1]:.3g}")
    assert devon.passed  # calibrated to it: a miss would mean the inputs moved
    for r in rows.values():
        if "Devon" not in r.check:
            assert r.note.startswith("independent"), r.check
        assert status(r) != "FAIL", r.check
