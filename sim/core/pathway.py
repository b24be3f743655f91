"""The Section 136 pathway: conveyance, places of safety and diverts, for one world.

A detention starts a journey whose length is set by capacity (``../shared/DESIGN.md``
section 9; ``docs/model.md``, "The Section 136 pathway"). From the end of the time on
scene (``t0``) the officers (or the car's crew) convey the person, by ambulance after a
wait for it or in a police vehicle, to a health-based place of safety; they arrive at
``t1 = t0 + conveyance``. The places of safety are a pool of beds served first come,
first served by arrival time: a person who finds a bed free (or freed within
``max_wait_hours``) is handed over and occupies it for ``bed_hours``; otherwise the
officers divert after waiting ``max_wait_hours``, to A&E (held there for
``ae_as_place_of_safety_hours``) or, rarely, to custody (``custody_hours``). A share
``p_ae_first`` of detentions is taken straight to A&E as the place of safety (medical
need), whatever the beds: held ``ae_as_place_of_safety_hours`` from ``t1``, no bed used.

Because the queue is first come, first served and a person's patience is known on
arrival, each admission is decided in arrival order from the beds' free times alone
(the recursion of a multi-server FIFO queue with reneging): the earliest free bed ``f``
gives a wait ``max(t1, f) - t1``, a divert when that is above the limit. So a world is a
heap of pending detentions keyed by ``t1`` and a heap of bed free times; the model
(:mod:`sim.core.model`) pushes a detention when it becomes known (never after its
``t1``) and asks the world to settle every detention due by a time.

Two worlds run side by side in a replication: the scenario's own, and the
*do-minimum* world (every call gets the standard response, with the same places of
safety), fed from the same calls in the same pass, so its figures are the same for
every scenario with the same demand and pathway (``docs/metrics.md``).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.common.units import HOURS_PER_WEEK, MINUTES_PER_HOUR
from sim.scenario.calendar import intervals_by_hour
from sim.scenario.schema import Pathway


@dataclass(frozen=True)
class PathwayDraws:
    """Every call's own draws for the pathway (minutes), used only if it is detained.

    Row ``i`` is the chunk's ``i``-th call; each part is drawn from its own named stream
    (:mod:`sim.core.streams`), so a call's journey is the same in every scenario and in
    the do-minimum world, whatever its place in the queue. The times on scene are NumPy
    arrays (used in bulk); the journey's parts are Python lists, read one detention at a
    time.
    """

    std_scene_end: np.ndarray  # standard response: travel + on scene (from dispatch)
    car_scene_end: np.ndarray  # car: travel + on scene (from dispatch)
    ambulance_wait: list[float]  # wait for an ambulance (0 when conveyed by police)
    conveyance: list[float]  # ambulance wait + travel to the place of safety
    handover: list[float]  # handover once a bed is free
    bed: list[float]  # a bed occupied, arrival at it to the end of the assessment
    custody: list[bool]  # a divert goes to custody (else A&E)
    divert_hold: list[float]  # officers held after a divert (at A&E or in custody)
    ae_first: list[bool]  # taken straight to A&E as the place of safety (medical need)
    ae_hold: list[float]  # officers held at A&E (an A&E first place of safety)


class Detention:
    """One detention on its way through the pathway (as the world holds it)."""

    __slots__ = ("draws", "i", "t0", "t1", "officers", "scene_officer_minutes", "car",
                 "frontline", "measured", "call_id")

    def __init__(self, draws: PathwayDraws, i: int, t0: float, officers: int,
                 scene_officer_minutes: float, car: object | None, measured: bool,
                 call_id: int) -> None:
        self.draws = draws
        self.i = i
        self.t0 = t0  # end of the time on scene: the journey starts
        self.t1 = t0 + draws.conveyance[i]  # arrival at the place of safety
        self.officers = officers  # officers held on the journey
        self.scene_officer_minutes = scene_officer_minutes  # officer-minutes up to t0
        self.car = car  # the car whose crew is held; None for frontline officers
        self.frontline = car is None  # frontline officers are held (a car may hand over)
        self.measured = measured  # the call arrived in the measured weeks
        self.call_id = call_id


class PathwayWorld:
    """The places of safety of one world and what its detentions cost in time.

    Totals (over detentions of calls arriving in the measured weeks): ``car_detentions``,
    ``frontline_minutes`` (frontline officer-minutes on the journey),
    ``police_minutes`` (police officer-minutes on detained calls, dispatch to release,
    car crews included), ``car_police_minutes`` (the same over car detentions),
    ``waits`` and ``wait_minutes`` (for a bed), ``ae_first`` (taken straight to A&E, never
    queueing for a bed), ``diverted_ae``, ``diverted_custody``,
    ``breaches`` (arrival at the place of safety to the end of the assessment above the
    legal limit: the wait for a bed, up to the divert, plus ``bed_hours``, wherever the
    assessment then happens) and
    ``ambulance_wait_minutes``. Bed occupancy, ``bed_minutes`` and :meth:`beds_by_hour`
    (by hour of week, with ``track_hours``), is what falls inside ``[t_start, t_end)``,
    whoever the bed holds.
    """

    def __init__(self, pathway: Pathway, t_start: float, t_end: float,
                 on_car: Callable[[Detention, float], None] | None = None,
                 track_hours: bool = True) -> None:
        pos = pathway.place_of_safety
        beds = pos.bed_count
        self.free: list[float] | None = None if math.isinf(beds) else [-math.inf] * int(beds)
        self.max_wait = pos.max_wait_hours * MINUTES_PER_HOUR
        self.limit = pathway.legal_limit_hours * MINUTES_PER_HOUR
        self.t_start, self.t_end = t_start, t_end
        self.on_car = on_car
        self.pending: list[tuple[float, int, Detention]] = []
        self.seq = 0
        self.car_detentions = 0
        self.frontline_minutes = 0.0
        self.police_minutes = 0.0
        self.car_police_minutes = 0.0
        self.waits = 0
        self.wait_minutes = 0.0
        self.ae_first = 0
        self.diverted_ae = 0
        self.diverted_custody = 0
        self.breaches = 0
        self.ambulance_wait_minutes = 0.0
        self.bed_minutes = 0.0
        self.hour_bed = np.zeros(HOURS_PER_WEEK)
        self.track_hours = track_hours  # bed occupancy by hour of week (beds_by_hour)
        self.bed_a: list[float] = []
        self.bed_b: list[float] = []
        self.settled: list[tuple[int, str, float, float]] | None = None  # event log only

    def push(self, det: Detention) -> None:
        """A detention known now; it reaches the place of safety at ``t0 + conveyance``."""
        self.seq += 1
        heapq.heappush(self.pending, (det.t1, self.seq, det))

    def next_due(self) -> float:
        """When the next pending detention reaches the place of safety (inf: none)."""
        return self.pending[0][0] if self.pending else math.inf

    def settle_next(self) -> None:
        """Settle the pending detention that reaches the place of safety first."""
        t1, _, det = heapq.heappop(self.pending)
        self._admit(t1, det)

    def settle_until(self, t: float) -> None:
        """Settle every pending detention reaching the place of safety by ``t``."""
        pending = self.pending
        while pending and pending[0][0] <= t:
            t1, _, det = heapq.heappop(pending)
            self._admit(t1, det)

    def _admit(self, t1: float, det: Detention) -> None:
        d, i = det.draws, det.i
        bed = d.bed[i]
        free = self.free
        if d.ae_first[i]:  # A&E as the place of safety (medical need): no bed, no queue
            wait = 0.0
            release = t1 + d.ae_hold[i]
            place = "ae_first"
        else:
            wait = 0.0 if free is None or free[0] <= t1 else free[0] - t1
            if wait <= self.max_wait:
                if free is not None:
                    heapq.heapreplace(free, t1 + wait + bed)
                release = t1 + wait + d.handover[i]
                place = "bed"
                self._occupy(t1 + wait, t1 + wait + bed)
            else:  # no bed in time: divert after the longest wait
                wait = self.max_wait
                release = t1 + wait + d.divert_hold[i]
                place = "custody" if d.custody[i] else "ae"
        # the assessment takes bed_hours after any wait, wherever it happens
        breach = wait + bed > self.limit
        journey = det.officers * (release - det.t0)
        if det.measured:
            police = det.scene_officer_minutes + journey
            self.police_minutes += police
            if det.frontline:
                self.frontline_minutes += journey
            if det.car is not None:
                self.car_detentions += 1
                self.car_police_minutes += police
            if wait > 0:
                self.waits += 1
                self.wait_minutes += wait
            if place == "ae_first":
                self.ae_first += 1
            elif place == "ae":
                self.diverted_ae += 1
            elif place == "custody":
                self.diverted_custody += 1
            self.breaches += breach
            self.ambulance_wait_minutes += d.ambulance_wait[i]
        if self.settled is not None:
            self.settled.append((det.call_id, place, wait, release))
        if det.car is not None and self.on_car is not None:
            self.on_car(det, release)

    def _occupy(self, a: float, b: float) -> None:
        """A bed occupied in ``[a, b)``: its part inside the measured weeks."""
        a = max(a, self.t_start)
        b = min(b, self.t_end)
        if b > a:
            self.bed_minutes += b - a
            if self.track_hours:
                self.bed_a.append(a)
                self.bed_b.append(b)

    def beds_by_hour(self) -> np.ndarray:
        """Bed minutes occupied in each hour of the week (over the measured weeks)."""
        self.hour_bed += intervals_by_hour(np.array(self.bed_a), np.array(self.bed_b))
        self.bed_a.clear()
        self.bed_b.clear()
        return self.hour_bed
