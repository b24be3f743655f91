"""KN (sim/experiments/optimise/kn.py) on normal outputs whose true means are known.

The probability of correct selection is checked over many independent macro-replications
in the slippage configuration (the best exactly ``delta`` above all the others: the least
favourable case for an indifference-zone procedure). KN guarantees ``P(CS) >= 1 - alpha``;
the test asks for at least ``binom.ppf(0.01, n, 1 - alpha)`` correct picks of ``n``, so a
procedure that only just met its guarantee would fail it with probability below 1%.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from sim.experiments.optimise import kn

ALPHA = 0.05


def _threshold(n: int, alpha: float = ALPHA) -> int:
    """The fewest correct picks of ``n`` that a procedure with P(CS) = 1 - alpha reaches
    with probability above 99%: P(X < threshold) < 0.01 for X ~ Bin(n, 1 - alpha)."""
    return int(binom.ppf(0.01, n, 1 - alpha))


def _normal_fetch(rng: np.random.Generator, mu: np.ndarray, sigma: float, rho: float,
                  c_mean: np.ndarray | None = None, c_sd: float = 1.0):
    """Outputs with common random numbers: a shared component with correlation ``rho``."""
    k = len(mu)

    def fetch(systems: np.ndarray, start: int, stop: int):
        n = stop - start
        shared = rng.normal(size=n)
        own = rng.normal(size=(k, n))
        out = mu[:, None] + sigma * (np.sqrt(rho) * shared[None, :] + np.sqrt(1 - rho) * own)
        if c_mean is None:
            cons = np.zeros((k, 0, n))
        else:
            cons = c_mean[:, None, None] + c_sd * rng.normal(size=(k, 1, n))
        return out[systems], cons[systems]
    return fetch


def test_constants_are_kim_and_nelsons():
    # eta = ((2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2, h2 = 2 eta (n0 - 1)
    assert kn.eta(0.05, 10, 10) == pytest.approx(((0.1 / 9) ** (-2 / 9) - 1) / 2)
    assert kn.h_squared(0.05, 10, 10) == pytest.approx(2 * 9 * kn.eta(0.05, 10, 10))
    assert kn.h_squared(0.05, 1, 10) == 0.0


def test_probability_of_correct_selection_in_the_slippage_configuration():
    n, k, delta = 160, 8, 1.0
    correct = 0
    for seed in range(n):
        mu = np.zeros(k)
        mu[3] = delta
        rng = np.random.default_rng(seed)
        res = kn.select(k, _normal_fetch(rng, mu, sigma=2.5, rho=0.4), n0=10, delta=delta,
                        alpha=ALPHA, max_reps=5000)
        assert res.guaranteed
        correct += res.best == 3
    assert correct >= _threshold(n), f"{correct} of {n} correct"


def test_constraints_pick_the_best_feasible_system():
    """The best mean is infeasible (constraint 1 tolerance above its limit); the best
    feasible system is delta above the rest: it must be picked."""
    n, k, delta, eps = 100, 6, 1.0, 0.5
    correct = 0
    for seed in range(n):
        mu = np.zeros(k)
        mu[0], mu[1] = 2 * delta, delta
        c_mean = np.full(k, -eps)
        c_mean[0] = eps
        rng = np.random.default_rng(1000 + seed)
        res = kn.select(k, _normal_fetch(rng, mu, 1.5, 0.0, c_mean, 1.0), n0=10, delta=delta,
                        alpha=ALPHA, max_reps=5000, bounds=[kn.Bound(0.0, 1.0, eps)])
        correct += res.best == 1
        assert res.feasible[res.best] == 1
    assert correct >= _threshold(n), f"{correct} of {n} correct"


def test_decisions_do_not_depend_on_the_rounds():
    """Outputs fetched one at a time or 48 at a time: same eliminations, same pick."""
    mu = np.array([0.0, 0.3, 0.6, 1.0, 0.9])
    table = np.random.default_rng(5).normal(mu[:, None], 2.0, size=(5, 3000))

    def fetch(systems, start, stop):
        return table[systems, start:stop], np.zeros((len(systems), 0, stop - start))

    one = kn.select(5, fetch, n0=10, delta=0.5, alpha=ALPHA, max_reps=3000, round_reps=1)
    many = kn.select(5, fetch, n0=10, delta=0.5, alpha=ALPHA, max_reps=3000, round_reps=48)
    assert one.best == many.best
    assert (one.eliminated_at == many.eliminated_at).all()
    assert (one.used == many.used).all()
    assert many.simulated.sum() >= one.simulated.sum()


def test_a_clear_winner_stops_at_the_first_stage_and_one_system_needs_no_more():
    mu = np.array([0.0, 100.0, 0.0])
    rng = np.random.default_rng(1)
    res = kn.select(3, _normal_fetch(rng, mu, 1.0, 0.0), n0=10, delta=1.0, alpha=ALPHA,
                    max_reps=100)
    assert res.best == 1 and res.stages == 10 and res.simulated.sum() == 30
    single = kn.select(1, _normal_fetch(rng, mu[:1], 1.0, 0.0), n0=5, delta=1.0, alpha=ALPHA,
                       max_reps=100)
    assert single.best == 0 and single.guaranteed and single.simulated.sum() == 5


def test_stopping_at_max_reps_is_not_a_guarantee():
    mu = np.zeros(4)  # identical means: the triangle closes only at its end
    rng = np.random.default_rng(2)
    res = kn.select(4, _normal_fetch(rng, mu, 5.0, 0.0), n0=10, delta=0.01, alpha=ALPHA,
                    max_reps=30)
    assert not res.guaranteed and res.stages == 30 and res.best is not None
