"""Duration distributions (sim/distributions.py): inverse CDFs, moments, validation.

Every duration in the model is ``dist.ppf(u)`` for a uniform ``u``. The moment tests feed
``N`` uniforms from a fixed seed through ``ppf`` and compare the sample mean and standard
deviation with the values the distribution is meant to have.

Tolerances are 4 sampling standard errors (a correct ppf fails with probability about 6e-5
per check for a fresh seed; the seed is fixed, so the tests are deterministic):

* mean: SE = sd / sqrt(N);
* sd: by the delta method, Var(s^2) ~ (mu4 - sd^4) / N, so
  SE(s) ~ sd * sqrt((kurtosis - 1) / (4 N)) with kurtosis = mu4 / sd^4 (not excess),
  taken from scipy.stats as an independent reference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from sim.scenario.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
)

N = 400_000
Z = 4.0  # tolerance in standard errors
Z95 = stats.norm.ppf(0.95)

ADAPTER = TypeAdapter(Distribution)


def parse(data: dict):
    return ADAPTER.validate_python(data)


@pytest.fixture(scope="module")
def uniforms() -> np.ndarray:
    return np.random.default_rng(20260101).random(N)


def lognormal_mu_sigma_from_moments(mean: float, sd: float) -> tuple[float, float]:
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


# (name, distribution, independent scipy.stats reference)
CASES = [
    ("exponential", Exponential(dist="exponential", mean=45), stats.expon(scale=45)),
    ("lognormal_moments", Lognormal(dist="lognormal", mean=120, sd=60),
     stats.lognorm(s=lognormal_mu_sigma_from_moments(120, 60)[1],
                   scale=math.exp(lognormal_mu_sigma_from_moments(120, 60)[0]))),
    ("lognormal_moments_wide", Lognormal(dist="lognormal", mean=4, sd=6),
     stats.lognorm(s=lognormal_mu_sigma_from_moments(4, 6)[1],
                   scale=math.exp(lognormal_mu_sigma_from_moments(4, 6)[0]))),
    ("lognormal_quantiles", Lognormal(dist="lognormal", median=8, p95=20),
     stats.lognorm(s=math.log(20 / 8) / Z95, scale=8)),
    ("gamma", Gamma(dist="gamma", mean=60, sd=30), stats.gamma(a=4, scale=15)),
    ("gamma_skewed", Gamma(dist="gamma", mean=10, sd=20), stats.gamma(a=0.25, scale=40)),
    ("uniform", Uniform(dist="uniform", low=10, high=30), stats.uniform(loc=10, scale=20)),
    ("triangular", Triangular(dist="triangular", low=10, mode=20, high=60),
     stats.triang(c=0.2, loc=10, scale=50)),
    ("triangular_left", Triangular(dist="triangular", low=5, mode=5, high=15),
     stats.triang(c=0.0, loc=5, scale=10)),
    ("triangular_right", Triangular(dist="triangular", low=0, mode=8, high=8),
     stats.triang(c=1.0, loc=0, scale=8)),
]
IDS = [c[0] for c in CASES]


def kurtosis(reference) -> float:
    excess = float(reference.stats(moments="k"))
    return excess + 3.0


# --------------------------------------------------------------------- moments


@pytest.mark.parametrize(("name", "dist", "reference"), CASES, ids=IDS)
def test_mean_and_sd(uniforms: np.ndarray, name: str, dist, reference) -> None:
    x = dist.ppf(uniforms)
    assert x.shape == uniforms.shape
    mean, sd = float(reference.mean()), float(reference.std())
    se_mean = sd / math.sqrt(N)
    se_sd = sd * math.sqrt((kurtosis(reference) - 1) / (4 * N))
    assert abs(x.mean() - mean) < Z * se_mean, (x.mean(), mean, se_mean)
    assert abs(x.std(ddof=1) - sd) < Z * se_sd, (x.std(ddof=1), sd, se_sd)
    assert dist.mean_value == pytest.approx(mean, rel=1e-9)


@pytest.mark.parametrize(("name", "dist", "reference"), CASES, ids=IDS)
def test_ppf_matches_reference_quantiles(name: str, dist, reference) -> None:
    u = np.linspace(0.0005, 0.9995, 1999)
    assert np.allclose(dist.ppf(u), reference.ppf(u), rtol=1e-8, atol=1e-10)


def test_moments_as_given_in_the_file(uniforms: np.ndarray) -> None:
    """The parameters mean the stated moments: mean and sd of what the ppf produces."""
    for dist, mean, sd in [
        (Exponential(dist="exponential", mean=45), 45, 45),
        (Lognormal(dist="lognormal", mean=20, sd=10), 20, 10),
        (Lognormal(dist="lognormal", mean=120, sd=60), 120, 60),
        (Gamma(dist="gamma", mean=75, sd=30), 75, 30),
        (Uniform(dist="uniform", low=1, high=5), 3, 4 / math.sqrt(12)),
        (Triangular(dist="triangular", low=1, mode=2, high=6), 3,
         math.sqrt((1 + 4 + 36 - 2 - 6 - 12) / 18)),
    ]:
        x = dist.ppf(uniforms)
        # the sd tolerance uses kurtosis 10, above all of these (the largest is the
        # exponential's, 9)
        assert abs(x.mean() - mean) < Z * sd / math.sqrt(N), dist
        assert abs(x.std() - sd) < Z * sd * math.sqrt(9 / (4 * N)), dist


def test_fixed(uniforms: np.ndarray) -> None:
    d = Fixed(dist="fixed", value=30)
    x = d.ppf(uniforms)
    assert x.shape == uniforms.shape
    assert np.all(x == 30.0)
    assert x.std() == 0
    assert d.mean_value == 30
    assert np.all(Fixed(dist="fixed", value=0).ppf(uniforms[:10]) == 0)


def test_empirical_each_value_equally_likely(uniforms: np.ndarray) -> None:
    values = [45, 12, 30, 30, 90]
    d = Empirical(dist="empirical", values=values)
    x = d.ppf(uniforms)
    k = len(values)
    # each listed entry has probability 1/k; binomial SE of a share: sqrt(p(1-p)/N)
    for v in set(values):
        share = float(np.mean(x == v))
        expected = values.count(v) / k
        se = math.sqrt(expected * (1 - expected) / N)
        assert abs(share - expected) < Z * se, (v, share, expected)
    assert set(np.unique(x)) == set(map(float, values))
    mean = float(np.mean(values))
    sd = float(np.std(values))
    assert abs(x.mean() - mean) < Z * sd / math.sqrt(N)
    assert d.mean_value == pytest.approx(mean)
    # the ppf is a step function over the sorted values
    assert d.ppf(np.array([0.0, 0.19999, 0.2, 0.5, 0.79999, 0.8, 0.999999])).tolist() == [
        12, 12, 30, 30, 45, 90, 90,
    ]


def test_empirical_single_value() -> None:
    d = Empirical(dist="empirical", values=[7])
    assert d.ppf(np.array([0.0, 0.5, 0.9999999])).tolist() == [7, 7, 7]


# ------------------------------------------------------------ lognormal forms


@pytest.mark.parametrize(("median", "p95"), [(8, 20), (1, 1.0001), (0.5, 40), (100, 250)])
def test_lognormal_quantiles_reproduced(median: float, p95: float) -> None:
    d = Lognormal(dist="lognormal", median=median, p95=p95)
    assert d.ppf(np.array([0.5]))[0] == pytest.approx(median, rel=1e-12)
    assert d.ppf(np.array([0.95]))[0] == pytest.approx(p95, rel=1e-12)


@given(median=st.floats(0.01, 1000), ratio=st.floats(1.001, 50))
def test_lognormal_quantiles_reproduced_property(median: float, ratio: float) -> None:
    p95 = median * ratio
    d = Lognormal(dist="lognormal", median=median, p95=p95)
    q50, q95 = d.ppf(np.array([0.5, 0.95]))
    assert q50 == pytest.approx(median, rel=1e-9)
    assert q95 == pytest.approx(p95, rel=1e-9)


def test_lognormal_quantile_mean() -> None:
    d = Lognormal(dist="lognormal", median=8, p95=20)
    sigma = math.log(20 / 8) / Z95
    assert d.mean_value == pytest.approx(8 * math.exp(sigma**2 / 2), rel=1e-12)
    assert d.mu_sigma == pytest.approx((math.log(8), sigma), rel=1e-12)


def test_lognormal_moment_parameters() -> None:
    d = Lognormal(dist="lognormal", mean=20, sd=10)
    mu, sigma = d.mu_sigma
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(20, rel=1e-12)
    assert math.sqrt((math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2)) == pytest.approx(
        10, rel=1e-12)
    assert d.mean_value == pytest.approx(20, rel=1e-12)


# ------------------------------------------------------------------ ppf shape

positive = st.floats(0.01, 1000, allow_nan=False, allow_infinity=False)
cv = st.floats(0.05, 3)


@st.composite
def distributions(draw):
    kind = draw(st.sampled_from(
        ["fixed", "exponential", "lognormal", "lognormal_q", "gamma", "uniform",
         "triangular", "empirical"]))
    if kind == "fixed":
        return Fixed(dist="fixed", value=draw(st.floats(0, 1000)))
    if kind == "exponential":
        return Exponential(dist="exponential", mean=draw(positive))
    if kind == "lognormal":
        mean = draw(positive)
        return Lognormal(dist="lognormal", mean=mean, sd=mean * draw(cv))
    if kind == "lognormal_q":
        median = draw(positive)
        return Lognormal(dist="lognormal", median=median, p95=median * draw(st.floats(1.01, 20)))
    if kind == "gamma":
        mean = draw(positive)
        return Gamma(dist="gamma", mean=mean, sd=mean * draw(cv))
    if kind == "uniform":
        low = draw(st.floats(0, 500))
        return Uniform(dist="uniform", low=low, high=low + draw(st.floats(0, 500)))
    if kind == "triangular":
        low = draw(st.floats(0, 500))
        high = low + draw(st.floats(0.01, 500))
        mode = low + (high - low) * draw(st.floats(0, 1))
        return Triangular(dist="triangular", low=low, mode=min(max(mode, low), high), high=high)
    return Empirical(dist="empirical",
                     values=draw(st.lists(st.floats(0, 1000), min_size=1, max_size=10)))


unit = st.floats(0, 1, exclude_max=True, allow_nan=False)

# Monotonicity is checked up to rounding: 1e-12 relative, far below any real error but
# above the last-bit wobble where the triangular's two branches meet (that wobble is
# pinned down exactly by test_triangular_monotone_across_the_mode below).
ROUNDING = 1e-12


@given(distributions(), unit, unit)
def test_ppf_monotone_in_u(dist, u1: float, u2: float) -> None:
    lo, hi = sorted((u1, u2))
    x_lo, x_hi = dist.ppf(np.array([lo, hi]))
    assert x_lo <= x_hi + ROUNDING * max(1.0, abs(x_hi)), (dist, lo, hi, x_lo, x_hi)


@given(distributions(), st.lists(unit, min_size=2, max_size=50))
def test_ppf_monotone_on_sorted_arrays(dist, us: list[float]) -> None:
    x = dist.ppf(np.sort(np.array(us)))
    assert np.all(np.diff(x) >= -ROUNDING * np.maximum(1.0, np.abs(x[1:]))), (dist, x)


def test_triangular_monotone_across_the_mode() -> None:
    d = Triangular(dist="triangular", low=0.23, mode=22.15, high=90.54)
    cut = (d.mode - d.low) / (d.high - d.low)
    u = np.array([np.nextafter(cut, 0.0), cut, np.nextafter(cut, 1.0)])
    x = d.ppf(u)
    assert np.all(np.diff(x) >= 0), x


@given(distributions(), st.lists(unit, min_size=1, max_size=50))
def test_ppf_non_negative_and_finite(dist, us: list[float]) -> None:
    x = dist.ppf(np.array(us))
    assert x.shape == (len(us),)
    assert np.all(np.isfinite(x))
    assert np.all(x >= 0)


@given(distributions())
def test_ppf_grid_monotone_non_negative(dist) -> None:
    u = np.concatenate([[0.0], np.linspace(1e-9, 1 - 1e-9, 501)])
    x = dist.ppf(u)
    assert np.all(x >= 0)
    assert np.all(np.isfinite(x))
    assert np.all(np.diff(x) >= -ROUNDING * np.maximum(1.0, np.abs(x[1:])))


@given(distributions())
def test_ppf_stays_in_support(dist) -> None:
    x = dist.ppf(np.linspace(0, 1 - 1e-9, 201))
    if isinstance(dist, Uniform | Triangular):
        assert np.all(x >= dist.low - 1e-9 * max(1, dist.high))
        assert np.all(x <= dist.high + 1e-9 * max(1, dist.high))
    if isinstance(dist, Empirical):
        assert set(x.tolist()) <= set(map(float, dist.values))
    if isinstance(dist, Fixed):
        assert np.all(x == dist.value)


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "data",
    [
        {"dist": "fixed", "value": -1},
        {"dist": "exponential", "mean": 0},
        {"dist": "exponential", "mean": -3},
        {"dist": "lognormal", "mean": 10},
        {"dist": "lognormal", "sd": 10},
        {"dist": "lognormal", "median": 10},
        {"dist": "lognormal", "p95": 10},
        {"dist": "lognormal"},
        {"dist": "lognormal", "mean": 10, "sd": 2, "median": 9, "p95": 20},
        {"dist": "lognormal", "median": 10, "p95": 10},
        {"dist": "lognormal", "median": 10, "p95": 5},
        {"dist": "lognormal", "mean": -1, "sd": 2},
        {"dist": "gamma", "mean": 10},
        {"dist": "gamma", "mean": 10, "sd": 0},
        {"dist": "uniform", "low": -1, "high": 3},
        {"dist": "uniform", "low": 5, "high": 3},
        {"dist": "triangular", "low": 1, "mode": 0, "high": 3},
        {"dist": "triangular", "low": 1, "mode": 4, "high": 3},
        {"dist": "triangular", "low": 2, "mode": 2, "high": 2},
        {"dist": "empirical", "values": []},
        {"dist": "empirical", "values": [1, -2]},
        {"dist": "weibull", "mean": 3},
        {"mean": 3},
        {"dist": "exponential", "mean": 3, "sd": 1},
    ],
)
def test_invalid_distributions_rejected(data: dict) -> None:
    with pytest.raises(ValidationError):
        parse(data)


@pytest.mark.parametrize(
    ("data", "cls"),
    [
        ({"dist": "fixed", "value": 0}, Fixed),
        ({"dist": "exponential", "mean": 45}, Exponential),
        ({"dist": "lognormal", "mean": 120, "sd": 60}, Lognormal),
        ({"dist": "lognormal", "median": 8, "p95": 20}, Lognormal),
        ({"dist": "gamma", "mean": 60, "sd": 30}, Gamma),
        ({"dist": "uniform", "low": 10, "high": 10}, Uniform),
        ({"dist": "triangular", "low": 10, "mode": 20, "high": 60}, Triangular),
        ({"dist": "empirical", "values": [12, 30, 45]}, Empirical),
    ],
)
def test_valid_distributions_parse(data: dict, cls: type) -> None:
    d = parse(data)
    assert isinstance(d, cls)
    assert d.dist == data["dist"]
    x = d.ppf(np.array([0.1, 0.5, 0.9]))
    assert np.all(x >= 0) and np.all(np.diff(x) >= 0)


def test_degenerate_uniform_is_constant() -> None:
    d = Uniform(dist="uniform", low=10, high=10)
    assert np.all(d.ppf(np.linspace(0, 1, 11)) == 10)
    assert d.mean_value == 10


def test_distributions_are_frozen() -> None:
    d = Exponential(dist="exponential", mean=5)
    with pytest.raises(ValidationError):
        d.mean = 6  # type: ignore[misc]
