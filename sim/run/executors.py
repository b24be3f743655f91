"""Where batches of replications run: this process, local worker processes, or a Dask cluster.

The one way to submit work, used by scenario runs (``sim/run/runner.py``) and sweeps
(``sim/experiments/sweeps/run.py``). A :class:`Batch` is a picklable function (defined at
module level) and its arguments; :func:`run_batches` runs a list of them and returns their
results in submission order, calling ``on_done(batch, result)`` in the calling process as
each finishes (in whatever order they finish: where a sweep records its task store) and
advancing the progress bar of :func:`progress_bar` by the batch's ``size``. An exception
from a batch or from ``on_done`` (a caller's Stop) ends the run: what is queued is
cancelled and local worker processes are ended.

Every backend runs the same functions on the same arguments, and a replication's numbers
depend only on its scenario and ``(seed, replication)`` (``sim/core/streams.py``): results
are identical whichever backend runs them and however many workers it has.
"""

from __future__ import annotations

import hashlib
import os
import sys
import uuid
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sim.common.errors import InputError, Problem
from sim.run.workers import worker_pool

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
CONNECT_TIMEOUT_S = 15
IN_FLIGHT_PER_WORKER = 2
"""Batches queued per local worker: enough to keep it busy, few enough that an interrupted
run has little unrecorded work and memory stays flat however many batches there are."""

ENV_HINT = ("the scheduler and every worker must import this project's sim package: install "
            "it there (pip install -e '.[distributed]'), or start 'dask scheduler' and 'dask "
            "worker' from the project folder with PYTHONPATH set to it")


class ExecutorError(InputError):
    """The chosen backend cannot run the work (Dask missing, unreachable, or its workers
    run other code). Bad input, exit status 2; ``problems`` names the ``--scheduler``."""


@dataclass(frozen=True)
class Batch:
    """One unit of work: ``fn(*args)`` in a worker.

    ``fn`` must be picklable by reference (a module-level function) and ``args`` picklable.
    ``key`` names the batch; on Dask it becomes part of the task key, so equal keys must
    mean equal work when :func:`run_batches` is given a ``key_prefix``. ``size`` is how far
    the batch advances the progress bar (its replications).
    """

    key: Hashable
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    size: int = 1


OnDone = Callable[[Batch, Any], None]


@contextmanager
def progress_bar(total: int, desc: str, *, show: bool | None = None,
                 initial: int = 0) -> Iterator[Any]:
    """A progress bar of replications on stderr, closed on exit; ``None`` when not shown.

    ``show``: default, when stderr is a terminal. The one place bars are set up.
    """
    if not (sys.stderr.isatty() if show is None else show):
        yield None
        return
    bar = tqdm(total=total, initial=initial, unit="rep", desc=desc, file=sys.stderr,
               dynamic_ncols=True)
    try:
        yield bar
    finally:
        bar.close()


def run_batches(batches: Sequence[Batch], *, jobs: int = 1, client: Any = None,
                on_done: OnDone | None = None, bar: Any = None,
                key_prefix: str | None = None) -> list[Any]:
    """Run every batch; return their results in the order of ``batches``.

    Parameters
    ----------
    jobs
        Local worker processes (1: this process, in order). Ignored with ``client``.
    client
        A ``distributed.Client`` (:func:`connect_dask`; call :func:`check_workers` first):
        run on that Dask cluster.
    on_done
        Called in this process with each batch and its result as it finishes. An exception
        it raises ends the run and is raised here: batches not yet finished are cancelled
        (on Dask too) and local worker processes are ended, none left behind.
    bar
        A bar from :func:`progress_bar`, advanced by each finished batch's ``size``.
    key_prefix
        Dask only: task keys are ``<key_prefix>-<batch.key>``, which lets the cluster share
        results of equal keys (give it only when keys name their work, e.g. content
        hashes); default, a prefix unique to this call.
    """
    results: list[Any] = [None] * len(batches)

    def done(index: int, result: Any) -> None:
        results[index] = result
        if on_done is not None:
            on_done(batches[index], result)
        if bar is not None:
            bar.update(batches[index].size)

    if client is not None:
        _run_dask(batches, client, done, key_prefix or f"sim-{uuid.uuid4().hex[:12]}")
    elif jobs <= 1 or len(batches) <= 1:
        for i, batch in enumerate(batches):
            done(i, batch.fn(*batch.args))
    else:
        _run_processes(batches, jobs, done)
    return results


def backend_name(jobs: int, client: Any = None, batches: int | None = None) -> str:
    """Where :func:`run_batches` runs ``batches`` batches with these settings, in words."""
    if client is not None:
        n = len(client.nthreads())
        return f"Dask scheduler {client.scheduler.address} ({n} worker{'s' if n != 1 else ''})"
    if batches is not None:
        jobs = min(jobs, max(1, batches))
    return "this process" if jobs <= 1 else f"{jobs} local worker processes"


def _run_processes(batches: Sequence[Batch], jobs: int,
                   done: Callable[[int, Any], None]) -> None:
    """Run the batches in ``jobs`` local worker processes, at most
    :data:`IN_FLIGHT_PER_WORKER` per worker queued at once, in submission order."""
    pool = worker_pool(min(jobs, len(batches)))
    pending = list(range(len(batches)))[::-1]
    running: dict[Future, int] = {}
    try:
        while pending or running:
            while pending and len(running) < IN_FLIGHT_PER_WORKER * jobs:
                i = pending.pop()
                running[pool.submit(batches[i].fn, *batches[i].args)] = i
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=running.__getitem__):
                done(running.pop(future), future.result())
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _stop_pool(pool: Any) -> None:
    """End a run early: cancel the queued batches and end the workers now, mid-batch.

    Used when a batch fails, ``on_done`` raises (a progress callback's Stop) or the run is
    interrupted: nothing more of the run is wanted, so no worker process is left behind
    finishing a batch nobody will read.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():  # pragma: no cover - ignored SIGTERM
            process.kill()
            process.join(timeout=10)


def _run_dask(batches: Sequence[Batch], client: Any, done: Callable[[int, Any], None],
              key_prefix: str) -> None:
    from distributed import as_completed

    futures = {client.submit(b.fn, *b.args, key=f"{key_prefix}-{b.key}", retries=1): i
               for i, b in enumerate(batches)}
    try:
        for future in as_completed(list(futures)):
            try:
                result = future.result()
            except BaseException as exc:
                raise _TaskFailed(exc) from exc
            done(futures[future], result)  # what this raises ends the run as it is
    except _TaskFailed as failed:
        client.cancel(list(futures))
        exc = failed.exc
        if isinstance(exc, ModuleNotFoundError) or "deserializ" in str(exc):
            raise ExecutorError([Problem("--scheduler", None, "", f"Dask could not run the "
                                         f"tasks ({type(exc).__name__}: "
                                         f"{str(exc).splitlines()[0]}); {ENV_HINT}")]) from None
        raise exc from None
    except BaseException:  # on_done raised (a Stop), or the run was interrupted
        client.cancel(list(futures))
        raise


class _TaskFailed(Exception):
    """A Dask task's own failure, told apart from one raised by ``on_done``."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(str(exc))
        self.exc = exc


# --------------------------------------------------------------------------- Dask

def scheduler_address(flag: str | None) -> str | None:
    """The Dask scheduler to use: the flag, else ``$DASK_SCHEDULER_ADDRESS``, else None."""
    return flag or os.environ.get(SCHEDULER_ENV) or None


def connect_dask(scheduler: object) -> tuple[Any, bool]:
    """A ``distributed.Client`` for ``scheduler`` (an address or a Client), and whether
    it is ours to close. Raises :class:`ExecutorError` if Dask is missing or unreachable."""
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError([Problem("--scheduler", None, "", "running on a Dask cluster "
                                     "needs the optional extra: pip install '.[distributed]' "
                                     "(or pip install 'dask[distributed]')")]) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(str(scheduler), timeout=CONNECT_TIMEOUT_S), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExecutorError([Problem("--scheduler", None, "", f"cannot reach the Dask "
                                     f"scheduler at {scheduler}: {exc}")]) from None


@contextmanager
def dask_client(scheduler: object) -> Iterator[Any]:
    """The Dask client to run on (None: run locally), checked before anything is written.

    ``scheduler`` is an address, a ``distributed.Client`` or None (then
    ``$DASK_SCHEDULER_ADDRESS`` if set). A client made here is closed on leaving.
    """
    address = scheduler_address(scheduler) if isinstance(scheduler, str | None) else scheduler
    client, own_client = None, False
    if address is not None:
        client, own_client = connect_dask(address)
    try:
        if client is not None:
            check_workers(client)
        yield client
    finally:
        if own_client:
            client.close()


def code_sha256() -> str:
    """SHA-256 of the sim package's source files: the code that computes the numbers."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def check_workers(client: Any) -> int:
    """Check that every worker runs this very simulator code; returns the worker count."""
    try:
        theirs = client.run(code_sha256)
    except Exception as exc:  # noqa: BLE001 - any failure here is the workers' environment
        raise ExecutorError([Problem("--scheduler", None, "", f"the Dask workers cannot run "
                                     f"the simulator ({type(exc).__name__}: {exc}); "
                                     f"{ENV_HINT}")]) from None
    if not theirs:
        raise ExecutorError([Problem("--scheduler", None, "", "the Dask scheduler has no "
                                     "workers; start some with: dask worker "
                                     + client.scheduler.address)])
    ours = code_sha256()
    other = sorted(w for w, h in theirs.items() if h != ours)
    if other:
        raise ExecutorError([Problem("--scheduler", None, "", f"{len(other)} of {len(theirs)} "
                                     f"Dask workers run other simulator code than this machine "
                                     f"(e.g. {other[0]}); their numbers would not match a "
                                     "local run. Install the same version of this project on "
                                     "every worker")])
    return len(theirs)
