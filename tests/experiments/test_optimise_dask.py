"""The optimiser on Dask: a local cluster on loopback gives the same files, byte for byte, as
this process and as local worker processes, and a run killed on one backend resumes on
another (``sim/experiments/optimise/run.py``; ``sim/run/executors.py``).

The problem is small but takes every path: a screen that cuts, a screen check, KN with a
stochastic constraint, the indistinguishable set and the comparison on fresh replications.
Skipped only when dask.distributed is not installed.
"""

from __future__ import annotations

import json
import shutil

import pytest

import sim
from sim.cli import crisis_sim
from sim.experiments.optimise.store import running_folder
from tests.support.optimise import tiny

pytest.importorskip("distributed")

SMALL = """\
    optimise:
      name: small
      base: {base}
      budget: {{cars: 1, car_hours_per_week: 56}}
      space:
        shift_lengths_hours: [8]
        start_hours: {{from: 16, to: 20}}
        day_patterns: [every_day, sun_thu_fri_sat]
      objective: {{metric: s136_avoided}}
      constraints:
        - cover: {{from: "21:00", to: "00:00", days: [Fri, Sat]}}
        - metric: unmet_busy
          at_most: 2000
          tolerance: 100
      delta: 6
      screen: {{keep: 6, check: 2}}
      reps: {{first_stage: 4, max: 12, compare: 3}}
      weeks: 2
      warmup_weeks: 0
      seed: 5
    """

FILES = ("optimise.csv", "comparison.csv", "compared.csv", "by_hour_of_week.csv",
         "best_rota.yaml", "summary.txt", "optimise.html")
"""Every file of the results folder but the picture and the manifest (which holds clock
times and the backend's name)."""


def small(tmp_path):
    return tiny(tmp_path, SMALL, "small")


def contents(out) -> dict[str, bytes]:
    """The compared files and every task of the store, by name."""
    found = {name: (out / name).read_bytes() for name in FILES}
    for task in sorted((out / ".tasks").glob("*.json")):
        found[f".tasks/{task.name}"] = task.read_bytes()
    return found



def test_dask_writes_the_same_files_as_one_and_two_local_workers(tmp_path, dask_cluster):
    path = small(tmp_path)
    # the same folder name under each parent: the page names its own folder
    one = sim.optimise(path, out=tmp_path / "jobs1" / "opt", jobs=1, plots=False)
    two = sim.optimise(path, out=tmp_path / "jobs2" / "opt", jobs=2, plots=False)
    on_dask = sim.optimise(path, out=tmp_path / "dask" / "opt",
                           scheduler=dask_cluster.scheduler_address, plots=False)
    assert on_dask.backend.startswith("Dask scheduler tcp://127.0.0.1:")
    assert two.backend == "2 local worker processes" and one.backend == "this process"
    assert on_dask.best is not None and on_dask.best == one.best == two.best
    table = one.table
    # the problem reaches every stage it is meant to exercise
    assert {"best", "screened_out", "screen_check"} <= set(table.stage)
    assert len(one.kept) == 6 and one.selection is not None
    assert one.replications == two.replications == on_dask.replications > 6 * 4
    expected = contents(tmp_path / "jobs1" / "opt")
    assert len(expected) > len(FILES)  # the task store is compared too
    for name, folder in (("jobs 2", "jobs2"), ("Dask", "dask")):
        got = contents(tmp_path / folder / "opt")
        assert got.keys() == expected.keys(), name
        for file, data in expected.items():
            assert got[file] == data, f"{file} differs on {name}"
    manifest = json.loads((tmp_path / "dask" / "opt" / "manifest.json").read_text())
    assert manifest["run"]["backend"] == on_dask.backend
    assert manifest["result"]["best"] == one.best.label()


def test_killed_on_dask_resumes_on_local_workers_with_the_same_files(tmp_path, dask_cluster,
                                                                      monkeypatch, capsys):
    path = small(tmp_path)
    local = tmp_path / "local" / "opt"
    assert crisis_sim.main(["optimise", str(path), "--out", str(local), "--jobs", "1",
                            "--no-plots", "--quiet"]) == 0
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", dask_cluster.scheduler_address)
    out = tmp_path / "dask" / "opt"
    assert crisis_sim.main(["optimise", str(path), "--out", str(out), "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert f"on Dask scheduler {dask_cluster.scheduler_address} (2 workers)" in printed
    assert contents(out) == contents(local)
    # What a kill leaves: the running store with some of the tasks, no results folder.
    # Put back that state from the finished store, less every other task.
    tasks = sorted((out / ".tasks").glob("*.json"))
    running = running_folder(out)
    running.mkdir()
    for task in tasks[::2]:
        (running / task.name).write_bytes(task.read_bytes())
    kept = len(list(running.glob("*.json")))
    assert 0 < kept < len(tasks)
    shutil.rmtree(out)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    assert crisis_sim.main(["optimise", str(path), "--out", str(out), "--jobs", "2",
                            "--no-plots", "--resume"]) == 0
    captured = capsys.readouterr()
    assert f"resuming: {kept} finished tasks found" in captured.err
    assert "resumed)" in captured.out and "on 2 local worker processes" in captured.out
    assert contents(out) == contents(local)
    assert not running.exists()
