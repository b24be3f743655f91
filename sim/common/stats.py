"""Summaries over replications: means, 95% t-intervals and paired differences."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

CONFIDENCE = 0.95


def t_interval(values: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE
               ) -> tuple[float, float, float, float, int]:
    """Mean, sd, and the t-interval for the mean of ``values`` (NaNs dropped).

    Returns
    -------
    tuple
        ``(mean, sd, ci_low, ci_high, n)``; the interval is NaN when n < 2.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan, n
    sd = float(x.std(ddof=1))
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half, n


def summarise(replications: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Tidy summary: one row per scenario and metric with mean, sd, ci_low, ci_high, n."""
    rows = []
    for scenario, group in replications.groupby("scenario", sort=False):
        for metric in metrics:
            mean, sd, lo, hi, n = t_interval(group[metric].to_numpy())
            rows.append({"scenario": scenario, "metric": metric, "mean": mean, "sd": sd,
                         "ci_low": lo, "ci_high": hi, "n": n})
    return pd.DataFrame(rows, columns=["scenario", "metric", "mean", "sd", "ci_low", "ci_high",
                                       "n"])


def paired_differences(replications: pd.DataFrame, metrics: Sequence[str], baseline: str
                       ) -> pd.DataFrame:
    """Per-replication differences (scenario - baseline), summarised with t-intervals.

    Replications are paired by their index: replication r of every scenario used the
    same random streams, so the difference removes the noise the two share.
    """
    base = replications[replications["scenario"] == baseline].set_index("replication")
    if base.empty:
        raise ValueError(f"baseline scenario {baseline!r} is not among the results")
    rows = []
    for scenario, group in replications.groupby("scenario", sort=False):
        if scenario == baseline:
            continue
        g = group.set_index("replication")
        common = g.index.intersection(base.index)
        for metric in metrics:
            diff = g.loc[common, metric].to_numpy() - base.loc[common, metric].to_numpy()
            mean, sd, lo, hi, n = t_interval(diff)
            rows.append({"scenario": scenario, "baseline": baseline, "metric": metric,
                         "mean_difference": mean, "sd": sd, "ci_low": lo, "ci_high": hi,
                         "n": n})
    return pd.DataFrame(rows, columns=["scenario", "baseline", "metric", "mean_difference", "sd",
                                       "ci_low", "ci_high", "n"])
