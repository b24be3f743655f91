"""Parameter sweeps: run every point of a sweep file and collect tidy results.

A sweep file (``scenarios/sweeps/*.yaml``, recognised by its top-level ``sweep:`` key;
format in :mod:`sim.experiments.sweeps.design` and ``docs/sweeps.md``) crosses named
variants of a base scenario with a grid of values and/or Latin hypercube samples of dotted
keys. Each point runs ``reps`` replications; replication ``r`` of every point uses the
random streams of ``(seed, r)``, exactly like :mod:`sim.run.runner`, so neighbouring points
see the same calls and differ only by their inputs.

Work is split into *tasks* (a point and a batch of its replications) that run in this
process, in local worker processes (``jobs``), or on a Dask cluster (``scheduler``); the
numbers do not depend on which. With an output folder, every finished task is recorded
at once (:mod:`sim.experiments.sweeps.store`), so ``resume=True`` after a crash or a kill skips the
finished work and writes final files identical to an uninterrupted run's.

>>> import sim
>>> table = sim.sweep("scenarios/sweeps/cars_by_demand.yaml", reps=2, weeks=2)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.common import formats
from sim.common.stats import t_interval
from sim.common.units import WEEKS_PER_YEAR
from sim.experiments.sweeps.design import (
    Sweep,
    SweepError,
    is_sweep_file,
    load_sweep,
    sweep_from_dict,
)
from sim.experiments.sweeps.store import Task, TaskStore, code_sha256, make_tasks
from sim.reporting.sweep_results import summarise_sweep, sweep_table, write_sweep
from sim.run.executors import (
    check_workers,
    connect_dask,
    run_dask,
    run_processes,
    scheduler_address,
)

__all__ = ["Sweep", "SweepError", "SweepResult", "is_sweep_file", "load_sweep", "run_sweep",
           "sweep", "sweep_from_dict"]

HEADLINE = ("s136_avoided", "officer_hours_saved", "unmet_busy", "unmet_off_shift",
            "car_utilisation")
MAX_PRINTED_POINTS = 40


@dataclass
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
        Files written (empty without an output folder).
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
        if self._summary is None:
            self._summary = summarise_sweep(self.table, self.sweep.input_columns)
        return self._summary

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


def _backend_name(jobs: int) -> str:
    return "this process" if jobs <= 1 else f"{jobs} local worker processes"


def run_sweep(sweep: Sweep, *, jobs: int = 1, scheduler: Any = None,
              out: str | Path | None = None, resume: bool = False,
              progress: bool | None = None, plots: bool = True,
              command: list[str] | None = None,
              log: Callable[[str], None] | None = None) -> SweepResult:
    """Run a validated sweep; with ``out``, record tasks as they finish and write files.

    Parameters
    ----------
    sweep
        From :func:`load_sweep` or :func:`sweep_from_dict`.
    jobs
        Local worker processes (1: this process). Ignored with ``scheduler``.
    scheduler
        A Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``;
        default: ``$DASK_SCHEDULER_ADDRESS`` if set, else local processes.
    out
        Results folder: ``sweep.csv``, ``sweep_summary.csv``, plots, manifest, and the
        task store ``.tasks/`` that ``resume`` reads.
    resume
        Skip the tasks an earlier, interrupted run into ``out`` finished. Refused
        (:class:`SweepError`) when the sweep has changed since.
    progress
        Progress bar on stderr; default: when stderr is a terminal.
    log
        Called with notes for the user (e.g. how much work was resumed).
    """
    if resume and out is None:
        raise ValueError("resume needs an output folder (out=...)")
    jobs = max(1, int(jobs or 1))
    address = scheduler_address(scheduler) if isinstance(scheduler, str | None) else scheduler
    client, own_client = connect_dask(address) if address is not None else (None, False)
    try:
        if client is not None:
            check_workers(client)  # before anything is written
        return _run(sweep, jobs, client, out, resume, progress, plots, command, log)
    finally:
        if own_client:
            client.close()


def _run(sweep: Sweep, jobs: int, client: Any, out: str | Path | None, resume: bool,
         progress: bool | None, plots: bool, command: list[str] | None,
         log: Callable[[str], None] | None) -> SweepResult:
    tasks = make_tasks(sweep)
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
    unique: dict[str, Task] = {}
    for t in tasks:
        if t.key not in finished:
            unique.setdefault(t.key, t)
    todo = list(unique.values())
    resumed_reps = sum(len(t.reps) for t in tasks if t.key in finished)
    if resumed_reps and log:
        n = len({t.key for t in tasks if t.key in finished})
        log(f"resuming: {n} of {len(tasks)} tasks ({resumed_reps} of {sweep.replications} "
            "replications) already finished")

    remaining: dict[int, int] = {}
    users: dict[str, list[Task]] = {}
    for t in tasks:
        users.setdefault(t.key, []).append(t)
        if t.key not in finished:
            remaining[t.point.index] = remaining.get(t.point.index, 0) + 1
    points_total = len(sweep.points)
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show and todo:
        from tqdm import tqdm

        bar = tqdm(total=sweep.replications, initial=resumed_reps, unit="rep",
                   desc=f"sweep {sweep.name}", file=sys.stderr, dynamic_ncols=True)
        bar.set_postfix_str(f"points {points_total - len(remaining)}/{points_total}")

    results: dict[str, list[dict[str, float]]] = dict(finished)

    def on_done(task: Task, metrics: list[dict[str, float]]) -> None:
        if store is not None:
            store.record(task, metrics)
        results[task.key] = metrics
        for user in users[task.key]:
            left = remaining.get(user.point.index, 0) - 1
            if left <= 0:
                remaining.pop(user.point.index, None)
            else:
                remaining[user.point.index] = left
            if bar is not None:
                bar.update(len(user.reps))
        if bar is not None:
            bar.set_postfix_str(f"points {points_total - len(remaining)}/{points_total}",
                                refresh=False)

    started = time.perf_counter()
    try:
        if client is not None:
            backend = run_dask(todo, sweep.seed, sweep.weeks, sweep.warmup_weeks, on_done,
                               client)
        else:
            backend = _backend_name(min(jobs, max(1, len(todo))))
            run_processes(todo, sweep.seed, sweep.weeks, sweep.warmup_weeks, on_done, jobs)
    finally:
        if bar is not None:
            bar.close()
    wall = time.perf_counter() - started

    result = SweepResult(
        sweep=sweep, table=sweep_table(sweep, tasks, results), wall_seconds=wall,
        replications_run=sum(len(t.reps) for t in todo),
        replications_resumed=resumed_reps, tasks_run=len(todo),
        tasks_resumed=len({t.key for t in tasks if t.key in finished}), backend=backend,
        jobs=None if client is not None else jobs,
    )
    if out is not None:
        result.written = write_sweep(sweep, result.table, result.summary(), out,
                                     run=result.run_record(), command=command, plots=plots)
    return result


def sweep(source: str | Path | dict[str, Any] | Sweep, *, reps: int | None = None,
          seed: int | None = None, weeks: int | None = None, warmup_weeks: int | None = None,
          jobs: int = 1, scheduler: Any = None, out: str | Path | None = None,
          resume: bool = False, progress: bool | None = None,
          plots: bool = True) -> pd.DataFrame:
    """Run a sweep and return its tidy table (one row per point and replication).

    Parameters
    ----------
    source
        A sweep file, the map a sweep file holds (``{"sweep": {...}}`` or the inner map;
        ``base`` may then be a :class:`~sim.scenario.schema.Scenario`), or a :class:`Sweep`.
    reps, seed, weeks, warmup_weeks
        Override the sweep's settings.
    jobs, scheduler, out, resume, progress, plots
        As :func:`run_sweep`.

    Returns
    -------
    pandas.DataFrame
        Columns ``point``, ``variant``, the swept keys, ``replication``, then every metric.
        ``sim.reporting.sweep_results.summarise_sweep(table)`` gives means and 95% intervals.

    Raises
    ------
    SweepError
        A bad sweep file or point (every problem listed), or a refused resume.
    """
    flags = dict(reps=reps, seed=seed, weeks=weeks, warmup_weeks=warmup_weeks)
    if isinstance(source, Sweep):
        if any(v is not None for v in flags.values()):
            raise ValueError("reps, seed, weeks and warmup_weeks apply when loading a sweep")
        sw = source
    elif isinstance(source, dict):
        sw = sweep_from_dict(source, **flags)
    else:
        sw = load_sweep(source, **flags)
    return run_sweep(sw, jobs=jobs, scheduler=scheduler, out=out, resume=resume,
                     progress=progress, plots=plots).table


# --------------------------------------------------------------------------- command line

def print_summary(result: SweepResult) -> None:
    """Headline metrics per point, and the point that avoids the most detentions."""
    sw = result.sweep
    summary = result.summary()
    inputs = sw.input_columns if sw.has_variants else sw.input_columns[1:]
    rows = []
    for point in sw.points[:MAX_PRINTED_POINTS]:
        s = summary[summary.point == point.index].set_index("metric")
        row: dict[str, Any] = {"point": point.index}
        row.update({c: point.variant if c == "variant" else point.inputs[c] for c in inputs})
        for m in HEADLINE:
            row[m] = formats.interval(s.at[m, "mean"], s.at[m, "ci_low"], s.at[m, "ci_high"])
        rows.append(row)
    print(f"Sweep {sw.name}: means per replication ({sw.weeks} measured weeks) with 95% "
          "intervals:")
    print(pd.DataFrame(rows).to_string(index=False))
    if len(sw.points) > MAX_PRINTED_POINTS:
        print(f"... and {len(sw.points) - MAX_PRINTED_POINTS} more points "
              "(see sweep_summary.csv)")
    if sw.sample_keys:
        print_sensitivity(result)
        return
    s136 = summary[summary.metric == "s136_avoided"]
    if len(s136) > 1 and s136["mean"].notna().any():
        best = s136.loc[s136["mean"].idxmax()]
        point = sw.points[int(best["point"])]
        print(f"Most detentions avoided: point {point.index} ({point.label()}): "
              f"s136_avoided {formats.interval(best['mean'], best['ci_low'], best['ci_high'])}")
        runner_up = s136.drop(index=best.name).sort_values("mean", kind="stable").iloc[-1]
        other = sw.points[int(runner_up["point"])]
        wide = result.table.pivot(index="replication", columns="point", values="s136_avoided")
        mean, _, lo, hi, _ = t_interval(wide[point.index] - wide[other.index])
        print(f"  vs the next best, point {other.index} ({other.label()}): "
              f"{formats.interval(mean, lo, hi)} more (paired: same calls in each replication)"
              + ("; the interval includes 0: no clear winner" if lo <= 0 <= hi else ""))


def sensitivity(result: SweepResult, metrics: Sequence[str] = HEADLINE) -> pd.DataFrame:
    """Spearman rank correlation of point means with each sampled input (rows: metrics)."""
    from scipy.stats import spearmanr

    sw = result.sweep
    means = result.summary().pivot(index="point", columns="metric", values="mean")
    inputs = pd.DataFrame([p.inputs for p in sw.points], index=[p.index for p in sw.points])
    table = {}
    for key in sw.sample_keys:
        column = {}
        for m in metrics:
            x, y = inputs[key].to_numpy(float), means.loc[inputs.index, m].to_numpy(float)
            ok = pd.notna(y)
            column[m] = float(spearmanr(x[ok], y[ok]).statistic) if ok.sum() > 2 else math.nan
        table[key] = column
    return pd.DataFrame(table).rename_axis("metric")


def print_sensitivity(result: SweepResult) -> None:
    if len(result.sweep.points) < 4:
        return
    table = sensitivity(result)
    print("\nWhich inputs the results hinge on: Spearman rank correlation of point means with "
          "each sampled input (-1..1):")
    print(table.map(lambda v: "-" if not math.isfinite(v) else f"{v:+.2f}").to_string())


def main_sweep(args: Any, argv: Sequence[str], files: Sequence[Path]) -> int:
    """The command line for a sweep file (called by :func:`sim.cli.run.main`)."""
    from sim.cli.run import InputError
    from sim.run.runner import default_jobs
    from sim.scenario.loader import Problem

    sweeps = [f for f in files if is_sweep_file(f)]
    if len(files) != 1:
        others = ", ".join(str(f) for f in files if f not in sweeps[:1])
        raise InputError([Problem(str(sweeps[0]), None, "", "a sweep file runs on its own; "
                                  f"run the other files in a separate command: {others}")])
    if args.baseline is not None:
        raise InputError([Problem("--baseline", None, "", "applies to scenario files; a sweep "
                                  "is compared point by point in sweep_summary.csv")])
    path = files[0]
    try:
        sw = load_sweep(path, reps=args.reps, seed=args.seed, weeks=args.weeks,
                        warmup_weeks=args.warmup_weeks)
    except SweepError as exc:
        raise InputError(exc.problems) from None
    tasks = make_tasks(sw)
    if args.validate_only:
        print(f"ok  {path}  (sweep {sw.name}: {len(sw.points)} points x {sw.reps} "
              f"replications = {sw.replications} replications in {len(tasks)} tasks)")
        return 0
    out = args.out or Path("results") / sw.name
    jobs = args.jobs or default_jobs()

    def note(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr)

    started = time.perf_counter()
    try:
        result = run_sweep(sw, jobs=jobs, scheduler=args.scheduler, out=out,
                           resume=args.resume, plots=not args.no_plots,
                           command=["run_scenarios.py", *argv], log=note)
    except SweepError as exc:
        raise InputError(exc.problems) from None
    except KeyboardInterrupt:
        print(f"interrupted: finished tasks are recorded in {out}/.tasks; run the same "
              "command with --resume to continue", file=sys.stderr)
        return 130
    if not args.quiet:
        print_summary(result)
        print(f"\n{result.throughput_line()}; {len(result.written)} files written to {out}/ "
              f"(total {time.perf_counter() - started:.1f} s)")
    return 0
