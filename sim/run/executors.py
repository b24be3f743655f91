"""Where a sweep's tasks run: this process, local worker processes, or a Dask cluster.

Every backend runs the same function, :func:`run_task`, on the same tasks, and a
replication's numbers depend only on its scenario and ``(seed, replication)``: results are
identical whichever backend runs them and however many workers it has. Each backend calls
``on_done(task, results)`` in the calling process as each task finishes (in whatever
order they finish), which is where the sweep records it for ``--resume``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, wait
from typing import Any

from sim.core.model import ScenarioModel
from sim.experiments.sweeps.design import SweepError
from sim.experiments.sweeps.store import Task, code_sha256
from sim.run.workers import worker_pool
from sim.scenario.loader import Problem
from sim.scenario.schema import Scenario

OnDone = Callable[[Task, list[dict[str, float]]], None]
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
CONNECT_TIMEOUT_S = 15


def run_task(scenario: Scenario, seed: int, weeks: int, warmup_weeks: int,
             reps: Sequence[int]) -> list[dict[str, float]]:
    """Worker function: the metrics of replications ``reps`` of one scenario."""
    model = ScenarioModel(scenario, weeks=weeks, warmup_weeks=warmup_weeks)
    return [model.run(seed, r).metrics for r in reps]


def _args(task: Task, seed: int, weeks: int, warmup_weeks: int) -> tuple:
    return (task.point.scenario, seed, weeks, warmup_weeks, task.reps)


def run_serial(tasks: Sequence[Task], seed: int, weeks: int, warmup_weeks: int,
               on_done: OnDone) -> None:
    """Run every task in this process, in order."""
    for task in tasks:
        on_done(task, run_task(*_args(task, seed, weeks, warmup_weeks)))


def run_processes(tasks: Sequence[Task], seed: int, weeks: int, warmup_weeks: int,
                  on_done: OnDone, jobs: int) -> None:
    """Run the tasks in ``jobs`` local worker processes.

    At most two tasks per worker are in flight, so an interrupted run has little
    unrecorded work and memory stays flat however many tasks there are.
    """
    if jobs <= 1 or len(tasks) <= 1:
        run_serial(tasks, seed, weeks, warmup_weeks, on_done)
        return
    pool = worker_pool(min(jobs, len(tasks)))
    pending = list(reversed(tasks))
    running: dict = {}
    try:
        while pending or running:
            while pending and len(running) < 2 * jobs:
                task = pending.pop()
                running[pool.submit(run_task, *_args(task, seed, weeks, warmup_weeks))] = task
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: running[f].key):
                task = running.pop(future)
                on_done(task, future.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def scheduler_address(flag: str | None) -> str | None:
    """The Dask scheduler to use: the flag, else ``$DASK_SCHEDULER_ADDRESS``, else None."""
    return flag or os.environ.get(SCHEDULER_ENV) or None


def connect_dask(scheduler: object) -> tuple[Any, bool]:
    """A ``distributed.Client`` for ``scheduler`` (an address or a Client), and whether
    it is ours to close. Raises :class:`SweepError` if Dask is missing or unreachable."""
    try:
        from distributed import Client
    except ImportError:
        raise SweepError([Problem("--scheduler", None, "", "running on a Dask cluster needs "
                                  "the optional extra: pip install '.[distributed]' (or "
                                  "pip install 'dask[distributed]')")]) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(str(scheduler), timeout=CONNECT_TIMEOUT_S), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepError([Problem("--scheduler", None, "", f"cannot reach the Dask "
                                  f"scheduler at {scheduler}: {exc}")]) from None


ENV_HINT = ("the scheduler and every worker must import this project's sim package: install "
            "it there (pip install -e '.[distributed]'), or start 'dask scheduler' and 'dask "
            "worker' from the project folder with PYTHONPATH set to it")


def check_workers(client: Any) -> int:
    """Check that every worker runs this very simulator code; returns the worker count."""
    try:
        theirs = client.run(code_sha256)
    except Exception as exc:  # noqa: BLE001 - any failure here is the workers' environment
        raise SweepError([Problem("--scheduler", None, "", f"the Dask workers cannot run the "
                                  f"simulator ({type(exc).__name__}: {exc}); {ENV_HINT}")]
                         ) from None
    if not theirs:
        raise SweepError([Problem("--scheduler", None, "", "the Dask scheduler has no workers; "
                                  "start some with: dask worker " + client.scheduler.address)])
    ours = code_sha256()
    other = sorted(w for w, h in theirs.items() if h != ours)
    if other:
        raise SweepError([Problem("--scheduler", None, "", f"{len(other)} of {len(theirs)} Dask "
                                  f"workers run other simulator code than this machine (e.g. "
                                  f"{other[0]}); their numbers would not match a local run. "
                                  "Install the same version of this project on every worker")])
    return len(theirs)


def run_dask(tasks: Sequence[Task], seed: int, weeks: int, warmup_weeks: int,
             on_done: OnDone, client: Any) -> str:
    """Send the tasks to a Dask cluster through ``client``; returns a description of it.

    Call :func:`check_workers` first.
    """
    from distributed import as_completed

    address = client.scheduler.address
    n = len(client.nthreads())
    futures = {}
    for task in tasks:
        future = client.submit(run_task, *_args(task, seed, weeks, warmup_weeks),
                               key=f"sim-sweep-{task.key}", retries=1)
        futures[future] = task
    try:
        for future in as_completed(list(futures)):
            on_done(futures[future], future.result())
    except BaseException as exc:
        client.cancel(list(futures))
        if isinstance(exc, ModuleNotFoundError) or "deserializ" in str(exc):
            raise SweepError([Problem("--scheduler", None, "", f"Dask could not run the tasks "
                                      f"({type(exc).__name__}: {str(exc).splitlines()[0]}); "
                                      f"{ENV_HINT}")]) from None
        raise
    return f"Dask scheduler {address} ({n} worker{'s' if n != 1 else ''})"
