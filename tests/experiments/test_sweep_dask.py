"""The Dask backend: a local cluster on loopback gives the same numbers as local workers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sim
from sim import cli
from tests.support.sweeps import SMALL, final_files, write_sweep

pytest.importorskip("distributed")



def test_dask_gives_the_same_table_as_local_workers(tmp_path, dask_cluster):
    path = write_sweep(tmp_path, SMALL)
    address = dask_cluster.scheduler_address
    assert address.startswith("tcp://127.0.0.1:")
    local = sim.sweep(path, jobs=2)
    on_dask = sim.sweep(path, scheduler=address)
    pd.testing.assert_frame_equal(local, on_dask, check_exact=True)


def test_dask_through_the_environment_with_resume(tmp_path, dask_cluster, monkeypatch, capsys):
    path = write_sweep(tmp_path, SMALL)
    local = tmp_path / "local"
    assert cli.main([str(path), "--out", str(local), "--jobs", "2", "--no-plots",
                     "--quiet"]) == 0
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", dask_cluster.scheduler_address)
    out = tmp_path / "dask"
    assert cli.main([str(path), "--out", str(out), "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert f"on Dask scheduler {dask_cluster.scheduler_address} (2 workers)" in printed
    assert final_files(out) == final_files(local)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run"]["backend"].startswith("Dask scheduler tcp://127.0.0.1:")
    # a resumed run may use another backend: the task store is the same
    for task in sorted((out / ".tasks").glob("*.json"))[:5]:
        if task.name != "sweep.json":
            task.unlink()
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    assert cli.main([str(path), "--out", str(out), "--no-plots", "--resume", "--jobs",
                     "1", "--quiet"]) == 0
    assert final_files(out) == final_files(local)


def test_unreachable_scheduler_is_an_input_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sim.run.executors.CONNECT_TIMEOUT_S", 1)
    path = write_sweep(tmp_path, SMALL)
    out = tmp_path / "o"
    code = cli.main([str(path), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert not out.exists()
