"""Demand chunks and the per-call records the model's processes receive."""

from __future__ import annotations

import numpy as np

from sim.core.demand import Call, DemandModel, OtherJob
from sim.core.streams import Streams
from sim.scenario.calendar import MINUTES_PER_WEEK
from tests.support.scenarios import make

CASE_MIX = {"case_mix": [
    {"type": "high_risk", "share": 0.3, "standard": {"p_s136": 0.45}, "car": {"p_s136": 0.2}},
    {"type": "welfare", "share": 0.7, "standard": {"p_s136": 0.05}, "car": {"p_s136": 0.02}},
]}


def test_records_are_the_chunk_columns_numbered_across_chunks():
    demand = DemandModel(make(CASE_MIX))
    chunks = list(demand.chunks(Streams(5, 1), 9 * MINUTES_PER_WEEK))
    assert len(chunks) > 2
    calls = [c for ch in chunks for c in ch.calls()]
    others = [j for ch in chunks for j in ch.other_jobs()]
    assert all(type(c) is Call for c in calls) and all(type(j) is OtherJob for j in others)
    assert [c.id for c in calls] == list(range(len(calls)))
    assert [j.id for j in others] == list(range(len(others)))

    def column(name):
        return np.concatenate([getattr(ch, name) for ch in chunks])

    np.testing.assert_array_equal([c.arrival for c in calls], column("arrival"))
    np.testing.assert_array_equal([c.car_job_minutes for c in calls], column("car_job_minutes"))
    np.testing.assert_array_equal([c.car_travel_minutes for c in calls],
                                  column("car_travel_minutes"))
    np.testing.assert_array_equal([c.standard_officer_hours for c in calls],
                                  column("standard_officer_hours"))
    np.testing.assert_array_equal(
        [c.s136_avoided for c in calls],
        column("s136_standard").astype(int) - column("s136_car").astype(int))
    np.testing.assert_array_equal(
        [c.ae_avoided for c in calls],
        column("ae_standard").astype(int) - column("ae_car").astype(int))
    assert {c.s136_avoided for c in calls} <= {-1, 0, 1}
    assert all(type(c.arrival) is float and type(c.s136_avoided) is int for c in calls)
    np.testing.assert_array_equal([j.arrival for j in others], column("other_arrival"))
    np.testing.assert_array_equal([j.minutes for j in others], column("other_job_minutes"))
