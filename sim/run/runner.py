"""Running replications: common random numbers, batches, worker processes.

Replication ``r`` of every scenario uses the streams of ``(seed, r)`` only
(:mod:`sim.core.streams`), so results do not depend on how replications are spread over
workers: ``jobs=1`` and ``jobs=8`` give identical numbers. Replications are cut into
batches (about eight per worker over the whole run, however many scenarios), each of which
compiles its scenario once, and handed to :func:`sim.run.executors.run_batches`, longest
first. The tables are collected by :func:`sim.run.result.collect`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.common.counts import whole_number
from sim.common.units import HOURS_PER_WEEK
from sim.core.eventlog import combine, write_event_log
from sim.core.model import ReplicationResult, ScenarioModel
from sim.run.executors import Batch, progress_bar, run_batches
from sim.run.result import RunPlan, RunResult, collect, resolve_plan
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

BATCHES_PER_WORKER = 8
"""Batches per worker process over a whole run (see :func:`_batches`). The last batches
to finish leave workers idle for about half a batch: eight per worker keep that to a few
per cent, while each batch still runs several replications per compiled scenario."""

ScenarioLike = Scenario | str | os.PathLike
"""A scenario, or the path of a scenario file (loaded by :func:`sim.load_scenario`)."""

OnBatch = Callable[[int, int], None]
"""A progress hook: ``on_batch(replications done, replications in all)``, called in the
calling process after each finished batch (:func:`run_scenarios`)."""


def run_replications(scenario: Scenario, plan: RunPlan, reps: Sequence[int],
                     event_log: bool = False) -> list[ReplicationResult]:
    """Worker function: replications ``reps`` of one scenario, compiled once."""
    model = ScenarioModel(scenario, weeks=plan.weeks, warmup_weeks=plan.warmup_weeks)
    return [model.run(plan.seed, r, event_log=event_log) for r in reps]


def replication_metrics(scenario: Scenario, plan: RunPlan,
                        reps: Sequence[int]) -> list[dict[str, float]]:
    """Worker function: only the metrics of replications ``reps`` (what a sweep keeps)."""
    return [res.metrics for res in run_replications(scenario, plan, reps)]


def _batches(n: int, jobs: int, total: int | None = None) -> list[list[int]]:
    """Split replications 0..n-1 into contiguous batches.

    A batch holds about ``total / (BATCHES_PER_WORKER * jobs)`` replications, where
    ``total`` counts the replications of every scenario of the run (default ``n``):
    several batches per worker, so workers stay busy to the end (and a progress bar
    moves in this process too), while a run of many small scenarios is not cut into
    one-replication batches that each compile their scenario.
    """
    total = n if total is None else total
    size = max(1, math.ceil(total / (max(1, jobs) * BATCHES_PER_WORKER)))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def _batch_cost(scenario: Scenario, plan: RunPlan, batch: Sequence[int]) -> float:
    """A rough relative cost of a batch, used only to start the longest batches first.

    Simulated weeks x arrivals a week x a weight for the cars. Sending the longest
    batches first keeps every worker busy to the end of a run whose scenarios differ in
    size; results do not depend on it.
    """
    demand = scenario.demand
    per_week = sum(demand.rates_per_hour()) + HOURS_PER_WEEK * demand.other_jobs_per_hour
    weeks = plan.weeks + plan.warmup_weeks
    return len(batch) * weeks * per_week * (1.0 + 0.25 * len(scenario.cars))


def run_scenarios(scenarios: Sequence[Scenario], *, reps: int | None = None,
                  seed: int | None = None, weeks: int | None = None,
                  warmup_weeks: int | None = None, jobs: int | None = 1,
                  progress: bool | None = None, baseline: str | None = None,
                  event_log: bool | str | os.PathLike | None = None,
                  on_batch: OnBatch | None = None) -> RunResult:
    """Run every scenario's replications and collect tidy results.

    Parameters
    ----------
    scenarios
        Scenarios with distinct names.
    reps, seed, weeks, warmup_weeks
        Override the scenarios' ``run`` settings (rules: :func:`sim.run.result.resolve_plan`).
    jobs
        Worker processes, at least 1 (1 runs in this process; None means 1). Results do
        not depend on it.
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
    on_batch
        Called in this process after each finished batch of replications with
        ``(replications done, replications in all)``, over every scenario of the run: the
        counts grow and the last call has both equal. An exception it raises ends the run
        and is raised here, with no result: the batches not yet run are cancelled and the
        worker processes ended. The numbers do not depend on it.

    Raises
    ------
    ValueError, TypeError
        A bad override or ``jobs``, with the command line's words (``reps: must be at
        least 1, got 0``); names that repeat; a baseline that is not one of the scenarios.
    """
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be distinct: {names}")
    if baseline is not None and baseline not in names:
        raise ValueError(f"baseline {baseline!r} is not one of the scenarios: {', '.join(names)}")
    jobs = 1 if jobs is None else whole_number(jobs, 1, "jobs")
    plans = {s.name: resolve_plan(s, reps, seed, weeks, warmup_weeks) for s in scenarios}
    log = event_log is not None and event_log is not False
    total = sum(p.replications for p in plans.values())
    batches = [Batch((s.name, b[0]), run_replications, (s, plans[s.name], b, log), len(b))
               for s in scenarios for b in _batches(plans[s.name].replications, jobs, total)]
    if jobs > 1:  # longest first
        batches.sort(key=lambda b: _batch_cost(*b.args[:3]), reverse=True)

    on_done = None
    if on_batch is not None:
        finished = [0]

        def on_done(batch: Batch, _result: object) -> None:
            finished[0] += batch.size
            on_batch(finished[0], total)

    started = time.perf_counter()
    with progress_bar(total, "replications", show=progress) as bar:
        done = run_batches(batches, jobs=jobs, bar=bar, on_done=on_done)
    wall = time.perf_counter() - started
    results = {(batch.key[0], r): res for batch, batch_results in zip(batches, done, strict=True)
               for r, res in zip(batch.args[2], batch_results, strict=True)}
    result = collect(list(scenarios), plans, results, baseline, wall, jobs)
    if log:
        result.events = combine([(s.name, r, results[(s.name, r)].events) for s in scenarios
                                 for r in range(plans[s.name].replications)])
        if not isinstance(event_log, bool):
            result.extra["event_log_path"] = write_event_log(result.events, Path(event_log))
    return result


def as_scenario(scenario: object, function: str = "simulate") -> Scenario:
    """A :class:`Scenario` as given, or loaded from a path (:func:`sim.load_scenario`)."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | os.PathLike):
        return load_scenario(Path(scenario))
    raise TypeError(f"{function} takes a Scenario or the path of a scenario file, not "
                    f"{type(scenario).__name__}")


def simulate(scenario: ScenarioLike, *, reps: int | None = None, seed: int | None = None,
             weeks: int | None = None, warmup_weeks: int | None = None, jobs: int = 1,
             progress: bool | None = None,
             event_log: bool | str | os.PathLike | None = None,
             on_batch: OnBatch | None = None) -> RunResult:
    """Run one scenario's replications.

    ``scenario`` is a :class:`Scenario` or the path of a scenario file. Arguments follow
    the command line's rules (:func:`run_scenarios`). ``event_log=True`` (or a file path)
    also records one row per call and per other job: see :func:`run_scenarios`.
    ``on_batch(done, total)``: progress after each batch of replications; raise from it to
    stop the run (:func:`run_scenarios`).

    Examples
    --------
    >>> import sim
    >>> result = sim.simulate("scenarios/cpft_one_car.yaml", reps=2, weeks=4)
    >>> int(result.replications.shape[0])
    2
    """
    return run_scenarios([as_scenario(scenario, "simulate")], reps=reps, seed=seed,
                         weeks=weeks, warmup_weeks=warmup_weeks, jobs=jobs, progress=progress,
                         event_log=event_log, on_batch=on_batch)


def compare(scenarios: Sequence[ScenarioLike], baseline: str | None = None, *,
            reps: int | None = None, seed: int | None = None, weeks: int | None = None,
            warmup_weeks: int | None = None, jobs: int = 1,
            progress: bool | None = None,
            event_log: bool | str | os.PathLike | None = None,
            on_batch: OnBatch | None = None) -> RunResult:
    """Run scenarios with common random numbers for paired comparison.

    ``scenarios``: a list of :class:`Scenario` objects or scenario file paths, at least one.
    ``result.comparison()`` gives each metric's paired difference against ``baseline``
    (default: the first scenario) with its 95% interval. ``event_log``: see
    :func:`run_scenarios`. ``on_batch(done, total)``: progress in replications over all
    the scenarios, after each batch; raise from it to stop the run (:func:`run_scenarios`).
    """
    if isinstance(scenarios, Scenario | str | os.PathLike) or not isinstance(scenarios,
                                                                             Sequence):
        raise TypeError(f"compare takes a list of scenarios, not {type(scenarios).__name__}")
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    loaded = [as_scenario(s, "compare") for s in scenarios]
    baseline = baseline or loaded[0].name
    return run_scenarios(loaded, reps=reps, seed=seed, weeks=weeks,
                         warmup_weeks=warmup_weeks, jobs=jobs, progress=progress,
                         baseline=baseline, event_log=event_log, on_batch=on_batch)


def default_jobs() -> int:
    """All available cores."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
