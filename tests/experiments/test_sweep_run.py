"""Running sweeps: common random numbers, workers, resume after a crash or a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import cli
from sim.core.metrics import METRIC_NAMES
from sim.core.model import ScenarioModel
from sim.experiments.sweeps.design import SweepError, load_sweep
from sim.experiments.sweeps.run import run_sweep
from sim.experiments.sweeps.store import TaskStore
from sim.experiments.sweeps.tables import summarise_sweep
from sim.run.executors import ExecutorError, code_sha256
from tests.support.paths import ROOT
from tests.support.sweeps import SMALL, final_files, write_sweep


def test_table_matches_the_runner_replication_by_replication(tmp_path):
    sw = load_sweep(write_sweep(tmp_path, SMALL))
    table = sim.sweep(sw)
    assert list(table.columns) == ["point", "variant", "demand.calls_per_day", "replication",
                                   *METRIC_NAMES]
    assert len(table) == 4 * 5
    for point in (sw.points[1], sw.points[2]):
        model = ScenarioModel(point.scenario, weeks=2, warmup_weeks=1)
        rows = table[table.point == point.index]
        for r in range(5):
            expected = model.run(4, r).metrics
            got = rows[rows.replication == r].iloc[0]
            assert [got[m] for m in METRIC_NAMES] == pytest.approx(
                [expected[m] for m in METRIC_NAMES], nan_ok=True, rel=0, abs=0)
    # common random numbers: every point sees the same calls in replication r at equal demand
    same_demand = table[table["demand.calls_per_day"] == 6]
    calls = same_demand.pivot(index="replication", columns="point", values="mh_calls")
    assert (calls.nunique(axis=1) == 1).all()


def test_jobs_do_not_change_results(tmp_path):
    path = write_sweep(tmp_path, SMALL)
    one = sim.sweep(path, jobs=1, out=tmp_path / "one", plots=False)
    two = sim.sweep(path, jobs=2, out=tmp_path / "two", plots=False)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert final_files(tmp_path / "one") == final_files(tmp_path / "two")


def test_summary_per_point():
    table = pd.DataFrame({"point": [0, 0, 0, 1, 1, 1], "variant": ["a"] * 3 + ["b"] * 3,
                          "x": [1, 1, 1, 2, 2, 2], "replication": [0, 1, 2] * 2,
                          **{m: [1.0, 2.0, 3.0, 5.0, 5.0, 5.0] for m in METRIC_NAMES}})
    s = summarise_sweep(table)
    assert list(s.columns) == ["point", "variant", "x", "metric", "mean", "sd", "ci_low",
                               "ci_high", "n"]
    row = s[(s.point == 0) & (s.metric == "s136_avoided")].iloc[0]
    assert (row["mean"], row["n"], row["x"]) == (2.0, 3, 1)
    assert row["ci_low"] < 2.0 < row["ci_high"]
    row = s[(s.point == 1) & (s.metric == "s136_avoided")].iloc[0]
    assert row["ci_low"] == row["ci_high"] == 5.0


class Crash(Exception):
    """Stands in for a crash part-way through a sweep."""


def _crash_after(monkeypatch, n: int) -> None:
    original = TaskStore.record
    count = {"n": 0}

    def record(self, task, results):
        if count["n"] == n:
            raise Crash
        original(self, task, results)
        count["n"] += 1

    monkeypatch.setattr(TaskStore, "record", record)


def test_resume_after_a_crash_gives_identical_files(tmp_path, monkeypatch):
    path = write_sweep(tmp_path, SMALL)
    whole = tmp_path / "whole"
    sim.sweep(path, out=whole, jobs=2)
    assert (whole / "plots").is_dir()

    out = tmp_path / "broken"
    with monkeypatch.context() as m:
        _crash_after(m, 5)
        with pytest.raises(Crash):
            sim.sweep(path, out=out, jobs=2)
    # the task store lives beside the results folder until the sweep is complete
    tasks = sorted(p.name for p in TaskStore(out).folder.glob("*.json"))
    assert len(tasks) == 5 + 1  # five finished tasks and the sweep's fingerprint
    assert not (out / "sweep.csv").exists()
    assert not list(out.rglob("*.tmp*"))

    sim.sweep(path, out=out, resume=True, jobs=2)
    run = json.loads((out / "manifest.json").read_text())["run"]
    assert run["tasks_resumed"] == 5 and run["tasks_run"] == 12 - 5
    assert run["replications_resumed"] + run["replications_run"] == 20
    assert final_files(out) == final_files(whole)
    assert "sweep.csv" in json.loads((out / "manifest.json").read_text())["files"]

    assert not TaskStore(out).folder.exists()  # now in out/.tasks
    sim.sweep(path, out=out, resume=True, plots=False)
    run = json.loads((out / "manifest.json").read_text())["run"]
    assert run["tasks_run"] == 0 and run["replications_run"] == 0
    # the folder is replaced whole: the earlier run's plots do not survive
    assert final_files(out) == {name: data for name, data in final_files(whole).items()
                                if not name.startswith("plots")}


def test_resume_refused_when_the_sweep_changed(tmp_path, capsys):
    path = write_sweep(tmp_path, SMALL)
    out = tmp_path / "out"
    assert cli.main([str(path), "--out", str(out), "--no-plots", "--quiet", "--jobs", "1"]) == 0
    before = final_files(out)
    state = (out / ".tasks" / "sweep.json").read_bytes()
    path.write_text(path.read_text().replace("[6, 12]", "[6, 13]"))
    assert cli.main([str(path), "--out", str(out), "--resume", "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert "cannot resume: the sweep has changed since this folder's run" in err
    assert "(variant one_car, demand.calls_per_day=13) is different" in err
    assert "nothing was run or written" in err
    assert final_files(out) == before
    assert (out / ".tasks" / "sweep.json").read_bytes() == state
    # flags are part of the sweep too
    path.write_text(path.read_text().replace("[6, 13]", "[6, 12]"))
    assert cli.main([str(path), "--out", str(out), "--resume", "--reps", "6"]) == 2
    assert "reps 5 -> 6" in capsys.readouterr().err
    with pytest.raises(SweepError, match="cannot resume"):
        sim.sweep(path, out=out, resume=True, seed=5)
    # without --resume the old tasks are discarded and the sweep starts again
    assert cli.main([str(path), "--out", str(out), "--no-plots", "--quiet", "--reps", "6"]) == 0
    assert len(pd.read_csv(out / "sweep.csv")) == 4 * 6


def test_resume_with_nothing_to_resume_starts_afresh(tmp_path, capsys):
    path = write_sweep(tmp_path, SMALL)
    out = tmp_path / "fresh"
    assert cli.main([str(path), "--out", str(out), "--resume", "--no-plots", "--jobs", "1"]) == 0
    captured = capsys.readouterr()
    assert "nothing to resume" in captured.err
    assert "20 replications" in captured.out and "replications/s" in captured.out
    assert len(pd.read_csv(out / "sweep.csv")) == 20


KILLER = """\
import os, signal, sys
from sim import cli
from sim.experiments.sweeps.store import TaskStore

original = TaskStore.record
count = [0]

def record(self, task, results):
    original(self, task, results)
    count[0] += 1
    if count[0] == {n}:
        os.kill(os.getpid(), signal.SIGKILL)

TaskStore.record = record
sys.exit(cli.main(sys.argv[1:]))
"""


def _processes_naming(path: Path, wait_s: float = 5.0) -> list[int]:
    """Ids of live processes whose command line names ``path`` (Linux; [] elsewhere)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    deadline = time.monotonic() + wait_s
    while True:
        found = []
        for entry in proc.iterdir():
            if entry.name.isdigit():
                try:
                    cmdline = (entry / "cmdline").read_bytes()
                    status = (entry / "stat").read_text()
                except OSError:
                    continue
                if str(path).encode() in cmdline and ") Z " not in status:
                    found.append(int(entry.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_sigkill_then_resume_gives_the_files_of_an_uninterrupted_run(tmp_path):
    path = write_sweep(tmp_path, SMALL)
    killer = tmp_path / "killer.py"
    killer.write_text(textwrap.dedent(KILLER).format(n=4))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    args = [str(path), "--jobs", "2", "--quiet", "--no-plots"]

    whole = tmp_path / "whole"
    subprocess.run([sys.executable, str(ROOT / "run_scenarios.py"), *args, "--out", str(whole)],
                   check=True, env=env, cwd=tmp_path)
    out = tmp_path / "killed"
    proc = subprocess.run([sys.executable, str(killer), *args, "--out", str(out)],
                          env=env, cwd=tmp_path, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert _processes_naming(out) == []  # its worker processes ended with it
    assert len(list(TaskStore(out).folder.glob("*.json"))) == 4 + 1
    assert not (out / "sweep.csv").exists()
    resume = [str(path), "--jobs", "2", "--no-plots", "--out", str(out), "--resume"]
    proc = subprocess.run([sys.executable, str(ROOT / "run_scenarios.py"), *resume], env=env,
                          cwd=tmp_path, check=False, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "resuming: 4 of 12 tasks" in proc.stderr
    assert final_files(out) == final_files(whole)
    assert not list(out.rglob("*.tmp*"))


def test_missing_dask_is_a_clear_input_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    path = write_sweep(tmp_path, SMALL)
    out = tmp_path / "o"
    assert cli.main([str(path), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "pip install '.[distributed]'" in err
    assert "Traceback" not in err


def test_progress_bar_and_throughput_line(tmp_path, capsys):
    path = write_sweep(tmp_path, SMALL)
    result = run_sweep(load_sweep(path), progress=True)
    err = capsys.readouterr().err
    assert "sweep small" in err and "points 4/4" in err and "20/20" in err
    line = result.throughput_line()
    assert line.startswith("4 points x 5 replications: 20 replications (")
    assert "replications/s" in line and "simulated years/s" in line


class FakeClient:
    """Just enough of distributed.Client for the worker check."""

    def __init__(self, hashes):
        self.hashes = hashes
        self.scheduler = type("S", (), {"address": "tcp://127.0.0.1:8786"})()

    def run(self, function):
        if isinstance(self.hashes, Exception):
            raise self.hashes
        return self.hashes


def test_workers_must_run_the_same_code():
    from sim.run.executors import check_workers

    ours = code_sha256()
    assert check_workers(FakeClient({"a": ours, "b": ours})) == 2
    with pytest.raises(ExecutorError, match="1 of 2 Dask workers run other simulator code"):
        check_workers(FakeClient({"a": ours, "b": "0" * 64}))
    with pytest.raises(ExecutorError, match="has no workers"):
        check_workers(FakeClient({}))
    with pytest.raises(ExecutorError, match="cannot run the simulator .*PYTHONPATH"):
        check_workers(FakeClient(ModuleNotFoundError("No module named 'sim'")))


def test_a_bad_scheduler_is_a_sweep_error_from_python(tmp_path, monkeypatch):
    """sim.sweep keeps raising SweepError (with the --scheduler problem) for the backend."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(SweepError, match="pip install '.\\[distributed\\]'") as exc:
        sim.sweep(write_sweep(tmp_path, SMALL), scheduler="tcp://127.0.0.1:1",
                  out=tmp_path / "o")
    assert exc.value.problems[0].file == "--scheduler"
    assert not (tmp_path / "o").exists()


def test_code_hash_covers_the_whole_sim_package(tmp_path, monkeypatch):
    """The workers' check and the resume note hash every layer's code, not one folder."""
    import sim.run.executors as executors

    fake = tmp_path / "sim" / "run" / "executors.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("")
    (tmp_path / "sim" / "core").mkdir()
    model = tmp_path / "sim" / "core" / "model.py"
    model.write_text("A = 1\n")
    monkeypatch.setattr(executors, "__file__", str(fake))
    before = executors.code_sha256()
    model.write_text("A = 2\n")
    assert executors.code_sha256() != before


def test_resume_notes_changed_code(tmp_path, capsys):
    path = write_sweep(tmp_path, SMALL)
    out = tmp_path / "out"
    assert cli.main([str(path), "--out", str(out), "--no-plots", "--quiet", "--jobs", "1"]) == 0
    state_path = out / ".tasks" / "sweep.json"
    state = json.loads(state_path.read_text())
    state["code_sha256"] = "0" * 64
    state_path.write_text(json.dumps(state))
    assert cli.main([str(path), "--out", str(out), "--no-plots", "--resume", "--jobs", "1"]) == 0
    assert "the simulator's code (the sim package) has changed" in capsys.readouterr().err
