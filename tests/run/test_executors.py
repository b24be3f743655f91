"""The one way batches run (sim/run/executors.py), and the runner on top of it."""

from __future__ import annotations

import os
import sys

import pandas as pd
import pytest

import sim.run.executors as executors
from sim.run.executors import (
    Batch,
    ExecutorError,
    backend_name,
    connect_dask,
    progress_bar,
    run_batches,
)
from sim.run.runner import _batches, run_scenarios
from sim.scenario.loader import load_scenario
from tests.support.paths import SCENARIOS


def square_with_pid(x: int) -> tuple[int, int]:
    """A picklable batch function: the square and the process that computed it."""
    return x * x, os.getpid()


def fail(x: int) -> None:
    raise RuntimeError(f"batch {x} failed")


def _batches_of(n: int) -> list[Batch]:
    return [Batch(f"b{i}", square_with_pid, (i,), size=i + 1) for i in range(n)]


class Bar:
    """Stands in for a tqdm bar: records the updates."""

    def __init__(self) -> None:
        self.updates: list[int] = []

    def update(self, n: int) -> None:
        self.updates.append(n)


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_results_come_back_in_submission_order(jobs):
    batches = _batches_of(7)
    seen: list[str] = []
    bar = Bar()
    results = run_batches(batches, jobs=jobs, on_done=lambda b, r: seen.append(b.key), bar=bar)
    assert [r[0] for r in results] == [i * i for i in range(7)]
    assert sorted(seen) == sorted(b.key for b in batches)  # once each, in any order
    assert sorted(bar.updates) == [b.size for b in batches]
    pids = {r[1] for r in results}
    if jobs == 1:
        assert pids == {os.getpid()}  # this process
    else:
        assert os.getpid() not in pids and 1 <= len(pids) <= jobs  # worker processes


def test_a_failing_batch_raises_in_the_caller():
    batches = [Batch("ok", square_with_pid, (1,)), Batch("bad", fail, (2,))]
    for jobs in (1, 2):
        with pytest.raises(RuntimeError, match="batch 2 failed"):
            run_batches(batches, jobs=jobs)


def test_backend_names():
    assert backend_name(1) == "this process"
    assert backend_name(4) == "4 local worker processes"
    assert backend_name(4, batches=2) == "2 local worker processes"
    assert backend_name(4, batches=0) == "this process"


def test_progress_bar_only_where_asked(capsys):
    with progress_bar(5, "things", show=False) as bar:
        assert bar is None
    with progress_bar(5, "things", show=True, initial=2) as bar:
        bar.update(3)
    err = capsys.readouterr().err
    assert "things" in err and "5/5" in err


def test_missing_dask_is_an_executor_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ExecutorError) as exc:
        connect_dask("tcp://127.0.0.1:1")
    assert exc.value.problems[0].file == "--scheduler"
    assert "pip install '.[distributed]'" in str(exc.value)


def test_the_runner_gives_the_same_tables_for_any_jobs(monkeypatch):
    scenarios = [load_scenario(SCENARIOS / f"{name}.yaml") for name in ("no_car", "cpft_two_cars")]
    submitted: list[int] = []
    original = executors.run_batches

    def spy(batches, **kwargs):
        submitted.append(len(batches))
        return original(batches, **kwargs)

    monkeypatch.setattr("sim.run.runner.run_batches", spy)
    one = run_scenarios(scenarios, reps=5, weeks=2, jobs=1)
    three = run_scenarios(scenarios, reps=5, weeks=2, jobs=3)
    assert submitted == [len(_batches(5, 1, 10)) * 2, len(_batches(5, 3, 10)) * 2]
    assert submitted[1] > 2  # several batches per scenario: it really was spread
    for table in ("replications", "by_hour_of_week", "by_car"):
        pd.testing.assert_frame_equal(getattr(one, table), getattr(three, table),
                                      check_exact=True)
    assert list(one.replications.scenario.unique()) == ["no_car", "cpft_two_cars"]
    assert list(one.replications.replication[:5]) == [0, 1, 2, 3, 4]
    assert (one.jobs, three.jobs) == (1, 3)
