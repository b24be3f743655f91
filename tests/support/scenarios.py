"""Scenario builders shared by the model tests."""

from __future__ import annotations

import copy
from typing import Any

import sim
from sim.common.dotted import set_dotted
from sim.scenario.schema import Scenario

BASE: dict[str, Any] = {
    "name": "test",
    "run": {"weeks": 4, "warmup_weeks": 1, "replications": 3, "seed": 11},
    "demand": {"calls_per_day": 12.0, "hourly_profile": "uk_evening_peak",
               "weekday_factors": [1, 1, 1, 1, 1.1, 1.2, 1.1], "other_jobs_per_hour": 0.3},
    "cars": [
        {"name": "car1", "shifts": [
            {"days": ["Sun", "Mon", "Tue", "Wed", "Thu"], "start": "15:00", "end": "23:00"},
            {"days": ["Fri", "Sat"], "start": "17:00", "end": "01:00"}]},
    ],
    "dispatch": {"max_wait_minutes": 0, "takes_other_jobs": True, "end_of_shift": "finish_job"},
    "response": {
        "standard": {
            "officers": 2,
            "travel_minutes": {"dist": "lognormal", "mean": 20, "sd": 10},
            "on_scene_minutes": {"dist": "lognormal", "mean": 70, "sd": 40},
            "p_s136": 0.14,
            "s136_hours": {"dist": "lognormal", "median": 8, "p95": 20},
            "p_conveyed_ae": 0.15,
            "ae_wait_hours": {"dist": "lognormal", "mean": 4, "sd": 2},
        },
        "car": {
            "travel_minutes": {"dist": "lognormal", "mean": 25, "sd": 12},
            "on_scene_minutes": {"dist": "lognormal", "mean": 75, "sd": 30},
            "p_s136": 0.06,
            "s136_handover_hours": {"dist": "lognormal", "mean": 4.5, "sd": 2},
            "p_conveyed_ae": 0.08,
        },
        "other_job_minutes": {"dist": "exponential", "mean": 45},
    },
}

ALWAYS_ON = [{"days": "all", "start": "00:00", "end": "24:00"}]


def make(overrides: dict[str, Any] | None = None, **top: Any) -> Scenario:
    """A valid scenario: BASE with dotted-key overrides applied."""
    data = copy.deepcopy(BASE)
    for key, value in {**(overrides or {}), **top}.items():
        set_dotted(data, key, copy.deepcopy(value))
    return sim.scenario_from_dict(data)


def loss_system(cars: int, calls_per_hour: float, on_scene: dict[str, Any], *, weeks: int = 20,
                max_wait: float = 0.0) -> Scenario:
    """Cars on shift 24/7, flat demand, no other jobs, job time = on-scene time only."""
    zero = {"dist": "fixed", "value": 0}
    return make({
        "name": f"loss_{cars}",
        "run.weeks": weeks,
        "demand.calls_per_day": calls_per_hour * 24,
        "demand.hourly_profile": "flat",
        "demand.weekday_factors": [1] * 7,
        "demand.other_jobs_per_hour": 0.0,
        "cars": [{"name": f"car{i + 1}", "shifts": ALWAYS_ON} for i in range(cars)],
        "dispatch.max_wait_minutes": max_wait,
        "dispatch.takes_other_jobs": False,
        "response.car.travel_minutes": zero,
        "response.car.on_scene_minutes": on_scene,
        "response.car.p_s136": 0.0,
        "response.car.p_conveyed_ae": 0.0,
    })


ADVISED = {"p_no_deployment": 0.2, "p_s136": 0.08, "p_conveyed_ae": 0.1}


def control_room(shifts: list[dict[str, Any]] | None = None, practitioners: int = 1,
                 share: float = 0.8, handling: dict[str, Any] | None = None,
                 advised: dict[str, Any] | None = None) -> dict[str, Any]:
    """Overrides for :func:`make` that add a control room and its outcomes after advice."""
    return {
        "control_room": {
            "shifts": shifts or [{"days": "all", "start": "12:00", "end": "24:00"}],
            "practitioners": practitioners,
            "share_screened": share,
            "handling_minutes": handling or {"dist": "exponential", "mean": 60},
        },
        "response.control_room": dict(ADVISED if advised is None else advised),
    }


def pathway(beds: int | float = 2, *, max_wait_hours: float = 2.0, p_ambulance: float = 0.35,
            divert: dict[str, float] | None = None, legal_limit_hours: float = 24.0,
            bed_hours: dict[str, Any] | None = None) -> dict[str, Any]:
    """Overrides for :func:`make` that add a Section 136 pathway (DESIGN section 9)."""
    return {
        "pathway": {
            "conveyance": {
                "p_ambulance": p_ambulance,
                "ambulance_wait_hours": {"dist": "lognormal", "mean": 1.5, "sd": 1.0},
                "travel_minutes": {"dist": "lognormal", "mean": 30, "sd": 15},
            },
            "place_of_safety": {
                "beds": beds,
                "handover_minutes": {"dist": "lognormal", "mean": 45, "sd": 20},
                "bed_hours": bed_hours or {"dist": "lognormal", "median": 10, "p95": 24},
                "max_wait_hours": max_wait_hours,
                "divert": divert or {"ae": 0.97, "custody": 0.03},
            },
            "ae_as_place_of_safety_hours": {"dist": "lognormal", "mean": 6, "sd": 3},
            "legal_limit_hours": legal_limit_hours,
        },
    }
