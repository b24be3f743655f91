"""Parameter sweeps: run every point of a sweep and collect its table.

A sweep file (``scenarios/sweeps/*.yaml``, recognised by its top-level ``sweep:`` key;
format in :mod:`sim.experiments.sweeps.design` and ``docs/sweeps.md``) crosses named
variants of a base scenario with a grid of values and/or Latin hypercube samples of dotted
keys. Each point runs ``reps`` replications; replication ``r`` of every point uses the
random streams of ``(seed, r)``, exactly like :mod:`sim.run.runner`, so neighbouring points
see the same calls and differ only by their inputs.

Work is split into *tasks* (a point and a batch of its replications) that run through
:func:`sim.run.executors.run_batches`: in this process, in local worker processes
(``jobs``), or on a Dask cluster (``scheduler``); the numbers do not depend on which. With a
results folder, every finished task is recorded at once (:mod:`sim.experiments.sweeps.store`),
so ``resume=True`` after a crash or a kill skips the finished work and gives a table
identical to an uninterrupted run's. Writing the folder's final files is reporting
(``sim/reporting/sweep_results.py``); ``sim.sweep`` (``sim/api.py``) does both.

>>> import sim
>>> table = sim.sweep("scenarios/sweeps/cars_by_demand.yaml", reps=2, weeks=2)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.common.counts import whole_number
from sim.common.folders import check_output_folder
from sim.common.units import WEEKS_PER_YEAR
from sim.experiments.sweeps.design import Sweep, SweepError
from sim.experiments.sweeps.store import Task, TaskStore, make_tasks
from sim.experiments.sweeps.tables import summarise_sweep, sweep_table
from sim.run.executors import (
    Batch,
    ExecutorError,
    backend_name,
    code_sha256,
    dask_client,
    progress_bar,
    run_batches,
)
from sim.run.result import RunPlan
from sim.run.runner import replication_metrics

__all__ = ["SweepResult", "run_sweep"]

DASK_KEY_PREFIX = "sim-sweep"
"""Dask task keys are ``sim-sweep-<task key>``: a task key is a hash of its work."""


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep.

    Attributes
    ----------
    sweep
        The sweep as run (settings and points).
    table
        One row per point and replication (``sweep.csv``).
    wall_seconds
        Time spent running tasks in this call (not counting resumed ones or writing).
    replications_run, replications_resumed
        Replications simulated in this call, and taken from an earlier interrupted run.
    backend
        Where the tasks ran.
    written
        Files written (set by ``sim/api.py`` when it writes the results folder).
    """

    sweep: Sweep
    table: pd.DataFrame
    wall_seconds: float
    replications_run: int
    replications_resumed: int
    tasks_run: int
    tasks_resumed: int
    backend: str
    jobs: int | None
    written: list[Path] = field(default_factory=list)
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    def summary(self) -> pd.DataFrame:
        """Per point and metric: mean, sd, 95% t-interval, n (``sweep_summary.csv``)."""
        summary = self._summary
        if summary is None:  # computed once: a cache, not state
            summary = summarise_sweep(self.table, self.sweep.input_columns)
            object.__setattr__(self, "_summary", summary)
        return summary

    @property
    def replications_per_second(self) -> float:
        return self.replications_run / self.wall_seconds if self.wall_seconds > 0 else math.nan

    @property
    def simulated_years_per_second(self) -> float:
        """Simulated years (measured and warm-up weeks) per second of wall time."""
        weeks = self.sweep.weeks + self.sweep.warmup_weeks
        return self.replications_per_second * weeks / WEEKS_PER_YEAR

    def run_record(self) -> dict[str, Any]:
        """The run's facts for the manifest."""
        return {
            "backend": self.backend, "jobs": self.jobs, "code_sha256": code_sha256(),
            "wall_seconds": round(self.wall_seconds, 3),
            "tasks": self.tasks_run + self.tasks_resumed, "tasks_run": self.tasks_run,
            "tasks_resumed": self.tasks_resumed, "replications_run": self.replications_run,
            "replications_resumed": self.replications_resumed,
            "replications_per_second": round(self.replications_per_second, 3),
            "simulated_years_per_second": round(self.simulated_years_per_second, 3),
        }

    def throughput_line(self) -> str:
        """One line: wall time and throughput of the work done in this call."""
        sw = self.sweep
        years = self.replications_run * (sw.weeks + sw.warmup_weeks) / WEEKS_PER_YEAR
        line = (f"{len(sw.points)} points x {sw.reps} replications: "
                f"{self.replications_run} replications ({years:,.1f} simulated years) in "
                f"{self.wall_seconds:.1f} s on {self.backend}")
        if self.replications_run:
            line += (f": {self.replications_per_second:,.1f} replications/s, "
                     f"{self.simulated_years_per_second:,.1f} simulated years/s")
        if self.replications_resumed:
            line += f"; {self.replications_resumed} replications resumed from the earlier run"
        return line


def run_sweep(sweep: Sweep, *, jobs: int | None = 1, scheduler: Any = None,
              out: str | Path | None = None, resume: bool = False,
              progress: bool | None = None,
              log: Callable[[str], None] | None = None) -> SweepResult:
    """Run a validated sweep; with ``out``, record its tasks there as they finish.

    Parameters
    ----------
    sweep
        From :func:`~sim.experiments.sweeps.design.load_sweep` or
        :func:`~sim.experiments.sweeps.design.sweep_from_dict`.
    jobs
        Local worker processes, at least 1 (1 or None: this process). Ignored with
        ``scheduler``.
    scheduler
        A Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``;
        default: ``$DASK_SCHEDULER_ADDRESS`` if set, else local processes.
    out
        Results folder: the task store ``.tasks/`` that ``resume`` reads goes there. The
        final files are written by :func:`sim.reporting.sweep_results.write_sweep`.
    resume
        Skip the tasks an earlier, interrupted run into ``out`` finished. Refused
        (:class:`SweepError`) when the sweep has changed since.
    progress
        Progress bar on stderr; default: when stderr is a terminal.
    log
        Called with notes for the user (e.g. how much work was resumed).

    Raises
    ------
    SweepError
        A refused resume, or a Dask scheduler that is missing, unreachable or runs other
        code (checked before anything is written).
    """
    if resume and out is None:
        raise ValueError("resume needs an output folder (out=...)")
    jobs = 1 if jobs is None else whole_number(jobs, 1, "jobs")
    try:
        with dask_client(scheduler) as client:  # checked before anything is written
            return _run(sweep, jobs, client, out, resume, progress, log)
    except ExecutorError as exc:
        raise SweepError(exc.problems) from None


def _run(sweep: Sweep, jobs: int, client: Any, out: str | Path | None, resume: bool,
         progress: bool | None, log: Callable[[str], None] | None) -> SweepResult:
    tasks = make_tasks(sweep)
    if out is not None:  # refused before anything runs (sim/common/folders.py)
        check_output_folder(out, [f for f in (sweep.source, sweep.base_source) if f])
    store = TaskStore(out) if out is not None else None
    finished: dict[str, list[dict[str, float]]] = {}
    if store is not None:
        resuming = store.check_resume(sweep) if resume else False  # raises if changed
        if resume and not resuming and log:
            log(f"nothing to resume in {out}; starting afresh")
        if resuming and store.code_changed and log:
            log("note: the simulator's code (the sim package) has changed since the "
                "interrupted run; its finished tasks were computed by the earlier code")
        finished = store.start(sweep, resume=resuming)
    users: dict[str, list[Task]] = {}  # points with the same scenario share a task
    for t in tasks:
        users.setdefault(t.key, []).append(t)
    todo = [users[key][0] for key in users if key not in finished]
    resumed_reps = sum(len(t.reps) for t in tasks if t.key in finished)
    tasks_resumed = len({t.key for t in tasks if t.key in finished})
    if resumed_reps and log:
        log(f"resuming: {tasks_resumed} of {len(tasks)} tasks ({resumed_reps} of "
            f"{sweep.replications} replications) already finished")

    remaining: dict[int, int] = {}
    for t in tasks:
        if t.key not in finished:
            remaining[t.point.index] = remaining.get(t.point.index, 0) + 1
    points_total = len(sweep.points)
    results: dict[str, list[dict[str, float]]] = dict(finished)
    plan = RunPlan(replications=sweep.reps, seed=sweep.seed, weeks=sweep.weeks,
                   warmup_weeks=sweep.warmup_weeks)
    batches = [Batch(t.key, replication_metrics, (t.point.scenario, plan, t.reps),
                     size=sum(len(u.reps) for u in users[t.key])) for t in todo]

    started = time.perf_counter()
    with progress_bar(sweep.replications, f"sweep {sweep.name}", initial=resumed_reps,
                      show=progress if todo else False) as bar:
        def points_done() -> None:
            if bar is not None:
                bar.set_postfix_str(f"points {points_total - len(remaining)}/{points_total}",
                                    refresh=False)

        def on_done(batch: Batch, metrics: list[dict[str, float]]) -> None:
            if store is not None:
                store.record(users[batch.key][0], metrics)
            results[batch.key] = metrics
            for user in users[batch.key]:
                left = remaining.pop(user.point.index, 0) - 1
                if left > 0:
                    remaining[user.point.index] = left
            points_done()

        points_done()
        run_batches(batches, jobs=jobs, client=client, on_done=on_done, bar=bar,
                    key_prefix=DASK_KEY_PREFIX)
    wall = time.perf_counter() - started

    return SweepResult(
        sweep=sweep, table=sweep_table(sweep, tasks, results), wall_seconds=wall,
        replications_run=sum(len(t.reps) for t in todo),
        replications_resumed=resumed_reps, tasks_run=len(todo), tasks_resumed=tasks_resumed,
        backend=backend_name(jobs, client, len(todo)),
        jobs=None if client is not None else jobs,
    )
