"""Sweep files for the sweep tests, written into a test's temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.support.paths import SCENARIOS

BASE = SCENARIOS / "cpft_one_car.yaml"


def write_sweep(folder: Path, body: str, name: str = "s.yaml") -> Path:
    """A sweep file in ``folder``; ``{base}`` in ``body`` is the shipped one-car scenario."""
    path = folder / name
    path.write_text(textwrap.dedent(body).format(base=BASE))
    return path


SMALL = """\
sweep:
  name: small
  base: {base}
  variants:
    one_car: {{}}
    late: {{cars.0.shifts: [{{days: all, start: "19:00", end: "03:00"}}]}}
  grid:
    demand.calls_per_day: [6, 12]
  reps: 5
  batch: 2
  weeks: 2
  warmup_weeks: 1
  seed: 4
"""
FINAL = ("sweep.csv", "sweep_summary.csv")


def final_files(out: Path) -> dict[str, bytes]:
    """Every output file but the manifest (which holds times) and the task store."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".tasks" not in p.parts and p.name != "manifest.json"}
