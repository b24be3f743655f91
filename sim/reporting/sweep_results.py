"""A sweep's tables and results folder. Every file is written atomically, at the end.

Files::

    sweep.csv              point, variant, the swept keys, replication, every metric
    sweep_summary.csv      point, variant, the swept keys, metric, mean, sd, ci_low,
                           ci_high, n
    scenarios/point_<i>.yaml  each point's scenario, fully merged, as run
    plots/*.png            metrics against the swept inputs (see sim.sweep_plots)
    manifest.json          versions, platform, command, settings, points, wall time,
                           throughput

The tables and plots hold no clock times, so a run resumed after a kill writes them byte
for byte as an uninterrupted run does; only ``manifest.json`` records times.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.common.atomic import write_text
from sim.common.stats import t_interval
from sim.core.metrics import METRIC_NAMES
from sim.experiments.sweeps.design import Sweep
from sim.experiments.sweeps.store import Task
from sim.reporting.results import (
    git_revision,
    random_streams_info,
    system_info,
    versions,
    write_csv,
)


def sweep_table(sweep: Sweep, tasks: Sequence[Task],
                results: dict[str, list[dict[str, float]]]) -> pd.DataFrame:
    """One row per point and replication: ``point``, inputs, ``replication``, metrics."""
    by_point: dict[int, dict[int, dict[str, float]]] = {}
    for task in tasks:
        for r, metrics in zip(task.reps, results[task.key], strict=True):
            by_point.setdefault(task.point.index, {})[r] = metrics
    rows = []
    for point in sweep.points:
        reps = by_point[point.index]
        for r in range(sweep.reps):
            rows.append({"point": point.index, "variant": point.variant, **point.inputs,
                         "replication": r, **{m: reps[r][m] for m in METRIC_NAMES}})
    columns = ["point", *sweep.input_columns, "replication", *METRIC_NAMES]
    return pd.DataFrame(rows, columns=columns)


def summarise_sweep(table: pd.DataFrame, inputs: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean, sd and 95% t-interval of every metric per point (tidy: one row per metric).

    ``inputs`` are the columns identifying a point (default: those between ``point`` and
    ``replication`` in ``table``).
    """
    if inputs is None:
        cols = list(table.columns)
        inputs = cols[cols.index("point") + 1: cols.index("replication")]
    rows = []
    for point, group in table.groupby("point", sort=True):
        first = group.iloc[0]
        keys = {"point": point, **{c: first[c] for c in inputs}}
        for metric in METRIC_NAMES:
            mean, sd, lo, hi, n = t_interval(group[metric].to_numpy())
            rows.append({**keys, "metric": metric, "mean": mean, "sd": sd, "ci_low": lo,
                         "ci_high": hi, "n": n})
    columns = ["point", *inputs, "metric", "mean", "sd", "ci_low", "ci_high", "n"]
    out = pd.DataFrame(rows, columns=columns)
    for c in inputs:  # keep the input columns' types (ints stay ints)
        out[c] = out[c].astype(table[c].dtype)
    return out


def manifest(sweep: Sweep, run: dict[str, Any], files: list[str],
             command: list[str] | None) -> dict[str, Any]:
    """What a reader needs to reproduce or audit the sweep."""
    return {
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command if command is not None else sys.argv,
        "software": versions("dask", "distributed"),
        "source": git_revision(),
        "platform": system_info(),
        "random_streams": {
            **random_streams_info(),
            "common_random_numbers": "replication r of every point uses (seed, r)",
        },
        "sweep": {
            "name": sweep.name, "description": sweep.description, "source": sweep.source,
            "base": sweep.base_source, "seed": sweep.seed, "replications": sweep.reps,
            "weeks": sweep.weeks, "warmup_weeks": sweep.warmup_weeks,
            "batch": sweep.batch, "variants": list(sweep.variants),
            "grid": sweep.grid_values, "sampled": list(sweep.sample_keys),
            "points": len(sweep.points),
        },
        "run": run,
        "points": [{"point": p.index, "variant": p.variant, "inputs": p.inputs,
                    "config_sha256": p.config_sha256} for p in sweep.points],
        "files": files,
    }


def write_sweep(sweep: Sweep, table: pd.DataFrame, summary: pd.DataFrame, out: str | Path,
                *, run: dict[str, Any], command: list[str] | None = None,
                plots: bool = True) -> list[Path]:
    """Write the sweep's results folder; returns the paths written."""
    out = Path(out)
    written: list[Path] = []
    write_csv(out / "sweep.csv", table)
    written.append(out / "sweep.csv")
    write_csv(out / "sweep_summary.csv", summary)
    written.append(out / "sweep_summary.csv")
    width = len(str(max(len(sweep.points) - 1, 0)))
    for p in sweep.points:
        path = out / "scenarios" / f"point_{p.index:0{width}d}.yaml"
        write_text(path, yaml.safe_dump(p.scenario.to_dict(), sort_keys=False,
                                        allow_unicode=True))
        written.append(path)
    if plots:
        from sim.reporting.sweep_plots import write_sweep_plots

        written.extend(write_sweep_plots(sweep, summary, out / "plots"))
    path = out / "manifest.json"
    files = [str(p.relative_to(out)) for p in written] + ["manifest.json"]
    write_text(path, json.dumps(manifest(sweep, run, files, command), indent=2,
                                default=str) + "\n")
    written.append(path)
    return written
