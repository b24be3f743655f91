"""Reuse within a process (sim/core/reuse.py), and skipping the split of time by hour,
change no metric.

Scenarios sharing their demand reuse a replication's calls and its do-minimum world;
the results must equal those computed afresh, whatever the order the scenarios run in.
"""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.core.model import ScenarioModel
from sim.core.reuse import REUSE, reuse_key
from tests.support.scenarios import control_room, make, pathway


@pytest.fixture
def fresh():
    REUSE.clear()
    yield
    REUSE.enabled = True
    REUSE.clear()


def _scenarios():
    base = {**pathway(1, max_wait_hours=0.5), "run.weeks": 4}
    return [
        make({**base, "name": "no_car", "cars": []}),
        make({**base, "name": "one_car"}),
        make({**base, **control_room(), "name": "room"}),
        make({**base, **control_room(), "name": "room_only", "cars": []}),
        make({"name": "no_pathway", "run.weeks": 4}),
    ]


def test_reuse_changes_no_number(fresh):
    scenarios = _scenarios()
    REUSE.enabled = False
    alone = sim.compare(scenarios, reps=3, seed=4).replications
    REUSE.enabled = True
    REUSE.clear()
    shared = sim.compare(scenarios, reps=3, seed=4).replications
    pd.testing.assert_frame_equal(alone, shared, check_exact=True)
    # in another order, after the store holds the others' calls
    again = sim.compare(scenarios[::-1], reps=3, seed=4).replications
    order = {s.name: i for i, s in enumerate(scenarios)}
    again = again.sort_values(["scenario", "replication"], key=lambda c: c.map(order)
                              if c.name == "scenario" else c).reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, again, check_exact=True)


def test_the_key_ignores_cars_and_staffing_but_not_demand():
    no_car, one, room, room_only = _scenarios()[:4]
    assert reuse_key(no_car) == reuse_key(one)  # the cars differ
    assert reuse_key(room) == reuse_key(room_only)  # so do they, with a control room
    assert reuse_key(room.with_overrides({"control_room.practitioners": 3})) == \
        reuse_key(room)  # staffing does not change the calls
    busier = one.with_overrides({"demand.calls_per_day": 20.0})
    assert reuse_key(busier) != reuse_key(one)
    beds = one.with_overrides({"pathway.place_of_safety.beds": 3})
    assert reuse_key(beds) != reuse_key(one)


def test_the_store_keeps_only_the_most_recent(fresh):
    for r in range(REUSE.kept + 3):
        REUSE.keep_world(("k", r), {"x": float(r)})
    assert REUSE.world(("k", 0)) is None and REUSE.world(("k", 2)) is None
    assert REUSE.world(("k", 3)) == {"x": 3.0}
    assert REUSE.world(("k", REUSE.kept + 2)) == {"x": float(REUSE.kept + 2)}


def test_skipping_the_hourly_split_changes_no_metric(fresh):
    for scenario in _scenarios():
        model = ScenarioModel(scenario)
        for r in range(2):
            full, quick = model.run(3, r), model.run(3, r, by_hour=False)
            assert full.metrics == pytest.approx(quick.metrics, nan_ok=True, rel=0, abs=0)
            assert full.by_car == quick.by_car
            for k in ("calls", "car_attended", "unmet_off_shift", "unmet_busy"):
                assert (full.by_hour[k] == quick.by_hour[k]).all()
