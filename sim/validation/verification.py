"""Verification: the model against queueing theory and exact identities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.common.units import HOURS_PER_WEEK
from sim.run.runner import run_scenarios
from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import Scenario
from sim.validation.checks import CheckResult, against_rare_count, against_theory, exact
from sim.validation.theory import (
    UNLIMITED_WAIT_MINUTES,
    erlang_b,
    erlang_c,
    mmc_mean_wait,
    queue_scenario,
)

GROUP = "verification"
RARE_EXPECTED = 30  # below this many expected events, test the pooled count exactly
MEAN_JOB_MINUTES = 60.0
JOB_SHAPES = {
    "exponential": {"dist": "exponential", "mean": MEAN_JOB_MINUTES},
    "lognormal": {"dist": "lognormal", "mean": MEAN_JOB_MINUTES, "sd": 90},
    "fixed": {"dist": "fixed", "value": MEAN_JOB_MINUTES},
}


@dataclass(frozen=True)
class Effort:
    """How much simulation each check gets."""

    reps: int
    weeks: int
    erlang_b_grid: tuple[tuple[int, float], ...]
    erlang_c_grid: tuple[tuple[int, float], ...]


FULL = Effort(
    reps=10, weeks=26,
    erlang_b_grid=tuple((c, a) for c in (1, 2, 3, 4) for a in (0.1, 1.0, 3.0)),
    erlang_c_grid=tuple((c, round(rho * c, 3)) for c in (1, 2, 3, 4) for rho in (0.5, 0.8)),
)
FAST = Effort(reps=8, weeks=12, erlang_b_grid=((1, 0.5), (3, 2.0), (4, 0.1)),
              erlang_c_grid=((2, 1.0),))


def erlang_b_checks(effort: Effort, jobs: int) -> list[CheckResult]:
    """Blocking = Erlang B for 1-4 cars, for three job-time shapes (insensitivity)."""
    scenarios, keys = [], []
    for c, a in effort.erlang_b_grid:
        for shape, job in JOB_SHAPES.items():
            name = f"erlang_b_c{c}_a{a:g}_{shape}"
            scenarios.append(queue_scenario(name, c, a, job, mean_job_minutes=MEAN_JOB_MINUTES))
            keys.append((name, c, a, shape))
    result = run_scenarios(scenarios, reps=effort.reps, weeks=effort.weeks, jobs=jobs,
                           progress=False)
    out = []
    for name, c, a, shape in keys:
        r = result.replications[result.replications.scenario == name]
        label = f"Erlang B blocking, {c} car(s), load {a:g}, {shape} job times"
        expected = erlang_b(c, a)
        calls, count = int(r.mh_calls.sum()), int(r.unmet_busy.sum())
        if calls * expected < RARE_EXPECTED:
            out.append(against_rare_count(GROUP, label, count, calls, expected,
                                          "Erlang B formula (loss system M/G/c/c)",
                                          "unmet_busy / mh_calls, pooled"))
        else:
            out.append(against_theory(GROUP, label, (r.unmet_busy / r.mh_calls).to_numpy(),
                                      expected, "Erlang B formula (loss system M/G/c/c)",
                                      "unmet_busy / mh_calls"))
        if shape != "fixed":
            busy_cars = (r.car_busy_hours / (effort.weeks * HOURS_PER_WEEK)).to_numpy()
            little = (r.car_attended * MEAN_JOB_MINUTES / 60 / (effort.weeks * HOURS_PER_WEEK))
            out.append(against_theory(
                GROUP, f"Little's law for the cars, {c} car(s), load {a:g}, {shape}",
                busy_cars / little.to_numpy(), 1.0, "Little's law L = lambda W",
                "mean busy cars / (attended rate x mean job time)"))
    return out


def erlang_c_checks(effort: Effort, jobs: int) -> list[CheckResult]:
    """Probability of waiting and mean wait = M/M/c (Erlang C) with unlimited waiting."""
    scenarios, keys = [], []
    for c, a in effort.erlang_c_grid:
        name = f"erlang_c_c{c}_a{a:g}"
        scenarios.append(queue_scenario(name, c, a, JOB_SHAPES["exponential"],
                                        mean_job_minutes=MEAN_JOB_MINUTES,
                                        max_wait_minutes=UNLIMITED_WAIT_MINUTES))
        keys.append((name, c, a))
    result = run_scenarios(scenarios, reps=effort.reps, weeks=effort.weeks, jobs=jobs,
                           progress=False)
    out = []
    for name, c, a in keys:
        r = result.replications[result.replications.scenario == name]
        rho = a / c
        out.append(against_theory(
            GROUP, f"Erlang C probability of waiting, {c} car(s), utilisation {rho:.2f}",
            (r.waited / r.car_attended).to_numpy(), erlang_c(c, a), "Erlang C formula (M/M/c)",
            "waited / car_attended"))
        out.append(against_theory(
            GROUP, f"M/M/c mean wait (minutes), {c} car(s), utilisation {rho:.2f}",
            r.mean_car_response_minutes.to_numpy(), mmc_mean_wait(c, a, MEAN_JOB_MINUTES),
            "Wq = C(c, A) x mean job / (c - A)", "mean_car_response_minutes (no travel time)"))
        out.append(against_theory(
            GROUP, f"M/M/c utilisation, {c} car(s), utilisation {rho:.2f}",
            r.car_utilisation.to_numpy(), rho, "utilisation = A / c", "car_utilisation"))
    return out


def rota_scenario(weeks: int) -> Scenario:
    """One car on the Cambridgeshire rota (whole hours), evening-peaked demand, other jobs."""
    return scenario_from_dict({
        "name": "rota_time_varying",
        "run": {"weeks": weeks, "warmup_weeks": 1, "replications": 10, "seed": 2026},
        "demand": {"calls_per_day": 10, "hourly_profile": "uk_evening_peak",
                   "weekday_factors": [1, 1, 1, 1, 1.1, 1.3, 1.2], "other_jobs_per_hour": 0.3},
        "cars": [{"name": "car1", "shifts": [
            {"days": ["Sun", "Mon", "Tue", "Wed", "Thu"], "start": "15:00", "end": "23:00"},
            {"days": ["Fri", "Sat"], "start": "17:00", "end": "01:00"}]}],
        "dispatch": {"max_wait_minutes": 0, "takes_other_jobs": True,
                     "end_of_shift": "finish_job"},
        "response": {
            "standard": {
                "officers": 2, "travel_minutes": {"dist": "lognormal", "mean": 20, "sd": 10},
                "on_scene_minutes": {"dist": "lognormal", "mean": 70, "sd": 40},
                "p_s136": 0.136, "s136_hours": {"dist": "lognormal", "median": 8, "p95": 20},
                "p_conveyed_ae": 0.15, "ae_wait_hours": {"dist": "lognormal", "mean": 4, "sd": 2},
            },
            "car": {
                "travel_minutes": {"dist": "lognormal", "mean": 25, "sd": 12},
                "on_scene_minutes": {"dist": "gamma", "mean": 75, "sd": 30},
                "p_s136": 0.06, "s136_handover_hours": {"dist": "lognormal", "mean": 4.5, "sd": 2},
                "p_conveyed_ae": 0.08, "ae_handover_hours": {"dist": "uniform", "low": 0.5,
                                                             "high": 2},
            },
            "other_job_minutes": {"dist": "exponential", "mean": 45},
        },
    })


def expected_car_job_minutes(scenario: Scenario) -> float:
    """Mean time a car is held by a mental-health call it attends (from the inputs)."""
    total, weight = 0.0, 0.0
    for _, share, _, car in scenario.call_types():
        p_s136, p_ae = car.p_s136, (1 - car.p_s136) * car.p_conveyed_ae
        mean = (car.travel_minutes.mean_value + car.on_scene_minutes.mean_value
                + 60 * (p_s136 * car.s136_handover_hours.mean_value
                        + p_ae * car.ae_handover_hours.mean_value))
        total += share * mean
        weight += share
    return total / weight


def time_varying_checks(effort: Effort, jobs: int) -> list[CheckResult]:
    """Shifts against hour-of-week demand: the off-shift identity, its expected count, and
    conservation of car work (utilisation = attended rate x mean busy time / shift hours)."""
    scenario = rota_scenario(effort.weeks)
    result = run_scenarios([scenario], reps=effort.reps, weeks=effort.weeks, jobs=jobs,
                           progress=False)
    r = result.replications
    h = result.by_hour_of_week
    off = (h.car_on_shift == 0).to_numpy()
    on = (h.car_on_shift == 1).to_numpy()  # whole hours on shift
    identity = (np.array_equal(h.unmet_off_shift[off], h.calls[off])
                and float(h.car_attended[off].sum()) == 0.0
                and float(h.unmet_off_shift[on].sum()) == 0.0)
    out = [exact(
        GROUP, "Calls arriving with no car on shift are exactly the off-shift unmet calls",
        identity, float(h.unmet_off_shift.sum()), "equal in every hour of the week",
        "definition of unmet_off_shift", "by_hour_of_week: off-shift hours vs on-shift hours")]
    rates = np.array(scenario.demand.rates_per_hour())
    expected_off = float(rates[off].sum()) * effort.weeks
    out.append(against_theory(
        GROUP, "Off-shift unmet calls = integrated rate over off-shift hours",
        r.unmet_off_shift.to_numpy(), expected_off, "sum of hourly rates x weeks",
        "unmet_off_shift per replication"))
    other_mean = scenario.response.other_job_minutes.mean_value
    work = (r.car_attended * expected_car_job_minutes(scenario)
            + r.other_jobs_attended * other_mean) / 60
    ratio = ((r.car_busy_hours + r.car_overtime_hours) / work).to_numpy()
    out.append(against_theory(
        GROUP, "Car time = attended rate x mean busy time (with shifts and other jobs)",
        ratio, 1.0, "conservation of work; car_utilisation = busy / on-shift hours",
        "(busy + overtime hours) / (attended x mean job + other jobs x mean job)"))
    util = (r.car_busy_hours / r.car_shift_hours).to_numpy()
    out.append(exact(
        GROUP, "car_utilisation = car_busy_hours / car_shift_hours",
        bool(np.allclose(util, r.car_utilisation.to_numpy(), rtol=1e-12)),
        float(np.mean(util)), "equal per replication", "definition (docs/metrics.md)"))
    return out


def run(effort: Effort, jobs: int) -> list[CheckResult]:
    """Every verification check."""
    return (erlang_b_checks(effort, jobs) + erlang_c_checks(effort, jobs)
            + time_varying_checks(effort, jobs))
