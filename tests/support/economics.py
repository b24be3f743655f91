"""Hand-made run results for the appraisal tests (no simulation)."""

from __future__ import annotations

import pandas as pd

import sim
from sim.run.result import RunPlan, RunResult
from tests.support.scenarios import make

A = (365.25 / 7) / 52  # a year over 52 measured weeks

COSTS = {"price_year": 2024,
         "officer_hour": {"value": 20, "payer": "police"},
         "clinician_hour": {"value": 40, "payer": "nhs"},
         "vehicle_per_car_hour": {"value": 5, "payer": "police"},
         "management_per_year": {"value": 1000, "payer": "nhs"},
         "training_per_car_per_year": {"value": 500, "payer": "nhs"},
         "setup_per_car": {"value": 2000, "payer": "police"},
         "s136_detention": {"value": 1000, "payer": "nhs", "cash": False},
         "alternative_care": {"value": 100, "payer": "nhs", "cash": True},
         "ae_attendance": {"value": 100, "payer": "nhs", "cash": True},
         "ae_conveyance": {"value": 50, "payer": "ambulance", "cash": False}}
"""Unit costs at report prices (2024), so that no uplift applies."""

ONE_YEAR = {"price_year": 2024, "years": 1, "discount_rate": 0.0,
            "optimism_bias": {"recurring": 0.0, "setup": 0.0}}
"""An appraisal of one year at 2024 prices, undiscounted, without optimism bias."""

OTHER_JOB_MINUTES = 45.0
"""Mean time of another job in the test scenarios (``tests/support/scenarios.py``)."""


def hand_result(per_scenario: dict[str, list[dict]], cars: dict[str, list[str]],
                baseline: str | None = "none", costs: dict | None = None,
                appraisal: dict | None = None) -> RunResult:
    """A RunResult with hand-made counts.

    ``per_scenario[name]`` lists, per replication, ``s136`` (detentions avoided), ``ae``
    (A&E attendances avoided), ``hours`` (frontline officer hours saved) and per car
    ``(shift, overtime, other jobs attended)`` (``{"car1": (2000, 100, 10)}``).
    """
    scenarios, reps, by_car, settings = [], [], [], {}
    for name, rows in per_scenario.items():
        car_list = [{"name": c, "shifts": [{"days": "all", "start": "15:00", "end": "23:00"}]}
                    for c in cars[name]]
        scenarios.append(make({"name": name, "cars": car_list,
                               "costs": costs if costs is not None else COSTS,
                               "appraisal": appraisal if appraisal is not None else ONE_YEAR}))
        settings[name] = RunPlan(replications=len(rows), seed=1, weeks=52, warmup_weeks=1)
        for r, row in enumerate(rows):
            reps.append({"scenario": name, "replication": r,
                         **{m: 0.0 for m in sim.METRIC_NAMES},
                         "s136_avoided": row["s136"], "ae_avoided": row["ae"],
                         "officer_hours_saved": row["hours"]})
            for car, (shift, overtime, other) in row.get("cars", {}).items():
                by_car.append({"scenario": name, "replication": r, "car": car,
                               "car_shift_hours": shift, "car_overtime_hours": overtime,
                               "other_jobs_attended": other})
    return RunResult(scenarios=scenarios, settings=settings,
                     replications=pd.DataFrame(reps),
                     by_hour_of_week=pd.DataFrame(),
                     by_car=pd.DataFrame(by_car, columns=["scenario", "replication", "car",
                                                          "car_shift_hours",
                                                          "car_overtime_hours",
                                                          "other_jobs_attended"]),
                     baseline=baseline)


ONE_CAR = [
    {"s136": 50, "ae": 10, "hours": 3000, "cars": {"car1": (2000, 100, 40)}},
    {"s136": 60, "ae": 20, "hours": 4200, "cars": {"car1": (2000, 200, 80)}},
]
NONE = [{"s136": 0, "ae": 0, "hours": 0}, {"s136": 0, "ae": 0, "hours": 0}]
