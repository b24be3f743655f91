"""Decision analysis over a probabilistic sensitivity analysis: incremental analysis with
dominance, the cost-effectiveness acceptability frontier, the expected value of perfect
information (EVPI), its partial form by input group (EVPPI, by regression), and the
one-way curves behind the tornado and the switching values.

Plain functions on arrays: ``nb`` has one row per draw and one column per option (net
benefit, £), ``x`` one row per draw and one column per input. Formulas are in
``docs/economics.md`` ("Which inputs matter"), with the methods they follow:

* EVPI: ``E[max_k NB_k] - max_k E[NB_k]`` (Raiffa and Schlaifer; as in BCEA and dampack).
* EVPPI by nonparametric regression (Strong, Oakley and Brennan 2014, Medical Decision
  Making 34(3):311-326): regress each option's net benefit, relative to the first option,
  on the group's inputs; then ``EVPPI = mean_d max_k g_k(x_d) - max_k mean_d g_k(x_d)``
  with ``g`` the fitted values. The fit here is least squares on additive natural cubic
  splines of each input plus their pairwise products (a GAM without smoothing penalty).
  Regression also strips the chance variation of one simulated year per draw, which the
  plain EVPI formula counts as uncertainty.
* Incremental analysis: options in order of cost; an option is dominated when another
  costs no more and achieves at least as much (and differs), extendedly dominated when a
  mix of its neighbours on the frontier would do better (its ICER exceeds the next one's).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

KNOT_QUANTILES = (0.05, 0.275, 0.5, 0.725, 0.95)
"""Knots of each input's natural cubic spline (5 knots: 4 columns; Harrell's placement)."""
MIN_DRAWS_PER_TERM = 10
"""EVPPI needs at least this many draws per regression term (else it is not given)."""


# -------------------------------------------------------------------------- EVPI


def evpi(nb: np.ndarray) -> float:
    """Expected value of perfect information: ``mean(max over options) - max(mean)``."""
    nb = np.atleast_2d(np.asarray(nb, dtype=float))
    if nb.shape[0] == 0:
        return math.nan
    return float(nb.max(axis=1).mean() - nb.mean(axis=0).max())


def spline_basis(x: np.ndarray) -> np.ndarray:
    """Natural cubic spline basis of one input without the constant (Hastie, Tibshirani and
    Friedman, Elements of Statistical Learning, eq. 5.4-5.5), knots at
    :data:`KNOT_QUANTILES`: the input itself and three curvature terms. An input that
    takes fewer than 5 distinct values gets its dummy-free linear term only; a constant
    input gets no column."""
    x = np.asarray(x, dtype=float)
    lo, hi = float(x.min()), float(x.max())
    if hi <= lo:
        return np.empty((x.size, 0))
    z = (x - lo) / (hi - lo)
    knots = np.unique(np.quantile(z, KNOT_QUANTILES))
    if knots.size < 3 or np.unique(z).size < 5:
        return z[:, None]

    def d(k: int) -> np.ndarray:
        return ((np.clip(z - knots[k], 0, None) ** 3 - np.clip(z - knots[-1], 0, None) ** 3)
                / (knots[-1] - knots[k]))

    last = d(len(knots) - 2)
    return np.column_stack([z, *[d(k) - last for k in range(len(knots) - 2)]])


def design(x: np.ndarray) -> np.ndarray:
    """Regression design for inputs ``x`` (draws x inputs): a constant, each input's
    :func:`spline_basis` and the pairwise products of the inputs' linear terms."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    cols = [np.ones((x.shape[0], 1))]
    linear = []
    for j in range(x.shape[1]):
        basis = spline_basis(x[:, j])
        if basis.shape[1]:
            cols.append(basis)
            linear.append(basis[:, 0])
    for i in range(len(linear)):
        for j in range(i + 1, len(linear)):
            cols.append((linear[i] * linear[j])[:, None])
    return np.hstack(cols)


def fitted(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Least-squares fitted values of ``y`` (draws, or draws x outcomes) on :func:`design`
    of ``x``: estimates of ``E[y | x]`` at each draw."""
    X = design(x)
    y = np.asarray(y, dtype=float)
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    return X @ coef


def evppi(nb: np.ndarray, x: np.ndarray) -> float:
    """Expected value of partial perfect information about the inputs ``x`` (draws x
    inputs of one group), by regression (Strong, Oakley and Brennan 2014)."""
    nb = np.atleast_2d(np.asarray(nb, dtype=float))
    if nb.shape[1] < 2 or nb.shape[0] < 10:
        return math.nan
    if design(x).shape[1] * MIN_DRAWS_PER_TERM > nb.shape[0]:
        return math.nan  # too few draws for the regression: it would fit the noise
    inc = nb[:, 1:] - nb[:, :1]
    g = np.column_stack([np.zeros(nb.shape[0]), fitted(inc, x)])
    return max(0.0, float(g.max(axis=1).mean() - g.mean(axis=0).max()))


# ------------------------------------------------------------- one-way curves


def conditional_curve(y: np.ndarray, x: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``E[y | x]`` estimated from draws by regression on :func:`spline_basis`, evaluated
    at the points ``at`` (the other inputs averaged over their distributions: the curve
    passes through the mean of ``y`` where ``x`` is typical)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    both = np.concatenate([x, np.asarray(at, dtype=float)])
    basis = spline_basis(both)
    X = np.column_stack([np.ones(both.size), basis])
    coef, *_ = np.linalg.lstsq(X[: x.size], y, rcond=None)
    return X[x.size:] @ coef


def switching_value(y: np.ndarray, x: np.ndarray, points: int = 201) -> float:
    """Where ``E[y | x]`` (:func:`conditional_curve`) crosses 0 within the range of the
    draws of ``x``: the crossing nearest the median of ``x``, by linear interpolation on a
    grid; NaN when it does not cross."""
    x = np.asarray(x, dtype=float)
    lo, hi = float(np.min(x)), float(np.max(x))
    if hi <= lo:
        return math.nan
    grid = np.linspace(lo, hi, points)
    curve = conditional_curve(y, x, grid)
    crossings = []
    for i in range(points - 1):
        a, b = curve[i], curve[i + 1]
        if a == 0:
            crossings.append(grid[i])
        elif a * b < 0:
            crossings.append(grid[i] - a * (grid[i + 1] - grid[i]) / (b - a))
    if not crossings:
        return math.nan
    median = float(np.median(x))
    return float(min(crossings, key=lambda c: abs(c - median)))


# --------------------------------------------------------- incremental analysis


def incremental(names: Sequence[str], cost: Sequence[float], effect: Sequence[float]
                ) -> pd.DataFrame:
    """Incremental analysis of options by expected cost and effect.

    Returns one row per option, in order of cost: ``option``, ``cost``, ``effect``,
    ``status`` (``frontier``, ``dominated`` or ``extendedly dominated``),
    ``compared_with`` (the next cheaper option on the frontier, for frontier options) and
    ``icer`` (extra cost per extra unit of effect against it).
    """
    frame = pd.DataFrame({"option": list(names), "cost": np.asarray(cost, float),
                          "effect": np.asarray(effect, float)})
    frame = frame.sort_values(["cost", "effect"], ascending=[True, False],
                              kind="stable").reset_index(drop=True)
    status = ["frontier"] * len(frame)
    for i in range(len(frame)):
        for j in range(len(frame)):
            if i == j:
                continue
            cj, ci = frame.cost[j], frame.cost[i]
            ej, ei = frame.effect[j], frame.effect[i]
            if cj <= ci and ej >= ei and (cj < ci or ej > ei):
                status[i] = "dominated"
                break
    while True:
        live = [i for i, s in enumerate(status) if s == "frontier"]
        icers = [_icer(frame, a, b) for a, b in zip(live, live[1:], strict=False)]
        worse = [live[k + 1] for k in range(len(icers) - 1) if icers[k] > icers[k + 1]]
        if not worse:
            break
        status[worse[0]] = "extendedly dominated"
    live = [i for i, s in enumerate(status) if s == "frontier"]
    compared = [None] * len(frame)
    icer = [math.nan] * len(frame)
    for a, b in zip(live, live[1:], strict=False):
        compared[b] = frame.option[a]
        icer[b] = _icer(frame, a, b)
    return frame.assign(status=status, compared_with=compared, icer=icer)


def _icer(frame: pd.DataFrame, a: int, b: int) -> float:
    de = frame.effect[b] - frame.effect[a]
    dc = frame.cost[b] - frame.cost[a]
    return dc / de if de > 0 else math.inf


# ------------------------------------------------------------------------- CEAF


def ceaf(nb: np.ndarray, effect: np.ndarray, names: Sequence[str], wtp: Sequence[float]
         ) -> pd.DataFrame:
    """Acceptability curves of every option and the frontier.

    For each value ``lam`` of a detention avoided (on top of the money it saves), each
    draw's net benefit is ``nb + lam * effect``. Rows: ``wtp``, ``option``,
    ``probability_best`` (share of draws where the option has the highest net benefit)
    and ``optimal`` (the option with the highest expected net benefit: the frontier is its
    ``probability_best``).
    """
    nb = np.asarray(nb, dtype=float)
    effect = np.asarray(effect, dtype=float)
    rows = []
    for lam in wtp:
        total = nb + lam * effect
        best = total.argmax(axis=1)
        optimal = int(total.mean(axis=0).argmax())
        for k, name in enumerate(names):
            rows.append({"wtp": float(lam), "option": name,
                         "probability_best": float((best == k).mean()),
                         "optimal": k == optimal})
    return pd.DataFrame(rows, columns=["wtp", "option", "probability_best", "optimal"])
