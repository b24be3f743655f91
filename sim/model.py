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

Counters are aggregated as the run goes; no per-call records are kept.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy

from sim.calendar import HOURS_PER_WEEK, MINUTES_PER_HOUR, MINUTES_PER_WEEK, OnShiftClock
from sim.config import Scenario
from sim.demand import DemandModel
from sim.metrics import derive
from sim.streams import Streams


@dataclass
class ReplicationResult:
    """What one replication of one scenario produced.

    Attributes
    ----------
    metrics
        One value per metric of :data:`sim.metrics.METRICS`.
    by_hour
        Arrays of 168 values (Monday 00:00 first), summed over the measured weeks:
        ``calls``, ``car_attended``, ``unmet_off_shift``, ``unmet_busy`` (counts) and
        ``car_busy_minutes`` (car minutes on a job while on shift).
    by_car
        Per car: ``car_attended``, ``other_jobs_attended``, ``car_busy_hours``,
        ``car_overtime_hours``.
    """

    metrics: dict[str, float]
    by_hour: dict[str, np.ndarray]
    by_car: list[dict[str, float]]


class _Car:
    __slots__ = (
        "name", "takes_other", "pattern", "clock", "on_shift", "busy_until", "seq", "job",
        "attended", "other_attended", "busy_minutes", "overtime_minutes",
    )

    def __init__(self, name: str, takes_other: bool, pattern, clock: OnShiftClock) -> None:
        self.name = name
        self.takes_other = takes_other
        self.pattern = pattern
        self.clock = clock
        self.on_shift = False
        self.busy_until = -math.inf
        self.seq = 0  # job counter: a completion event for an older job is stale
        self.job: tuple[bool, float] | None = None  # (measured call?, arrival) of a call in hand
        self.attended = 0
        self.other_attended = 0
        self.busy_minutes = 0.0
        self.overtime_minutes = 0.0


class ScenarioModel:
    """A scenario compiled for simulation; call :meth:`run` once per replication."""

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
        self.shift_minutes_by_hour = np.array(
            [p.minutes_by_hour_of_week() for p in self.patterns]
        ).reshape(len(self.patterns), HOURS_PER_WEEK).sum(axis=0) * self.weeks

    def run(self, seed: int, replication: int) -> ReplicationResult:
        """Simulate one replication with the streams of ``(seed, replication)``."""
        return _Replication(self, Streams(seed, replication)).run()


class _Replication:
    """State of one replication while it runs."""

    def __init__(self, model: ScenarioModel, streams: Streams) -> None:
        sc = model.scenario
        self.model = model
        self.streams = streams
        self.env = simpy.Environment()
        self.t_start, self.t_end = model.t_start, model.t_end
        self.max_wait = sc.dispatch.max_wait_minutes
        self.hand_over = sc.dispatch.end_of_shift == "hand_over"
        self.track_completions = self.max_wait > 0
        self.frontline_officers = sc.response.standard.officers
        self.cars = [
            _Car(c.name, takes, p, p.cumulative())
            for c, takes, p in zip(sc.cars, model.car_takes_other, model.patterns, strict=True)
        ]
        self.queue: deque = deque()
        self.c = dict.fromkeys(
            ("car_attended", "unmet_off_shift", "unmet_busy", "waiting_at_end", "waited",
             "handed_over", "other_jobs_attended", "s136_avoided", "ae_avoided",
             "officer_hours_saved_raw", "response_minutes_sum", "mh_calls",
             "other_jobs_arrived", "s136_baseline", "ae_baseline", "officer_hours_baseline"),
            0.0,
        )
        self.hour_attended = [0] * HOURS_PER_WEEK
        self.hour_off = [0] * HOURS_PER_WEEK
        self.hour_busy = [0] * HOURS_PER_WEEK
        self.hour_car_busy = [0.0] * HOURS_PER_WEEK
        self.hour_calls = np.zeros(HOURS_PER_WEEK, dtype=np.int64)

    # ------------------------------------------------------------------ run
    def run(self) -> ReplicationResult:
        env = self.env
        for car in self.cars:
            env.process(self._shifts(car))
        env.process(self._arrivals())
        env.run(until=self.t_end)
        for deadline, arrival, _ in self.queue:
            if arrival >= self.t_start:
                key = "unmet_busy" if deadline < self.t_end else "waiting_at_end"
                self.c[key] += 1
                if key == "unmet_busy":
                    self.hour_busy[int(arrival // MINUTES_PER_HOUR) % HOURS_PER_WEEK] += 1
        return self._result()

    def _result(self) -> ReplicationResult:
        raw = dict(self.c)
        raw["car_shift_minutes"] = float(self.model.shift_minutes_by_hour.sum())
        raw["car_busy_minutes"] = sum(car.busy_minutes for car in self.cars)
        raw["car_overtime_minutes"] = sum(car.overtime_minutes for car in self.cars)
        metrics = derive(raw, len(self.cars), self.model.weeks)
        by_hour = {
            "calls": self.hour_calls.astype(float),
            "car_attended": np.array(self.hour_attended, dtype=float),
            "unmet_off_shift": np.array(self.hour_off, dtype=float),
            "unmet_busy": np.array(self.hour_busy, dtype=float),
            "car_busy_minutes": np.array(self.hour_car_busy),
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
        return ReplicationResult(metrics, by_hour, by_car)

    # ------------------------------------------------------------ processes
    def _shifts(self, car: _Car):
        env = self.env
        for start, end in car.pattern.iter_windows(self.t_end):
            if start > env.now:
                yield env.timeout(start - env.now)
            car.on_shift = True
            if self.queue and car.busy_until <= env.now:
                self._serve_queue(car)
            yield env.timeout(end - env.now)
            car.on_shift = False
            if self.hand_over and car.busy_until > env.now:
                self._hand_over(car)

    def _arrivals(self):
        env = self.env
        t_start, t_end = self.t_start, self.t_end
        c = self.c
        for ch in self.model.demand.chunks(self.streams, t_end):
            self._chunk_totals(ch)
            n_calls = ch.arrival.size
            times = np.concatenate((ch.arrival, ch.other_arrival))
            order = np.argsort(times, kind="stable")
            arrival = ch.arrival.tolist()
            job = ch.car_job_minutes.tolist()
            travel = ch.car_travel_minutes.tolist()
            d_s136 = (ch.s136_standard.astype(np.int8) - ch.s136_car).tolist()
            d_ae = (ch.ae_standard.astype(np.int8) - ch.ae_car).tolist()
            std_hours = ch.standard_officer_hours.tolist()
            other_t = ch.other_arrival.tolist()
            other_job = ch.other_job_minutes.tolist()
            for k in order.tolist():
                if k < n_calls:
                    t = arrival[k]
                    if t >= t_end:
                        break
                    if env.peek() <= t:
                        yield env.timeout(t - env.now)
                    call = (job[k], travel[k], d_s136[k], d_ae[k], std_hours[k])
                    self._call(t, call)
                else:
                    i = k - n_calls
                    t = other_t[i]
                    if t >= t_end:
                        break
                    if env.peek() <= t:
                        yield env.timeout(t - env.now)
                    self._other_job(t, other_job[i], t >= t_start)
        del c

    def _chunk_totals(self, ch) -> None:
        """Baseline totals of the chunk's measured calls, in bulk."""
        c = self.c
        m = (ch.arrival >= self.t_start) & (ch.arrival < self.t_end)
        c["mh_calls"] += int(m.sum())
        c["s136_baseline"] += int(ch.s136_standard[m].sum())
        c["ae_baseline"] += int(ch.ae_standard[m].sum())
        c["officer_hours_baseline"] += float(ch.standard_officer_hours[m].sum())
        hours = (ch.arrival[m] // MINUTES_PER_HOUR).astype(np.int64) % HOURS_PER_WEEK
        self.hour_calls += np.bincount(hours, minlength=HOURS_PER_WEEK)
        mo = (ch.other_arrival >= self.t_start) & (ch.other_arrival < self.t_end)
        c["other_jobs_arrived"] += int(mo.sum())

    # ------------------------------------------------------------- dispatch
    def _call(self, t: float, call: tuple) -> None:
        for car in self.cars:
            if car.on_shift and car.busy_until <= t:
                self._start_call(car, t, t, call)
                return
        if any(car.on_shift for car in self.cars):
            if self.max_wait > 0:
                self.queue.append((t + self.max_wait, t, call))
                return
            key, hours = "unmet_busy", self.hour_busy
        else:
            key, hours = "unmet_off_shift", self.hour_off
        if t >= self.t_start:
            self.c[key] += 1
            hours[int(t // MINUTES_PER_HOUR) % HOURS_PER_WEEK] += 1

    def _start_call(self, car: _Car, now: float, arrival: float, call: tuple) -> None:
        job_minutes, travel, d_s136, d_ae, std_hours = call
        measured = arrival >= self.t_start
        self._start_job(car, now, now + job_minutes)
        car.job = (measured, arrival)
        if measured:
            c = self.c
            c["car_attended"] += 1
            c["s136_avoided"] += d_s136
            c["ae_avoided"] += d_ae
            c["officer_hours_saved_raw"] += std_hours
            c["response_minutes_sum"] += now - arrival + travel
            if now > arrival:
                c["waited"] += 1
            car.attended += 1
            self.hour_attended[int(arrival // MINUTES_PER_HOUR) % HOURS_PER_WEEK] += 1

    def _other_job(self, t: float, minutes: float, measured: bool) -> None:
        for car in self.cars:
            if car.takes_other and car.on_shift and car.busy_until <= t:
                self._start_job(car, t, t + minutes)
                car.job = None
                if measured:
                    self.c["other_jobs_attended"] += 1
                    car.other_attended += 1
                return

    def _start_job(self, car: _Car, start: float, end: float) -> None:
        car.busy_until = end
        car.seq += 1
        self._account(car, start, end, 1.0)
        if self.track_completions:
            seq = car.seq
            event = self.env.timeout(end - self.env.now)
            event.callbacks.append(lambda _ev: self._freed(car, seq))

    def _freed(self, car: _Car, seq: int) -> None:
        if car.seq == seq and car.on_shift and self.queue:
            self._serve_queue(car)

    def _serve_queue(self, car: _Car) -> None:
        now = self.env.now
        queue = self.queue
        while queue and queue[0][0] < now:  # waited too long: standard response
            _, arrival, _ = queue.popleft()
            if arrival >= self.t_start:
                self.c["unmet_busy"] += 1
                self.hour_busy[int(arrival // MINUTES_PER_HOUR) % HOURS_PER_WEEK] += 1
        if queue:
            _, arrival, call = queue.popleft()
            self._start_call(car, now, arrival, call)

    def _hand_over(self, car: _Car) -> None:
        """Shift over with a job in hand: frontline officers take the rest of it."""
        now = self.env.now
        self._account(car, now, car.busy_until, -1.0)
        if car.job is not None:
            measured, _ = car.job
            if measured:
                self.c["handed_over"] += 1
                remaining_hours = (car.busy_until - now) / 60.0
                self.c["officer_hours_saved_raw"] -= self.frontline_officers * remaining_hours
        car.busy_until = now
        car.seq += 1
        car.job = None

    # ------------------------------------------------------------ car time
    def _account(self, car: _Car, start: float, end: float, sign: float) -> None:
        """Add (or with ``sign=-1`` remove) a job's time inside the measured weeks."""
        a = max(start, self.t_start)
        b = min(end, self.t_end)
        if b <= a:
            return
        clock = car.clock
        on = clock(b) - clock(a)
        car.busy_minutes += sign * on
        car.overtime_minutes += sign * ((b - a) - on)
        if on <= 0:
            return
        hour = int(a // MINUTES_PER_HOUR)
        lo = a
        busy = self.hour_car_busy
        while lo < b:
            hi = min(b, (hour + 1) * MINUTES_PER_HOUR)
            part = clock(hi) - clock(lo)
            if part:
                busy[hour % HOURS_PER_WEEK] += sign * part
            lo = hi
            hour += 1
