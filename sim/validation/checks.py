"""Check results and the rules that decide pass or fail.

Three kinds of criterion:

* ``theory``: a formula's value must lie inside the simulated mean's **99.9%**
  t-interval over replications (the table shows the 95% interval). With dozens of
  checks, a 95% rule would fail a correct model somewhere in most runs; at 99.9% a correct
  model fails a given check with probability 0.001. For rare events (fewer than 30
  expected in the whole run) the pooled count is tested exactly instead
  (:func:`against_rare_count`);
* ``range``: the simulated mean must lie in a published range;
* ``exact``: an identity that holds on every sample path must hold exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from sim.common.stats import t_interval

PASS_CONFIDENCE = 0.999


@dataclass(frozen=True)
class CheckResult:
    """One verification or validation check."""

    group: str
    check: str
    criterion: str
    expected: str
    simulated: float
    ci_low: float
    ci_high: float
    n: int
    passed: bool
    source: str
    note: str = ""

    def row(self) -> dict:
        return asdict(self)


def against_theory(group: str, check: str, values: Sequence[float], expected: float,
                   source: str, note: str = "") -> CheckResult:
    """Pass when ``expected`` lies in the 99.9% t-interval of the replication values."""
    values = np.asarray(values, dtype=float)
    mean, _, lo, hi, n = t_interval(values)
    _, _, lo999, hi999, _ = t_interval(values, PASS_CONFIDENCE)
    # An interval of zero width (a deterministic quantity) passes only on equality.
    passed = bool(lo999 <= expected <= hi999) or bool(np.isclose(mean, expected, rtol=1e-12,
                                                                 atol=0))
    return CheckResult(group, check, "theory", f"{expected:.4g}", mean, lo, hi, n, passed,
                       source, note)


def against_rare_count(group: str, check: str, count: int, trials: int, probability: float,
                       source: str, note: str = "") -> CheckResult:
    """For rare events (few expected), pool the replications and test the count exactly.

    A t-interval over replications is useless when most replications see none of the event
    (it collapses to [0, 0]). Pooled over replications the count is, to a very good
    approximation, Poisson with mean ``trials x probability``; the check passes when the
    observed count lies in the central 99.9% of that distribution. The table shows the
    rate with the exact (Garwood) 95% interval of the observed count.
    """
    expected = trials * probability
    low = stats.poisson.ppf((1 - PASS_CONFIDENCE) / 2, expected)
    high = stats.poisson.isf((1 - PASS_CONFIDENCE) / 2, expected)
    passed = bool(low <= count <= high)
    c_low = stats.chi2.ppf(0.025, 2 * count) / 2 if count else 0.0
    c_high = stats.chi2.ppf(0.975, 2 * count + 2) / 2
    return CheckResult(group, check, "theory (rare: exact Poisson)", f"{probability:.4g}",
                       count / trials, c_low / trials, c_high / trials, trials, passed, source,
                       f"{note}; {count} observed, {expected:.3g} expected".lstrip("; "))


def in_range(group: str, check: str, values: Sequence[float], low: float, high: float,
             source: str, note: str = "") -> CheckResult:
    """Pass when the mean of the replication values lies in ``[low, high]``."""
    mean, _, lo, hi, n = t_interval(values)
    passed = bool(low <= mean <= high)
    return CheckResult(group, check, "range", f"{low:.3g} to {high:.3g}", mean, lo, hi, n, passed,
                       source, note)


def exact(group: str, check: str, holds: bool, value: float, expected: str, source: str,
          note: str = "") -> CheckResult:
    """An identity that must hold on every sample path."""
    return CheckResult(group, check, "exact", expected, value, value, value, 1, bool(holds),
                       source, note)
