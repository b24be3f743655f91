"""The fit's statistics against known values and independent implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.experiments.fit.durations import fit_durations, ks_statistic
from sim.experiments.fit.rates import (
    cell_dispersion,
    day_hour_model,
    garwood,
    poisson_regression,
    trend_test,
    wilson,
)


def test_garwood_matches_the_published_table() -> None:
    # Exact 95% limits for a Poisson count (e.g. Ulm 1990): 0 -> [0, 3.689]; 10 -> [4.795, 18.39]
    low, high = garwood(np.array([0, 10]), np.array([1.0, 2.0]))
    assert low[0] == 0 and high[0] == pytest.approx(3.6889, abs=1e-4)
    assert low[1] == pytest.approx(4.7954 / 2, abs=1e-4)
    assert high[1] == pytest.approx(18.3904 / 2, abs=1e-4)


def test_wilson_matches_known_values() -> None:
    assert wilson(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-5)
    assert wilson(5, 10) == pytest.approx((0.23659, 0.76341), abs=1e-5)
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_day_hour_model_recovers_a_product_exactly() -> None:
    day = np.array([1, 1.2, 0.8, 1, 1.5, 2, 0.5])
    hour = np.linspace(0.2, 2.0, 24)
    exposure = np.full((7, 24), 50.0)
    exposure[0, :5] = 10.0  # unequal exposure must not bias the margins
    counts = exposure * day[:, None] * hour[None, :]
    fit = day_hour_model(counts.ravel(), exposure.ravel())
    assert fit.rates == pytest.approx((day[:, None] * hour[None, :]).ravel(), rel=1e-8)
    assert fit.deviance == pytest.approx(0.0, abs=1e-8) and fit.df == 138


def test_day_hour_model_flags_an_interaction() -> None:
    rng = np.random.default_rng(3)
    rates = np.ones((7, 24))
    rates[5:, 20:] = 4.0  # weekend nights only: not a product of margins
    exposure = np.full((7, 24), 60.0)
    fit = day_hour_model(rng.poisson(rates * exposure).ravel(), exposure.ravel())
    assert fit.p_value < 1e-6


def test_cell_dispersion_is_one_for_poisson_and_more_for_mixtures() -> None:
    rng = np.random.default_rng(5)
    exposure = np.ones((200, 168))
    poisson = rng.poisson(2.0, size=(200, 168))
    index, p, weeks = cell_dispersion(poisson, exposure)
    assert np.all(weeks == 200)
    assert abs(float(np.mean(index)) - 1) < 0.05
    # Share of cells flagged at 5%: binomial(168, 0.05) mean 8.4, 99.9% upper bound below.
    assert int((p < 0.05).sum()) <= stats.binom.ppf(0.999, 168, 0.05)
    mixed = rng.poisson(rng.gamma(1.0, 2.0, size=(200, 168)))
    index, p, _ = cell_dispersion(mixed, exposure)
    assert np.all(index > 1.5) and np.all(p < 0.01)


def test_poisson_regression_intercept_is_the_rate() -> None:
    y = np.array([3.0, 7, 5, 9])
    offset = np.log(np.array([1.0, 2, 1, 2]))
    fit = poisson_regression(y, np.ones((4, 1)), offset)
    assert math.exp(fit.coef[0]) == pytest.approx(y.sum() / 6)


def test_trend_test_finds_a_doubling_and_not_a_constant() -> None:
    rng = np.random.default_rng(11)
    weeks = 104
    years = (np.arange(weeks) + 0.5) / (365.25 / 7)
    expected = np.full(weeks, 70.0)
    flat = trend_test(rng.poisson(expected), expected, years)
    assert flat.trend_p > 0.001 and flat.change_low < 0 < flat.change_high
    rising = 70.0 * np.exp(math.log(2) * years / 2)  # doubles over the two years
    up = trend_test(rng.poisson(rising), expected, years)
    assert up.trend_p < 1e-9 and up.significant
    assert up.change_low < math.sqrt(2) - 1 < up.change_high
    assert "rose" in up.sentences()[0]


def test_durations_lognormal_data_choose_lognormal_with_its_parameters() -> None:
    rng = np.random.default_rng(21)
    x = rng.lognormal(mean=4.8, sigma=0.55, size=20_000)
    fits = fit_durations(x)
    best = fits[0]
    assert best.dist == "lognormal" and [f.dist for f in fits][1:] == ["gamma", "exponential"]
    true_mean = math.exp(4.8 + 0.55**2 / 2)
    se = best.sd / math.sqrt(x.size)
    assert abs(best.mean - true_mean) < 4 * se
    assert best.ks_statistic == pytest.approx(stats.kstest(
        x, stats.lognorm(s=np.log(x).std(), scale=math.exp(np.log(x).mean())).cdf
    ).statistic, abs=1e-12)


def test_durations_gamma_data_choose_gamma_and_match_scipy() -> None:
    rng = np.random.default_rng(22)
    x = rng.gamma(shape=2.0, scale=40.0, size=20_000)
    best = fit_durations(x)[0]
    assert best.dist == "gamma"
    shape, _, scale = stats.gamma.fit(x, floc=0)
    assert (best.mean / best.sd) ** 2 == pytest.approx(shape, rel=1e-4)
    assert best.mean == pytest.approx(shape * scale, rel=1e-4)


def test_ks_statistic_matches_scipy() -> None:
    x = np.sort(np.random.default_rng(2).exponential(30.0, 500))
    dist = stats.expon(scale=31.0)
    assert ks_statistic(x, dist.cdf(x)) == pytest.approx(stats.kstest(x, dist.cdf).statistic,
                                                         abs=1e-12)


def test_zero_durations_are_left_out() -> None:
    fits = fit_durations(np.array([0.0, 0.0, 10.0, 20.0, 40.0]))
    assert fits[0].n == 3
