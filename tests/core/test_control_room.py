"""The control room: Erlang B for its practitioners, exact counterfactual, common numbers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.common.stats import t_interval
from sim.core.model import ScenarioModel
from sim.validation.theory import erlang_b
from tests.support.scenarios import ALWAYS_ON, control_room, make

CR_METRICS = ("cr_screened", "cr_resolved_by_phone", "cr_unscreened_busy",
              "cr_unscreened_off_shift", "cr_not_passed", "cr_shift_hours", "cr_busy_hours",
              "cr_utilisation", "deployments_avoided")


def _run(scenario, reps: int = 1, seed: int = 5) -> list[dict[str, float]]:
    model = ScenarioModel(scenario)
    return [model.run(seed, r).metrics for r in range(reps)]


@pytest.mark.parametrize("handling", [
    {"dist": "exponential", "mean": 30},
    {"dist": "lognormal", "mean": 30, "sd": 45},  # Erlang B is insensitive to the shape
])
def test_practitioners_are_an_erlang_loss_system(handling):
    """24/7, flat demand, no waiting: the share passed but blocked is Erlang B."""
    calls_per_hour, share, servers = 6.0, 0.75, 3
    scenario = make({"cars": [], "demand.calls_per_day": calls_per_hour * 24,
                     "demand.hourly_profile": "flat",
                     "demand.weekday_factors": [1] * 7, "run.weeks": 10,
                     **control_room(ALWAYS_ON, servers, share, handling)})
    runs = _run(scenario, reps=8)
    blocked = np.array([m["cr_unscreened_busy"] / (m["cr_unscreened_busy"] + m["cr_screened"])
                        for m in runs])
    load = calls_per_hour * share * 30 / 60  # 2.25 erlangs
    expected = erlang_b(servers, load)  # about 0.247
    mean, _, low, high, _ = t_interval(blocked)
    assert low <= expected <= high, (mean, low, high, expected)
    assert high - low < 0.03  # tight enough to tell a wrong loss system apart
    # Utilisation is the carried load per practitioner.
    util = np.mean([m["cr_utilisation"] for m in runs])
    assert util == pytest.approx(load * (1 - expected) / servers, rel=0.03)
    assert all(m["cr_unscreened_off_shift"] == 0 for m in runs)


def test_neutral_advice_changes_no_other_decision():
    """A control room whose advice changes nothing leaves every other metric as it was:
    its uniforms come from their own streams, so every other call decision is the same."""
    base = make()
    plain = make({"response.control_room": None})
    neutral = make(control_room(advised={"p_no_deployment": 0, "p_s136": 0.14,
                                         "p_conveyed_ae": 0.15}))
    for a, b, c in zip(_run(base, 3), _run(plain, 3), _run(neutral, 3), strict=True):
        assert c["cr_screened"] > 0
        for k in a:
            if k not in CR_METRICS:
                assert a[k] == c[k] == b[k] or (np.isnan(a[k]) and np.isnan(c[k])), k


def test_counterfactual_exact_for_every_mode():
    """Detentions, conveyances and officer hours saved are the no-scheme run's totals
    less this run's, per replication, whether saved by the car, advice or the phone."""
    schemes = {
        "room": make({"cars": [], **control_room(ALWAYS_ON, 2)}),
        "both": make(control_room(ALWAYS_ON, 2)),
        "car": make(),
    }
    none = _run(make({"cars": []}), 3)
    for name, scenario in schemes.items():
        for m, m0 in zip(_run(scenario, 3), none, strict=True):
            assert m["s136_baseline"] == m0["s136"], name
            assert m["s136_avoided"] == m0["s136"] - m["s136"], name
            assert m["officer_hours_baseline"] == m0["officer_hours"], name
            assert m["officer_hours_saved"] == pytest.approx(
                m0["officer_hours"] - m["officer_hours"], abs=1e-6), name
            if name != "car":
                assert m["s136_avoided"] > 0 and m["cr_resolved_by_phone"] > 0, name


def test_phone_resolution_deploys_no_one():
    """Every call screened and resolved by phone: no detention, conveyance or officer."""
    scenario = make({"cars": [], **control_room(
        ALWAYS_ON, 50, 1.0, {"dist": "fixed", "value": 1},
        {"p_no_deployment": 1.0, "p_s136": 0.0, "p_conveyed_ae": 0.0})})
    for m in _run(scenario, 2):
        assert m["cr_screened"] == m["cr_resolved_by_phone"] == m["mh_calls"] > 0
        assert m["deployments_avoided"] == m["mh_calls"]
        assert m["s136"] == m["ae_conveyances"] == 0
        assert m["officer_hours"] == pytest.approx(0, abs=1e-9)


def test_conservation_per_path_with_a_night_closure():
    scenario = make({"dispatch.max_wait_minutes": 30, **control_room()})
    for m in _run(scenario, 3):
        assert m["mh_calls"] == (m["cr_screened"] + m["cr_unscreened_busy"]
                                 + m["cr_unscreened_off_shift"] + m["cr_not_passed"])
        assert m["mh_calls"] == (m["car_attended"] + m["unmet_off_shift"] + m["unmet_busy"]
                                 + m["waiting_at_end"] + m["not_for_car"]
                                 + m["cr_resolved_by_phone"])
        assert min(m["cr_unscreened_off_shift"], m["cr_unscreened_busy"],
                   m["cr_not_passed"]) > 0
        assert m["cr_shift_hours"] == 12 * 7 * 4  # 12 h a day, one practitioner, 4 weeks
