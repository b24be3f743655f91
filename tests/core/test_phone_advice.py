"""A car's own phone advice while free (``cars[].phone_advice``, DESIGN.md section 8).

Validation at the keys concerned; an exact oracle for which calls a car advises and for
how long; Erlang B for a lone advising car; the coupling identity with the no-scheme run;
advice only avoiding detentions; the event log against the metrics.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.common.stats import t_interval
from sim.core.model import ScenarioModel
from sim.core.streams import Streams
from sim.scenario.loader import load_scenario
from sim.validation.theory import erlang_b
from tests.support.scenarios import ALWAYS_ON, control_room, make, pathway

ADVISED = {"p_no_deployment": 0.25, "p_s136": 0.05, "p_conveyed_ae": 0.08}
MIX = [{"type": "crisis", "share": 0.5},
       {"type": "concern", "share": 0.5, "sent_to_car": False}]
HANDLING = {"dist": "exponential", "mean": 30}


def phone_car(name: str = "car1", shifts=None, minutes=HANDLING, **extra):
    car = {"name": name, "shifts": shifts or ALWAYS_ON, "phone_advice": True, **extra}
    if minutes is not None:
        car["phone_advice_minutes"] = minutes
    return car


def scheme(cars: list, **overrides) -> sim.Scenario:
    return make({"case_mix": MIX, "cars": cars, "response.control_room": dict(ADVISED),
                 **overrides})


def keys_of(data_overrides: dict) -> set[str]:
    with pytest.raises(sim.ScenarioError) as info:
        make(data_overrides)
    return {p.key for p in info.value.problems}


# ------------------------------------------------------------------------- validation

def test_phone_advice_needs_outcomes_after_advice():
    keys = keys_of({"case_mix": MIX, "cars": [phone_car()]})  # no response.control_room
    assert keys == {"cars[0].phone_advice"}


def test_phone_advice_minutes_required_without_a_control_room():
    keys = keys_of({"case_mix": MIX, "cars": [phone_car(minutes=None)],
                    "response.control_room": ADVISED})
    assert keys == {"cars[0].phone_advice_minutes"}


def test_phone_advice_minutes_only_with_phone_advice():
    car = {"name": "car1", "shifts": ALWAYS_ON, "phone_advice_minutes": HANDLING}
    assert keys_of({"cars": [car]}) == {"cars[0].phone_advice_minutes"}


def test_phone_advice_minutes_is_an_error_with_a_control_room():
    keys = keys_of({"case_mix": MIX, "cars": [{"name": "a", "shifts": ALWAYS_ON},
                                              phone_car("b")], **control_room()})
    assert keys == {"cars[1].phone_advice_minutes"}


def test_advised_risk_above_the_standard_is_an_error_with_phone_advice_alone():
    """Without a control room, the advised-risk check applies when a car advises."""
    too_high = {**ADVISED, "p_s136": 0.5}  # the standard p_s136 is 0.14
    keys = keys_of({"case_mix": MIX, "cars": [phone_car()],
                    "response.control_room": too_high})
    assert keys == {"response.control_room.p_s136"}
    # ... and not when nothing uses the advice
    make({"response.control_room": too_high})


def test_valid_forms_load_and_say_where_the_handling_time_comes_from():
    own = scheme([phone_car()])
    assert own.cars[0].phone_advice and own.cars[0].phone_advice_minutes is not None
    room = make({"case_mix": MIX, "cars": [phone_car(minutes=None)], **control_room()})
    model = ScenarioModel(room)
    assert model.phone_handling == [room.control_room.handling_minutes]
    assert ScenarioModel(own).phone_handling == [own.cars[0].phone_advice_minutes]
    assert ScenarioModel(make()).phone_handling == [None]


def test_errors_are_reported_at_their_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "extends: " + str(Path("scenarios/_base.yaml").resolve()) + "\n"
        "name: bad\n"
        "cars:\n"
        "  - name: car1\n"
        "    shifts: [{days: all, start: '00:00', end: '24:00'}]\n"
        "    phone_advice: true\n")
    with pytest.raises(sim.ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert problem.key == "cars[0].phone_advice_minutes"
    assert problem.line == 4  # the car's entry: the key itself is missing


# --------------------------------------------------------------------------- the model

def _calls(scenario: sim.Scenario, seed: int, rep: int) -> dict[str, np.ndarray]:
    """Every call of a replication (arrival, sent_to_car, u_handling), from the demand."""
    model = ScenarioModel(scenario)
    chunks = list(model.demand.chunks(Streams(seed, rep), model.t_end))
    return {k: np.concatenate([getattr(c, k) for c in chunks])
            for k in ("arrival", "sent_to_car", "u_handling", "phone_resolves")}


@pytest.mark.parametrize("rep", [0, 1])
def test_a_lone_car_advises_exactly_the_calls_it_is_free_for(rep):
    """A 24/7 car with no other work (no call type sent to it, no other jobs): an oracle
    walks the not-for-car calls in time order, advising each one that finds the car free,
    and gives the advised count, the resolved count and the busy time exactly."""
    seed = 3
    mix = [{"type": "crisis", "share": 0.3, "sent_to_car": False},
           {"type": "concern", "share": 0.7, "sent_to_car": False}]
    scenario = make({"case_mix": mix, "cars": [phone_car()], "demand.other_jobs_per_hour": 0,
                     "response.control_room": dict(ADVISED), "run.warmup_weeks": 1})
    model = ScenarioModel(scenario)
    m = model.run(seed, rep).metrics
    calls = _calls(scenario, seed, rep)
    handling = scenario.cars[0].phone_advice_minutes.ppf(calls["u_handling"])
    t0, t1 = model.t_start, model.t_end
    free_at, advised, resolved, busy = -math.inf, 0, 0, 0.0
    for t, h, r in zip(calls["arrival"], handling, calls["phone_resolves"], strict=True):
        if t >= t1:
            break
        if t >= free_at:
            free_at = t + h
            busy += max(0.0, min(t + h, t1) - max(t, t0))
            if t >= t0:
                advised += 1
                resolved += bool(r)
    assert 0 < m["car_phone_advised"] == advised < m["mh_calls"]
    assert 0 < m["car_resolved_by_phone"] == resolved
    assert m["car_busy_hours"] == pytest.approx(busy / 60, rel=1e-9)
    assert m["car_attended"] == m["other_jobs_attended"] == m["unmet_busy"] == 0
    assert m["not_for_car"] == m["mh_calls"] - resolved
    assert m["deployments_avoided"] == resolved


def test_with_short_calls_a_lone_car_advises_every_not_for_car_call():
    scenario = scheme([phone_car(minutes={"dist": "fixed", "value": 0.01},
                                 takes_other_jobs=False)],
                      **{"case_mix": [{"type": "t", "share": 1.0, "sent_to_car": False}]})
    for rep in range(2):
        m = ScenarioModel(scenario).run(7, rep).metrics
        assert m["car_phone_advised"] == m["mh_calls"] > 0
        assert m["car_phone_advised"] == m["not_for_car"] + m["car_resolved_by_phone"]
        assert m["car_busy_hours"] == pytest.approx(m["mh_calls"] * 0.01 / 60, rel=1e-9)


def test_a_lone_advising_car_is_an_erlang_loss_system():
    """Flat Poisson demand, exponential handling: the share of calls it cannot advise is
    Erlang B with one server (a / (1 + a)), inside a 95% interval over replications."""
    per_hour, mean = 2.0, 15.0
    scenario = make({"case_mix": [{"type": "t", "share": 1.0, "sent_to_car": False}],
                     "cars": [phone_car(minutes={"dist": "exponential", "mean": mean})],
                     "response.control_room": dict(ADVISED),
                     "demand.calls_per_day": per_hour * 24, "demand.hourly_profile": "flat",
                     "demand.weekday_factors": [1] * 7, "demand.other_jobs_per_hour": 0,
                     "run.weeks": 8})
    model = ScenarioModel(scenario)
    runs = [model.run(11, r).metrics for r in range(8)]
    blocked = np.array([1 - m["car_phone_advised"] / m["mh_calls"] for m in runs])
    expected = erlang_b(1, per_hour * mean / 60)  # 1/3
    mean_b, _, low, high, _ = t_interval(blocked)
    assert low <= expected <= high, (mean_b, low, high, expected)
    assert high - low < 0.03


def test_the_first_listed_free_car_advises_and_the_car_stays_busy():
    """Two 24/7 advising cars: the second advises only while the first is busy, and a
    car busy with advice takes no car call meanwhile (checked in the event log)."""
    scenario = scheme([phone_car("a"), phone_car("b")])
    res = ScenarioModel(scenario).run(5, 0, event_log=True)
    ev = res.events
    calls = ev[ev["kind"] == "call"]
    phone = calls[calls["advised"].fillna(False).astype(bool) & (calls["pathway"] == "standard")]
    handling = scenario.cars[0].phone_advice_minutes
    u = np.concatenate([c.u_handling for c in ScenarioModel(scenario).demand.chunks(
        Streams(5, 0), ScenarioModel(scenario).t_end)])
    ends = {"a": [], "b": []}  # each car's advice intervals
    for _, row in phone.iterrows():
        t = row["arrival"]
        if row["car"] == "b":  # a was busy: on a call, other job or advice
            a_busy = any(s <= t < e for s, e in ends["a"]) or any(
                s <= t < e for s, e in zip(ev.loc[ev["car"] == "a", "dispatch"],
                                           ev.loc[ev["car"] == "a", "end"], strict=True)
                if not math.isnan(s))
            assert a_busy, row
        ends[row["car"]].append((t, t + float(handling.ppf(u[int(row["id"])]))))
    assert len(ends["a"]) > len(ends["b"]) > 0
    # No car-attended call or other job starts while its car is on phone advice.
    for name, spans in ends.items():
        starts = ev.loc[(ev["car"] == name) & ev["dispatch"].notna(), "dispatch"]
        for s in starts:
            assert not any(a < s < b for a, b in spans), (name, s)


SCHEMES = {
    "own": lambda: scheme([phone_car()]),
    "room": lambda: make({"case_mix": MIX, "cars": [phone_car(minutes=None)],
                          **control_room(advised=ADVISED)}),
    "night": lambda: scheme([phone_car(shifts=[{"days": "all", "start": "20:00",
                                                "end": "04:00"}])],
                            **{"dispatch.end_of_shift": "hand_over",
                               "dispatch.max_wait_minutes": 20}),
    "pathway": lambda: scheme([phone_car()], **pathway(1)),
}


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_coupling_identity_with_the_no_scheme_run_is_exact(name):
    scenario = SCHEMES[name]()
    none = scenario.with_overrides({"cars": [], "control_room": None})
    model, model0 = ScenarioModel(scenario), ScenarioModel(none)
    for rep in range(3):
        m, m0 = model.run(9, rep).metrics, model0.run(9, rep).metrics
        assert m["car_phone_advised"] > 0 and m0["car_phone_advised"] == 0
        assert m["s136_baseline"] == m0["s136"] and m["ae_baseline"] == m0["ae_conveyances"]
        assert m["s136_avoided"] == m0["s136"] - m["s136"]
        assert m["ae_avoided"] == m0["ae_conveyances"] - m["ae_conveyances"]
        assert m["officer_hours_baseline"] == m0["officer_hours"]
        assert m["officer_hours_saved"] == m0["officer_hours"] - m["officer_hours"]
        assert m["mh_calls"] == (m["car_attended"] + m["unmet_off_shift"] + m["unmet_busy"]
                                 + m["waiting_at_end"] + m["not_for_car"]
                                 + m["cr_resolved_by_phone"] + m["car_resolved_by_phone"])
        assert m["deployments_avoided"] == (m["car_attended"] + m["cr_resolved_by_phone"]
                                            + m["car_resolved_by_phone"])
        if name == "night":  # hand_over: the car is free at its shift end
            assert abs(m["car_overtime_hours"]) < 1e-9


def test_advice_only_avoids_detentions():
    """Per replication ``s136 <= s136_baseline``; with no call type sent to the car, the
    detentions avoided are the advice's alone, and there are some."""
    only_phone = [{"type": "crisis", "share": 0.5, "sent_to_car": False},
                  {"type": "concern", "share": 0.5, "sent_to_car": False}]
    model = ScenarioModel(scheme([phone_car(takes_other_jobs=False)], case_mix=only_phone))
    avoided = 0
    for rep in range(4):
        m = model.run(21, rep).metrics
        assert m["s136"] <= m["s136_baseline"]
        assert m["s136_avoided"] >= 0 and m["ae_avoided"] >= 0
        assert m["car_attended"] == 0
        avoided += m["s136_avoided"]
    assert avoided > 0


def test_event_log_agrees_with_the_metrics():
    for name in ("own", "pathway", "night"):
        scenario = SCHEMES[name]()
        res = ScenarioModel(scenario).run(13, 1, event_log=True)
        m, ev = res.metrics, res.events
        calls = ev[(ev["kind"] == "call") & ev["measured"]]
        by_car = calls["pathway"].eq("standard") & calls["car"].notna()
        assert by_car.sum() == m["car_phone_advised"] > 0, name
        assert calls.loc[by_car, "advised"].all()
        assert calls.loc[by_car, "dispatch"].isna().all()
        assert (calls.loc[by_car, "outcome"].isin(["resolved_by_phone", "not_for_car"])).all()
        assert (by_car & calls["outcome"].eq("resolved_by_phone")).sum() == \
            m["car_resolved_by_phone"]
        assert calls["outcome"].eq("not_for_car").sum() == m["not_for_car"]
        assert calls["s136"].sum() == m["s136"], name
        assert calls["ae_conveyed"].sum() == m["ae_conveyances"], name
        resolved = calls["outcome"].eq("resolved_by_phone")
        assert not calls.loc[resolved, "s136"].any()
        assert (calls.loc[resolved, "place_of_safety"].isna()).all()
        if scenario.pathway is not None:  # advised detentions reach a place of safety
            detained = calls["s136"].fillna(False).astype(bool)
            assert calls.loc[detained & by_car, "place_of_safety"].notna().all()
            assert (detained & by_car).any()


def test_by_hour_counts_add_up():
    scenario = SCHEMES["own"]()
    res = ScenarioModel(scenario).run(2, 0)
    h, m = res.by_hour, res.metrics
    assert h["car_phone_advised"].sum() == m["car_phone_advised"] > 0
    assert h["car_resolved_by_phone"].sum() == m["car_resolved_by_phone"] > 0
    np.testing.assert_array_equal(
        h["calls"], h["car_attended"] + h["unmet_off_shift"] + h["unmet_busy"]
        + h["not_for_car"] + h["cr_resolved_by_phone"] + h["car_resolved_by_phone"])
    assert h["car_busy_minutes"].sum() / 60 == pytest.approx(m["car_busy_hours"], rel=1e-9)


def test_same_numbers_whatever_the_order_of_replications():
    scenario = SCHEMES["pathway"]()
    a = [ScenarioModel(scenario).run(4, r).metrics for r in (0, 1)]
    b = [ScenarioModel(scenario).run(4, r).metrics for r in (1, 0)][::-1]
    assert a == b
