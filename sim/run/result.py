"""What a run is and what it gives: the resolved :class:`RunPlan` of each scenario, and the
:class:`RunResult` tables collected from its replications (``sim/run/runner.py`` runs them).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.common.counts import whole_number
from sim.common.stats import paired_change_pct, paired_differences, summarise
from sim.common.units import DAYS_PER_MONTH, HOURS_PER_WEEK
from sim.core.metrics import METRIC_NAMES
from sim.core.model import ReplicationResult
from sim.scenario.calendar import DAY_NAMES, shift_minutes_by_hour
from sim.scenario.schema import Scenario

BY_CAR_METRICS = ("car_attended", "other_jobs_attended", "car_shift_hours", "car_busy_hours",
                  "car_overtime_hours", "car_utilisation", "car_incidents_per_month")

HOUR_COUNTERS = ("calls", "car_attended", "unmet_off_shift", "unmet_busy", "not_for_car",
                 "car_busy_minutes", "cr_screened", "cr_resolved_by_phone", "cr_busy_minutes",
                 "car_phone_advised", "car_resolved_by_phone",
                 "pos_bed_minutes")


@dataclass(frozen=True)
class RunPlan:
    """How one scenario is run: its ``run:`` block (``sim/scenario/schema.py``,
    ``RunSettings``) with any overrides applied."""

    replications: int
    seed: int
    weeks: int
    warmup_weeks: int


def resolve_plan(scenario: Scenario, reps: object = None, seed: object = None,
                 weeks: object = None, warmup_weeks: object = None) -> RunPlan:
    """The scenario's ``run`` block with the given overrides (None: the file's value).

    Overrides follow the command line's rules (:func:`sim.common.counts.whole_number`):
    ``reps`` and ``weeks`` at least 1, ``seed`` and ``warmup_weeks`` at least 0.
    """
    run = scenario.run
    return RunPlan(
        replications=run.replications if reps is None else whole_number(reps, 1, "reps"),
        seed=run.seed if seed is None else whole_number(seed, 0, "seed"),
        weeks=run.weeks if weeks is None else whole_number(weeks, 1, "weeks"),
        warmup_weeks=(run.warmup_weeks if warmup_weeks is None
                      else whole_number(warmup_weeks, 0, "warmup_weeks")),
    )


@dataclass
class RunResult:
    """Results of one or more scenarios run with common random numbers.

    Attributes
    ----------
    scenarios
        The scenarios, in the order given.
    settings
        The :class:`RunPlan` of each scenario, by name.
    replications
        One row per scenario and replication: ``scenario``, ``replication``, then every
        metric of :data:`sim.core.metrics.METRICS`.
    by_hour_of_week
        One row per scenario, day and hour: mean per measured week of ``calls``,
        ``car_attended``, ``unmet_off_shift``, ``unmet_busy``, ``not_for_car``,
        ``car_on_shift`` and ``car_busy`` (car-hours); and for the control room
        ``cr_screened``, ``cr_resolved_by_phone``, ``car_phone_advised``,
        ``car_resolved_by_phone`` (calls), ``cr_on_shift`` and ``cr_busy``
        (practitioner-hours; zero without a control room); and for the Section 136 pathway
        ``pos_occupied`` (place-of-safety beds occupied, the mean over the hour: bed-hours
        in that hour of a week; zero without a ``pathway:`` block).
    by_car
        One row per scenario, replication and car.
    baseline
        Scenario that :meth:`comparison` compares against by default.
    wall_seconds
        Wall time of the run.
    events
        The event log (:mod:`sim.core.eventlog`: one row per call and per other job) when
        one was asked for, else ``None``.
    """

    scenarios: list[Scenario]
    settings: dict[str, RunPlan]
    replications: pd.DataFrame
    by_hour_of_week: pd.DataFrame
    by_car: pd.DataFrame
    baseline: str | None = None
    wall_seconds: float = 0.0
    jobs: int = 1
    extra: dict = field(default_factory=dict)
    events: pd.DataFrame | None = None

    def summary(self) -> pd.DataFrame:
        """Mean, sd and 95% t-interval of every metric per scenario."""
        return summarise(self.replications, METRIC_NAMES)

    def comparison(self, baseline: str | None = None) -> pd.DataFrame:
        """Paired differences of every metric against ``baseline`` (default: the run's).

        After each scenario's metric rows comes one ``s136_change_pct`` row: the percentage
        change in Section 136 detentions, ratio of means with a delta-method 95% interval
        (:func:`sim.common.stats.paired_change_pct`; NaN when the baseline has none).
        """
        name = baseline or self.baseline or self.scenarios[0].name
        runs = {(s.seed, s.weeks, s.warmup_weeks) for s in self.settings.values()}
        if len(runs) > 1:
            warnings.warn("scenarios were run with different seeds, weeks or warm-up: the "
                          "pairing does not use common random numbers", stacklevel=2)
        diff = paired_differences(self.replications, METRIC_NAMES, name)
        pct = paired_change_pct(self.replications, "s136", name)
        if pct.empty:
            return diff
        order = {s: i for i, s in enumerate(diff["scenario"].drop_duplicates())}
        both = pd.concat([diff, pct], ignore_index=True)
        return both.sort_values("scenario", key=lambda c: c.map(order), kind="stable"
                                ).reset_index(drop=True)

    def by_car_summary(self) -> pd.DataFrame:
        """Mean and 95% t-interval of each per-car metric."""
        if self.by_car.empty:
            return pd.DataFrame(columns=["scenario", "car", "metric", "mean", "sd", "ci_low",
                                         "ci_high", "n"])
        frames = []
        for car, group in self.by_car.groupby("car", sort=False):
            s = summarise(group, BY_CAR_METRICS)
            s.insert(1, "car", car)
            frames.append(s)
        out = pd.concat(frames, ignore_index=True)
        order = {s.name: i for i, s in enumerate(self.scenarios)}
        return out.sort_values(["scenario", "car"], key=lambda c: c.map(order) if c.name ==
                               "scenario" else c, kind="stable").reset_index(drop=True)


def collect(scenarios: list[Scenario], plans: Mapping[str, RunPlan],
            results: Mapping[tuple[str, int], ReplicationResult], baseline: str | None,
            wall: float, jobs: int) -> RunResult:
    """The run's tables from each replication's result, keyed by (scenario name, r)."""
    rep_rows, hour_rows, car_rows = [], [], []
    for s in scenarios:
        st = plans[s.name]
        patterns = [car.pattern() for car in s.cars]
        shift_by_hour = shift_minutes_by_hour(patterns) * st.weeks
        room = s.control_room
        room_by_hour = (shift_minutes_by_hour([room.pattern()]) * room.practitioners
                        if room is not None else np.zeros(HOURS_PER_WEEK))
        sums = {k: np.zeros(HOURS_PER_WEEK) for k in HOUR_COUNTERS}
        months = st.weeks * 7 / DAYS_PER_MONTH
        for r in range(st.replications):
            res = results[(s.name, r)]
            rep_rows.append({"scenario": s.name, "replication": r, **res.metrics})
            for k in sums:
                sums[k] += res.by_hour[k]
            for car, pattern, values in zip(s.cars, patterns, res.by_car, strict=True):
                shift_hours = pattern.minutes_per_week * st.weeks / 60.0
                car_rows.append({
                    "scenario": s.name, "replication": r, "car": car.name, **values,
                    "car_shift_hours": shift_hours,
                    "car_utilisation": values["car_busy_hours"] / shift_hours,
                    "car_incidents_per_month": values["car_attended"] / months,
                })
        per_week = st.replications * st.weeks
        for h in range(HOURS_PER_WEEK):
            hour_rows.append({
                "scenario": s.name, "day": DAY_NAMES[h // 24], "hour": h % 24,
                "calls": sums["calls"][h] / per_week,
                "car_attended": sums["car_attended"][h] / per_week,
                "unmet_off_shift": sums["unmet_off_shift"][h] / per_week,
                "unmet_busy": sums["unmet_busy"][h] / per_week,
                "not_for_car": sums["not_for_car"][h] / per_week,
                "car_on_shift": shift_by_hour[h] / st.weeks / 60.0,
                "car_busy": sums["car_busy_minutes"][h] / per_week / 60.0,
                "cr_screened": sums["cr_screened"][h] / per_week,
                "cr_resolved_by_phone": sums["cr_resolved_by_phone"][h] / per_week,
                "car_phone_advised": sums["car_phone_advised"][h] / per_week,
                "car_resolved_by_phone": sums["car_resolved_by_phone"][h] / per_week,
                "cr_on_shift": room_by_hour[h] / 60.0,
                "cr_busy": sums["cr_busy_minutes"][h] / per_week / 60.0,
                "pos_occupied": sums["pos_bed_minutes"][h] / per_week / 60.0,
            })
    car_columns = ["scenario", "replication", "car", *BY_CAR_METRICS]
    return RunResult(
        scenarios=scenarios,
        settings=dict(plans),
        replications=pd.DataFrame(rep_rows, columns=["scenario", "replication", *METRIC_NAMES]),
        by_hour_of_week=pd.DataFrame(hour_rows),
        by_car=pd.DataFrame(car_rows, columns=car_columns),
        baseline=baseline,
        wall_seconds=wall,
        jobs=jobs,
    )
