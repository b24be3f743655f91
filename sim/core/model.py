"""The SimPy model of one replication: shifts, dispatch, queueing and car time.

Structure (few SimPy events per call, by design):

* one *shift process* per car switches it on and off shift at its merged windows;
* one *arrival process* walks the pre-drawn calls and other jobs in time order. It
  lets SimPy advance the clock only when some scheduled event (a shift change, a job
  completion) falls before the next arrival; otherwise it handles the arrival at once;
* a job completion is scheduled as an event only when it can matter: when calls may
  wait for a car (``max_wait_minutes > 0``). Otherwise a car is free when its
  ``busy_until`` has passed.

Dispatch: a mental-health call goes to the first free on-shift car (in the order the
scenario lists them); otherwise, if a car is on shift and waiting is allowed, it joins a
FIFO queue until ``arrival + max_wait_minutes``; otherwise it gets the standard
response, counted as unmet ``off_shift`` (no car on shift at arrival) or ``busy``.
Other jobs go to the first free on-shift car that takes them, or else elsewhere.
A call of a type no car is sent to, not advised by the control room, may be advised by
phone by the first free on-shift car with ``phone_advice`` (DESIGN.md section 8): the car
is busy for the call's handling time and the call gets the outcomes after advice.

Counters are plain numbers aggregated as the run goes, the raw counters declared in
:mod:`sim.core.counters`; no records are kept beyond the chunk of demand in hand unless
an event log is asked for (:mod:`sim.core.eventlog`), so memory does not grow with the
horizon. Per call, the hot path does a handful of Python operations: the demand arrives
in bulk NumPy chunks (:mod:`sim.core.demand`); a call travels as its row in the chunk's
:class:`~sim.core.demand.CallTable` (named columns: ``calls.car_job_minutes[i]``, no
per-call object); calls of a type the car is not sent to never reach the processes, and
a call arriving with no car on shift is settled in the arrival loop; a car's on-shift
clock at whole hours is read from a table built once per car. Floating-point sums are added in
the same order as a straightforward implementation would, so optimising never changes a
result.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy
from simpy.events import Timeout

from sim.core.counters import Counters
from sim.core.demand import CallChunk, CallTable, DemandModel
from sim.core.eventlog import EventRecorder
from sim.core.metrics import derive
from sim.core.pathway import Detention, PathwayWorld
from sim.core.reuse import REUSE
from sim.core.streams import Streams
from sim.scenario.calendar import (
    HOURS_PER_WEEK,
    MINUTES_PER_HOUR,
    MINUTES_PER_WEEK,
    OnShiftClock,
    intervals_by_hour,
    shift_minutes_by_hour,
)
from sim.scenario.schema import Scenario


@dataclass
class ReplicationResult:
    """What one replication of one scenario produced.

    Attributes
    ----------
    metrics
        One value per metric of :data:`sim.core.metrics.METRICS`.
    by_hour
        Arrays of 168 values (Monday 00:00 first), summed over the measured weeks:
        ``calls``, ``car_attended``, ``unmet_off_shift``, ``unmet_busy`` (counts) and
        ``car_busy_minutes`` (car minutes on a job while on shift).
    by_car
        Per car: ``car_attended``, ``other_jobs_attended``, ``car_busy_hours``,
        ``car_overtime_hours``.
    events
        The event log (one row per call and per other job, see :mod:`sim.core.eventlog`),
        or ``None`` when none was asked for.
    """

    metrics: dict[str, float]
    by_hour: dict[str, np.ndarray]
    by_car: list[dict[str, float]]
    events: pd.DataFrame | None = None


class _Car:
    __slots__ = (
        "name", "index", "takes_other", "pattern", "clock", "hour_clock", "per_week",
        "on_shift", "busy_until", "seq", "job_measured", "job_kind", "job_id",
        "attended", "other_attended", "busy_minutes", "overtime_minutes", "officers",
        "detention", "other_measured", "phone_handling",
    )

    def __init__(self, name: str, index: int, takes_other: bool, pattern,
                 clock: OnShiftClock, officers: int = 1, phone_handling=None) -> None:
        self.name = name
        # The handling-time distribution of its phone advice (None: it gives none).
        self.phone_handling = phone_handling
        self.officers = officers
        # With a pathway: the detention the crew is conveying, until it reaches the place
        # of safety and its release time is known (busy_until is inf meanwhile).
        self.detention: Detention | None = None
        self.index = index
        self.takes_other = takes_other
        self.pattern = pattern
        self.clock = clock
        # clock(w * MINUTES_PER_WEEK + h * 60) == w * per_week + hour_clock[h], exactly
        # (the same floating-point operations as the clock itself).
        self.hour_clock = [clock(h * MINUTES_PER_HOUR) for h in range(HOURS_PER_WEEK)]
        self.per_week = clock(MINUTES_PER_WEEK) - clock(0)
        self.on_shift = False
        self.busy_until = -math.inf
        self.seq = 0  # job counter: a completion event for an older job is stale
        self.job_measured = False  # the job in hand is a call arriving in the measured weeks
        self.other_measured = False  # ... an other job arising in the measured weeks
        self.job_kind: str | None = None  # event log only: "call" or "other", and the
        self.job_id = -1  # id of the job in hand
        self.attended = 0
        self.other_attended = 0
        self.busy_minutes = 0.0
        self.overtime_minutes = 0.0


class _RoomRota:
    """The control room compiled once: its rota as arrays, capacity and share passed."""

    __slots__ = ("starts", "ends", "before", "per_week", "practitioners", "share",
                 "shift_minutes", "handling")

    def __init__(self, pattern, practitioners: int, share: float, weeks: int,
                 handling) -> None:
        self.handling = handling  # the handling-time distribution (minutes)
        self.starts = np.array([s for s, _ in pattern.windows], dtype=float)
        self.ends = np.array([e for _, e in pattern.windows], dtype=float)
        self.before = np.concatenate(([0.0], np.cumsum(self.ends - self.starts)[:-1]))
        self.per_week = float(pattern.minutes_per_week)
        self.practitioners = practitioners
        self.share = share
        self.shift_minutes = practitioners * self.per_week * weeks

    def window(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For times ``t``: the whole weeks, the offset within the week and the window."""
        weeks, offset = np.divmod(t, MINUTES_PER_WEEK)
        i = np.maximum(np.searchsorted(self.starts, offset, side="right") - 1, 0)
        return weeks, offset, i

    def on_shift(self, t: np.ndarray) -> np.ndarray:
        """Whether the control room is on shift at each time."""
        _, offset, i = self.window(t)
        return (offset >= self.starts[i]) & (offset < self.ends[i])

    def clock(self, t: np.ndarray) -> np.ndarray:
        """Minutes on shift in ``[0, t)`` (per practitioner), as OnShiftClock, in bulk."""
        weeks, offset, i = self.window(t)
        within = np.where(offset >= self.starts[i],
                          self.before[i] + np.minimum(offset, self.ends[i]) - self.starts[i], 0.0)
        return weeks * self.per_week + within


def room_handling(scenario: Scenario):
    """The control room's handling-time distribution, or None without a control room."""
    return scenario.control_room.handling_minutes if scenario.control_room else None


class _PhoneCalls:
    """A chunk's columns for phone advice by cars, as lists indexed by the chunk's rows.

    ``handling[c]`` holds the handling minutes under car ``c``'s distribution (``None``
    for a car that gives no advice), from the call's own uniform ``u_handling`` (as the
    control room's), for the calls a car may advise on (``index``); the other rows are 0
    and never read.
    """

    __slots__ = ("handling", "resolves", "s136_standard", "s136_advised", "ae_standard",
                 "ae_advised", "standard_hours", "advised_hours")

    def __init__(self, ch: CallChunk, index: np.ndarray, cars: list[_Car]) -> None:
        u = ch.u_handling[index]
        by_dist: dict[int, list[float]] = {}
        self.handling: list[list[float] | None] = []
        for car in cars:
            dist = car.phone_handling
            if dist is None:
                self.handling.append(None)
                continue
            if id(dist) not in by_dist:
                minutes = np.zeros(ch.arrival.size)
                minutes[index] = dist.ppf(u)
                by_dist[id(dist)] = minutes.tolist()
            self.handling.append(by_dist[id(dist)])
        self.resolves = ch.phone_resolves.tolist()
        self.s136_standard = ch.s136_standard.astype(int).tolist()
        self.s136_advised = ch.s136_advised.astype(int).tolist()
        self.ae_standard = ch.ae_standard.astype(int).tolist()
        self.ae_advised = ch.ae_advised.astype(int).tolist()
        self.standard_hours = ch.standard_officer_hours.tolist()
        self.advised_hours = ch.advised_officer_hours.tolist()


class ScenarioModel:
    """A scenario compiled for simulation; call :meth:`run` once per replication.

    Compile once and reuse it for a batch of replications: the demand model, the shift
    patterns and their clocks are built here, not per replication.
    """

    def __init__(self, scenario: Scenario, weeks: int | None = None,
                 warmup_weeks: int | None = None) -> None:
        self.scenario = scenario
        self.weeks = scenario.run.weeks if weeks is None else weeks
        warmup = scenario.run.warmup_weeks if warmup_weeks is None else warmup_weeks
        self.t_start = warmup * MINUTES_PER_WEEK
        self.t_end = self.t_start + self.weeks * MINUTES_PER_WEEK
        self.demand = DemandModel(scenario)
        self.patterns = [car.pattern() for car in scenario.cars]
        self.car_takes_other = [scenario.car_takes_other_jobs(c) for c in scenario.cars]
        # Per car: the handling time of its phone advice (the control room's, else its
        # own), or None for a car that gives none.
        handling = room_handling(scenario)
        self.phone_handling = [
            (c.phone_advice_minutes if handling is None else handling) if c.phone_advice
            else None for c in scenario.cars]
        self.shift_minutes_by_hour = shift_minutes_by_hour(self.patterns) * self.weeks
        room = scenario.control_room
        self.room = _RoomRota(room.pattern(), room.practitioners, room.share_screened,
                              self.weeks, room.handling_minutes) if room is not None else None

    def run(self, seed: int, replication: int, event_log: bool = False,
            by_hour: bool = True) -> ReplicationResult:
        """Simulate one replication with the streams of ``(seed, replication)``.

        With ``event_log=True`` the result's ``events`` holds one row per call and per
        other job (:mod:`sim.core.eventlog`); the metrics are the same either way. With
        ``by_hour=False`` the time of cars, practitioners and beds is not split by hour of
        week (``by_hour`` then holds zeros for those; the counts by hour and every metric
        are the same): the sensitivity analysis needs only the metrics.
        """
        return _Replication(self, Streams(seed, replication), event_log, by_hour).run()


class _Replication:
    """State of one replication while it runs."""

    def __init__(self, model: ScenarioModel, streams: Streams, event_log: bool = False,
                 by_hour: bool = True) -> None:
        sc = model.scenario
        self.by_hour = by_hour
        self.model = model
        self.streams = streams
        self.env = simpy.Environment()
        self.t_start, self.t_end = model.t_start, model.t_end
        self.max_wait = sc.dispatch.max_wait_minutes
        self.hand_over = sc.dispatch.end_of_shift == "hand_over"
        self.track_completions = self.max_wait > 0
        self.frontline_officers = sc.response.standard.officers
        self.cars = [
            _Car(c.name, i, takes, p, p.cumulative(), c.officers, phone)
            for i, (c, takes, p, phone) in enumerate(
                zip(sc.cars, model.car_takes_other, model.patterns, model.phone_handling,
                    strict=True))
        ]
        self.other_cars = [car for car in self.cars if car.takes_other]
        self.phone_cars = [car for car in self.cars if car.phone_handling is not None]
        self.n_on_shift = 0
        self.n_other_on_shift = 0  # cars on shift that take other jobs
        # Calls waiting for a car, first come first served, as (table, row); each gives up
        # at its arrival + max_wait (the same sum, so the same number, wherever it is made).
        self.queue: deque[tuple[CallTable, int]] = deque()
        self.log = EventRecorder() if event_log else None
        self.counts = Counters()  # the raw values behind sim.core.metrics.derive
        self.hour_attended = [0] * HOURS_PER_WEEK
        self.hour_off = [0] * HOURS_PER_WEEK
        self.hour_busy = [0] * HOURS_PER_WEEK
        self.hour_car_busy = [0.0] * HOURS_PER_WEEK
        self.hour_calls = np.zeros(HOURS_PER_WEEK, dtype=np.int64)
        self.hour_not_for_car = np.zeros(HOURS_PER_WEEK, dtype=np.int64)
        self.hour_resolved = np.zeros(HOURS_PER_WEEK, dtype=np.int64)
        self.hour_screened = np.zeros(HOURS_PER_WEEK, dtype=np.int64)
        self.hour_cr_busy = np.zeros(HOURS_PER_WEEK)
        self.hour_car_advised = [0] * HOURS_PER_WEEK  # phone advice by a car
        self.hour_car_resolved = [0] * HOURS_PER_WEEK
        room = model.room
        # When each practitioner comes free (a heap): a loss system, no queue.
        self.room_free = [-math.inf] * room.practitioners if room is not None else []
        # The Section 136 pathway (sim.core.pathway): this scenario's world and the
        # do-minimum world (every call the standard response, the same places of safety).
        self.world = self.dominimum = None
        self.dominimum_key = (model.demand.key, streams.seed, streams.replication,
                              self.t_start, self.t_end)
        self.dominimum_kept = None
        if sc.pathway is not None:
            self.world = PathwayWorld(sc.pathway, self.t_start, self.t_end, self._car_released,
                                      track_hours=by_hour)
            if event_log:
                self.world.settled = []
            # The do-minimum world is the same for every scenario with the same calls:
            # computed once and kept (sim.core.reuse), else simulated in this pass.
            self.dominimum_kept = REUSE.world(self.dominimum_key)
            if self.dominimum_kept is None:
                self.dominimum = PathwayWorld(sc.pathway, self.t_start, self.t_end,
                                              track_hours=False)

    # ------------------------------------------------------------------ run
    def run(self) -> ReplicationResult:
        env = self.env
        for car in self.cars:
            env.process(self._shifts(car))
        env.process(self._arrivals())
        env.run(until=self.t_end)
        log = self.log
        counts = self.counts
        world = self.world
        for calls, i in self.queue:
            arrival = calls.arrival[i]
            expired = arrival + self.max_wait < self.t_end
            if log is not None:
                log.call_unmet(calls.first_id + i, "unmet_busy" if expired else "waiting_at_end")
            if world is not None:  # the standard response once the wait is over
                self._standard_detention(calls, i, arrival + self.max_wait)
            if arrival >= self.t_start:
                if expired:
                    counts.unmet_busy += 1
                    self.hour_busy[int(arrival // MINUTES_PER_HOUR) % HOURS_PER_WEEK] += 1
                else:
                    counts.waiting_at_end += 1
        if world is not None:
            self.queue.clear()
            world.settle_until(math.inf)
            self._pathway_totals()
        counts.car_shift_minutes = float(self.model.shift_minutes_by_hour.sum())
        counts.car_busy_minutes = sum(car.busy_minutes for car in self.cars)
        counts.car_overtime_minutes = sum(car.overtime_minutes for car in self.cars)
        if self.model.room is not None:
            counts.cr_shift_minutes = self.model.room.shift_minutes
        return self._result()

    def _pathway_totals(self) -> None:
        """The pathway's raw counters from both worlds (after every detention is settled)."""
        counts, w = self.counts, self.world
        dom = self.dominimum_kept
        if dom is None:
            d = self.dominimum
            d.settle_until(math.inf)
            dom = {"pathway_officer_hours_baseline": d.frontline_minutes / 60.0,
                   "s136_police_hours_baseline": d.police_minutes / 60.0,
                   "pos_diverted_baseline": d.diverted_ae + d.diverted_custody,
                   "s136_breaches_baseline": d.breaches}
            REUSE.keep_world(self.dominimum_key, dom)
        for name, value in dom.items():
            setattr(counts, name, value)
        counts.pathway_officer_hours = w.frontline_minutes / 60.0
        counts.s136_police_hours = w.police_minutes / 60.0
        counts.car_s136 = w.car_detentions
        counts.car_s136_police_hours = w.car_police_minutes / 60.0
        counts.pos_waits = w.waits
        counts.pos_wait_hours = w.wait_minutes / 60.0
        counts.pos_ae_first = w.ae_first
        counts.pos_diverted_ae = w.diverted_ae
        counts.pos_diverted_custody = w.diverted_custody
        counts.s136_breaches_24h = w.breaches
        counts.ambulance_wait_hours = w.ambulance_wait_minutes / 60.0
        counts.pos_bed_minutes = w.bed_minutes
        if self.log is not None and w.settled is not None:
            for cid, place, wait, release in w.settled:
                self.log.call_pathway(cid, place, wait, release)

    def _result(self) -> ReplicationResult:
        metrics = derive(self.counts.as_dict(), len(self.cars), self.model.weeks,
                         pathway=self.world is not None)
        by_hour = {
            "calls": self.hour_calls.astype(float),
            "car_attended": np.array(self.hour_attended, dtype=float),
            "unmet_off_shift": np.array(self.hour_off, dtype=float),
            "unmet_busy": np.array(self.hour_busy, dtype=float),
            "not_for_car": self.hour_not_for_car.astype(float),
            "cr_resolved_by_phone": self.hour_resolved.astype(float),
            "cr_screened": self.hour_screened.astype(float),
            "car_phone_advised": np.array(self.hour_car_advised, dtype=float),
            "car_resolved_by_phone": np.array(self.hour_car_resolved, dtype=float),
            "car_busy_minutes": np.array(self.hour_car_busy),
            "cr_busy_minutes": self.hour_cr_busy.copy(),
            "pos_bed_minutes": (self.world.beds_by_hour().copy() if self.world is not None
                                else np.zeros(HOURS_PER_WEEK)),
        }
        by_car = [
            {
                "car_attended": float(car.attended),
                "other_jobs_attended": float(car.other_attended),
                "car_busy_hours": car.busy_minutes / 60.0,
                "car_overtime_hours": car.overtime_minutes / 60.0,
            }
            for car in self.cars
        ]
        events = None
        if self.log is not None:
            events = self.log.frame(
                [car.name for car in self.cars], self.model.demand.type_names,
                self.t_start, self.t_end)
        return ReplicationResult(metrics, by_hour, by_car, events)

    # ------------------------------------------------------------ processes
    def _shifts(self, car: _Car):
        env = self.env
        for start, end in car.pattern.iter_windows(self.t_end):
            if start > env.now:
                yield env.timeout(start - env.now)
            car.on_shift = True
            self.n_on_shift += 1
            self.n_other_on_shift += car.takes_other
            if self.queue and car.busy_until <= env.now:
                self._serve_queue(car)
            yield env.timeout(end - env.now)
            car.on_shift = False
            self.n_on_shift -= 1
            self.n_other_on_shift -= car.takes_other
            if self.hand_over and car.busy_until > env.now:
                self._hand_over(car)

    def _arrivals(self):
        env = self.env
        peek = env.peek
        t_end = self.t_end
        t_start = self.t_start
        dispatch_call = self._call
        other_job = self._other_job
        log = self.log
        counts = self.counts
        hour_off = self.hour_off
        all_sent = bool(self.model.demand.sent_to_car.all())
        room = self.model.room
        world = self.world
        phone_call = self._phone_call
        for ch in self.model.demand.chunks(self.streams, t_end):
            # The control room decides first, from the calls' own uniforms alone: it does
            # not depend on the cars, so a chunk is screened in one pass.
            screened = resolved = None
            if room is not None:
                screened = self._screen(ch)
                resolved = screened & ch.phone_resolves
            # With a car that advises by phone, the calls it may advise (a type no car is
            # sent to, not advised by the control room) go through the arrival loop.
            phone = None
            if self.phone_cars:
                phone = ~ch.sent_to_car if screened is None else ~ch.sent_to_car & ~screened
            self._chunk_totals(ch, screened, resolved)
            if self.world is not None:
                self._chunk_pathway(ch, screened, resolved, phone)
            if log is not None:
                log.add_chunk(ch)
                if screened is not None:
                    log.advised(screened)
                if resolved is not None:
                    for i in np.flatnonzero(resolved).tolist():
                        log.call_unmet(ch.first_call_id + i, "resolved_by_phone")
            if not self.cars:  # no car: no event to wait for, every call in bulk
                self._no_car_chunk(ch, resolved)
                if ch.arrival.size and ch.arrival[-1] >= t_end:
                    break
                continue
            # Calls of a type the car is not sent to get the standard response, and calls
            # resolved by phone get none: counted in bulk (_chunk_totals, the event log),
            # they never reach the processes.
            if all_sent and resolved is None:
                sent: range | list[int] = range(ch.arrival.size)
                sent_arrival = ch.arrival
            else:
                mask = ch.sent_to_car if resolved is None else ch.sent_to_car & ~resolved
                index = np.flatnonzero(mask)
                sent, sent_arrival = index.tolist(), ch.arrival[index]
            n_calls = len(sent)
            n_other = ch.other_arrival.size
            if phone is None:
                times = np.concatenate((sent_arrival, ch.other_arrival))
            else:  # the calls for phone advice come after the other jobs
                phone_index = np.flatnonzero(phone)
                phone_rows = phone_index.tolist()
                times = np.concatenate((sent_arrival, ch.other_arrival,
                                        ch.arrival[phone_index]))
                advice = _PhoneCalls(ch, phone_index, self.cars)
            order = np.argsort(times, kind="stable")
            n_due = int(np.searchsorted(times[order], t_end))  # arrivals before the end
            calls = CallTable(ch, screened)
            arrival = calls.arrival
            other_t = ch.other_arrival.tolist()
            other_minutes = ch.other_job_minutes.tolist()
            first_other = ch.first_other_id
            for k in order[:n_due].tolist():
                if k < n_calls:
                    i = sent[k]
                    t = arrival[i]
                    if peek() <= t:
                        yield env.timeout(max(0.0, t - env.now))
                    if self.n_on_shift:
                        dispatch_call(calls, i)
                        continue
                    # No car on shift (most calls): the standard response, counted here.
                    if log is not None:
                        log.call_unmet(calls.first_id + i, "unmet_off_shift")
                    if world is not None and calls.s136_fallback[i]:
                        self._standard_detention(calls, i, t)
                    if t >= t_start:
                        counts.unmet_off_shift += 1
                        hour_off[int(t // MINUTES_PER_HOUR) % HOURS_PER_WEEK] += 1
                else:
                    o = k - n_calls
                    if o >= n_other:  # a call a car may advise on by phone
                        i = phone_rows[o - n_other]
                        t = arrival[i]
                        if peek() <= t:
                            yield env.timeout(max(0.0, t - env.now))
                        phone_call(calls, i, t, advice)
                        continue
                    t = other_t[o]
                    if peek() <= t:
                        yield env.timeout(max(0.0, t - env.now))
                    if self.n_other_on_shift:  # else no car can take it
                        other_job(t, first_other + o, other_minutes[o])
            if n_due < order.size:
                break

    # -------------------------------------------------------------- pathway
    def _chunk_pathway(self, ch: CallChunk, screened: np.ndarray | None,
                       resolved: np.ndarray | None, phone: np.ndarray | None = None) -> None:
        """A new chunk with a pathway: settle what is due, then add its known detentions.

        The do-minimum world (unless kept from an earlier scenario) gets every call's
        standard-response detention; this world gets those of calls that never reach a
        car (a type the car is not sent to, or every call when there is no car), with the
        advised risk where the control room advised. Every earlier chunk's detentions are
        known by now, and every later one reaches a place of safety after its own arrival:
        so the do-minimum world settles up to the chunk's first arrival, and this world up
        to the clock (or, with no car, that same first arrival). Calls a car may advise on
        by phone (``phone``) are left to the arrival loop, which knows their advice.
        """
        first_arrival = float(ch.arrival[0]) if ch.arrival.size else self.env.now
        self._settle(self.env.now if self.cars else first_arrival)
        self.world.beds_by_hour()  # memory stays flat in the horizon
        d = ch.pathway
        officers = self.frontline_officers
        t0 = (ch.arrival + d.std_scene_end).tolist()
        scene = (officers * d.std_scene_end).tolist()
        measured = (ch.arrival >= self.t_start).tolist()
        first = ch.first_call_id
        dom = self.dominimum
        if dom is not None:
            dom.settle_until(first_arrival)
            for i in np.flatnonzero(ch.s136_standard).tolist():
                dom.push(Detention(d, i, t0[i], officers, scene[i], None, measured[i],
                                   first + i))
        detained = ch.s136_standard if screened is None else np.where(
            screened, ch.s136_advised, ch.s136_standard)
        mask = detained & (ch.arrival < self.t_end)
        if self.cars:
            mask &= ~ch.sent_to_car
        if resolved is not None:
            mask &= ~resolved
        if phone is not None:
            mask &= ~phone
        world = self.world
        for i in np.flatnonzero(mask).tolist():
            world.push(Detention(d, i, t0[i], officers, scene[i], None, measured[i],
                                 first + i))

    def _no_car_chunk(self, ch: CallChunk, resolved: np.ndarray | None) -> None:
        """With no car every call sent to a car is unmet off shift: counted in bulk.

        The same counts the arrival loop would make call by call (the pathway's
        detentions are pushed by :meth:`_chunk_pathway`); no event is needed.
        """
        sent = ch.sent_to_car if resolved is None else ch.sent_to_car & ~resolved
        sent &= ch.arrival < self.t_end
        if self.log is not None:
            for i in np.flatnonzero(sent).tolist():
                self.log.call_unmet(ch.first_call_id + i, "unmet_off_shift")
        m = sent & (ch.arrival >= self.t_start)
        self.counts.unmet_off_shift += int(m.sum())
        hours = (ch.arrival[m] // MINUTES_PER_HOUR).astype(np.int64) % HOURS_PER_WEEK
        for h, n in enumerate(np.bincount(hours, minlength=HOURS_PER_WEEK).tolist()):
            if n:
                self.hour_off[h] += n

    def _standard_detention(self, calls: CallTable, i: int, dispatch: float) -> None:
        """Call ``i`` gets the standard response from ``dispatch``: its detention, if any."""
        if calls.s136_fallback[i]:
            d = calls.chunk.pathway
            scene = float(d.std_scene_end[i])
            officers = self.frontline_officers
            self.world.push(Detention(d, i, dispatch + scene, officers, officers * scene,
                                      None, calls.arrival[i] >= self.t_start,
                                      calls.first_id + i))

    def _settle(self, t: float) -> None:
        """Settle this world's detentions due by ``t``, in arrival order at the beds.

        A call waiting for a car whose wait ends before the next detention's arrival at
        a place of safety gets the standard response first (as :meth:`_serve_queue`
        would find it later): its own detention may reach the beds before that one.
        """
        world, queue, max_wait = self.world, self.queue, self.max_wait
        while True:
            due = world.next_due()
            if queue:
                calls, i = queue[0]
                expiry = calls.arrival[i] + max_wait
                if expiry < due and expiry < t:
                    queue.popleft()
                    self._expired(calls, i)
                    continue
            if due > t:
                return
            world.settle_next()

    def _car_at_pos(self, event: Timeout) -> None:
        """A car's crew reaches the place of safety with a detained person."""
        self._settle(self.env.now)

    def _car_released(self, det: Detention, release: float) -> None:
        """The world settled a car's detention: the crew is free at ``release``."""
        car = det.car
        if det.frontline or car.detention is not det:  # handed over meanwhile
            return
        car.detention = None
        self._account(car, det.t1, release, 1.0)
        car.busy_until = release
        car.seq += 1
        if self.log is not None and car.job_kind == "call":
            self.log.call_released(car.job_id, release)
        if self.track_completions:
            event = Timeout(self.env, max(0.0, release - self.env.now), (car, car.seq))
            event.callbacks.append(self._freed)

    def _screen(self, ch: CallChunk) -> np.ndarray:
        """Which of the chunk's calls a practitioner advises on; counts the control room.

        A call is passed to the control room when ``u_screen < share_screened``; it is
        screened when a practitioner is on shift and free at its arrival, and then holds
        that practitioner for its handling time (finished even past the shift end).
        """
        room = self.model.room
        t = ch.arrival
        on = room.on_shift(t)
        passed = ch.u_screen < room.share
        candidates = np.flatnonzero(on & passed)
        screened = np.zeros(t.size, dtype=bool)
        free = self.room_free
        handling = np.zeros(t.size)  # needed only for the calls passed while on shift
        handling[candidates] = room.handling.ppf(ch.u_handling[candidates])
        for j, tj, h in zip(candidates.tolist(), t[candidates].tolist(),
                            handling[candidates].tolist(), strict=True):
            if free[0] <= tj:
                heapq.heapreplace(free, tj + h)
                screened[j] = True
        s = np.flatnonzero(screened)
        a = np.maximum(t[s], self.t_start)
        b = np.minimum(t[s] + handling[s], self.t_end)
        inside = b > a
        a, b = a[inside], b[inside]
        counts = self.counts
        counts.cr_busy_minutes += float((room.clock(b) - room.clock(a)).sum())
        if self.by_hour:
            self._room_busy_by_hour(a, b)
        m = (t >= self.t_start) & (t < self.t_end)
        counts.cr_screened += int((screened & m).sum())
        hours = (t[screened & m] // MINUTES_PER_HOUR).astype(np.int64) % HOURS_PER_WEEK
        self.hour_screened += np.bincount(hours, minlength=HOURS_PER_WEEK)
        counts.cr_unscreened_off_shift += int((~on & m).sum())
        counts.cr_not_passed += int((on & ~passed & m).sum())
        counts.cr_unscreened_busy += int((on & passed & ~screened & m).sum())
        return screened

    def _room_busy_by_hour(self, a: np.ndarray, b: np.ndarray) -> None:
        """Add practitioners' on-shift busy minutes in ``[a, b)`` to their hours of week.

        The on-shift part of each hour's piece is ``clock(end) - clock(start)``, as for
        the total (which is summed apart, so the by-hour figures add up to it up to
        rounding).
        """
        self.hour_cr_busy += intervals_by_hour(a, b, self.model.room.clock)

    def _chunk_totals(self, ch: CallChunk, screened: np.ndarray | None = None,
                      resolved: np.ndarray | None = None) -> None:
        """Baseline totals of the chunk's measured calls, in bulk.

        With a control room, also the effect of advice on every screened call: a call
        resolved by phone saves its whole standard response; any other screened call is
        credited with the standard response less the advised one here, and a car that
        then attends it adds the advised response less the car's (:class:`CallTable`).
        """
        counts = self.counts
        m = (ch.arrival >= self.t_start) & (ch.arrival < self.t_end)
        if screened is not None and resolved is not None:
            r = resolved & m
            counts.cr_resolved_by_phone += int(r.sum())
            counts.s136_avoided += int(ch.s136_standard[r].sum())
            counts.ae_avoided += int(ch.ae_standard[r].sum())
            counts.officer_hours_saved_raw += float(ch.standard_officer_hours[r].sum())
            a = screened & ~resolved & m
            counts.s136_avoided += int(ch.s136_standard[a].sum()) - int(ch.s136_advised[a].sum())
            counts.ae_avoided += int(ch.ae_standard[a].sum()) - int(ch.ae_advised[a].sum())
            counts.officer_hours_saved_raw += float(
                (ch.standard_officer_hours[a] - ch.advised_officer_hours[a]).sum())
        counts.mh_calls += int(m.sum())
        counts.s136_baseline += int(ch.s136_standard[m].sum())
        counts.ae_baseline += int(ch.ae_standard[m].sum())
        counts.officer_hours_baseline += float(ch.standard_officer_hours[m].sum())
        hours = (ch.arrival[m] // MINUTES_PER_HOUR).astype(np.int64) % HOURS_PER_WEEK
        self.hour_calls += np.bincount(hours, minlength=HOURS_PER_WEEK)
        not_sent = ~ch.sent_to_car[m]
        if resolved is not None:  # resolved by phone: no deployment, car or standard
            not_sent &= ~resolved[m]
            self.hour_resolved += np.bincount(hours[resolved[m]], minlength=HOURS_PER_WEEK)
        counts.not_for_car += int(not_sent.sum())
        self.hour_not_for_car += np.bincount(hours[not_sent], minlength=HOURS_PER_WEEK)
        mo = (ch.other_arrival >= self.t_start) & (ch.other_arrival < self.t_end)
        counts.other_jobs_arrived += int(mo.sum())

    # ------------------------------------------------------------- dispatch
    def _call(self, calls: CallTable, i: int) -> None:
        """Call ``i`` of ``calls``, arriving while a car is on shift (see _arrivals)."""
        t = calls.arrival[i]
        for car in self.cars:
            if car.on_shift and car.busy_until <= t:
                self._start_call(car, t, calls, i)
                return
        if self.max_wait > 0:
            self.queue.append((calls, i))
            return
        if self.log is not None:
            self.log.call_unmet(calls.first_id + i, "unmet_busy")
        if self.world is not None:
            self._standard_detention(calls, i, t)
        if t >= self.t_start:
            self.counts.unmet_busy += 1
            self.hour_busy[int(t // MINUTES_PER_HOUR) % HOURS_PER_WEEK] += 1

    def _start_call(self, car: _Car, now: float, calls: CallTable, i: int) -> None:
        arrival = calls.arrival[i]
        measured = arrival >= self.t_start
        end = now + calls.car_job_minutes[i]
        if self.world is not None and calls.s136_car[i]:
            self._start_car_detention(car, now, calls, i, measured)
            end = math.inf  # known once the crew reaches a place of safety
        else:
            self._start_job(car, now, end)
        car.job_measured = measured
        car.other_measured = False
        if self.log is not None:
            car.job_kind, car.job_id = "call", calls.first_id + i
            self.log.call_attended(car.job_id, car.index, now, end)
        if measured:
            counts = self.counts
            counts.car_attended += 1
            counts.s136_avoided += calls.s136_avoided[i]
            counts.ae_avoided += calls.ae_avoided[i]
            counts.officer_hours_saved_raw += calls.standard_officer_hours[i]
            counts.response_minutes_sum += now - arrival + calls.car_travel_minutes[i]
            if now > arrival:
                counts.waited += 1
            car.attended += 1
            self.hour_attended[int(arrival // MINUTES_PER_HOUR) % HOURS_PER_WEEK] += 1

    def _start_car_detention(self, car: _Car, now: float, calls: CallTable, i: int,
                             measured: bool) -> None:
        """The car's crew detains the person: busy until the pathway releases them."""
        d = calls.chunk.pathway
        scene = float(d.car_scene_end[i])
        det = Detention(d, i, now + scene, car.officers, car.officers * scene, car, measured,
                        calls.first_id + i)
        t1 = det.t1
        self._account(car, now, t1, 1.0)  # to the place of safety; the rest when settled
        car.busy_until = math.inf
        car.seq += 1
        car.detention = det
        self.world.push(det)
        event = Timeout(self.env, max(0.0, t1 - self.env.now))
        event.callbacks.append(self._car_at_pos)

    def _phone_call(self, calls: CallTable, i: int, t: float, advice: _PhoneCalls) -> None:
        """Call ``i``, of a type no car is sent to and not advised by the control room.

        The first car with ``phone_advice`` on shift and free advises on it by phone: the
        car is busy for the call's handling time (never handed over: with ``hand_over``
        it is free at its shift end), and the call gets the outcomes after advice, as a
        call the control room advised. With no such car, the standard response (already
        counted as ``not_for_car`` in bulk) and, with a pathway, its detention.
        """
        for car in self.phone_cars:
            if car.on_shift and car.busy_until <= t:
                break
        else:
            if self.world is not None:
                self._standard_detention(calls, i, t)
            return
        self._start_job(car, t, t + advice.handling[car.index][i])
        car.job_measured = car.other_measured = False
        car.job_kind = None  # nothing to hand over
        resolved = advice.resolves[i]
        if self.log is not None:
            self.log.phone_advised(calls.first_id + i, car.index, resolved)
        if not resolved and self.world is not None and advice.s136_advised[i]:
            d = calls.chunk.pathway
            scene = float(d.std_scene_end[i])
            officers = self.frontline_officers
            self.world.push(Detention(d, i, t + scene, officers, officers * scene, None,
                                      t >= self.t_start, calls.first_id + i))
        if t < self.t_start:
            return
        counts = self.counts
        hour = int(t // MINUTES_PER_HOUR) % HOURS_PER_WEEK
        counts.car_phone_advised += 1
        self.hour_car_advised[hour] += 1
        if resolved:  # no deployment: the whole standard response is avoided
            counts.car_resolved_by_phone += 1
            self.hour_car_resolved[hour] += 1
            counts.not_for_car -= 1  # counted there in bulk (_chunk_totals)
            self.hour_not_for_car[hour] -= 1
            counts.s136_avoided += advice.s136_standard[i]
            counts.ae_avoided += advice.ae_standard[i]
            counts.officer_hours_saved_raw += advice.standard_hours[i]
        else:  # the standard response with the advised probabilities
            counts.s136_avoided += advice.s136_standard[i] - advice.s136_advised[i]
            counts.ae_avoided += advice.ae_standard[i] - advice.ae_advised[i]
            counts.officer_hours_saved_raw += advice.standard_hours[i] - advice.advised_hours[i]

    def _other_job(self, t: float, oid: int, minutes: float) -> None:
        """Other job ``oid`` arising at ``t``, needing a car for ``minutes``."""
        for car in self.other_cars:
            if car.on_shift and car.busy_until <= t:
                end = t + minutes
                self._start_job(car, t, end)
                car.job_measured = False
                car.other_measured = t >= self.t_start
                if self.log is not None:
                    car.job_kind, car.job_id = "other", oid
                    self.log.other_attended(oid, car.index, t, end)
                if t >= self.t_start:
                    self.counts.other_jobs_attended += 1
                    self.counts.other_jobs_car_minutes += minutes
                    car.other_attended += 1
                return

    def _start_job(self, car: _Car, start: float, end: float) -> None:
        car.busy_until = end
        car.seq += 1
        self._account(car, start, end, 1.0)
        if self.track_completions:
            # max(): the clock can sit an ulp past an arrival time (now + (t - now) != t)
            event = Timeout(self.env, max(0.0, end - self.env.now), (car, car.seq))
            event.callbacks.append(self._freed)

    def _freed(self, event: Timeout) -> None:
        car, seq = event.value
        if car.seq == seq and car.on_shift and self.queue:
            self._serve_queue(car)

    def _serve_queue(self, car: _Car) -> None:
        now = self.env.now
        queue = self.queue
        max_wait = self.max_wait
        while queue:
            calls, i = queue[0]
            arrival = calls.arrival[i]
            if arrival + max_wait >= now:
                break
            queue.popleft()  # waited too long: standard response
            self._expired(calls, i)
        if queue:
            calls, i = queue.popleft()
            self._start_call(car, now, calls, i)

    def _expired(self, calls: CallTable, i: int) -> None:
        """Call ``i`` waited ``max_wait_minutes`` for a car in vain: the standard response."""
        arrival = calls.arrival[i]
        if self.log is not None:
            self.log.call_unmet(calls.first_id + i, "unmet_busy")
        if self.world is not None:
            self._standard_detention(calls, i, arrival + self.max_wait)
        if arrival >= self.t_start:
            self.counts.unmet_busy += 1
            self.hour_busy[int(arrival // MINUTES_PER_HOUR) % HOURS_PER_WEEK] += 1

    def _hand_over(self, car: _Car) -> None:
        """Shift over with a job in hand: frontline officers take the rest of it."""
        now = self.env.now
        det = car.detention
        if det is not None:  # on the way to a place of safety: officers take the journey
            car.detention = None
            det.frontline = True
            det.officers = self.frontline_officers
            end = det.t1  # accounted so far
        else:
            end = car.busy_until
        if car.other_measured:  # the rest of an other job is done elsewhere
            self.counts.other_jobs_car_minutes -= end - now
        self._account(car, now, end, -1.0)
        if car.job_measured:
            self.counts.handed_over += 1
            # With a detention under way the pathway charges the officers from t0 on
            # (sim.core.pathway); here only the rest of the time on scene, or, past t0,
            # a credit for the part of the journey the car's crew made.
            remaining_hours = ((det.t0 if det is not None else end) - now) / 60.0
            self.counts.officer_hours_saved_raw -= self.frontline_officers * remaining_hours
        if self.log is not None and car.job_kind is not None:
            self.log.handed_over(car.job_kind, car.job_id, now)
        car.busy_until = now
        car.seq += 1
        car.job_measured = False
        car.other_measured = False
        car.job_kind = None

    # ------------------------------------------------------------ car time
    def _account(self, car: _Car, start: float, end: float, sign: float) -> None:
        """Add (or with ``sign=-1`` remove) a job's time inside the measured weeks.

        On-shift time is ``clock(b) - clock(a)``, split by hour of week as
        ``clock(hour end) - clock(hour start)``; clock values at whole hours come from
        the car's table, which gives the very numbers the clock would.
        """
        t_start, t_end = self.t_start, self.t_end
        a = t_start if t_start > start else start
        b = t_end if t_end < end else end
        if b <= a:
            return
        clock = car.clock
        ca = clock(a)
        cb = clock(b)
        on = cb - ca
        if on > b - a:  # rounding: clock differences can exceed the interval by an ulp
            on = b - a
        car.busy_minutes += sign * on
        car.overtime_minutes += sign * ((b - a) - on)
        if on <= 0 or not self.by_hour:
            return
        busy = self.hour_car_busy
        hour = int(a // MINUTES_PER_HOUR)
        lo = ca
        nxt = (hour + 1) * MINUTES_PER_HOUR
        if nxt < b:
            table, per_week = car.hour_clock, car.per_week
            while nxt < b:
                weeks, offset = divmod(nxt, MINUTES_PER_WEEK)
                hi = weeks * per_week + table[offset // MINUTES_PER_HOUR]
                part = hi - lo
                if part:
                    busy[hour % HOURS_PER_WEEK] += sign * part
                lo = hi
                hour += 1
                nxt += MINUTES_PER_HOUR
        part = cb - lo
        if part:
            busy[hour % HOURS_PER_WEEK] += sign * part
