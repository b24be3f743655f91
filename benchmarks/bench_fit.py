"""Time to fit 1,000,000 incidents (issue 14; target: at most 30 s on 2 cores).

Run from the project folder::

    python benchmarks/bench_fit.py               # 1,000,000 incidents
    python benchmarks/bench_fit.py --rows 100000 # a quicker run

A synthetic export (:mod:`sim.experiments.fit.synthetic`, the shipped example's process at
a higher rate, about 18 months) with about ``--rows`` rows is written to a temporary
folder first (not timed). Then it times, separately: reading and checking the CSV and
fitting (:func:`sim.experiments.fit.fit_incidents`, no hold-out: a hold-out simulates the
hold-out weeks, whose cost is the simulator's, see ``benchmarks/bench.py``), and writing
the scenario, the tables and the report. It prints wall time and this process's CPU
time (the work is one process: NumPy and pandas, no worker pool).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a fresh clone: import sim from here
    sys.path.insert(0, str(ROOT))

from sim.experiments.fit import fit_incidents, write_fit_outputs  # noqa: E402
from sim.experiments.fit.synthetic import (  # noqa: E402
    DEPLOYED_SHARE,
    END,
    START,
    WEEKDAY_FACTORS,
    write_synthetic,
)
from sim.reporting.fit_report import write_fit_report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the export")
    args = parser.parse_args(argv)
    days = (END - START).days
    mean_factor = sum(WEEKDAY_FACTORS) / 7
    calls_per_day = args.rows * DEPLOYED_SHARE / days / mean_factor
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "incidents.csv"
        started = time.perf_counter()
        write_synthetic(csv, calls_per_day=calls_per_day)
        made = time.perf_counter() - started
        size = csv.stat().st_size / 1e6
        started, cpu = time.perf_counter(), time.process_time()
        result = fit_incidents(csv)
        fit_seconds = time.perf_counter() - started
        fit_cpu = time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        write_fit_outputs(result, Path(folder) / "out")
        write_fit_report(result, Path(folder) / "out")
        write_seconds = time.perf_counter() - started
        write_cpu = time.process_time() - cpu
    rows = result.counts["rows_read"]
    print(f"export: {rows:,} rows ({result.counts['incidents']:,} deployed mental-health "
          f"incidents), {size:.0f} MB, written in {made:.1f} s (not timed)")
    print(f"read, check and fit: {fit_seconds:.1f} s wall, {fit_cpu:.1f} s CPU "
          f"({rows / fit_seconds:,.0f} rows a second)")
    print(f"write scenario, tables and report: {write_seconds:.1f} s wall, {write_cpu:.1f} s CPU")
    print(f"total: {fit_seconds + write_seconds:.1f} s wall, {fit_cpu + write_cpu:.1f} s CPU "
          "(target: at most 30 s for 1,000,000 rows; on a busy machine wall time exceeds CPU "
          "time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
