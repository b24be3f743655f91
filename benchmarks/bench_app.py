"""How long the planner app takes to compare two scenarios (issue 16: at most 5 s on 2 cores).

Run from the project folder::

    python benchmarks/bench_app.py              # no car against one car, 30 replications of a year
    python benchmarks/bench_app.py --repeat 3   # the best and the median of three runs

It times :func:`sim.app.running.run_comparison`, the function the Run & compare page
calls (one ``sim.compare`` with its progress hook, ``on_batch``), on the shipped ``no_car`` and
``cpft_one_car`` with 30 replications of 52 weeks (and one warm-up week), with the app's
own number of worker processes, then the tables the page draws from the result. It prints
one line per run and whether the best is within the 5-second target. Timings on a shared
or busy machine are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a fresh clone: import sim from here
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.app import running  # noqa: E402

TARGET_SECONDS = 5.0
NAMES = ("no_car", "cpft_one_car")


def one_run(jobs: int | None) -> tuple[float, float]:
    """Seconds to run the comparison, and to make the page's tables and heatmap data."""
    scenarios = [sim.load_scenario(ROOT / "scenarios" / f"{n}.yaml") for n in NAMES]
    settings = running.Settings(names=NAMES, baseline="no_car", reps=30, weeks=52,
                                warmup_weeks=1, seed=2026)
    started = time.perf_counter()
    result = running.run_comparison(scenarios, settings, jobs=jobs,
                                    on_progress=lambda *_: None)
    ran = time.perf_counter() - started
    running.headline_table(result)
    running.differences_table(result)
    for name in NAMES:
        running.hour_grid(result, name)
    return ran, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=1, help="runs to time (default 1)")
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes (default: the app's choice for this size)")
    args = p.parse_args(argv)
    totals = []
    workers = args.jobs or running.jobs_for(running.Settings(NAMES, "no_car", 30, 52, 1, 2026))
    for i in range(max(1, args.repeat)):
        ran, total = one_run(workers)
        totals.append(total)
        print(f"run {i + 1}: {' and '.join(NAMES)}, 30 replications x 52 weeks: simulated in "
              f"{ran:.2f} s, tables ready in {total:.2f} s "
              f"({workers} worker process(es))")
    best = min(totals)
    print(f"best {best:.2f} s, median {statistics.median(totals):.2f} s; target <= "
          f"{TARGET_SECONDS:.0f} s: {'met' if best <= TARGET_SECONDS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
