"""Demand chunks and the call tables the model's processes read calls from."""

from __future__ import annotations

import numpy as np

from sim.core import model as model_module
from sim.core.demand import CallTable, DemandModel
from sim.core.model import ScenarioModel
from sim.core.streams import Streams
from sim.scenario.calendar import MINUTES_PER_WEEK
from tests.support.scenarios import make

CASE_MIX = {"case_mix": [
    {"type": "high_risk", "share": 0.3, "standard": {"p_s136": 0.45}, "car": {"p_s136": 0.2}},
    {"type": "welfare", "share": 0.5, "standard": {"p_s136": 0.05}, "car": {"p_s136": 0.02}},
    {"type": "concern", "share": 0.2, "sent_to_car": False},
]}


def test_chunks_number_calls_and_other_jobs_across_the_replication():
    demand = DemandModel(make())
    chunks = list(demand.chunks(Streams(5, 1), 30 * MINUTES_PER_WEEK))
    assert len(chunks) > 2
    calls = other = 0
    for ch in chunks:
        assert (ch.first_call_id, ch.first_other_id) == (calls, other)
        calls += ch.arrival.size
        other += ch.other_arrival.size


def test_call_table_columns_are_the_chunk_by_name():
    demand = DemandModel(make(CASE_MIX))
    for ch in demand.chunks(Streams(5, 1), 9 * MINUTES_PER_WEEK):
        calls = CallTable(ch)
        assert len(calls) == ch.arrival.size and calls.first_id == ch.first_call_id
        assert calls.arrival == ch.arrival.tolist()
        assert calls.car_job_minutes == ch.car_job_minutes.tolist()
        assert calls.car_travel_minutes == ch.car_travel_minutes.tolist()
        assert calls.standard_officer_hours == ch.standard_officer_hours.tolist()
        np.testing.assert_array_equal(
            calls.s136_avoided, ch.s136_standard.astype(int) - ch.s136_car.astype(int))
        np.testing.assert_array_equal(
            calls.ae_avoided, ch.ae_standard.astype(int) - ch.ae_car.astype(int))
        assert all(type(v) is int for v in calls.s136_avoided + calls.ae_avoided)
        assert set(calls.s136_avoided) <= {-1, 0, 1}


def test_dispatch_sees_only_calls_sent_to_the_car_in_time_order(monkeypatch):
    scenario = make({"dispatch.max_wait_minutes": 30, **CASE_MIX})
    model = ScenarioModel(scenario)
    sent = np.concatenate([ch.sent_to_car for ch in model.demand.chunks(Streams(11, 0),
                                                                         model.t_end)])
    seen: list[tuple[int, float]] = []
    original = model_module._Replication._call

    def spy(self, calls, i):
        seen.append((calls.first_id + i, calls.arrival[i]))
        return original(self, calls, i)

    monkeypatch.setattr(model_module._Replication, "_call", spy)
    model.run(11, 0)
    assert len(seen) > 50
    ids = [cid for cid, _ in seen]
    assert sent[ids].all()
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    times = [t for _, t in seen]
    assert times == sorted(times)
