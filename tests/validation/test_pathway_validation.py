"""The Section 136 pathway's validation rows (sim/validation/published.py,
pathway_checks): what they compute, which are calibration, that the calibration holds on
the shipped inputs, and the documented misses."""

from __future__ import annotations

import numpy as np
import pytest

from sim.common.stats import t_interval
from sim.run.runner import run_scenarios
from sim.scenario.loader import load_scenario
from sim.validation import published as P
from sim.validation import status
from sim.validation.checks import PASS_CONFIDENCE

EFFORT = P.Effort(reps=10, weeks=8)
"""Ten replications of 8 weeks: about 75 detentions each, enough for the interval below
to resolve the calibration to well under an hour."""

PER_CALL = "No car: frontline officer hours per mental-health incident"
PER_S136 = "No car: police hours per Section 136 detention"
LEICS = "One car: police hours per detention after the car attends (Leicestershire)"
CONTRAST = "One car: police hours per detention, no car minus after the car (8 h to <5 h)"
AE_SHARE = "Places of safety: share of detentions taken to A&E (no car)"
CUSTODY_SHARE = "Places of safety: share of detentions taken to a police station (no car)"


@pytest.fixture(scope="module")
def rows():
    return {r.check: r for r in P.pathway_checks(EFFORT, 1)}


@pytest.fixture(scope="module")
def reps():
    names = ("no_car", "cpft_one_car")
    result = run_scenarios([load_scenario(P.SHIPPED_DIR / f"{n}.yaml") for n in names],
                           reps=EFFORT.reps, weeks=EFFORT.weeks, jobs=1, progress=False)
    r = result.replications
    return {n: r[r.scenario == n].sort_values("replication").reset_index(drop=True)
            for n in names}


def test_every_pathway_row_is_there_and_labelled(rows):
    assert set(rows) == {PER_CALL, PER_S136, LEICS, CONTRAST, AE_SHARE, CUSTODY_SHARE}
    for name in (PER_CALL, PER_S136, AE_SHARE):
        assert rows[name].note.startswith("calibration, not independent"), name
    for name in (LEICS, CONTRAST, CUSTODY_SHARE):
        assert rows[name].note.startswith("independent"), name
    # ranges: "about N h" read to the hour; Leicestershire's "under 5 h"; the Home Office
    # shares (two years for A&E, a Wilson interval of 322 of 31,213 for police stations)
    assert rows[PER_CALL].expected == "2.5 to 3.5"
    assert rows[PER_S136].expected == "7.5 to 8.5"
    assert rows[LEICS].expected == "0 to 5"
    assert rows[AE_SHARE].expected == "0.35 to 0.42"
    lo, hi = P.wilson_interval(322, 31_213)
    assert rows[CUSTODY_SHARE].expected == f"{lo:.3g} to {hi:.3g}"
    assert lo < 322 / 31_213 < hi


def test_the_rows_are_the_shipped_scenarios_figures(rows, reps):
    base, car = reps["no_car"], reps["cpft_one_car"]
    assert rows[PER_CALL].simulated == pytest.approx(base.officer_hours_per_call.mean())
    assert rows[PER_S136].simulated == pytest.approx(base.officer_hours_per_s136.mean())
    assert rows[LEICS].simulated == pytest.approx(car.car_officer_hours_per_s136.mean())
    assert rows[CONTRAST].simulated == pytest.approx(
        (car.officer_hours_per_s136_baseline - car.car_officer_hours_per_s136).mean())
    # taken to A&E: first (medical need) or diverted there for want of a bed
    assert rows[AE_SHARE].simulated == pytest.approx(
        ((base.pos_ae_first + base.pos_diverted_ae) / base.s136).mean())
    assert (base.pos_ae_first > 0).all()
    # the no-car world is the do-minimum world of the car scenario (same calls, same beds)
    assert np.allclose(car.officer_hours_per_s136_baseline, base.officer_hours_per_s136)


def test_the_ae_share_calibration_holds_on_the_shipped_inputs(reps):
    """A&E first plus diverts to A&E lands inside the two published years' shares (the
    shipped p_ae_first was set from them), up to chance: the simulated mean's 99.9%
    interval reaches into 35%-42%."""
    base = reps["no_car"]
    share = ((base.pos_ae_first + base.pos_diverted_ae) / base.s136).to_numpy()
    _, _, lo, hi, _ = t_interval(share, PASS_CONFIDENCE)
    low, high = P.AE_FIRST_SHARE
    assert lo <= high and hi >= low, (lo, hi)


@pytest.mark.parametrize("name, target", [(PER_CALL, P.HMICFRS_HOURS_PER_INCIDENT),
                                          (PER_S136, P.HMIC_HOURS_PER_S136)])
def test_the_calibration_holds_on_the_shipped_inputs(reps, name, target):
    """The shipped inputs put the no-car world within the figure's rounding (half an
    hour) of the target, up to chance: the target lies within the rounding of the
    simulated mean's 99.9% interval (the verification checks' confidence)."""
    metric = {PER_CALL: "officer_hours_per_call", PER_S136: "officer_hours_per_s136"}[name]
    _, _, lo, hi, _ = t_interval(reps["no_car"][metric].to_numpy(), PASS_CONFIDENCE)
    assert lo - P.ROUNDING_HOURS <= target <= hi + P.ROUNDING_HOURS, (lo, hi)


def test_calibration_rows_pass_and_misses_are_documented_not_failed(rows):
    assert rows[PER_CALL].passed and rows[PER_S136].passed
    assert rows[LEICS].passed and rows[CONTRAST].passed
    assert AE_SHARE not in P.KNOWN_MISSES  # calibration now (p_ae_first), not a miss
    # custody only for want of a bed (since 2017): the police-station share falls short
    r = rows[CUSTODY_SHARE]
    assert not r.passed and r.simulated < float(r.expected.split(" to ")[0])
    assert CUSTODY_SHARE in P.KNOWN_MISSES and status(r).startswith("missed (explained:")
    assert all(status(r) != "FAIL" for r in rows.values())
