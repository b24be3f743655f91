"""Fully sequential ranking and selection: Kim & Nelson's procedure KN, with constraints.

KN (Kim, S.-H. & Nelson, B. L. 2001, "A fully sequential procedure for indifference-zone
selection in simulation", ACM TOMACS 11(3), 251-273) picks, among ``k`` simulated
systems, one whose mean is within ``delta`` of the largest with probability at least
``1 - alpha``, whatever the means, for normal outputs with unknown and unequal variances,
and it allows common random numbers: it works with the variance of *differences*
``S2[i, l]`` of the first ``n0`` paired outputs. With ``c = 1``::

    eta = ((2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2,   h2 = 2 eta (n0 - 1)
    after r outputs, system l leaves when, for some other system i still in,
        sum_{t<=r} (X_it - X_lt)  >  max(0, h2 S2[i, l] / (2 delta) - delta r / 2)

Every survivor takes one more output at a time; the continuation region is a triangle
that closes at ``r = h2 S2 / delta^2``, so the procedure ends with one survivor.

Stochastic constraints (``unmet_busy`` at most X a year) are judged as Andradóttir & Kim
(2010, "Fully sequential procedures for comparing constrained systems via simulation",
Naval Research Logistics 57(5), 403-421) do: system i's constraint ``j`` with limit ``q``
and tolerance ``eps`` is declared met when ``sum_t (Y_ijt - q) <= -R`` and broken when
``>= R``, ``R = max(0, hF2 S2_ij / (2 eps) - eps r / 2)``, with ``hF2`` from the same
formula for one comparison at error ``beta = alpha_F / (k m)``. A system declared broken
leaves; only systems declared feasible may eliminate others; ``alpha`` is split evenly
between feasibility and selection, so the pick is feasible and within ``delta`` of the best
feasible system with probability at least ``1 - alpha`` (constraints at least ``eps`` from
their limits).

Outputs are fetched in rounds (several replications of every survivor at once, so that
workers stay busy) but the decisions are taken one replication at a time, on exactly the
outputs KN would have seen: the pick and every elimination do not depend on the rounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Fetch = Callable[[np.ndarray, int, int], tuple[np.ndarray, np.ndarray]]
"""``fetch(systems, start, stop)`` -> (objective outputs ``len(systems) x (stop-start)``,
larger is better; constraint outputs ``len(systems) x m x (stop-start)``) of replications
``start .. stop-1``."""

ROUND_REPS = 48
"""Replications fetched per round, over all survivors (at least one each)."""


@dataclass(frozen=True)
class Bound:
    """A constraint on a per-replication output: ``sign * (Y - limit) <= 0`` to be met."""

    limit: float
    sign: float
    tolerance: float


@dataclass(frozen=True)
class KNResult:
    """The outcome of :func:`select`.

    Attributes
    ----------
    best
        The index picked, or None when every system broke a constraint.
    guaranteed
        True when the procedure ended by its own rule (not at ``max_reps``).
    used
        Replications each system's decisions used (its elimination stage, or the last).
    simulated
        Replications fetched for each system (rounds may fetch a few more than used).
    eliminated_at, eliminated_by
        Stage at which a system left (0 if it did not) and the system that beat it (-1 for
        a broken constraint or none).
    feasible
        Per system: 1 declared feasible, -1 declared infeasible, 0 undecided.
    outputs, constraint_outputs
        Every output fetched (systems x replications; systems x m x replications), NaN
        where none was fetched.
    h2, h2_feasibility
        The procedure's constants.
    stages
        The last stage ``r`` reached.
    """

    best: int | None
    guaranteed: bool
    used: np.ndarray
    simulated: np.ndarray
    eliminated_at: np.ndarray
    eliminated_by: np.ndarray
    feasible: np.ndarray
    outputs: np.ndarray
    constraint_outputs: np.ndarray
    h2: float
    h2_feasibility: float
    stages: int

    def means(self) -> np.ndarray:
        """Each system's mean over the replications its decisions used."""
        out = np.full(len(self.used), np.nan)
        for i, n in enumerate(self.used):
            if n > 0:
                out[i] = float(np.mean(self.outputs[i, :n]))
        return out


def eta(alpha: float, k: int, n0: int) -> float:
    """KN's ``eta`` for ``k`` systems (``k - 1`` comparisons share ``alpha``), ``c = 1``."""
    if k < 2:
        return 0.0
    return ((2 * alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2


def h_squared(alpha: float, k: int, n0: int) -> float:
    """``h^2 = 2 c eta (n0 - 1)`` with ``c = 1``."""
    return 2 * eta(alpha, k, n0) * (n0 - 1)


def select(k: int, fetch: Fetch, *, n0: int, delta: float, alpha: float, max_reps: int,
           bounds: Sequence[Bound] = (), round_reps: int = ROUND_REPS,
           on_stage: Callable[[int, int], None] | None = None) -> KNResult:
    """Run KN (with the constraint rule when ``bounds`` are given) on ``k`` systems.

    ``on_stage(r, survivors)`` is called after each stage's decisions.
    """
    if k < 1 or n0 < 2 or delta <= 0 or not 0 < alpha < 1 or max_reps < n0:
        raise ValueError("need k >= 1, n0 >= 2, delta > 0, 0 < alpha < 1, max_reps >= n0")
    m = len(bounds)
    alpha_sel = alpha / 2 if m else alpha
    h2 = h_squared(alpha_sel, k, n0)
    h2f = h_squared(alpha / 2 / (k * m), 2, n0) if m else 0.0
    x = np.full((k, max_reps), np.nan)
    y = np.full((k, m, max_reps), np.nan)
    simulated = np.zeros(k, dtype=np.int64)
    alive = np.ones(k, dtype=bool)
    feasible = np.zeros(k, dtype=np.int64) if m else np.ones(k, dtype=np.int64)
    met = np.zeros((k, m), dtype=bool)
    eliminated_at = np.zeros(k, dtype=np.int64)
    eliminated_by = np.full(k, -1, dtype=np.int64)
    used = np.zeros(k, dtype=np.int64)

    def get(systems: np.ndarray, stop: int) -> None:
        start = int(simulated[systems].min()) if systems.size else stop
        if systems.size == 0 or start >= stop:
            return
        obj, cons = fetch(systems, start, stop)
        x[systems, start:stop] = obj
        if m:
            y[systems, :, start:stop] = cons
        simulated[systems] = stop

    everyone = np.arange(k)
    get(everyone, n0)
    first = x[:, :n0]
    centred = first - first.mean(axis=1, keepdims=True)
    cov = centred @ centred.T / (n0 - 1)
    var = np.diag(cov)
    s2 = np.maximum(var[:, None] + var[None, :] - 2 * cov, 0.0)
    s2c = y[:, :, :n0].var(axis=2, ddof=1) if m else np.zeros((k, 0))
    limits = np.array([b.limit for b in bounds])
    signs = np.array([b.sign for b in bounds])
    eps = np.array([b.tolerance for b in bounds])
    sums = np.zeros(k)
    csums = np.zeros((k, m))
    r = 0
    available = n0
    guaranteed = True
    while True:
        r += 1
        sums += x[:, r - 1]
        if m:
            csums += y[:, :, r - 1]
        if r < n0:
            continue
        _feasibility(r, alive, feasible, met, csums, limits, signs, eps, s2c, h2f,
                     eliminated_at, used)
        _eliminate(r, alive, feasible, sums, s2, h2, delta, eliminated_at, eliminated_by,
                   used)
        if on_stage is not None:
            on_stage(r, int(alive.sum()))
        idx = np.flatnonzero(alive)
        undecided = idx[feasible[idx] == 0]
        contenders = idx[feasible[idx] == 1]
        if undecided.size == 0 and contenders.size <= 1:
            break
        if undecided.size == 0 and _closed(r, contenders, s2, h2, delta):
            break  # the triangle has closed on exact ties: KN keeps them all; take the first
        if r >= max_reps:
            guaranteed = False
            break
        if r == available:
            step = max(1, math.ceil(round_reps / idx.size))
            step = min(step, max(1, r // 2), max_reps - r,
                       max(1, _needed(idx, contenders, undecided, s2, h2, delta, s2c, h2f,
                                      eps) - r))
            available = r + step
            get(idx, available)
    idx = np.flatnonzero(alive)
    used[idx] = r
    best = _pick(idx, feasible, sums)
    return KNResult(best=best, guaranteed=guaranteed and best is not None, used=used,
                    simulated=simulated, eliminated_at=eliminated_at,
                    eliminated_by=eliminated_by, feasible=feasible, outputs=x,
                    constraint_outputs=y, h2=h2, h2_feasibility=h2f, stages=r)


def _feasibility(r: int, alive: np.ndarray, feasible: np.ndarray, met: np.ndarray,
                 csums: np.ndarray, limits: np.ndarray, signs: np.ndarray, eps: np.ndarray,
                 s2c: np.ndarray, h2f: float, eliminated_at: np.ndarray,
                 used: np.ndarray) -> None:
    if limits.size == 0:
        return
    idx = np.flatnonzero(alive & (feasible == 0))
    if idx.size == 0:
        return
    stat = signs[None, :] * (csums[idx] - r * limits[None, :])
    region = np.maximum(0.0, h2f * s2c[idx] / (2 * eps[None, :]) - eps[None, :] * r / 2)
    met[idx] |= stat <= -region
    broken = (stat >= region) & ~met[idx]
    out = idx[broken.any(axis=1)]
    alive[out] = False
    feasible[out] = -1
    eliminated_at[out] = r
    used[out] = r
    ok = idx[met[idx].all(axis=1)]
    feasible[ok] = 1


def _eliminate(r: int, alive: np.ndarray, feasible: np.ndarray, sums: np.ndarray,
               s2: np.ndarray, h2: float, delta: float, eliminated_at: np.ndarray,
               eliminated_by: np.ndarray, used: np.ndarray) -> None:
    idx = np.flatnonzero(alive)
    judges = idx[feasible[idx] == 1]
    if judges.size == 0 or idx.size < 2:
        return
    # lead[a, b] = sum(X_judge_a - X_b) against its boundary, for every survivor b
    lead = sums[judges][:, None] - sums[idx][None, :]
    region = np.maximum(0.0, h2 * s2[np.ix_(judges, idx)] / (2 * delta) - delta * r / 2)
    beaten = lead > region
    beaten[judges[:, None] == idx[None, :]] = False
    out_mask = beaten.any(axis=0)
    if not out_mask.any():
        return
    out = idx[out_mask]
    winners = judges[np.argmax(np.where(beaten[:, out_mask], lead[:, out_mask] - region[
        :, out_mask], -np.inf), axis=0)]
    alive[out] = False
    eliminated_at[out] = r
    eliminated_by[out] = winners
    used[out] = r


def _closed(r: int, idx: np.ndarray, s2: np.ndarray, h2: float, delta: float) -> bool:
    sub = s2[np.ix_(idx, idx)]
    return bool((h2 * sub / (2 * delta) - delta * r / 2 <= 0).all())


def _needed(idx: np.ndarray, contenders: np.ndarray, undecided: np.ndarray, s2: np.ndarray,
            h2: float, delta: float, s2c: np.ndarray, h2f: float, eps: np.ndarray) -> int:
    """The stage by which every open triangle among the survivors has closed."""
    need = 0
    if idx.size >= 2:
        need = int(np.floor(h2 * s2[np.ix_(idx, idx)].max() / delta ** 2)) + 1
    if undecided.size and eps.size:
        need = max(need, int(np.floor((h2f * s2c[undecided] / eps[None, :] ** 2).max())) + 1)
    return need


def _pick(idx: np.ndarray, feasible: np.ndarray, sums: np.ndarray) -> int | None:
    if idx.size == 0:
        return None
    pool = idx[feasible[idx] == 1]
    if pool.size == 0:
        pool = idx  # stopped at max_reps with feasibility undecided
    return int(pool[np.argmax(sums[pool])])
