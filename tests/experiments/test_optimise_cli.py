"""``crisis-sim optimise`` (sim/cli/optimise.py) and ``sim.optimise`` (sim/api.py): files
written, exit statuses, identical results for any number of workers, resume after a crash.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pandas as pd
import pytest

import sim
from sim.cli import crisis_sim
from sim.experiments.optimise.store import Store, running_folder
from sim.reporting.optimise_results import html_page
from tests.support.optimise import TINY, tiny
from tests.support.paths import ROOT


def test_cli_writes_the_results_folder(tmp_path, capsys):
    out = tmp_path / "out"
    code = crisis_sim.main(["optimise", str(tiny(tmp_path)), "--out", str(out), "--jobs", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    for name in ("optimise.csv", "best_rota.yaml", "comparison.csv", "compared.csv",
                 "by_hour_of_week.csv", "optimise.png", "summary.txt", "manifest.json"):
        assert (out / name).is_file(), name
    assert "Chosen rota:" in captured.out and "Selection (KN" in captured.out
    table = pd.read_csv(out / "optimise.csv")
    # 4 daily shifts + 12 Sun-Thu/Fri-Sat pairs; the 21:00-00:00 cover leaves starts 17-20
    # on every day: all 16 rotas qualify
    assert len(table) == 16 and table.candidate.tolist() == list(range(16))
    assert (table.stage == "best").sum() == 1
    assert set(table.stage) <= {"best", "eliminated", "not_separated", "screen_check",
                                "screened_out"}
    best = table[table.stage == "best"].iloc[0]
    chosen = sim.load_scenario(out / "best_rota.yaml")  # runnable as it stands
    assert chosen.name == "tiny_best" and len(chosen.cars) == 1
    hours = sum(w[1] - w[0] for w in chosen.cars[0].pattern().windows) / 60
    assert hours == 56 and best.rota in (out / "summary.txt").read_text()
    assert (out / "summary.txt").read_text() in captured.out
    assert not running_folder(out).exists() and (out / ".tasks").is_dir()


def test_the_page_links_its_files_and_the_chosen_rotas_own_run(tmp_path):
    out = tmp_path / "tiny_results"
    result = sim.optimise(tiny(tmp_path), out=out, jobs=1, progress=False)
    page = html_page(result, (out / "optimise.png").read_bytes(), out.name)
    hrefs = [f["href"] for f in page["files"]]
    assert hrefs[0] == "best_rota.yaml" and all(f["what"] for f in page["files"])
    # every file of the folder but the page itself (and the folder's hidden marker), and
    # nothing that is not there
    assert sorted(hrefs) == sorted(p.name for p in out.iterdir() if p.is_file() and
                                   p.name != "optimise.html" and not p.name.startswith("."))
    assert page["chosen_run"] == {
        "command": "crisis-sim run best_rota.yaml --out ../tiny_results_best",
        "folder": "../tiny_results_best/", "report": "../tiny_results_best/report.html"}
    assert html_page(result)["chosen_run"] is None  # no folder: nothing to link to
    assert "optimise.png" not in [f["href"] for f in html_page(result)["files"]]
    # and back: the run report of best_rota.yaml shows its description
    chosen = sim.load_scenario(out / "best_rota.yaml")
    assert chosen.description.endswith("How it was chosen: optimise.html, in the folder "
                                       "this file was written to.")
    assert result.best is not None and result.best.label() in chosen.description


def test_bad_file_is_exit_2_with_file_line_key_and_nothing_written(tmp_path, capsys):
    path = tiny(tmp_path, TINY.replace("metric: s136_avoided", "metric: s136_avoid"
                                       ).replace("delta: 6", "delta: zero"))
    out = tmp_path / "out"
    assert crisis_sim.main(["optimise", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert (f"{path}:9: optimise.objective.metric: unknown metric 's136_avoid'; did you mean "
            "'s136_avoided'?") in err
    assert f"{path}:12: optimise.delta: must be a number, got 'zero'" in err
    assert "nothing was run or written" in err
    assert not out.exists() and not running_folder(out).exists()
    assert crisis_sim.main(["optimise", str(tmp_path / "missing.yaml")]) == 2
    assert crisis_sim.main(["optimise", str(path), "--jobs", "0"]) == 2
    assert "optimise" in crisis_sim.usage()


def test_validate_only_counts_candidates(tmp_path, capsys):
    assert crisis_sim.main(["optimise", str(tiny(tmp_path)), "--validate-only"]) == 0
    assert "16 candidate rotas" in capsys.readouterr().out


def test_same_results_for_any_jobs_and_after_a_crash(tmp_path, monkeypatch):
    path = tiny(tmp_path)
    whole = sim.optimise(path, out=tmp_path / "whole", jobs=2, plots=False)
    assert whole.replications_resumed == 0 and whole.best is not None

    calls = {"n": 0}
    record = Store.record

    def crash_after_five(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt
        return record(self, *args, **kwargs)

    out = tmp_path / "crashed"
    monkeypatch.setattr(Store, "record", crash_after_five)
    with pytest.raises(KeyboardInterrupt):
        sim.optimise(path, out=out, jobs=1, plots=False)
    monkeypatch.setattr(Store, "record", record)
    assert len(list(running_folder(out).glob("*.json"))) == 5 and not out.exists()
    resumed = sim.optimise(path, out=out, jobs=1, resume=True, plots=False)
    assert resumed.replications_resumed > 0
    assert resumed.replications == whole.replications
    for name in ("optimise.csv", "comparison.csv", "compared.csv", "by_hour_of_week.csv",
                 "best_rota.yaml", "summary.txt"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name


KILLED_AFTER = """\
import os, signal, sys
from sim.cli import crisis_sim
from sim.experiments.optimise.store import Store
record, done = Store.record, []
def record_then_die(self, *args, **kwargs):
    record(self, *args, **kwargs)
    done.append(1)
    if len(done) == int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)  # no handler, no clean-up: as kill -9
Store.record = record_then_die
sys.exit(crisis_sim.main(sys.argv[2:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_resumes_after_kill_9_with_the_same_files(tmp_path, capsys):
    path = tiny(tmp_path)
    whole = tmp_path / "whole"
    assert crisis_sim.main(["optimise", str(path), "--out", str(whole), "--jobs", "1",
                            "--no-plots", "--quiet"]) == 0
    out = tmp_path / "killed"
    args = ["optimise", str(path), "--out", str(out), "--jobs", "2", "--no-plots", "--quiet"]
    # killed by the signal after its 7th finished task, with worker processes in flight
    child = subprocess.run([sys.executable, "-c", KILLED_AFTER, "7", *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert not out.exists() and len(list(running_folder(out).glob("*.json"))) == 7
    assert crisis_sim.main([*args[:-1], "--resume"]) == 0
    captured = capsys.readouterr()
    assert "resuming: 7 finished tasks found" in captured.err
    assert "resumed)" in captured.out
    for name in ("optimise.csv", "comparison.csv", "compared.csv", "by_hour_of_week.csv",
                 "best_rota.yaml", "summary.txt"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    assert not running_folder(out).exists()
