"""Queueing theory the model is verified against, and the scenarios that meet its assumptions.

With every car on shift around the clock, flat demand, no other jobs and a car's job time
equal to its on-scene time, the cars are a c-server queue with Poisson arrivals:

* ``max_wait_minutes: 0``: the Erlang loss system M/G/c/c; the share of calls finding no
  free car is Erlang B, whatever the job-time distribution (insensitivity);
* unlimited waiting with exponential job times: M/M/c; the probability of waiting is
  Erlang C and the mean wait is ``C(c, A) * mean_job / (c - A)``.
"""

from __future__ import annotations

import math
from typing import Any

from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import Scenario

UNLIMITED_WAIT_MINUTES = 1e12
"""A wait limit no call reaches: 'wait without limit'."""


def erlang_b(servers: int, load: float) -> float:
    """Erlang B blocking probability by the stable recursion.

    ``B(0) = 1``, ``B(k) = A B(k-1) / (k + A B(k-1))``.
    """
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in M/M/c (requires ``load < servers``)."""
    if load >= servers:
        return 1.0
    b = erlang_b(servers, load)
    return servers * b / (servers - load * (1 - b))


def mmc_mean_wait(servers: int, load: float, mean_job: float) -> float:
    """Mean wait in M/M/c, in the units of ``mean_job``."""
    if load >= servers:
        return math.inf
    return erlang_c(servers, load) * mean_job / (servers - load)


_ZERO = {"dist": "fixed", "value": 0}
_ALWAYS_ON = [{"days": "all", "start": "00:00", "end": "24:00"}]


def queue_scenario(name: str, servers: int, load: float, job: dict[str, Any], *,
                   mean_job_minutes: float, max_wait_minutes: float = 0.0,
                   weeks: int = 26) -> Scenario:
    """Cars on shift 24/7 serving flat Poisson demand with offered load ``load`` (Erlangs).

    The car's job is its on-scene time only (no travel, no detention or A&E handover), so
    the job-time distribution is ``job`` exactly.
    """
    calls_per_hour = load * 60.0 / mean_job_minutes
    return scenario_from_dict({
        "name": name,
        "run": {"weeks": weeks, "warmup_weeks": 1, "replications": 10, "seed": 2026},
        "demand": {"calls_per_day": calls_per_hour * 24, "hourly_profile": "flat",
                   "other_jobs_per_hour": 0.0},
        "cars": [{"name": f"car{i + 1}", "shifts": _ALWAYS_ON} for i in range(servers)],
        "dispatch": {"max_wait_minutes": max_wait_minutes, "takes_other_jobs": False},
        "response": {
            "standard": {
                "officers": 2, "travel_minutes": {"dist": "fixed", "value": 20},
                "on_scene_minutes": {"dist": "fixed", "value": 60}, "p_s136": 0.1,
                "s136_hours": {"dist": "fixed", "value": 8}, "p_conveyed_ae": 0.1,
                "ae_wait_hours": {"dist": "fixed", "value": 4},
            },
            "car": {
                "travel_minutes": _ZERO, "on_scene_minutes": job, "p_s136": 0.0,
                "s136_handover_hours": _ZERO, "p_conveyed_ae": 0.0,
            },
        },
    })
