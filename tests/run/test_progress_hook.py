"""The run API's progress hook (``on_batch`` of sim.simulate / sim.compare / run_scenarios):
called after each batch with growing counts, a Stop raised from it ends the run with nothing
kept and no worker process left, and the numbers never depend on it."""

from __future__ import annotations

import time

import pandas as pd
import pytest

import sim
import sim.run.executors as executors
from sim.run.executors import Batch, run_batches
from sim.run.runner import _batches, run_scenarios
from tests.support.paths import SCENARIOS


class Stop(Exception):
    """What a caller's Stop raises from the hook."""


def _scenarios() -> list[sim.Scenario]:
    return [sim.load_scenario(SCENARIOS / f"{n}.yaml") for n in ("no_car", "cpft_one_car")]


def _sleep_then_square(x: int) -> int:
    time.sleep(0.3)
    return x * x


@pytest.mark.parametrize("jobs", [1, 3])
def test_the_hook_counts_replications_after_each_batch_up_to_the_total(jobs):
    calls: list[tuple[int, int]] = []
    result = run_scenarios(_scenarios(), reps=7, weeks=2, jobs=jobs,
                           on_batch=lambda done, total: calls.append((done, total)))
    # One call per batch of the run (both scenarios), in this process.
    assert len(calls) == 2 * len(_batches(7, jobs, 14)) > 2
    done = [d for d, _ in calls]
    assert all(total == 14 for _, total in calls)
    assert done == sorted(done) and len(set(done)) == len(done)  # strictly growing
    assert done[-1] == 14 == len(result.replications)


def test_simulate_and_compare_pass_the_hook_on():
    no_car, one = _scenarios()
    seen: list[tuple[int, int]] = []
    sim.simulate(one, reps=3, weeks=1, on_batch=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (3, 3)
    seen.clear()
    sim.compare([no_car, one], reps=3, weeks=1, on_batch=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (6, 6)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_numbers_do_not_depend_on_the_hook(jobs):
    plain = sim.compare(_scenarios(), reps=5, weeks=2, seed=3, jobs=1)
    hooked = sim.compare(_scenarios(), reps=5, weeks=2, seed=3, jobs=jobs,
                         on_batch=lambda d, t: None)
    for table in ("replications", "by_hour_of_week", "by_car"):
        pd.testing.assert_frame_equal(getattr(plain, table), getattr(hooked, table),
                                      check_exact=True)
    pd.testing.assert_frame_equal(plain.comparison(), hooked.comparison(), check_exact=True)


def _spy_pools(monkeypatch) -> list:
    """Record every worker pool the executor makes (to look at its processes later)."""
    pools: list = []
    original = executors.worker_pool

    def spy(workers):
        pool = original(workers)
        pools.append(pool)
        return pool

    monkeypatch.setattr(executors, "worker_pool", spy)
    return pools


@pytest.mark.parametrize("jobs", [1, 2])
def test_raising_from_the_hook_stops_the_run_and_leaves_no_worker_behind(jobs, monkeypatch):
    pools = _spy_pools(monkeypatch)
    processes: list = []
    calls: list[int] = []

    def stop(done, total):
        calls.append(done)
        for pool in pools:  # the workers alive while the run goes on
            processes.extend((getattr(pool, "_processes", None) or {}).values())
        raise Stop

    with pytest.raises(Stop):
        sim.compare(_scenarios(), reps=12, weeks=2, jobs=jobs, on_batch=stop)
    assert len(calls) == 1  # nothing ran on to call it again, nothing was returned
    if jobs == 1:
        assert pools == []  # in this process
    else:
        assert len(processes) == jobs
        _reaped(processes)
        assert not any(p.is_alive() for p in processes)  # ended, none left behind


def _reaped(processes: list, seconds: float = 5.0) -> None:
    """Wait until every process is reaped: the pool's own thread may reap a worker a moment
    after the run returns (then this process's Process object learns of it late)."""
    deadline = time.monotonic() + seconds
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_stop_ends_the_workers_mid_batch(monkeypatch):
    """Workers busy with long batches are ended at once, not when their batch is done."""
    pools = _spy_pools(monkeypatch)
    batches = [Batch(i, _sleep_then_square, (i,)) for i in range(12)]
    seen: list[int] = []
    processes: list = []

    def on_done(batch, result):
        seen.append(result)
        [pool] = pools
        processes.extend(pool._processes.values())
        raise Stop

    started = time.perf_counter()
    with pytest.raises(Stop):
        run_batches(batches, jobs=2, on_done=on_done)
    elapsed = time.perf_counter() - started
    assert len(seen) == 1 and len(processes) == 2
    _reaped(processes)
    assert not any(p.is_alive() for p in processes)
    # the worker that was mid-batch was ended by a signal, not left to finish it
    assert any(p.exitcode is not None and p.exitcode < 0 for p in processes)
    # The other worker was mid-batch; it was ended, and nothing queued was run.
    assert elapsed < 0.3 * len(batches) / 2 - 0.3


def test_a_stop_on_dask_cancels_the_tasks_not_yet_done():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1", dashboard_address=None,
                                  silence_logs="error") as cluster, \
            distributed.Client(cluster) as client:
        batches = [Batch(i, _sleep_then_square, (i,)) for i in range(10)]
        seen: list[int] = []

        def on_done(batch, result):
            seen.append(result)
            raise Stop

        with pytest.raises(Stop):  # the caller's own exception, not an ExecutorError
            run_batches(batches, client=client, on_done=on_done, key_prefix="stop-test")
        assert len(seen) == 1
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
                str(k).startswith("stop-test") for k in cluster.scheduler.tasks):
            time.sleep(0.05)
        left = [k for k in cluster.scheduler.tasks if str(k).startswith("stop-test")]
        assert left == []  # cancelled: the scheduler forgot every task of the run
