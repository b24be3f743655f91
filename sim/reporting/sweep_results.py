"""A sweep's results folder, written at the end and replaced whole (``sim/common/folders.py``).

The tables are computed by ``sim/experiments/sweeps/tables.py``; the public ``sim.sweep``
(``sim/api.py``) runs a sweep and then writes its folder here.

Files::

    sweep.csv              point, variant, the swept keys, replication, every metric
    sweep_summary.csv      point, variant, the swept keys, metric, mean, sd, ci_low,
                           ci_high, n
    scenarios/point_<i>.yaml  each point's scenario, fully merged, as run
    plots/*.png            metrics against the swept inputs (see sim.sweep_plots)
    manifest.json          versions, platform, command, settings, points, wall time,
                           throughput
    .tasks/                the finished task store (``--resume`` reads a copy of it)
    .crisis-sim-results    the marker of a folder this tool wrote

The tables and plots hold no clock times, so a run resumed after a kill writes them byte
for byte as an uninterrupted run does; only ``manifest.json`` records times.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.common.atomic import write_text
from sim.common.folders import inside, moved, replace_folder
from sim.experiments.sweeps.design import Sweep
from sim.experiments.sweeps.store import TASKS_DIR, TaskStore
from sim.reporting.results import (
    git_revision,
    random_streams_info,
    system_info,
    versions,
    write_csv,
)
from sim.reporting.sweep_plots import write_sweep_plots


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
    """Write the sweep's results folder, replacing it whole; returns the paths written.

    The files, and a copy of the finished task store (``.tasks/``, from where it lived while
    the sweep ran: :func:`sim.experiments.sweeps.store.running_folder`), go into a staging
    folder that replaces ``out`` only when all are complete
    (:func:`sim.common.folders.replace_folder`); the running store is then removed. If this
    fails or is interrupted, ``out`` is left as it was and the running store is kept for
    ``--resume``.
    """
    final = Path(out)
    store = TaskStore(final)
    inputs = [f for f in (sweep.source, sweep.base_source) if f]
    with replace_folder(final, inputs=inputs) as staging:
        written = _write_all(sweep, table, summary, staging, run, command, plots)
        if store.folder.is_dir():
            shutil.copytree(store.folder, staging / TASKS_DIR)
    store.discard()
    return moved(written, staging, final)


def _write_all(sweep: Sweep, table: pd.DataFrame, summary: pd.DataFrame, out: Path,
               run: dict[str, Any], command: list[str] | None, plots: bool) -> list[Path]:
    written: list[Path] = []
    write_csv(out / "sweep.csv", table)
    written.append(out / "sweep.csv")
    write_csv(out / "sweep_summary.csv", summary)
    written.append(out / "sweep_summary.csv")
    width = len(str(max(len(sweep.points) - 1, 0)))
    for p in sweep.points:
        path = inside(out, "scenarios", f"point_{p.index:0{width}d}.yaml")
        write_text(path, yaml.safe_dump(p.scenario.to_dict(), sort_keys=False,
                                        allow_unicode=True))
        written.append(path)
    if plots:
        written.extend(write_sweep_plots(sweep, summary, out / "plots"))
    path = out / "manifest.json"
    files = [str(p.relative_to(out)) for p in written] + ["manifest.json"]
    write_text(path, json.dumps(manifest(sweep, run, files, command), indent=2,
                                default=str) + "\n")
    written.append(path)
    return written
