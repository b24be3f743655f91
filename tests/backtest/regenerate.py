"""Regenerate the back test's stored results (``tests/backtest/expected/``).

Run this only when a change to the model is *intended* to move the numbers, then say in
the CHANGELOG why they moved::

    .venv/bin/python tests/backtest/regenerate.py

It runs small pinned jobs through the command line (the shipped scenarios with their
funding case and a small sensitivity analysis, and a small sweep) and keeps their CSV
outputs. ``tests/backtest/test_backtest.py`` runs the same jobs and compares every CSV
byte for byte.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EXPECTED = HERE / "expected"

#: name -> command-line arguments (after ``run_scenarios.py``) of one pinned job.
JOBS: dict[str, list[str]] = {
    "scenarios": ["scenarios/no_car.yaml", "scenarios/cpft_one_car.yaml",
                  "scenarios/cpft_two_cars.yaml", "scenarios/control_room.yaml",
                  "scenarios/control_room_and_car.yaml", "--reps", "4", "--weeks", "8",
                  "--seed", "2026", "--jobs", "2", "--psa", "6", "--psa-reps", "2",
                  "--no-plots", "--quiet"],
    "sweep": ["scenarios/sweeps/rota_start_hour.yaml", "--reps", "3", "--weeks", "6",
              "--seed", "7", "--jobs", "2", "--no-plots", "--quiet"],
}


def run_job(args: list[str], out: Path) -> dict[str, bytes]:
    """Run one job into ``out``; return its CSV files (relative path -> bytes)."""
    subprocess.run([sys.executable, str(ROOT / "run_scenarios.py"), *args, "--out", str(out)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.csv"))
            if not any(part.startswith(".") for part in p.relative_to(out).parts)}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in JOBS.items():
            files = run_job(args, Path(tmp) / name)
            target = EXPECTED / name
            shutil.rmtree(target, ignore_errors=True)
            for rel, data in files.items():
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                (target / rel).write_bytes(data)
            print(f"{name}: {len(files)} CSV files -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
