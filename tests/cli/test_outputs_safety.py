"""Safe outputs (issue 10): a results folder is replaced whole; places the tool must not or
cannot write are refused with exit status 2 before anything runs; Ctrl-C exits 130 and
leaves the earlier folder byte for byte; names never lead outside the folder; no text cell
of a CSV or of the workbook is a live formula. See ``docs/security.md``."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import cli
from sim.common.atomic import write_csv
from sim.common.folders import MARKER, OutputError, inside, replace_folder
from sim.common.spreadsheet import neutralise
from sim.experiments.sweeps.store import TaskStore
from tests.support.paths import ROOT, SCENARIOS
from tests.support.sweeps import SMALL, final_files, write_sweep

QUICK = [str(SCENARIOS / "no_car.yaml"), str(SCENARIOS / "cpft_one_car.yaml"), "--reps", "2",
         "--weeks", "1", "--warmup-weeks", "0", "--jobs", "1", "--psa", "0", "--no-plots",
         "--quiet"]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` (hidden ones too): its bytes and modification time."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def beside(folder: Path) -> list[str]:
    """What lies beside ``folder`` in its parent (staging leftovers would show here)."""
    return sorted(p.name for p in folder.parent.iterdir())


@pytest.fixture
def earlier(tmp_path: Path) -> Path:
    """A results folder written by an earlier run (two scenarios: it has comparison.csv)."""
    out = tmp_path / "out"
    assert cli.main([*QUICK, "--out", str(out)]) == 0
    assert (out / "comparison.csv").is_file() and (out / MARKER).is_file()
    return out


def _never_run(monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise AssertionError("a refused output must stop the run before it starts")

    monkeypatch.setattr("sim.cli.run.run_scenarios", boom)


# --------------------------------------------------------------------------- replaced whole

def test_a_new_run_leaves_only_its_own_files(earlier, capsys):
    (earlier / "plots").mkdir()
    (earlier / "plots" / "old.png").write_bytes(b"old")
    assert cli.main([str(SCENARIOS / "no_car.yaml"), *QUICK[2:], "--out", str(earlier)]) == 0
    assert not (earlier / "comparison.csv").exists()  # the earlier run's, not this one's
    assert not (earlier / "plots").exists()
    manifest = json.loads((earlier / "manifest.json").read_text())
    assert [s["name"] for s in manifest["scenarios"]] == ["no_car"]
    assert set(pd.read_csv(earlier / "replications.csv").scenario) == {"no_car"}
    assert (earlier / MARKER).is_file()
    assert beside(earlier) == ["out"]  # no staging folder left behind


def test_full_disk_exits_2_and_leaves_the_earlier_folder_as_it_was(earlier, monkeypatch,
                                                                   capsys):
    before = snapshot(earlier)
    original = sim.reporting.results.write_csv
    calls = []

    def fills_up(path, frame):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        original(path, frame)

    monkeypatch.setattr("sim.reporting.results.write_csv", fills_up)
    capsys.readouterr()
    assert cli.main([*QUICK, "--out", str(earlier)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "No space left on device" in err[0] and "left as it was" in err[0]
    assert "internal error" not in err[0]
    assert snapshot(earlier) == before
    assert beside(earlier) == ["out"]


def test_a_bug_mid_write_is_exit_1_and_leaves_the_earlier_folder_as_it_was(earlier,
                                                                           monkeypatch,
                                                                           capsys):
    before = snapshot(earlier)

    def bug(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("sim.reporting.results.manifest", bug)
    assert cli.main([*QUICK, "--out", str(earlier)]) == 1
    assert "internal error: RuntimeError: simulated bug" in capsys.readouterr().err
    assert snapshot(earlier) == before
    assert beside(earlier) == ["out"]


INTERRUPT_WHILE_WRITING = """\
import os, signal, sys
import sim.reporting.results as results
from sim import cli

original = results.write_csv
count = [0]

def write_csv(path, frame):
    original(path, frame)
    count[0] += 1
    if count[0] == 3:  # Ctrl-C with some files of the new run written
        os.kill(os.getpid(), signal.SIGINT)

results.write_csv = write_csv
sys.exit(cli.main(sys.argv[1:]))
"""


def test_ctrl_c_while_writing_exits_130_and_leaves_the_earlier_folder(earlier, tmp_path):
    before = snapshot(earlier)
    script = tmp_path.parent / f"{tmp_path.name}_interrupt.py"
    script.write_text(INTERRUPT_WHILE_WRITING)
    try:
        proc = subprocess.run([sys.executable, str(script), *QUICK, "--reps", "3", "--out",
                               str(earlier)], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300,
                              check=False)
    finally:
        script.unlink()
    assert proc.returncode == 130, proc.stderr
    assert "interrupted: the results folder was left as it was" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert snapshot(earlier) == before
    assert beside(earlier) == ["out"]


def _children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (Linux; [] elsewhere)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if fields and fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find worker processes")
def test_ctrl_c_during_the_simulation_ends_the_workers(earlier):
    before = snapshot(earlier)
    args = [*QUICK, "--reps", "400", "--weeks", "26", "--jobs", "2", "--out", str(earlier)]
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_scenarios.py"), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group, like a terminal
    try:
        deadline = time.monotonic() + 60
        while not _children(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = _children(proc.pid)
        assert workers, "the run started no worker processes"
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted: the results folder was left as it was" in err
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{w}").exists() and "Z" not in _state(w) for w in workers):
        assert time.monotonic() < deadline, "worker processes outlived the run"
        time.sleep(0.2)
    assert snapshot(earlier) == before
    assert beside(earlier) == ["out"]


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return "Z"


def test_an_interrupted_sweep_leaves_the_earlier_folder_and_resumes(tmp_path, monkeypatch,
                                                                   capsys):
    path = write_sweep(tmp_path, SMALL)
    out = tmp_path / "out"
    args = [str(path), "--out", str(out), "--no-plots", "--quiet", "--jobs", "1"]
    assert cli.main(args) == 0
    before = snapshot(out)
    assert any(name.startswith(".tasks/") for name in before)
    original = TaskStore.record
    count = []

    def record(self, task, results):
        original(self, task, results)
        count.append(task)
        if len(count) == 3:
            raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(TaskStore, "record", record)
        assert cli.main([*args, "--seed", "9"]) == 130  # another sweep into the same folder
    assert "was left as it was" in capsys.readouterr().err
    assert snapshot(out) == before  # its task store too
    running = TaskStore(out).folder
    assert len(list(running.glob("*.json"))) == 3 + 1
    assert beside(out) == sorted(["out", running.name, path.name])
    assert cli.main([*args[:-3], "--jobs", "1", "--seed", "9", "--resume"]) == 0  # not quiet
    assert "resuming: 3 of 12 tasks" in capsys.readouterr().err
    assert not running.exists()
    assert cli.main([*args, "--seed", "9", "--out", str(tmp_path / "whole")]) == 0
    assert final_files(out) == final_files(tmp_path / "whole")


def test_replace_folder_keeps_the_target_when_the_block_fails(tmp_path):
    target = tmp_path / "res"
    with replace_folder(target) as staging:
        (staging / "a.csv").write_text("first\n")
    before = snapshot(target)
    with pytest.raises(KeyboardInterrupt), replace_folder(target) as staging:
        (staging / "b.csv").write_text("second\n")
        raise KeyboardInterrupt
    assert snapshot(target) == before
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "a.csv"]
    assert beside(target) == ["res"]


def _dead_pid() -> int:
    pid = 4_000_000
    while Path(f"/proc/{pid}").exists():
        pid += 1
    return pid


def test_leftovers_of_a_killed_run_are_cleaned_or_put_back(tmp_path):
    target = tmp_path / "res"
    dead = _dead_pid()
    stale = tmp_path / f".res.staging-{dead}"
    stale.mkdir()
    (stale / "half.csv").write_text("x")
    previous = tmp_path / f".res.previous-{dead}"  # killed between the two renames of a swap
    previous.mkdir()
    (previous / "a.csv").write_text("earlier\n")
    (previous / MARKER).write_text("")
    with pytest.raises(RuntimeError), replace_folder(target):
        raise RuntimeError
    assert (target / "a.csv").read_text() == "earlier\n"  # the earlier folder is back
    assert beside(target) == ["res"]


# --------------------------------------------------------------------------- refusals

def _fake_project(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "pyproject.toml").write_text("[project]\n")
    return folder


REFUSED = {
    # case: (make the --out from tmp_path, a phrase of the one line)
    "a regular file": (lambda t: _touch(t / "notes.txt"), "is a file, not a folder"),
    "under a regular file": (lambda t: _touch(t / "notes.txt") / "sub", "is a file"),
    "the repository": (lambda t: ROOT, "the project's folder"),
    "above the repository": (lambda t: ROOT.parent, "the project's"),
    "the scenarios": (lambda t: SCENARIOS, "scenarios folder"),
    "inside the scenarios": (lambda t: SCENARIOS / "results", "is inside"),
    "a folder it did not write": (lambda t: _touch(t / "mine" / "thesis.docx").parent,
                                  "was not written by this tool"),
    "a project folder": (_fake_project, "holds pyproject.toml"),
}


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("keep me\n")
    return path


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_out_is_exit_2_with_one_line_and_touches_nothing(case, tmp_path, monkeypatch,
                                                                 capsys):
    make, phrase = REFUSED[case]
    out = make(tmp_path)
    watched = [tmp_path, SCENARIOS]
    before = [snapshot(w) for w in watched]
    _never_run(monkeypatch)
    assert cli.main([*QUICK, "--out", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith(f"{out}: ") and phrase in lines[0], lines
    assert lines[1:] == ["1 problem found; nothing was run or written."]
    assert [snapshot(w) for w in watched] == before
    assert not (SCENARIOS / "results").exists()


def test_out_dot_from_the_repository_root_is_refused(monkeypatch, capsys):
    before = snapshot(SCENARIOS)
    monkeypatch.chdir(ROOT)
    _never_run(monkeypatch)
    assert cli.main([*QUICK, "--out", "."]) == 2
    assert capsys.readouterr().err.startswith(f".: is, or holds, the project's folder ({ROOT})")
    assert snapshot(SCENARIOS) == before


def test_a_folder_holding_an_input_file_is_refused(earlier, monkeypatch, capsys):
    copy = earlier / "scenarios" / "no_car.yaml"  # the merged copy the earlier run wrote
    before = snapshot(earlier)
    _never_run(monkeypatch)
    assert cli.main([str(copy), "--out", str(earlier), "--quiet"]) == 2
    assert "holds the input file" in capsys.readouterr().err
    assert snapshot(earlier) == before


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="permissions do not stop root")
def test_an_unwritable_place_is_refused(tmp_path, monkeypatch, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        _never_run(monkeypatch)
        assert cli.main([*QUICK, "--out", str(locked / "out")]) == 2
        assert f"cannot be written in {locked}: Permission denied" in capsys.readouterr().err
    finally:
        locked.chmod(0o755)


def test_legacy_results_without_the_marker_are_replaced(tmp_path):
    out = tmp_path / "latest"  # as an earlier version of the tool left it
    out.mkdir()
    (out / "summary.csv").write_text("old\n")
    (out / "manifest.json").write_text(json.dumps({"software": {"crisis-response-sim": "0"}}))
    assert cli.main([*QUICK, "--out", str(out)]) == 0
    assert (out / MARKER).is_file()
    assert (out / "summary.csv").read_text() != "old\n"


def test_legacy_lookalike_with_other_files_is_refused(tmp_path, capsys):
    out = tmp_path / "latest"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"software": {"crisis-response-sim": "0"}}))
    (out / "my_notes.txt").write_text("keep me\n")
    assert cli.main([*QUICK, "--out", str(out)]) == 2
    assert "was not written by this tool" in capsys.readouterr().err
    assert (out / "my_notes.txt").read_text() == "keep me\n"


@pytest.mark.parametrize("case", ["a folder", "under a file", "in scenarios"])
def test_bad_event_log_is_refused_before_running(case, tmp_path, monkeypatch, capsys):
    log = {"a folder": tmp_path, "under a file": _touch(tmp_path / "f.txt") / "log.csv",
           "in scenarios": SCENARIOS / "log.csv"}[case]
    _never_run(monkeypatch)
    code = cli.main([*QUICK, "--out", str(tmp_path / "out"), "--event-log", str(log)])
    assert code == 2
    line = capsys.readouterr().err.splitlines()[0]
    assert line.startswith(f"--event-log: {log} ")
    assert not (tmp_path / "out").exists() and not Path(f"{tmp_path}.csv").exists()
    assert not (SCENARIOS / "log.csv").exists()


def test_event_log_inside_out_is_part_of_the_folder(tmp_path, capsys):
    out = tmp_path / "out"
    log = out / "events.csv"
    assert cli.main([*QUICK, "--out", str(out), "--event-log", str(log)]) == 0
    assert len(pd.read_csv(log)) > 0
    assert cli.main([*QUICK, "--out", str(out)]) == 0
    assert not log.exists()  # replaced whole: the earlier run's log does not survive


# --------------------------------------------------------------------------- names as paths

@pytest.mark.parametrize("name", ["../x", "/tmp/x", "a/b", "..", "", "a\\b", "x" * 300])
def test_names_that_are_not_plain_file_names_are_refused(name, tmp_path):
    with pytest.raises(OutputError):
        inside(tmp_path, "scenarios", name)


def test_inside_keeps_a_plain_name():
    assert inside(Path("out"), "scenarios", "no_car.yaml") == Path("out/scenarios/no_car.yaml")


def test_a_name_that_escapes_writes_nothing(tmp_path):
    from sim.reporting.results import write_results

    scenario = sim.load_scenario(SCENARIOS / "no_car.yaml")
    result = sim.simulate(scenario, reps=1, weeks=1, progress=False)
    hostile = scenario.model_copy(update={"name": "../../escaped"})  # past the schema's rule
    result.scenarios[0] = hostile
    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(OutputError, match="not a plain file name"):
        write_results(result, out, plots=False, economics=False)
    assert list(tmp_path.rglob("*")) == []


# --------------------------------------------------------------------------- injection

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "ok",
           "-5", "a=b"]


def test_neutralise_prefixes_only_text_a_spreadsheet_would_run():
    assert [neutralise(v) for v in HOSTILE] == [
        "'=HYPERLINK(\"http://x\",\"y\")", "'+1+2", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "ok",
        "-5", "a=b"]
    assert neutralise(-5.0) == -5.0 and neutralise(-3) == -3 and neutralise(None) is None


def test_csv_text_cells_are_neutralised_and_numbers_kept(tmp_path):
    frame = pd.DataFrame({"scenario": ["=cmd|' /C calc'!A0", "no_car"], "value": [-1.5, 2.0],
                          "count": [-3, 4]})
    write_csv(tmp_path / "t.csv", frame)
    assert (tmp_path / "t.csv").read_text().splitlines() == [
        "scenario,value,count", "'=cmd|' /C calc'!A0,-1.5,-3", "no_car,2.0,4"]
    assert frame.scenario[0].startswith("=")  # the caller's frame is not changed


def test_workbook_has_no_formula_and_keeps_numbers(tmp_path):
    from openpyxl import load_workbook

    from sim.economics.funding import compute
    from sim.reporting.workbook import write_workbook

    base = [sim.load_scenario(SCENARIOS / f"{n}.yaml") for n in ("no_car", "cpft_one_car")]
    evil = '=HYPERLINK("http://evil.example","click")'
    scenarios = [base[0], base[1].model_copy(update={"name": evil})]  # past the schema's rule
    result = sim.compare(scenarios, baseline="no_car", reps=2, weeks=1, progress=False)
    path = write_workbook(tmp_path / "economics.xlsx", compute(result))
    wb = load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert "'" + evil in texts and f"'{evil} vs no_car" in texts
    assert not any(t.startswith("=") for t in texts)
    assert any(isinstance(c.value, float) and c.value < 0 for c in cells)  # numbers stay numbers
