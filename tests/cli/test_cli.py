"""Command line: exit codes, error reports, outputs, atomic writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import cli
from sim.common.atomic import write_text, write_with
from sim.core.metrics import METRIC_NAMES
from tests.support.paths import ROOT, SCENARIOS

BAD = """\
name: bad
extends: {base}
demand:
  calls_per_dya: 10
cars:
  - name: car1
    shifts:
      - {{days: [Fri, Sat], start: 17:00, end: "01:00"}}
"""


def _bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD.format(base=SCENARIOS / "_base.yaml"))
    return path


def test_bad_file_exit_2_one_line_per_problem_nothing_written(tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main([str(_bad_file(tmp_path)), "--out", str(out), "--reps", "2"])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith(str(tmp_path))]
    assert len(lines) == 2, err
    assert lines[0].startswith(f"{tmp_path / 'bad.yaml'}:4: demand.calls_per_dya: unknown key")
    assert "did you mean 'calls_per_day'" in lines[0]
    assert lines[1].startswith(f"{tmp_path / 'bad.yaml'}:8: cars[0].shifts[0].start: unquoted")
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_file_in_a_real_process_has_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run_scenarios.py"), str(_bad_file(tmp_path)),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "unquoted time 17:00" in proc.stderr
    assert proc.stdout == ""


def test_validate_only_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = cli.main(["--validate-only", str(SCENARIOS / "cpft_one_car.yaml")])
    assert code == 0
    assert "56 car-hours a week" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_partial_and_missing_files_are_input_errors(capsys):
    assert cli.main([str(SCENARIOS / "_base.yaml"), "no_such_file.yaml"]) == 2
    err = capsys.readouterr().err
    assert "partial file" in err and "file not found" in err


def test_unknown_baseline_is_an_input_error(tmp_path, capsys):
    code = cli.main([str(SCENARIOS / "no_car.yaml"), "--baseline", "nope",
                     "--out", str(tmp_path / "o")])
    assert code == 2
    assert "'nope' is not one of the scenarios" in capsys.readouterr().err


def test_internal_error_exit_1(monkeypatch, tmp_path, capsys):
    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr("sim.cli.run.run_scenarios", boom)
    code = cli.main([str(SCENARIOS / "no_car.yaml"), "--out", str(tmp_path / "o")])
    assert code == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: simulated failure" in err
    assert "Traceback" not in err


def test_full_run_writes_every_output(tmp_path, capsys):
    out = tmp_path / "run"
    files = [str(SCENARIOS / f"{n}.yaml") for n in ("cpft_one_car", "no_car", "cpft_two_cars")]
    code = cli.main([*files, "--reps", "3", "--weeks", "3", "--seed", "5", "--jobs", "2",
                     "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Paired differences against no_car" in printed
    for name in ("replications.csv", "summary.csv", "comparison.csv", "by_hour_of_week.csv",
                 "by_car.csv", "manifest.json"):
        assert (out / name).is_file(), name
    reps = pd.read_csv(out / "replications.csv")
    assert list(reps.columns) == ["scenario", "replication", *METRIC_NAMES]
    assert len(reps) == 9
    assert reps.scenario.iloc[0] == "no_car"  # the baseline comes first
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["scenario", "metric", "mean", "sd", "ci_low", "ci_high", "n"]
    comparison = pd.read_csv(out / "comparison.csv")
    assert set(comparison.scenario) == {"cpft_one_car", "cpft_two_cars"}
    assert set(comparison.baseline) == {"no_car"}
    hours = pd.read_csv(out / "by_hour_of_week.csv")
    assert len(hours) == 3 * 168
    assert list(hours.columns) == ["scenario", "day", "hour", "calls", "car_attended",
                                   "unmet_off_shift", "unmet_busy", "not_for_car", "car_on_shift",
                                   "car_busy", "cr_screened", "cr_resolved_by_phone",
                                   "car_phone_advised", "car_resolved_by_phone",
                                   "cr_on_shift", "cr_busy", "pos_occupied"]
    # merged scenarios as run: reload to the same scenario
    merged = sim.load_scenario(out / "scenarios" / "cpft_two_cars.yaml")
    assert merged == sim.load_scenario(SCENARIOS / "cpft_two_cars.yaml")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["baseline"] == "no_car"
    assert {s["seed"] for s in manifest["scenarios"]} == {5}
    assert {s["replications"] for s in manifest["scenarios"]} == {3}
    assert "mh_arrival_counts" in manifest["random_streams"]["names"]
    assert manifest["software"]["simpy"]
    assert len(manifest["scenarios"][0]["config_sha256"]) == 64
    assert list(out.glob("**/*.tmp*")) == []
    assert any((out / "plots").glob("*.png"))


def test_flags_override_files(tmp_path):
    code = cli.main([str(SCENARIOS / "cpft_one_car.yaml"), "--reps", "2", "--weeks", "1",
                     "--warmup-weeks", "0", "--out", str(tmp_path), "--no-plots", "--quiet"])
    assert code == 0
    reps = pd.read_csv(tmp_path / "replications.csv")
    assert len(reps) == 2
    assert (reps.car_shift_hours == 56).all()


@pytest.mark.parametrize("flag", ["--reps", "--weeks", "--jobs"])
def test_bad_flag_values_exit_2(flag, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([flag, "0"])
    assert exc.value.code == 2


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "x.csv"
    write_text(path, "old\n")

    def half_then_fail(fh):
        fh.write("new partial")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_with(path, half_then_fail)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_an_optimise_file_is_pointed_to_its_command(capsys):
    optimise_file = SCENARIOS / "optimise" / "cpft_56_hours.yaml"
    assert cli.main([str(optimise_file), "--validate-only"]) == 2
    err = capsys.readouterr().err
    assert "is an optimise file: run it with crisis-sim optimise" in err
