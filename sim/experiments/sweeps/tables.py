"""A sweep's two tables: one row per point and replication (``sweep.csv``), and per point
and metric the mean with its 95% interval (``sweep_summary.csv``).

Computed here, next to the run (``sim/experiments/sweeps/run.py``); written by
``sim/reporting/sweep_results.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from sim.common.stats import t_interval
from sim.core.metrics import METRIC_NAMES
from sim.experiments.sweeps.design import Sweep
from sim.experiments.sweeps.store import Task


def sweep_table(sweep: Sweep, tasks: Sequence[Task],
                results: Mapping[str, list[dict[str, float]]]) -> pd.DataFrame:
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
