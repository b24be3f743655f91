"""The corpus of hostile files (issue 10): each gives exit status 2 from
``run_scenarios.py --validate-only FILE``, no traceback, and the first line stored for it in
``tests/scenario/hostile/expected.yaml``.

Two files are made here rather than stored: one over 1 MiB, and a folder named like a
scenario file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sim.cli import run as cli
from tests.support.paths import ROOT

HOSTILE = Path(__file__).resolve().parent / "hostile"
EXPECTED: dict[str, str] = yaml.safe_load((HOSTILE / "expected.yaml").read_text("utf-8"))
MADE_HERE = ("huge.yaml", "folder.yaml")


def _argument(name: str, tmp_path: Path) -> str:
    """The command-line argument for hostile file ``name`` (made in ``tmp_path`` if need be)."""
    if name == "huge.yaml":
        path = tmp_path / name
        line = "# " + "x" * 97 + "\n"  # 100 bytes a line: the limit is passed on line 10,486
        path.write_text(line * 10_486, encoding="utf-8")
        assert path.stat().st_size == 1_048_600
        return str(path)
    if name == "folder.yaml":
        path = tmp_path / name
        path.mkdir(exist_ok=True)
        return str(path)
    return str((HOSTILE / name).relative_to(ROOT))  # run from ROOT: a short, stable path


def test_every_stored_file_has_an_expected_line():
    stored = sorted(p.name for p in HOSTILE.iterdir() if p.name != "expected.yaml")
    assert stored == sorted(set(EXPECTED) - set(MADE_HERE))
    assert len(EXPECTED) >= 15
    for name in ("alias_bomb.yaml", "deep_nesting.yaml", "binary.yaml", "latin1.yaml",
                 "nul_byte.yaml", "traversal_name.yaml", "absolute_name.yaml",
                 "long_name.yaml", "hyperlink_name.yaml", "inf_calls.yaml",
                 "billion_calls.yaml", "billion_replications.yaml", *MADE_HERE):
        assert name in EXPECTED, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_first_line(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    argument = _argument(name, tmp_path)
    assert cli.main(["--validate-only", argument]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == EXPECTED[name].replace("{file}", argument)
    assert lines[-1].endswith("found; nothing was run or written.")
    assert "Traceback" not in err and "internal error" not in err


def test_hostile_files_in_a_real_process(tmp_path):
    """All at once in one process (each file's problems are reported): exit 2, no traceback."""
    arguments = [_argument(name, tmp_path) for name in sorted(EXPECTED)]
    proc = subprocess.run([sys.executable, "run_scenarios.py", "--validate-only", *arguments],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    lines = proc.stderr.splitlines()
    for name, argument in zip(sorted(EXPECTED), arguments, strict=True):
        first = next(line for line in lines if line.startswith(f"{argument}:"))
        assert first == EXPECTED[name].replace("{file}", argument)
