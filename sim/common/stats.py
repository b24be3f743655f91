"""Summaries over replications: means, 95% t-intervals and paired differences."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

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


def ratio_of_means(num: np.ndarray, den: np.ndarray, confidence: float = CONFIDENCE
                   ) -> tuple[float, float, float, float, int]:
    """``mean(num) / mean(den)`` with a delta-method t-interval over paired replications.

    ``Var(R) ~ (var(num) - 2 R cov(num, den) + R^2 var(den)) / (n mean(den)^2)``. NaN when
    ``mean(den) <= 0`` (no cost, or nothing avoided: the ratio has no meaning).

    Returns
    -------
    tuple
        ``(ratio, sd, ci_low, ci_high, n)`` with ``sd`` the per-replication standard
        deviation of the linearised ratio (``sd / sqrt(n)`` is the standard error).
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    ok = ~(np.isnan(num) | np.isnan(den))
    num, den = num[ok], den[ok]
    n = int(num.size)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean_den = float(den.mean())
    if mean_den <= 0:
        return math.nan, math.nan, math.nan, math.nan, n
    r = float(num.mean()) / mean_den
    if n < 2:
        return r, math.nan, math.nan, math.nan, n
    resid = (num - r * den) / mean_den  # linearised ratio, one value per replication
    _, sd, lo, hi, _ = t_interval(resid, confidence)  # mean of resid is 0
    half = (hi - lo) / 2
    return r, sd, r - half, r + half, n


def paired_change_pct(replications: pd.DataFrame, metric: str, baseline: str
                      ) -> pd.DataFrame:
    """Percentage change in ``metric`` of each scenario against ``baseline``, paired.

    The estimator is the ratio of means over the paired replications,
    ``100 * (mean(scenario) - mean(baseline)) / mean(baseline)``, with the delta-method
    t-interval of :func:`ratio_of_means`; NaN (not an error) when the baseline's mean is 0.
    Rows have the columns of :func:`paired_differences` with ``metric`` named
    ``f"{metric}_change_pct"``: ``mean_difference`` is the change in percent, ``sd`` the
    per-replication sd of the linearised ratio (percent), ``n`` the paired replications.
    """
    rows = []
    for scenario, ours, theirs in _pairs(replications, baseline):
        den = theirs[metric].to_numpy(dtype=float)
        ratio, sd, lo, hi, n = ratio_of_means(ours[metric].to_numpy(dtype=float) - den, den)
        rows.append({"scenario": scenario, "baseline": baseline,
                     "metric": f"{metric}_change_pct", "mean_difference": 100 * ratio,
                     "sd": 100 * sd, "ci_low": 100 * lo, "ci_high": 100 * hi, "n": n})
    return pd.DataFrame(rows, columns=PAIRED_COLUMNS)


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
    rows = []
    for scenario, ours, theirs in _pairs(replications, baseline):
        for metric in metrics:
            diff = ours[metric].to_numpy() - theirs[metric].to_numpy()
            mean, sd, lo, hi, n = t_interval(diff)
            rows.append({"scenario": scenario, "baseline": baseline, "metric": metric,
                         "mean_difference": mean, "sd": sd, "ci_low": lo, "ci_high": hi,
                         "n": n})
    return pd.DataFrame(rows, columns=PAIRED_COLUMNS)


PAIRED_COLUMNS = ["scenario", "baseline", "metric", "mean_difference", "sd", "ci_low",
                  "ci_high", "n"]
"""Columns of every paired comparison (``comparison.csv``)."""


def _pairs(replications: pd.DataFrame, baseline: str
           ) -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """Each other scenario with its replications and the baseline's, paired by replication
    index (replication r of every scenario used the same random streams)."""
    base = replications[replications["scenario"] == baseline].set_index("replication")
    if base.empty:
        raise ValueError(f"baseline scenario {baseline!r} is not among the results")
    for scenario, group in replications.groupby("scenario", sort=False):
        if scenario == baseline:
            continue
        ours = group.set_index("replication")
        common = ours.index.intersection(base.index)
        yield scenario, ours.loc[common], base.loc[common]
