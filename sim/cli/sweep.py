"""The command line for a sweep file: ``python run_scenarios.py SWEEP.yaml [options]``.

:func:`main_sweep` is called by ``sim/cli/run.py`` when its one file has a top-level
``sweep:`` key. It runs and writes through :func:`sim.api.run_and_write_sweep`, then prints
each point's means with 95% intervals of :data:`SWEEP_METRICS`, the point that avoids the most
detentions (variants and grids) or which sampled inputs the results hinge on (samples).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import spearmanr

from sim.api import run_and_write_sweep
from sim.common import formats
from sim.common.errors import InputError, Problem
from sim.common.stats import t_interval
from sim.core.metrics import EFFECTS
from sim.experiments.sweeps.design import SweepError, is_sweep_file, load_sweep
from sim.experiments.sweeps.run import SweepResult
from sim.experiments.sweeps.store import make_tasks, running_folder
from sim.run.runner import default_jobs

SWEEP_METRICS: tuple[str, ...] = EFFECTS
"""The columns of the printed table and of the sensitivity table: what a design changes
(``sim/core/metrics.py``, ``EFFECTS``), since a sweep compares designs point by point."""
MAX_PRINTED_POINTS = 40


def print_summary(result: SweepResult) -> None:
    """Headline metrics per point, and the point that avoids the most detentions."""
    sw = result.sweep
    summary = result.summary()
    inputs = sw.input_columns if sw.has_variants else sw.input_columns[1:]
    rows = []
    for point in sw.points[:MAX_PRINTED_POINTS]:
        s = summary[summary.point == point.index].set_index("metric")
        row: dict[str, Any] = {"point": point.index}
        row.update({c: point.variant if c == "variant" else point.inputs[c] for c in inputs})
        for m in SWEEP_METRICS:
            row[m] = formats.interval(s.at[m, "mean"], s.at[m, "ci_low"], s.at[m, "ci_high"])
        rows.append(row)
    print(f"Sweep {sw.name}: means per replication ({sw.weeks} measured weeks) with 95% "
          "intervals:")
    print(pd.DataFrame(rows).to_string(index=False))
    if len(sw.points) > MAX_PRINTED_POINTS:
        print(f"... and {len(sw.points) - MAX_PRINTED_POINTS} more points "
              "(see sweep_summary.csv)")
    if sw.sample_keys:
        print_sensitivity(result)
        return
    s136 = summary[summary.metric == "s136_avoided"]
    if len(s136) > 1 and s136["mean"].notna().any():
        best = s136.loc[s136["mean"].idxmax()]
        point = sw.points[int(best["point"])]
        print(f"Most detentions avoided: point {point.index} ({point.label()}): "
              f"s136_avoided {formats.interval(best['mean'], best['ci_low'], best['ci_high'])}")
        runner_up = s136.drop(index=best.name).sort_values("mean", kind="stable").iloc[-1]
        other = sw.points[int(runner_up["point"])]
        wide = result.table.pivot(index="replication", columns="point", values="s136_avoided")
        mean, _, lo, hi, _ = t_interval(wide[point.index] - wide[other.index])
        print(f"  vs the next best, point {other.index} ({other.label()}): "
              f"{formats.interval(mean, lo, hi)} more (paired: same calls in each replication)"
              + ("; the interval includes 0: no clear winner" if lo <= 0 <= hi else ""))


def sensitivity(result: SweepResult, metrics: Sequence[str] = SWEEP_METRICS) -> pd.DataFrame:
    """Spearman rank correlation of point means with each sampled input (rows: metrics)."""
    sw = result.sweep
    means = result.summary().pivot(index="point", columns="metric", values="mean")
    inputs = pd.DataFrame([p.inputs for p in sw.points], index=[p.index for p in sw.points])
    table = {}
    for key in sw.sample_keys:
        column = {}
        for m in metrics:
            x, y = inputs[key].to_numpy(float), means.loc[inputs.index, m].to_numpy(float)
            ok = pd.notna(y)
            column[m] = float(spearmanr(x[ok], y[ok]).statistic) if ok.sum() > 2 else math.nan
        table[key] = column
    return pd.DataFrame(table).rename_axis("metric")


def print_sensitivity(result: SweepResult) -> None:
    """The :func:`sensitivity` table, for four or more points."""
    if len(result.sweep.points) < 4:
        return
    table = sensitivity(result)
    print("\nWhich inputs the results hinge on: Spearman rank correlation of point means with "
          "each sampled input (-1..1):")
    print(table.map(lambda v: "-" if not math.isfinite(v) else f"{v:+.2f}").to_string())


def main_sweep(args: Any, argv: Sequence[str], files: Sequence[Path]) -> int:
    """The command line for a sweep file (called by :func:`sim.cli.run.main`)."""
    sweeps = [f for f in files if is_sweep_file(f)]
    if len(files) != 1:
        others = ", ".join(str(f) for f in files if f not in sweeps[:1])
        raise InputError([Problem(str(sweeps[0]), None, "", "a sweep file runs on its own; "
                                  f"run the other files in a separate command: {others}")])
    if args.baseline is not None:
        raise InputError([Problem("--baseline", None, "", "applies to scenario files; a sweep "
                                  "is compared point by point in sweep_summary.csv")])
    path = files[0]
    try:
        sw = load_sweep(path, reps=args.reps, seed=args.seed, weeks=args.weeks,
                        warmup_weeks=args.warmup_weeks)
    except SweepError as exc:
        raise InputError(exc.problems) from None
    tasks = make_tasks(sw)
    if args.validate_only:
        print(f"ok  {path}  (sweep {sw.name}: {len(sw.points)} points x {sw.reps} "
              f"replications = {sw.replications} replications in {len(tasks)} tasks)")
        return 0
    out = args.out or Path("results") / sw.name
    jobs = args.jobs or default_jobs()

    def note(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr)

    started = time.perf_counter()
    try:
        result = run_and_write_sweep(sw, jobs=jobs, scheduler=args.scheduler, out=out,
                                     resume=args.resume, plots=not args.no_plots,
                                     command=["run_scenarios.py", *argv], log=note)
    except SweepError as exc:
        raise InputError(exc.problems) from None
    except KeyboardInterrupt:
        print(f"interrupted: {out} was left as it was; finished tasks are recorded in "
              f"{running_folder(out)}; run the same command with --resume to continue",
              file=sys.stderr)
        return 130
    if not args.quiet:
        print_summary(result)
        print(f"\n{result.throughput_line()}; {len(result.written)} files written to {out}/ "
              f"(total {time.perf_counter() - started:.1f} s)")
    return 0
