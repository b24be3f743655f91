"""An idiomatic SimPy model of the same workload: the yardstick for ``bench.py``.

This is how a SimPy tutorial would write the cars (the "bank renege" pattern): one
process per call and per other job, each asking a ``simpy.Resource`` with one slot per
car for a car, waiting at most ``max_wait_minutes`` (0: only a free car will do), then
holding it for the job's duration. It sees the very calls of our model: the same
arrival times and car job durations, drawn by :class:`sim.core.demand.DemandModel` from the
same streams (that drawing is timed in both). Its cars never go off shift, it keeps no
counterfactual, car-time split or hour-of-week counters: it does less per call than
:mod:`sim.core.model`.
"""

from __future__ import annotations

import simpy

from sim.core.demand import DemandModel
from sim.core.streams import Streams


def run_reference(demand: DemandModel, seed: int, replication: int, t_end: float,
                  cars: int, max_wait: float, other_jobs: bool) -> dict[str, int]:
    """One replication up to ``t_end`` minutes; returns what the cars attended."""
    env = simpy.Environment()
    crews = simpy.Resource(env, capacity=max(cars, 1))
    counts = {"calls": 0, "attended": 0, "other_jobs": 0, "other_attended": 0}

    def job(duration: float, patience: float, kind: str):
        with crews.request() as request:
            got = yield request | env.timeout(patience)
            if request in got:
                counts[kind] += 1
                yield env.timeout(duration)

    def source():
        for chunk in demand.chunks(Streams(seed, replication), t_end):
            calls = zip(chunk.arrival.tolist(), chunk.car_job_minutes.tolist(), strict=True)
            arrivals = [(t, d, True) for t, d in calls]
            if other_jobs:
                others = zip(chunk.other_arrival.tolist(), chunk.other_job_minutes.tolist(),
                             strict=True)
                arrivals += [(t, d, False) for t, d in others]
            arrivals.sort(key=lambda a: a[0])
            for t, duration, is_call in arrivals:
                if t >= t_end:
                    return
                yield env.timeout(t - env.now)
                if is_call:
                    counts["calls"] += 1
                    env.process(job(duration, max_wait, "attended"))
                else:
                    counts["other_jobs"] += 1
                    env.process(job(duration, 0.0, "other_attended"))

    env.process(source())
    env.run(until=t_end)
    return counts
