"""Reuse within a worker process: a replication's calls and its do-minimum world.

Scenarios of one run (and the options of one draw of the sensitivity analysis) often share
their demand: the same rates, case mix, pathways and durations, differing only in their
cars or control room. Their replication ``r`` then sees exactly the same calls (common
random numbers, :mod:`sim.core.streams`), and the same do-minimum world of the Section
136 pathway (:mod:`sim.core.pathway`). Drawing them once and keeping them for the next
scenario saves the work without changing a number: a kept value is the value that would
be computed again (tests compare runs with and without reuse).

What is kept is keyed by :func:`reuse_key` (everything of the scenario that the calls
depend on, as canonical JSON) with the seed, the replication and the horizon, and only
the few most recent entries, and only for horizons up to :data:`REUSE_HORIZON_MINUTES`,
so memory stays bounded and flat in the horizon.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from sim.common.units import MINUTES_PER_WEEK
from sim.scenario.schema import Scenario

REUSE_HORIZON_MINUTES = 110 * MINUTES_PER_WEEK
"""Longest horizon (warm-up included) whose calls are kept: about two years."""
KEPT = 16
"""Replications' calls (and do-minimum worlds) kept at once, the most recent first: enough
for a batch of replications of one scenario to be found by the next (about 1.2 MiB each
for a year of ten calls a day)."""


def reuse_key(scenario: Scenario) -> str:
    """Everything of ``scenario`` that its calls depend on, as canonical JSON.

    Not its cars, control room, dispatch rules or costs, nor the outcomes after
    control-room advice (``response.control_room`` and the call types' own
    ``control_room``), which :meth:`sim.core.demand.DemandModel.advise` sets per scenario.
    """
    data = scenario.to_dict()
    response = {k: v for k, v in data.get("response", {}).items() if k != "control_room"}
    mix = [{k: v for k, v in t.items() if k != "control_room"}
           for t in data.get("case_mix") or []]
    parts = {"demand": data.get("demand"), "response": response, "case_mix": mix,
             "pathway": data.get("pathway")}
    return json.dumps(parts, sort_keys=True, separators=(",", ":"))


class Reuse:
    """The most recent calls and do-minimum worlds of this process, by key."""

    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self.enabled = True
        self._calls: OrderedDict[tuple, list[Any]] = OrderedDict()
        self._worlds: OrderedDict[tuple, dict[str, float]] = OrderedDict()

    def _get(self, store: OrderedDict, key: tuple) -> Any:
        if not self.enabled or key not in store:
            return None
        store.move_to_end(key)
        return store[key]

    def _put(self, store: OrderedDict, key: tuple, value: Any) -> None:
        if not self.enabled:
            return
        store[key] = value
        store.move_to_end(key)
        while len(store) > self.kept:
            store.popitem(last=False)

    def calls(self, key: tuple) -> list[Any] | None:
        """The chunks of calls kept under ``key``, or ``None``."""
        return self._get(self._calls, key)

    def keep_calls(self, key: tuple, chunks: list[Any]) -> None:
        self._put(self._calls, key, chunks)

    def world(self, key: tuple) -> dict[str, float] | None:
        """The do-minimum world's totals kept under ``key``, or ``None``."""
        return self._get(self._worlds, key)

    def keep_world(self, key: tuple, totals: dict[str, float]) -> None:
        self._put(self._worlds, key, dict(totals))

    def clear(self) -> None:
        self._calls.clear()
        self._worlds.clear()


REUSE = Reuse()
"""This process's store (each worker process has its own)."""
