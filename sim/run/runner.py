"""Running replications: common random numbers, batches, worker processes.

Replication ``r`` of every scenario uses the streams of ``(seed, r)`` only
(:mod:`sim.core.streams`), so results do not depend on how replications are spread over
workers: ``jobs=1`` and ``jobs=8`` give identical numbers. Replications are sent to
workers in batches (about eight per worker over the whole run, however many scenarios),
longest first, and each batch compiles its scenario once.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.stats import paired_differences, summarise
from sim.common.units import DAYS_PER_MONTH, HOURS_PER_WEEK
from sim.core.metrics import METRIC_NAMES
from sim.core.model import ReplicationResult, ScenarioModel
from sim.run.workers import worker_pool
from sim.scenario.calendar import DAY_NAMES, shift_minutes_by_hour
from sim.scenario.schema import Scenario

BATCHES_PER_WORKER = 8
"""Batches per worker process over a whole run (see :func:`_batches`). The last batches
to finish leave workers idle for about half a batch: eight per worker keep that to a few
per cent, while each batch still runs several replications per compiled scenario."""

BY_CAR_METRICS = ("car_attended", "other_jobs_attended", "car_shift_hours", "car_busy_hours",
                  "car_overtime_hours", "car_utilisation", "car_incidents_per_month")


@dataclass(frozen=True)
class RunSettings:
    """Resolved settings of one scenario's run (file values with overrides applied)."""

    replications: int
    seed: int
    weeks: int
    warmup_weeks: int


def resolve_settings(scenario: Scenario, reps: int | None = None, seed: int | None = None,
                     weeks: int | None = None, warmup_weeks: int | None = None) -> RunSettings:
    """The scenario's ``run`` block with any given overrides applied."""
    run = scenario.run
    return RunSettings(
        replications=run.replications if reps is None else int(reps),
        seed=run.seed if seed is None else int(seed),
        weeks=run.weeks if weeks is None else int(weeks),
        warmup_weeks=run.warmup_weeks if warmup_weeks is None else int(warmup_weeks),
    )


@dataclass
class RunResult:
    """Results of one or more scenarios run with common random numbers.

    Attributes
    ----------
    scenarios
        The scenarios, in the order given.
    settings
        Resolved run settings per scenario name.
    replications
        One row per scenario and replication: ``scenario``, ``replication``, then every
        metric of :data:`sim.core.metrics.METRICS`.
    by_hour_of_week
        One row per scenario, day and hour: mean per measured week of ``calls``,
        ``car_attended``, ``unmet_off_shift``, ``unmet_busy``, ``car_on_shift`` and
        ``car_busy`` (car-hours).
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
    settings: dict[str, RunSettings]
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
        """Paired differences of every metric against ``baseline`` (default: the run's)."""
        name = baseline or self.baseline or self.scenarios[0].name
        runs = {(s.seed, s.weeks, s.warmup_weeks) for s in self.settings.values()}
        if len(runs) > 1:
            warnings.warn("scenarios were run with different seeds, weeks or warm-up: the "
                          "pairing does not use common random numbers", stacklevel=2)
        return paired_differences(self.replications, METRIC_NAMES, name)

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


def _run_batch(scenario: Scenario, settings: RunSettings, reps: Sequence[int],
               event_log: bool = False) -> list[tuple[int, ReplicationResult]]:
    """Worker task: several replications of one scenario, compiled once."""
    model = ScenarioModel(scenario, weeks=settings.weeks, warmup_weeks=settings.warmup_weeks)
    return [(r, model.run(settings.seed, r, event_log=event_log)) for r in reps]


def _batches(n: int, jobs: int, total: int | None = None) -> list[list[int]]:
    """Split replications 0..n-1 into contiguous batches.

    With ``jobs > 1`` a batch holds about ``total / (BATCHES_PER_WORKER * jobs)``
    replications, where ``total`` counts the replications of every scenario of the run
    (default ``n``): several batches per worker, so workers stay busy to the end, while a
    sweep of many small scenarios is not cut into one-replication tasks that each compile
    their scenario.
    """
    total = n if total is None else total
    size = max(1, math.ceil(total / (jobs * BATCHES_PER_WORKER))) if jobs > 1 else n
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def _batch_cost(scenario: Scenario, settings: RunSettings, batch: Sequence[int]) -> float:
    """A rough relative cost of a batch, used only to start the longest batches first.

    Simulated weeks x arrivals a week x a weight for the cars. Sending the longest
    batches first keeps every worker busy to the end of a run whose scenarios differ in
    size (a sweep); results do not depend on it.
    """
    demand = scenario.demand
    per_week = sum(demand.rates_per_hour()) + HOURS_PER_WEEK * demand.other_jobs_per_hour
    weeks = settings.weeks + settings.warmup_weeks
    return len(batch) * weeks * per_week * (1.0 + 0.25 * len(scenario.cars))


def run_scenarios(scenarios: Sequence[Scenario], *, reps: int | None = None,
                  seed: int | None = None, weeks: int | None = None,
                  warmup_weeks: int | None = None, jobs: int = 1,
                  progress: bool | None = None, baseline: str | None = None,
                  event_log: bool | str | os.PathLike | None = None) -> RunResult:
    """Run every scenario's replications and collect tidy results.

    Parameters
    ----------
    scenarios
        Scenarios with distinct names.
    reps, seed, weeks, warmup_weeks
        Override the scenarios' ``run`` settings.
    jobs
        Worker processes (1 runs in this process). Results do not depend on it.
    progress
        Show a progress bar on stderr; default: when stderr is a terminal.
    baseline
        Scenario name for :meth:`RunResult.comparison`.
    event_log
        ``True`` keeps an event log (one row per call and per other job,
        :mod:`sim.core.eventlog`) in ``result.events``; a path also writes it there (Parquet
        if ``pyarrow`` can be imported, else CSV; the path written is
        ``result.extra["event_log_path"]``). Off by default; the metrics are the same
        either way.
    """
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be distinct: {names}")
    if baseline is not None and baseline not in names:
        raise ValueError(f"baseline {baseline!r} is not one of the scenarios: {', '.join(names)}")
    jobs = max(1, int(jobs or 1))
    settings = {s.name: resolve_settings(s, reps, seed, weeks, warmup_weeks) for s in scenarios}
    log = event_log is not None and event_log is not False
    total = sum(st.replications for st in settings.values())
    tasks = [(s, settings[s.name], batch) for s in scenarios
             for batch in _batches(settings[s.name].replications, jobs, total)]
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm import tqdm
        bar = tqdm(total=total, unit="rep", desc="replications", file=sys.stderr)

    started = time.perf_counter()
    results: dict[tuple[str, int], ReplicationResult] = {}
    try:
        if jobs == 1:
            for s, st, batch in tasks:
                model = ScenarioModel(s, weeks=st.weeks, warmup_weeks=st.warmup_weeks)
                for r in batch:
                    results[(s.name, r)] = model.run(st.seed, r, event_log=log)
                    if bar:
                        bar.update(1)
        else:
            tasks.sort(key=lambda task: _batch_cost(*task), reverse=True)  # longest first
            with worker_pool(min(jobs, len(tasks))) as pool:
                futures = {pool.submit(_run_batch, s, st, b, log): s.name for s, st, b in tasks}
                for fut in as_completed(futures):
                    for r, res in fut.result():
                        results[(futures[fut], r)] = res
                    if bar:
                        bar.update(len(fut.result()))
    finally:
        if bar:
            bar.close()
    wall = time.perf_counter() - started
    result = _collect(list(scenarios), settings, results, baseline, wall, jobs)
    if log:
        from sim.core.eventlog import combine, write_event_log

        result.events = combine([(s.name, r, results[(s.name, r)].events) for s in scenarios
                                 for r in range(settings[s.name].replications)])
        if not isinstance(event_log, bool):
            result.extra["event_log_path"] = write_event_log(result.events, Path(event_log))
    return result


def _collect(scenarios: list[Scenario], settings: dict[str, RunSettings],
             results: dict[tuple[str, int], ReplicationResult], baseline: str | None,
             wall: float, jobs: int) -> RunResult:
    rep_rows, hour_rows, car_rows = [], [], []
    for s in scenarios:
        st = settings[s.name]
        patterns = [car.pattern() for car in s.cars]
        shift_by_hour = shift_minutes_by_hour(patterns) * st.weeks
        sums = {k: np.zeros(HOURS_PER_WEEK) for k in
                ("calls", "car_attended", "unmet_off_shift", "unmet_busy", "not_for_car",
                 "car_busy_minutes")}
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
            })
    car_columns = ["scenario", "replication", "car", *BY_CAR_METRICS]
    return RunResult(
        scenarios=scenarios,
        settings=settings,
        replications=pd.DataFrame(rep_rows, columns=["scenario", "replication", *METRIC_NAMES]),
        by_hour_of_week=pd.DataFrame(hour_rows),
        by_car=pd.DataFrame(car_rows, columns=car_columns),
        baseline=baseline,
        wall_seconds=wall,
        jobs=jobs,
    )


def simulate(scenario: Scenario, *, reps: int | None = None, seed: int | None = None,
             weeks: int | None = None, warmup_weeks: int | None = None, jobs: int = 1,
             progress: bool | None = None,
             event_log: bool | str | os.PathLike | None = None) -> RunResult:
    """Run one scenario's replications.

    ``event_log=True`` (or a file path) also records one row per call and per other job:
    see :func:`run_scenarios`.

    Examples
    --------
    >>> import sim
    >>> sc = sim.load_scenario("scenarios/cpft_one_car.yaml")
    >>> result = sim.simulate(sc, reps=2, weeks=4)
    >>> int(result.replications.shape[0])
    2
    """
    return run_scenarios([scenario], reps=reps, seed=seed, weeks=weeks,
                         warmup_weeks=warmup_weeks, jobs=jobs, progress=progress,
                         event_log=event_log)


def compare(scenarios: Sequence[Scenario], baseline: str | None = None, *,
            reps: int | None = None, seed: int | None = None, weeks: int | None = None,
            warmup_weeks: int | None = None, jobs: int = 1,
            progress: bool | None = None,
            event_log: bool | str | os.PathLike | None = None) -> RunResult:
    """Run scenarios with common random numbers for paired comparison.

    ``result.comparison()`` gives each metric's paired difference against ``baseline``
    (default: the first scenario) with its 95% interval. ``event_log``: see
    :func:`run_scenarios`.
    """
    baseline = baseline or scenarios[0].name
    return run_scenarios(scenarios, reps=reps, seed=seed, weeks=weeks,
                         warmup_weeks=warmup_weeks, jobs=jobs, progress=progress,
                         baseline=baseline, event_log=event_log)


def default_jobs() -> int:
    """All available cores."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
