"""``crisis-sim fit``: files written, exit statuses, nothing written on bad input, no
personal data in any output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim
from sim.cli import crisis_sim
from sim.cli import fit as fit_cli
from tests.support.fit import CANONICAL, SYNTHETIC, small_rows, write_rows

OUTPUTS = {"fitted_scenario.yaml", "fit_report.html", "rates_by_hour_of_week.csv",
           "durations.csv", "outcomes.csv", "trend.csv", "weekly_counts.csv"}


def test_fit_on_the_synthetic_export_writes_everything_and_the_scenario_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fit"
    code = crisis_sim.main(["fit", str(SYNTHETIC), "--holdout", "0.25", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert {p.name for p in out.iterdir()} == OUTPUTS | {"holdout.csv"}
    assert "Hold-out test PASSED" in printed and "Demand:" in printed
    report = (out / "fit_report.html").read_text()
    assert report.count("data:image/png;base64,") == 3
    assert not re.search(r"(src|href)=\"(https?:|//)", report) and "<script" not in report
    assert "PASSED" in report
    result = sim.simulate(out / "fitted_scenario.yaml", reps=1, weeks=1)
    assert result.replications["mh_calls"].iloc[0] > 0


def test_no_personal_data_reaches_any_output(tmp_path: Path) -> None:
    rows = small_rows(days=10, per_day=7)
    for i, r in enumerate(rows):
        r["incident_id"] = f"ZZID{i:04d}"
        r["notes"] = "Jane ZZSECRET Doe, 1 High St"
        r["area"] = "ZZAREA"
    export = write_rows(tmp_path / "ZZFILE_export.csv", rows, (*CANONICAL, "notes", "area"))
    out = tmp_path / "out"
    assert fit_cli.main([str(export), "--out", str(out)]) == 0
    times = {r["created_at"] for r in rows}
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        for secret in ("ZZSECRET", "ZZID", "ZZAREA", "High St", str(tmp_path)):
            assert secret not in text, (path.name, secret)
        assert not any(t in text for t in times), path.name


def test_bad_input_exits_2_names_row_and_column_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = small_rows()
    rows[2]["created_at"] = "yesterday"
    rows[6]["officer_minutes"] = "-3"
    export = write_rows(tmp_path / "x.csv", rows)
    out = tmp_path / "out"
    assert fit_cli.main([str(export), "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{export}:4: created_at: cannot read 'yesterday'")
    assert err[1].startswith(f"{export}:8: officer_minutes: '-3' is negative")
    assert err[-1] == "2 problems found; nothing was written."
    assert not out.exists()


def test_skip_bad_rows_skips_and_counts(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    rows = small_rows()
    rows[2]["created_at"] = "yesterday"
    rows[6]["officer_minutes"] = "-3"
    export = write_rows(tmp_path / "x.csv", rows)
    assert fit_cli.main([str(export), "--skip-bad-rows", "--out", str(tmp_path / "o")]) == 0
    printed = capsys.readouterr().out
    assert "Skipped 2 bad rows (created_at: 1, officer_minutes: 1)." in printed
    assert "Bad rows skipped" in (tmp_path / "o" / "fit_report.html").read_text()


@pytest.mark.parametrize("args", [["--holdout", "1.5"], ["--holdout", "x"],
                                  ["--profile", "smooth"], []])
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str]) -> None:
    out = ["--out", str(tmp_path / "o")] if args else []
    assert fit_cli.main([str(SYNTHETIC), *args, *out]) == 2
    assert not (tmp_path / "o").exists()


def test_missing_file_and_bad_mapping_exit_2(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert fit_cli.main([str(tmp_path / "none.csv"), "--out", str(tmp_path / "o")]) == 2
    mapping = tmp_path / "map.yaml"
    mapping.write_text("colums: {}\n")
    assert fit_cli.main([str(SYNTHETIC), "--mapping", str(mapping),
                         "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "cannot read file" in err and f"{mapping}:1: colums: unknown key" in err
    assert not (tmp_path / "o").exists()


def test_an_internal_error_exits_1_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(fit_cli, "render_fit_report", broken)
    export = write_rows(tmp_path / "x.csv", small_rows())
    assert fit_cli.main([str(export), "--out", str(tmp_path / "o")]) == 1
    assert "internal error" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_fit_is_a_crisis_sim_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert "fit" in crisis_sim.COMMANDS
    assert crisis_sim.main(["fit", "--help"]) == 0
    assert "--skip-bad-rows" in capsys.readouterr().out
