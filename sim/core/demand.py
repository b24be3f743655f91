"""Demand: exact non-homogeneous Poisson arrivals and every call's drawn attributes.

Arrivals are generated *per piece*: the rate is constant within each hour of the week,
so the number of calls in an hour is Poisson(rate) and their times are uniform within
the hour. This is exact (no thinning, so no risk of evaluating the rate at the wrong
time).

Every attribute a call may need under *either* pathway is drawn when the call is
created, each from its own named stream, as ``ppf(u)`` of a uniform. The Section 136
and A&E outcomes of both pathways use the *same* uniforms (``u < p_car`` and
``u < p_standard``), which couples each call's outcome with a car to its counterfactual
outcome under the standard response.

Calls are generated in chunks of :data:`CHUNK_HOURS` hours so that memory does not grow
with the horizon. Counts and offsets come from separate streams, so the calls do not
depend on the chunk size. Floating-point totals, though, are summed chunk by chunk
(``officer_hours_baseline`` in :mod:`sim.core.model`), so another chunk size would change
their last digits: keep it, or results stop being bit-identical to earlier runs.

The model's processes (:mod:`sim.core.model`) see a chunk's calls as a :class:`CallTable`,
named columns with one row per call, and pass a call as its table and row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from sim.common.units import HOURS_PER_WEEK, MINUTES_PER_HOUR
from sim.core.pathway import PathwayDraws
from sim.core.reuse import REUSE, REUSE_HORIZON_MINUTES, reuse_key
from sim.core.streams import Streams
from sim.scenario.distributions import Fixed
from sim.scenario.schema import Scenario

CHUNK_HOURS = 13 * HOURS_PER_WEEK
"""Hours of demand drawn at once: thirteen weeks, a quarter (four weeks until the Section 136
pathway: the pathway's draws made the per-chunk work worth spreading over more calls)."""


def poisson_arrivals(
    counts_rng: np.random.Generator,
    offsets_rng: np.random.Generator,
    rates_per_hour: np.ndarray,
    first_hour: int,
    n_hours: int,
) -> np.ndarray:
    """Sorted arrival times (minutes) of a piecewise-constant-rate Poisson process.

    Parameters
    ----------
    counts_rng, offsets_rng
        Streams for the count in each hour and the position within the hour.
    rates_per_hour
        Expected arrivals in each of the 168 hours of the week.
    first_hour, n_hours
        The absolute hours (0 = Monday 00:00 of week 0) to generate.
    """
    hours = np.arange(first_hour, first_hour + n_hours)
    counts = counts_rng.poisson(rates_per_hour[hours % HOURS_PER_WEEK])
    starts = np.repeat(hours * float(MINUTES_PER_HOUR), counts)
    times = starts + offsets_rng.random(starts.size) * MINUTES_PER_HOUR
    return np.sort(times)


@dataclass(frozen=True)
class CallChunk:
    """Calls and other jobs arriving in one chunk of time, with what the model needs.

    Per-call arrays are NumPy arrays, in arrival order. Durations are in minutes,
    officer time in hours. Calls and other jobs are numbered within the replication, in
    arrival order, from ``first_call_id`` and ``first_other_id``.
    """

    arrival: np.ndarray
    call_type: np.ndarray
    car_job_minutes: np.ndarray  # travel + on scene + handover, if the car attends
    car_travel_minutes: np.ndarray
    s136_standard: np.ndarray  # bool: detained under the standard response
    s136_car: np.ndarray  # bool: detained after a car attendance
    ae_standard: np.ndarray  # bool: conveyed to A&E under the standard response
    ae_car: np.ndarray
    standard_officer_hours: np.ndarray  # frontline officer hours, standard response
    other_arrival: np.ndarray
    other_job_minutes: np.ndarray
    sent_to_car: np.ndarray  # bool: the call's type is one a car is sent to
    u_screen: np.ndarray  # uniform: passed to the control room if below share_screened
    u_handling: np.ndarray  # uniform: a practitioner's time if screened (the model's ppf)
    # The raw draws behind the outcomes after advice (see DemandModel.advise)
    u_s136: np.ndarray
    u_ae: np.ndarray
    u_deploy: np.ndarray
    std_scene_end: np.ndarray  # standard response: travel + on scene (minutes)
    s136_hours: np.ndarray  # standard response: hours held by a detention (no pathway)
    ae_hours: np.ndarray  # standard response: hours held at A&E
    first_call_id: int = 0  # id of the chunk's first call within the replication
    first_other_id: int = 0  # id of the chunk's first other job
    # With a Section 136 pathway (scenario ``pathway:``): each call's journey if detained.
    # Then a detention's time is the pathway's, not in the durations above:
    # ``standard_officer_hours``, ``advised_officer_hours`` and ``car_job_minutes`` stop
    # at the end of the time on scene (plus any A&E hold without a detention).
    pathway: PathwayDraws | None = None
    # Outcomes after control-room advice, set by DemandModel.advise for the scenario in
    # hand (the rest of a chunk does not depend on the advice, so it can be reused).
    phone_resolves: np.ndarray | None = None  # bool: resolved by phone if screened
    s136_advised: np.ndarray | None = None  # bool: detained after advice
    ae_advised: np.ndarray | None = None  # bool: conveyed to A&E after advice
    advised_officer_hours: np.ndarray | None = None  # frontline hours after advice


class CallTable:
    """The calls of one chunk as the model's processes see them: named columns.

    One Python list per field, row ``i`` being the chunk's ``i``-th call; the model
    (:mod:`sim.core.model`) passes a call as its table and row, ``(calls, i)``, and reads
    ``calls.car_job_minutes[i]``. Columns rather than one object per call: a named tuple
    made for each call that meets a car took about 5% more machine instructions per
    replication of ``scenarios/benchmarks/heavy.yaml`` (4% for ``cpft_one_car``; counted
    with valgrind's callgrind, issue 9), while a list lookup costs about what a
    positional argument did.
    """

    __slots__ = ("first_id", "arrival", "car_job_minutes", "car_travel_minutes",
                 "s136_avoided", "ae_avoided", "standard_officer_hours", "chunk",
                 "s136_fallback", "s136_car")

    first_id: int  # id of row 0 within the replication: row i is call first_id + i
    arrival: list[float]  # minutes
    car_job_minutes: list[float]  # travel + on scene + handover, if a car attends
    car_travel_minutes: list[float]
    s136_avoided: list[int]  # Section 136 detention: standard response less car (-1, 0, 1)
    ae_avoided: list[int]  # A&E conveyance: standard response less car (-1, 0 or 1)
    standard_officer_hours: list[float]  # frontline officer hours, standard response
    chunk: CallChunk  # the chunk itself (its pathway draws)
    s136_fallback: list[bool]  # with a pathway only: detained if no car attends
    s136_car: list[bool]  # with a pathway only: detained after a car attendance

    def __init__(self, chunk: CallChunk, screened: np.ndarray | None = None) -> None:
        """``screened``: calls a control-room practitioner advised on (``None``: none).

        A screened call that is not attended by a car gets the advised standard response,
        so its columns hold the car's effect against *that* fallback; the model adds the
        advice's own effect (standard less advised) in bulk.
        """
        self.first_id = chunk.first_call_id
        self.arrival = chunk.arrival.tolist()
        self.car_job_minutes = chunk.car_job_minutes.tolist()
        self.car_travel_minutes = chunk.car_travel_minutes.tolist()
        s136, ae = chunk.s136_standard, chunk.ae_standard
        hours = chunk.standard_officer_hours
        if screened is not None:
            s136 = np.where(screened, chunk.s136_advised, s136)
            ae = np.where(screened, chunk.ae_advised, ae)
            hours = np.where(screened, chunk.advised_officer_hours, hours)
        self.s136_avoided = (s136.astype(np.int8) - chunk.s136_car).tolist()
        self.ae_avoided = (ae.astype(np.int8) - chunk.ae_car).tolist()
        self.standard_officer_hours = hours.tolist()
        self.chunk = chunk
        if chunk.pathway is not None:
            self.s136_fallback = s136.tolist()
            self.s136_car = chunk.s136_car.tolist()

    def __len__(self) -> int:
        return len(self.arrival)


class DemandModel:
    """Demand of one scenario, compiled once and reused for every replication."""

    def __init__(self, scenario: Scenario) -> None:
        self.rates = np.asarray(scenario.demand.rates_per_hour(), dtype=float)
        self.other_rates = np.full(HOURS_PER_WEEK, scenario.demand.other_jobs_per_hour)
        types = scenario.call_types()
        self.type_names = [t[0] for t in types]
        self.cum_shares = np.cumsum([t[1] for t in types])
        self.cum_shares[-1] = 1.0
        self.standard = [t[2] for t in types]
        self.car = [t[3] for t in types]
        self.officers = scenario.response.standard.officers
        self.other_job_dist = scenario.response.other_job_minutes
        self.p_s136_standard = np.array([s.p_s136 for s in self.standard])
        self.p_ae_standard = np.array([s.p_conveyed_ae for s in self.standard])
        self.p_s136_car = np.array([c.p_s136 for c in self.car])
        self.p_ae_car = np.array([c.p_conveyed_ae for c in self.car])
        self.sent_to_car = np.array(scenario.sent_to_car(), dtype=bool)
        advised = scenario.advised()
        self.p_no_deployment = np.array([a.p_no_deployment for a in advised])
        self.p_s136_advised = np.array([a.p_s136 for a in advised])
        self.p_ae_advised = np.array([a.p_conveyed_ae for a in advised])
        self.pathway = scenario.pathway
        self.key = reuse_key(scenario)

    def _draw(self, streams: Streams, name: str, call_type: np.ndarray, dists: list) -> np.ndarray:
        """One attribute for every call: ``ppf`` of its type's distribution at a uniform."""
        u = streams[name].random(call_type.size)
        if len(dists) == 1:
            return dists[0].ppf(u)
        out = np.empty(call_type.size)
        for k, dist in enumerate(dists):
            mask = call_type == k
            out[mask] = dist.ppf(u[mask])
        return out

    def chunks(self, streams: Streams, horizon_minutes: float) -> Iterator[CallChunk]:
        """Calls and other jobs of one replication, chunk by chunk, up to the horizon.

        The chunks of a short horizon are kept for the next scenario with the same
        demand (:mod:`sim.core.reuse`): the very same calls, drawn once.
        """
        key = (self.key, streams.seed, streams.replication, horizon_minutes)
        kept = REUSE.calls(key)
        if kept is not None:
            for chunk in kept:
                yield self.advise(chunk)
            return
        if horizon_minutes > REUSE_HORIZON_MINUTES or not REUSE.enabled:
            for chunk in self._draw_chunks(streams, horizon_minutes):
                yield self.advise(chunk)
            return
        drawn = []
        for chunk in self._draw_chunks(streams, horizon_minutes):
            drawn.append(chunk)
            yield self.advise(chunk)
        REUSE.keep_calls(key, drawn)

    def advise(self, chunk: CallChunk) -> CallChunk:
        """The chunk with this scenario's outcomes after control-room advice.

        From the calls' own uniforms, like the standard and car outcomes (so advice can
        only avoid a detention when its risk is lower): detained when
        ``u_s136 < advised p_s136``, and so on.
        """
        t = chunk.call_type
        s136 = chunk.u_s136 < self.p_s136_advised[t]
        ae = ~s136 & (chunk.u_ae < self.p_ae_advised[t])
        if self.pathway is None:
            minutes = chunk.std_scene_end + 60.0 * (s136 * chunk.s136_hours
                                                     + ae * chunk.ae_hours)
        else:  # a detention's time comes from the pathway
            minutes = chunk.std_scene_end + 60.0 * ae * chunk.ae_hours
        return replace(chunk, phone_resolves=chunk.u_deploy < self.p_no_deployment[t],
                       s136_advised=s136, ae_advised=ae,
                       advised_officer_hours=self.officers * minutes / 60.0)

    def _draw_chunks(self, streams: Streams, horizon_minutes: float) -> Iterator[CallChunk]:
        total_hours = int(np.ceil(horizon_minutes / MINUTES_PER_HOUR))
        first_call_id = first_other_id = 0
        for first in range(0, total_hours, CHUNK_HOURS):
            n_hours = min(CHUNK_HOURS, total_hours - first)
            chunk = self._chunk(streams, first, n_hours, first_call_id, first_other_id)
            first_call_id += chunk.arrival.size
            first_other_id += chunk.other_arrival.size
            yield chunk

    def _chunk(self, streams: Streams, first_hour: int, n_hours: int, first_call_id: int,
               first_other_id: int) -> CallChunk:
        arrival = poisson_arrivals(
            streams["mh_arrival_counts"], streams["mh_arrival_offsets"], self.rates,
            first_hour, n_hours,
        )
        n = arrival.size
        call_type = np.searchsorted(self.cum_shares, streams["call_type"].random(n), side="right")
        call_type = np.minimum(call_type, len(self.cum_shares) - 1)
        u_s136 = streams["u_s136"].random(n)
        u_ae = streams["u_ae"].random(n)
        # Drawn for every call with or without a control room (common random numbers).
        u_screen = streams["u_screen"].random(n)
        u_deploy = streams["u_deploy"].random(n)
        u_handling = streams["control_room.handling_minutes"].random(n)

        std, car = self.standard, self.car
        std_travel = self._draw(streams, "standard.travel_minutes", call_type,
                                [s.travel_minutes for s in std])
        std_scene = self._draw(streams, "standard.on_scene_minutes", call_type,
                               [s.on_scene_minutes for s in std])
        s136_hours = self._draw(streams, "standard.s136_hours", call_type,
                                [s.s136_hours for s in std])
        ae_hours = self._draw(streams, "standard.ae_wait_hours", call_type,
                              [s.ae_wait_hours for s in std])
        car_travel = self._draw(streams, "car.travel_minutes", call_type,
                                [c.travel_minutes for c in car])
        car_scene = self._draw(streams, "car.on_scene_minutes", call_type,
                               [c.on_scene_minutes for c in car])
        car_s136_hours = self._draw(streams, "car.s136_handover_hours", call_type,
                                    [c.s136_handover_hours for c in car])
        car_ae_hours = self._draw(streams, "car.ae_handover_hours", call_type,
                                  [c.ae_handover_hours or Fixed(dist="fixed", value=0)
                                   for c in car])

        s136_std = u_s136 < self.p_s136_standard[call_type]
        s136_car = u_s136 < self.p_s136_car[call_type]
        ae_std = ~s136_std & (u_ae < self.p_ae_standard[call_type])
        ae_car = ~s136_car & (u_ae < self.p_ae_car[call_type])
        std_scene_end = std_travel + std_scene
        pathway = None
        if self.pathway is None:
            std_minutes = std_scene_end + 60.0 * (s136_std * s136_hours + ae_std * ae_hours)
            car_minutes = car_travel + car_scene + 60.0 * (s136_car * car_s136_hours
                                                            + ae_car * car_ae_hours)
        else:  # a detention's time comes from the pathway (sim.core.pathway)
            std_minutes = std_scene_end + 60.0 * ae_std * ae_hours
            car_minutes = car_travel + car_scene + 60.0 * ae_car * car_ae_hours
            # journeys for calls detained on some pathway; after advice a detention
            # needs the standard one too (advised risks are at most the standard's)
            pathway = self._pathway_draws(streams, n, std_scene_end,
                                          car_travel + car_scene, s136_std | s136_car)

        other = poisson_arrivals(
            streams["other_arrival_counts"], streams["other_arrival_offsets"], self.other_rates,
            first_hour, n_hours,
        )
        other_minutes = self.other_job_dist.ppf(streams["other_job_minutes"].random(other.size))
        return CallChunk(
            arrival=arrival,
            call_type=call_type,
            car_job_minutes=car_minutes,
            car_travel_minutes=car_travel,
            s136_standard=s136_std,
            s136_car=s136_car,
            ae_standard=ae_std,
            ae_car=ae_car,
            standard_officer_hours=self.officers * std_minutes / 60.0,
            other_arrival=other,
            other_job_minutes=other_minutes,
            sent_to_car=self.sent_to_car[call_type],
            u_screen=u_screen,
            u_handling=u_handling,
            u_s136=u_s136,
            u_ae=u_ae,
            u_deploy=u_deploy,
            std_scene_end=std_scene_end,
            s136_hours=s136_hours,
            ae_hours=ae_hours,
            first_call_id=first_call_id,
            first_other_id=first_other_id,
            pathway=pathway,
        )

    def _pathway_draws(self, streams: Streams, n: int, std_scene_end: np.ndarray,
                       car_scene_end: np.ndarray, detained: np.ndarray) -> PathwayDraws:
        """Every call's journey if detained, each part from its own named stream.

        Every call draws its uniforms (so the streams stay aligned across scenarios);
        durations are computed only for calls detained on some pathway (``detained``),
        the others' are 0 and never read.
        """
        p = self.pathway
        assert p is not None
        conv, pos = p.conveyance, p.place_of_safety
        k = np.flatnonzero(detained)

        def duration(stream: str, dist, scale: float = 1.0) -> np.ndarray:
            u = streams[stream].random(n)
            out = np.zeros(n)
            out[k] = scale * dist.ppf(u[k])
            return out

        ambulance = streams["pathway.u_ambulance"].random(n) < conv.p_ambulance
        wait = duration("pathway.ambulance_wait_hours", conv.ambulance_wait_hours, 60.0)
        wait *= ambulance
        travel = duration("pathway.travel_minutes", conv.travel_minutes)
        handover = duration("pathway.handover_minutes", pos.handover_minutes)
        bed = duration("pathway.bed_hours", pos.bed_hours, 60.0)
        custody = streams["pathway.u_divert"].random(n) < pos.divert.custody
        ae_hold = duration("pathway.ae_hours", p.ae_as_place_of_safety_hours, 60.0)
        custody_hold = duration("pathway.custody_hours", p.custody_hours, 60.0)
        # taken straight to A&E (medical need), whatever the beds: drawn for every call
        ae_first = streams["pathway.u_ae_first"].random(n) < pos.p_ae_first
        return PathwayDraws(
            std_scene_end=std_scene_end,
            car_scene_end=car_scene_end,
            ambulance_wait=wait.tolist(),
            conveyance=(wait + travel).tolist(),
            handover=handover.tolist(),
            bed=bed.tolist(),
            custody=custody.tolist(),
            divert_hold=np.where(custody, custody_hold, ae_hold).tolist(),
            ae_first=ae_first.tolist(),
            ae_hold=ae_hold.tolist(),
        )
