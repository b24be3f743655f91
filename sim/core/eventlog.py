"""The optional event log: one row per call and per other job, for audits and animations.

Off by default: the model keeps no per-call records unless a log is asked for
(``run_scenarios(..., event_log=True)``, ``sim.simulate(..., event_log="events.parquet")``
or ``python run_scenarios.py --event-log PATH``), so it costs nothing when unused.

Columns (times in minutes from Monday 00:00 of week 0, the model's clock):

``scenario``, ``replication``
    Which run the row belongs to.
``kind``
    ``call`` (a mental-health call) or ``other_job`` (a non-mental-health job).
``id``
    Number of the call (or other job) within its replication, in arrival order from 0.
    Calls and other jobs are numbered separately.
``measured``
    Whether it arrived in the measured weeks (after the warm-up); only measured rows
    count in the metrics.
``call_type``
    The call's case-mix type (``all`` without a case mix); empty for other jobs.
``arrival``
    When it arose.
``dispatch``, ``end``
    When a car was sent to it and when the car came free of it (at the shift end for a
    job handed over); empty when no car took it.
``car``
    The car that took it; for a call a car advised on by phone (``cars[].phone_advice``,
    ``pathway`` ``standard``), the car that advised; empty when neither.
``pathway``
    ``car`` or ``standard`` (the standard police response) for calls; ``car`` or
    ``elsewhere`` for other jobs.
``outcome``
    For calls one of ``car_attended``, ``unmet_off_shift``, ``unmet_busy``,
    ``waiting_at_end``, ``not_for_car`` (the metric the call is counted in when
    ``measured``) or ``resolved_by_phone`` (``cr_resolved_by_phone``, or
    ``car_resolved_by_phone`` when ``car`` is set); for other jobs ``car_attended`` or
    ``not_attended``.
``handed_over``
    The car's job passed to the standard response at the end of its shift
    (``end_of_shift: hand_over``).
``s136``, ``ae_conveyed``
    The call's Section 136 detention and A&E conveyance on the pathway it took (the
    car's outcome when a car attended, else the standard response's, with the advised
    probabilities when the control room advised); empty for other jobs. Over measured
    calls they add up to the ``s136`` and ``ae_conveyances`` metrics.
``advised``
    Whether a control-room practitioner, or a car's (``car`` set, ``pathway``
    ``standard``), advised on the call by phone (``outcome`` ``resolved_by_phone`` when
    the advice resolved it with no deployment). The car's advice has no ``dispatch`` or
    ``end``: no car was sent.
``place_of_safety``, ``bed_wait_minutes``, ``released``
    With a Section 136 pathway, for a detained call: ``bed`` (a place-of-safety bed),
    ``ae_first`` (taken straight to A&E as the place of safety, medical need:
    ``p_ae_first``; no wait), ``ae`` or ``custody`` (diverted: no bed in time), the wait
    for a bed (up to ``max_wait_hours`` for a divert, 0 for ``ae_first``) and when the
    officers (or the car's crew) were released; empty otherwise.

The file is Parquet when ``pyarrow`` can be imported, CSV otherwise, and is written
atomically (:mod:`sim.common.atomic`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.atomic import atomic_path
from sim.core.demand import CallChunk

COLUMNS: tuple[str, ...] = (
    "scenario", "replication", "kind", "id", "measured", "call_type", "arrival", "dispatch",
    "end", "car", "pathway", "outcome", "handed_over", "s136", "ae_conveyed", "advised",
    "place_of_safety", "bed_wait_minutes", "released",
)
"""Columns of the event log, in order."""

CALL_OUTCOMES = ("car_attended", "unmet_off_shift", "unmet_busy", "waiting_at_end",
                 "not_for_car", "resolved_by_phone")
OTHER_OUTCOMES = ("car_attended", "not_attended")


class EventRecorder:
    """Collects the rows of one replication while it runs (used by :mod:`sim.core.model`).

    Calls and other jobs are numbered in arrival order as their chunks are drawn
    (:class:`sim.core.demand.CallChunk`); the model reports what happens to each by its
    number.
    """

    def __init__(self) -> None:
        self.call_arrays: list[tuple[np.ndarray, ...]] = []
        self.other_arrays: list[np.ndarray] = []
        self.n_calls = 0
        self.n_other = 0
        self.call_dispatch: list[float] = []
        self.call_end: list[float] = []
        self.call_car: list[int] = []
        self.call_adviser: dict[int, int] = {}  # call -> the car that advised by phone
        self.call_outcome: list[str | None] = []
        self.other_dispatch: list[float] = []
        self.other_end: list[float] = []
        self.other_car: list[int] = []
        self.handed_calls: set[int] = set()
        self.handed_others: set[int] = set()
        self.advised_calls: list[np.ndarray] = []
        self.pathway_rows: dict[int, tuple[str, float, float]] = {}

    def add_chunk(self, ch: CallChunk) -> None:
        """Register a chunk's calls and other jobs (the chunks of one replication, in order)."""
        if (ch.first_call_id, ch.first_other_id) != (self.n_calls, self.n_other):
            raise ValueError("chunks must be added in order, each once")
        n, n_other = ch.arrival.size, ch.other_arrival.size
        self.call_arrays.append((ch.arrival, ch.call_type, ch.s136_standard, ch.s136_car,
                                 ch.ae_standard, ch.ae_car, ch.s136_advised, ch.ae_advised))
        self.advised_calls.append(np.zeros(n, dtype=bool))
        self.other_arrays.append(ch.other_arrival)
        self.n_calls += n
        self.n_other += n_other
        self.call_dispatch.extend([math.nan] * n)
        self.call_end.extend([math.nan] * n)
        self.call_car.extend([-1] * n)
        # A call of a type the car is not sent to has its outcome now: the model never
        # sees it (one after the end of the run is dropped by frame()).
        self.call_outcome.extend(None if sent else "not_for_car"
                                 for sent in ch.sent_to_car.tolist())
        self.other_dispatch.extend([math.nan] * n_other)
        self.other_end.extend([math.nan] * n_other)
        self.other_car.extend([-1] * n_other)

    def call_attended(self, cid: int, car: int, dispatch: float, end: float) -> None:
        self.call_dispatch[cid] = dispatch
        self.call_end[cid] = end
        self.call_car[cid] = car
        self.call_outcome[cid] = "car_attended"

    def call_unmet(self, cid: int, outcome: str) -> None:
        self.call_outcome[cid] = outcome

    def phone_advised(self, cid: int, car: int, resolved: bool) -> None:
        """Car ``car`` advised on call ``cid`` by phone (resolving it, or not)."""
        self.call_adviser[cid] = car
        if resolved:
            self.call_outcome[cid] = "resolved_by_phone"

    def advised(self, screened: np.ndarray) -> None:
        """Which calls of the chunk added last a control-room practitioner advised on."""
        self.advised_calls[-1] = np.asarray(screened, dtype=bool)

    def call_released(self, cid: int, end: float) -> None:
        """The car came free of call ``cid`` at ``end`` (known once a detention settles)."""
        self.call_end[cid] = end

    def call_pathway(self, cid: int, place: str, wait: float, release: float) -> None:
        """Call ``cid``'s detention: where it went, the wait for a bed, the release time."""
        self.pathway_rows[cid] = (place, wait, release)

    def other_attended(self, oid: int, car: int, dispatch: float, end: float) -> None:
        self.other_dispatch[oid] = dispatch
        self.other_end[oid] = end
        self.other_car[oid] = car

    def handed_over(self, kind: str, job_id: int, now: float) -> None:
        """Call (``kind="call"``) or other job ``job_id`` passed to the standard response at
        ``now``, its car's shift end."""
        if kind == "call":
            self.call_end[job_id] = now
            self.handed_calls.add(job_id)
        else:
            self.other_end[job_id] = now
            self.handed_others.add(job_id)

    @staticmethod
    def _handed(ids: set[int], n: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[list(ids)] = True
        return out

    def frame(self, car_names: list[str], type_names: list[str], t_start: float,
              t_end: float) -> pd.DataFrame:
        """The rows of this replication (without ``scenario`` and ``replication``)."""
        cars = np.array([*car_names, None], dtype=object)  # index -1: no car
        types = np.array(type_names, dtype=object)

        def cat(parts, dtype):
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        arrival = cat([a[0] for a in self.call_arrays], float)
        call_type = cat([a[1] for a in self.call_arrays], np.int64)
        s136_std, s136_car, ae_std, ae_car, s136_adv, ae_adv = (
            cat([a[j] for a in self.call_arrays], bool) for j in range(2, 8))
        car = np.array(self.call_car, dtype=np.int64)
        attended = car >= 0  # a car attended (before a phone adviser is named)
        n = arrival.size
        advised = cat(self.advised_calls, bool)
        if self.call_adviser:  # advised by a car by phone: named in the car column
            rows = np.fromiter(self.call_adviser.keys(), dtype=np.int64)
            advised[rows] = True
            car = car.copy()
            car[rows] = np.fromiter(self.call_adviser.values(), dtype=np.int64)
        outcome = np.array(self.call_outcome, dtype=object)
        deployed = outcome != "resolved_by_phone"
        s136_std = np.where(advised, s136_adv, s136_std) & deployed
        ae_std = np.where(advised, ae_adv, ae_std) & deployed
        place = np.full(n, None, dtype=object)
        wait = np.full(n, math.nan)
        released = np.full(n, math.nan)
        for cid, (where, minutes, when) in self.pathway_rows.items():
            place[cid], wait[cid], released[cid] = where, minutes, when
        calls = pd.DataFrame({
            "kind": "call",
            "id": np.arange(n),
            "measured": arrival >= t_start,
            "call_type": types[call_type],
            "arrival": arrival,
            "dispatch": np.array(self.call_dispatch, dtype=float),
            "end": np.array(self.call_end, dtype=float),
            "car": cars[car],
            "pathway": np.where(attended, "car", "standard").astype(object),
            "outcome": outcome,
            "handed_over": self._handed(self.handed_calls, n),
            "s136": pd.array(np.where(attended, s136_car, s136_std), dtype="boolean"),
            "ae_conveyed": pd.array(np.where(attended, ae_car, ae_std), dtype="boolean"),
            "advised": pd.array(advised, dtype="boolean"),
            "place_of_safety": place,
            "bed_wait_minutes": wait,
            "released": released,
        })
        other_arrival = cat(self.other_arrays, float)
        other_car = np.array(self.other_car, dtype=np.int64)
        other_attended = other_car >= 0
        m = other_arrival.size
        others = pd.DataFrame({
            "kind": "other_job",
            "id": np.arange(m),
            "measured": other_arrival >= t_start,
            "call_type": np.full(m, None, dtype=object),
            "arrival": other_arrival,
            "dispatch": np.array(self.other_dispatch, dtype=float),
            "end": np.array(self.other_end, dtype=float),
            "car": cars[other_car],
            "pathway": np.where(other_attended, "car", "elsewhere").astype(object),
            "outcome": np.where(other_attended, "car_attended", "not_attended").astype(object),
            "handed_over": self._handed(self.handed_others, m),
            "s136": pd.array([None] * m, dtype="boolean"),
            "ae_conveyed": pd.array([None] * m, dtype="boolean"),
            "advised": pd.array([None] * m, dtype="boolean"),
            "place_of_safety": np.full(m, None, dtype=object),
            "bed_wait_minutes": np.full(m, math.nan),
            "released": np.full(m, math.nan),
        })
        calls = calls[calls["arrival"] < t_end]
        others = others[others["arrival"] < t_end]
        out = pd.concat([calls, others], ignore_index=True)
        # Time order; at equal times a call comes before an other job, as in the model.
        return out.sort_values("arrival", kind="stable", ignore_index=True)


def combine(frames: list[tuple[str, int, pd.DataFrame]]) -> pd.DataFrame:
    """One table from per-replication frames: ``(scenario, replication, frame)`` triples."""
    parts = []
    for scenario, replication, frame in frames:
        frame = frame.copy()
        frame.insert(0, "replication", replication)
        frame.insert(0, "scenario", scenario)
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=list(COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    for column in ("scenario", "kind", "call_type", "car", "pathway", "outcome",
                   "place_of_safety"):
        out[column] = out[column].astype("category")
    return out[list(COLUMNS)]


def have_pyarrow() -> bool:
    """Whether Parquet can be written (``pyarrow`` importable)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_event_log(events: pd.DataFrame, path: str | Path) -> Path:
    """Write the log atomically; return the path written.

    Parquet when ``pyarrow`` can be imported, CSV otherwise; a path ending in ``.csv``
    always gives CSV. A path with no suffix gets ``.parquet`` (or ``.csv``); when Parquet
    cannot be written, a ``.parquet`` path becomes ``.csv``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    parquet = suffix != ".csv" and have_pyarrow()
    if parquet and not suffix:
        path = path.with_suffix(".parquet")
    elif not parquet and suffix in ("", ".parquet"):
        path = path.with_suffix(".csv")
    with atomic_path(path) as tmp:
        if parquet:
            events.to_parquet(tmp, index=False)
        else:
            events.to_csv(tmp, index=False)
    return path
