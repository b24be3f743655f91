"""The analytic screen: a modified-offered-load approximation of every candidate rota.

The cars are a time-varying loss system: calls (and other jobs) arrive by a Poisson
process with the scenario's hour-of-week rates; a call that finds no free car on shift
gets the standard response. For each 15-minute slot ``i`` of the week the screen computes
the probability ``B_i`` that a call finds every on-shift car busy, from the load the cars
carry::

    K_i = sum_j  L_{i-j} * g_{i-j} * (1 - B_{i-j}) * k_j          (carried load, Erlangs)
    B_i = K_i                                        with one car on shift
    B_i = ErlangB(c_i, K_i / (1 - B_i))              with c_i >= 2 cars on shift

where ``L`` is the expected arrivals a slot (calls sent to a car, and other jobs when the
cars take them), ``g`` is 1 when some car is on shift (a call arriving off shift is never
offered to a car, but a job running past the end of a shift still holds its car), and
``k_j`` is the mean share of slot ``j`` after its arrival that a job is still running
(from the job-time distribution, sampled once). The week is periodic, so the sums are
circular convolutions, and the pair of equations is solved by damped fixed-point iteration.

With one car this is the renewal equation of the time-varying M_t/G/1/1 loss system,
exact but for the 15-minute slots: ``P(busy at t) = E[jobs in service at t]`` and a job
accepted at ``s`` is still in service at ``t`` with probability ``P(S > t - s)``. With
several cars it is the modified-offered-load approximation (Jagerman 1975; Massey & Whitt
1994; reviewed by Green, Kolesar & Whitt 2007) in its carried-load form. It ignores
waiting (``max_wait_minutes``), hand-over at shift end and overtime cost; the simulation
judges every rota that survives the screen. ``docs/optimise.md`` shows how well it ranks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.common.units import HOURS_PER_WEEK, WEEKS_PER_YEAR
from sim.economics.funding import annual_components
from sim.experiments.optimise.space import Candidate, build_scenario, rota_hours
from sim.experiments.optimise.spec import SCREENABLE, Objective, OptimiseSpec
from sim.scenario.distributions import Fixed
from sim.scenario.schema import Car, Scenario

SLOTS_PER_HOUR = 4
SLOTS = HOURS_PER_WEEK * SLOTS_PER_HOUR
SLOT_MINUTES = 60 / SLOTS_PER_HOUR
JOB_SAMPLES = 20000
"""Job times drawn (once, from a fixed seed) to tabulate ``P(S > u)``."""
ITERATIONS = 200
DAMPING = 0.5
TOLERANCE = 1e-7
"""The fixed-point iteration stops when no slot's blocking moves by more than this."""
CHUNK = 500
"""Candidates solved together (memory: CHUNK x cars x SLOTS floats a few times)."""


@dataclass(frozen=True)
class ScreenModel:
    """What the screen needs from a scenario, computed once."""

    calls: np.ndarray
    """Expected calls sent to a car in each slot of the week."""
    other: np.ndarray
    """Expected other jobs in each slot (offered to cars that take them)."""
    kernel_calls_fft: np.ndarray
    kernel_other_fft: np.ndarray
    per_call: dict[str, float]
    """Expected effect of one attended call: s136_avoided, ae_avoided, officer_hours_saved."""
    mean_job_minutes: float


def _journey_hours(scenario: Scenario, rng: np.random.Generator, n: int) -> np.ndarray | None:
    """With a Section 136 pathway: ``n`` sampled journeys of a detention (hours from the
    end of the time on scene to release: conveyance and handover, no wait for a bed, the
    screen's approximation); ``None`` without one."""
    p = scenario.pathway
    if p is None:
        return None
    u = rng.random((4, n))
    conv = p.conveyance
    minutes = (60.0 * (u[0] < conv.p_ambulance) * conv.ambulance_wait_hours.ppf(u[1])
               + conv.travel_minutes.ppf(u[2])
               + p.place_of_safety.handover_minutes.ppf(u[3]))
    return minutes / 60.0


def _job_minutes(scenario: Scenario, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sampled car job times (minutes) of calls sent to a car, and of other jobs."""
    types = [t for t, sent in zip(scenario.call_types(), scenario.sent_to_car(), strict=True)
             if sent]
    shares = np.array([t[1] for t in types])
    which = rng.choice(len(types), size=JOB_SAMPLES, p=shares / shares.sum()) if types else []
    calls = np.zeros(JOB_SAMPLES)
    for k, (_, _, _std, car) in enumerate(types):
        mask = which == k
        n = int(mask.sum())
        u = rng.random((6, n))
        s136 = u[4] < car.p_s136
        ae = ~s136 & (u[5] < car.p_conveyed_ae)
        handover = car.ae_handover_hours or Fixed(dist="fixed", value=0)
        journey = _journey_hours(scenario, rng, n)
        held = car.s136_handover_hours.ppf(u[2]) if journey is None else journey
        calls[mask] = (car.travel_minutes.ppf(u[0]) + car.on_scene_minutes.ppf(u[1])
                       + 60.0 * (s136 * held + ae * handover.ppf(u[3])))
    other = scenario.response.other_job_minutes.ppf(rng.random(JOB_SAMPLES))
    return calls, other


def _kernel_fft(minutes: np.ndarray) -> np.ndarray:
    """FFT of ``k_j``: the mean share of slot ``j`` after arrival a job is still running
    (arrival at the start of slot 0), folded onto the week."""
    width = SLOT_MINUTES
    top = int(np.ceil(minutes.max() / width)) + 1 if minutes.size else 1
    lags = np.arange(top) * width
    k = np.array([np.clip(minutes - lag, 0.0, width).mean() / width for lag in lags])
    folded = np.zeros(SLOTS)
    np.add.at(folded, np.arange(top) % SLOTS, k)
    return np.fft.rfft(folded)


def screen_model(scenario: Scenario) -> ScreenModel:
    """The screen's view of ``scenario``'s demand and job times."""
    rng = np.random.default_rng(20260517)
    rates = np.repeat(np.asarray(scenario.demand.rates_per_hour(), dtype=float),
                      SLOTS_PER_HOUR) / SLOTS_PER_HOUR
    types = scenario.call_types()
    sent = scenario.sent_to_car()
    sent_share = sum(t[1] for t, s in zip(types, sent, strict=True) if s)
    per_call = {"s136_avoided": 0.0, "ae_avoided": 0.0, "officer_hours_saved": 0.0,
                "car_attended": 1.0}
    officers = scenario.response.standard.officers
    journey = _journey_hours(scenario, np.random.default_rng(20260518), 4_000)
    for (_, share, std, car), s in zip(types, sent, strict=True):
        if not s or sent_share <= 0:
            continue
        w = share / sent_share
        per_call["s136_avoided"] += w * (std.p_s136 - car.p_s136)
        per_call["ae_avoided"] += w * ((1 - std.p_s136) * std.p_conveyed_ae
                                       - (1 - car.p_s136) * car.p_conveyed_ae)
        held = std.s136_hours.mean_value if journey is None else float(journey.mean())
        minutes = (std.travel_minutes.mean_value + std.on_scene_minutes.mean_value
                   + 60.0 * (std.p_s136 * held
                             + (1 - std.p_s136) * std.p_conveyed_ae
                             * std.ae_wait_hours.mean_value))
        per_call["officer_hours_saved"] += w * officers * minutes / 60.0
    calls_min, other_min = _job_minutes(scenario, rng)
    other = np.full(SLOTS, scenario.demand.other_jobs_per_hour / SLOTS_PER_HOUR)
    return ScreenModel(calls=rates * sent_share, other=other,
                       kernel_calls_fft=_kernel_fft(calls_min),
                       kernel_other_fft=_kernel_fft(other_min), per_call=per_call,
                       mean_job_minutes=float(calls_min.mean()) if calls_min.size else 0.0)


def erlang_b(servers: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Erlang B, elementwise: ``B(0) = 1``, ``B(k) = A B(k-1) / (k + A B(k-1))``."""
    servers = np.asarray(servers)
    out = np.ones(np.broadcast(servers, load).shape)
    b = np.ones_like(out)
    for k in range(1, int(servers.max(initial=0)) + 1):
        b = load * b / (k + load * b)
        out = np.where(servers == k, b, out)
    return out


def blocking(model: ScreenModel, on_by_car: np.ndarray, takes: Sequence[bool]) -> np.ndarray:
    """``B``: the probability a call finds no free car on shift, per candidate and slot.

    ``on_by_car`` (candidates x cars x slots): 1 where that car is on shift; ``takes``:
    which cars take other jobs. Each car carries the jobs it accepted (an equal share of
    those accepted while it was on shift with others), and only the cars on shift count
    towards ``B``: a car finishing a job after its shift does not block the next car.
    """
    on = on_by_car.astype(float)
    cars_on = on.sum(axis=1)
    share = np.divide(on, cars_on[:, None, :], out=np.zeros_like(on),
                      where=cars_on[:, None, :] > 0)
    taking = on * np.asarray(takes, dtype=float)[None, :, None]
    takers_on = taking.sum(axis=1)
    share_other = np.divide(taking, takers_on[:, None, :], out=np.zeros_like(taking),
                            where=takers_on[:, None, :] > 0)
    b = np.zeros(cars_on.shape)
    many = cars_on >= 2
    for _ in range(ITERATIONS):
        free = 1 - b
        accepted = (model.calls * free)[:, None, :] * share
        accepted_other = (model.other * free)[:, None, :] * share_other
        spectrum = (np.fft.rfft(accepted, axis=2) * model.kernel_calls_fft
                    + np.fft.rfft(accepted_other, axis=2) * model.kernel_other_fft)
        busy = np.maximum(np.fft.irfft(spectrum, n=SLOTS, axis=2), 0.0)  # per car
        carried = (busy * on).sum(axis=1)  # by the cars on shift
        new = np.minimum(carried, 1.0 - 1e-12)
        if many.any():
            offered = carried / np.maximum(free, 1e-6)
            new = np.where(many, erlang_b(np.where(many, cars_on, 1), offered), new)
        step = new - b
        b = b + (1 - DAMPING) * step
        if np.abs(step).max() < TOLERANCE:
            break
    return b


def _slots(hours: np.ndarray) -> np.ndarray:
    return np.repeat(hours, SLOTS_PER_HOUR, axis=-1)


def estimates(model: ScreenModel, on_by_car: np.ndarray, takes: Sequence[bool]
              ) -> dict[str, np.ndarray]:
    """Per-year estimates for each candidate (``on_by_car``: candidates x cars x 168 hours,
    1 where the car is on shift): car_attended, other_jobs_attended, unmet_off_shift,
    unmet_busy, s136_avoided, ae_avoided, officer_hours_saved, and ``blocking`` (slots)."""
    on = _slots(on_by_car)
    b = blocking(model, on, takes)
    gate = on.sum(axis=1) > 0
    takers = (on * np.asarray(takes, dtype=np.int64)[None, :, None]).sum(axis=1) > 0
    attended = (model.calls * gate * (1 - b)).sum(axis=1) * WEEKS_PER_YEAR
    out = {
        "car_attended": attended,
        "other_jobs_attended": (model.other * takers * (1 - b)).sum(axis=1) * WEEKS_PER_YEAR,
        "unmet_off_shift": (model.calls * ~gate).sum(axis=1) * WEEKS_PER_YEAR,
        "unmet_busy": (model.calls * gate * b).sum(axis=1) * WEEKS_PER_YEAR,
        "blocking": b,
    }
    for key in ("s136_avoided", "ae_avoided", "officer_hours_saved"):
        out[key] = attended * model.per_call[key]
    return out


def _crew(spec: OptimiseSpec, i: int) -> Car | None:
    cars = spec.base.cars
    return cars[min(i, len(cars) - 1)] if cars else None


def _net_benefit(spec: OptimiseSpec, part: Sequence[Candidate], est: dict[str, np.ndarray],
                 per_car: np.ndarray, takes: Sequence[bool]) -> np.ndarray:
    """The objective's net benefit a year, valued by the appraisal's own ledger
    (``sim/economics/funding.py``, ``annual_components``) from the screen's estimates: one
    'replication' per candidate, a year long, with no overtime."""
    template = build_scenario(spec, part[0])
    names = [car.name for car in template.cars]
    reps = pd.DataFrame({"replication": np.arange(len(part)),
                         **{m: est[m] for m in ("s136_avoided", "ae_avoided",
                                                "officer_hours_saved", "car_attended",
                                                "unmet_off_shift", "unmet_busy")}})
    hours = per_car.sum(axis=2).astype(float) * WEEKS_PER_YEAR  # candidates x cars, a year
    taking = hours * np.asarray(takes, dtype=float)[None, :]
    share = np.divide(taking, taking.sum(axis=1, keepdims=True),
                      out=np.zeros_like(taking), where=taking.sum(axis=1, keepdims=True) > 0)
    by_car = pd.DataFrame([{"replication": i, "car": name, "car_shift_hours": hours[i, k],
                            "car_overtime_hours": 0.0,
                            "other_jobs_attended": est["other_jobs_attended"][i] * share[i, k]}
                           for i in range(len(part)) for k, name in enumerate(names)])
    ledger = annual_components(template, reps, by_car, WEEKS_PER_YEAR)  # type: ignore[arg-type]
    return ledger[f"net_benefit_{spec.objective.net_benefit}"].to_numpy(dtype=float)


def screen_estimates(spec: OptimiseSpec, candidates: Sequence[Candidate],
                     model: ScreenModel | None = None) -> dict[str, np.ndarray]:
    """The screen's estimates a year for every candidate: ``objective`` (in its own
    direction: not negated for minimising) and each constraint metric it can estimate."""
    model = model or screen_model(spec.base)
    objective: Objective = spec.objective
    takes = [spec.base.car_takes_other_jobs(_crew(spec, i)) if _crew(spec, i) else
             spec.base.dispatch.takes_other_jobs for i in range(spec.cars)]
    names = sorted({c.metric for c in spec.constraints if c.metric in SCREENABLE})
    out = {name: np.empty(len(candidates)) for name in ("objective", *names)}
    for first in range(0, len(candidates), CHUNK):
        part = candidates[first:first + CHUNK]
        where = slice(first, first + len(part))
        per_car = np.array([[rota_hours(r) for r in c.cars] for c in part])  # n x cars x 168
        est = estimates(model, per_car, takes)
        for name in names:
            out[name][where] = est[name]
        if objective.metric is not None:
            out["objective"][where] = est[objective.metric]
        else:
            out["objective"][where] = _net_benefit(spec, part, est, per_car, takes)
    return out


def objective_estimates(spec: OptimiseSpec, candidates: Sequence[Candidate],
                        model: ScreenModel | None = None) -> np.ndarray:
    """The screen's estimate of the objective a year (see :func:`screen_estimates`)."""
    return screen_estimates(spec, candidates, model)["objective"]
