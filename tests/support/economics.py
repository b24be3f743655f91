"""Hand-made run results for the funding-case tests (no simulation)."""

from __future__ import annotations

import pandas as pd

import sim
from sim.run.result import RunPlan, RunResult
from tests.support.scenarios import make

A = (365.25 / 7) / 52  # a year over 52 measured weeks

COSTS = {"price_year": 2013, "officer_hour": 20, "clinician_hour": 40,
         "vehicle_per_car_hour": 5, "management_per_year": 1000,
         "training_per_car_per_year": 500, "setup_per_car": 2000, "s136_detention": 1000,
         "ae_attendance": 100, "ae_conveyance": 50}


def hand_result(per_scenario: dict[str, list[dict]], cars: dict[str, list[str]],
            baseline: str | None = "none", costs: dict | None = None) -> RunResult:
    """A RunResult with hand-made counts.

    ``per_scenario[name]`` lists, per replication, ``s136_avoided``, ``ae_avoided``,
    ``officer_hours_saved`` and per car ``shift`` and ``overtime`` hours
    (``{"car1": (2000, 100)}``).
    """
    scenarios, reps, by_car, settings = [], [], [], {}
    for name, rows in per_scenario.items():
        car_list = [{"name": c, "shifts": [{"days": "all", "start": "15:00", "end": "23:00"}]}
                    for c in cars[name]]
        scenarios.append(make({"name": name, "cars": car_list,
                               "costs": costs if costs is not None else COSTS}))
        settings[name] = RunPlan(replications=len(rows), seed=1, weeks=52, warmup_weeks=1)
        for r, row in enumerate(rows):
            reps.append({"scenario": name, "replication": r,
                         **{m: 0.0 for m in sim.METRIC_NAMES},
                         "s136_avoided": row["s136"], "ae_avoided": row["ae"],
                         "officer_hours_saved": row["hours"]})
            for car, (shift, overtime) in row.get("cars", {}).items():
                by_car.append({"scenario": name, "replication": r, "car": car,
                               "car_shift_hours": shift, "car_overtime_hours": overtime})
    return RunResult(scenarios=scenarios, settings=settings,
                     replications=pd.DataFrame(reps),
                     by_hour_of_week=pd.DataFrame(),
                     by_car=pd.DataFrame(by_car, columns=["scenario", "replication", "car",
                                                          "car_shift_hours",
                                                          "car_overtime_hours"]),
                     baseline=baseline)


ONE_CAR = [
    {"s136": 50, "ae": 10, "hours": 3000, "cars": {"car1": (2000, 100)}},
    {"s136": 60, "ae": 20, "hours": 4200, "cars": {"car1": (2000, 200)}},
]
NONE = [{"s136": 0, "ae": 0, "hours": 0}, {"s136": 0, "ae": 0, "hours": 0}]
