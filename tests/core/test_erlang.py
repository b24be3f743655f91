"""Verification against queueing theory: the cars as an Erlang loss system.

With cars on shift 24/7, flat demand, no other jobs and ``max_wait_minutes: 0``, the
share of calls that find no free car is the Erlang B blocking probability
B(c, A) with offered load A = arrival rate x mean job time, whatever the job-time
distribution (insensitivity).
"""

from __future__ import annotations

import pytest
from scipy import stats

import sim
from sim.validation.theory import erlang_b
from tests.support.scenarios import loss_system


def test_erlang_b_recursion_known_values():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.5) == pytest.approx(1.125 / 3.625)


ON_SCENE = {
    "exponential": {"dist": "exponential", "mean": 60},
    "lognormal": {"dist": "lognormal", "mean": 60, "sd": 90},
}


@pytest.mark.parametrize("shape", ON_SCENE)
@pytest.mark.parametrize(("cars", "load"), [(1, 0.6), (2, 1.5)])
def test_blocking_matches_erlang_b(shape, cars, load):
    calls_per_hour = load  # mean job time is one hour
    scenario = loss_system(cars, calls_per_hour, ON_SCENE[shape], weeks=20)
    reps = 20
    result = sim.simulate(scenario, reps=reps, seed=2026)
    r = result.replications
    blocked = r["unmet_busy"] / r["mh_calls"]
    assert (r["unmet_off_shift"] == 0).all()
    mean, sd = blocked.mean(), blocked.std(ddof=1)
    # 99.9% t-interval for the mean blocking over replications: a correct model fails
    # this check with probability 0.001 at a given seed.
    half = stats.t.ppf(0.9995, reps - 1) * sd / reps**0.5
    expected = erlang_b(cars, load)
    assert abs(mean - expected) <= half, (mean, expected, half)
