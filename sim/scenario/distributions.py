"""Duration distributions: the scenario-file schema and their inverse CDFs.

Every random duration in the model is computed as ``dist.ppf(u)`` from a uniform
``u`` drawn from a named random stream (:mod:`sim.core.streams`). Using the inverse CDF
(rather than each distribution's own sampler) keeps common random numbers as strong
as possible: the same call gets the same uniform in every scenario, so a longer mean
on-scene time makes *every* call longer, not a reshuffled set of calls.

Supported forms (``dist`` is the discriminator)::

    {dist: fixed, value: 30}
    {dist: exponential, mean: 45}
    {dist: lognormal, mean: 120, sd: 60}      # or {dist: lognormal, median: 8, p95: 20}
    {dist: gamma, mean: 60, sd: 30}
    {dist: uniform, low: 10, high: 30}
    {dist: triangular, low: 10, mode: 20, high: 60}
    {dist: empirical, values: [12, 30, 45]}   # each value equally likely

All values are non-negative and finite; units are those of the key that holds the
distribution (``*_minutes`` or ``*_hours``), whose ceiling on the mean is checked by
:mod:`sim.scenario.schema`.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import special

_Z95 = 1.6448536269514722  # standard normal 95th percentile


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def mean_value(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError


class Fixed(_Dist):
    """Always ``value``."""

    dist: Literal["fixed"]
    value: float = Field(ge=0)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), float(self.value))

    @property
    def mean_value(self) -> float:
        return float(self.value)


class Exponential(_Dist):
    """Exponential with the given ``mean``."""

    dist: Literal["exponential"]
    mean: float = Field(gt=0)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return -self.mean * np.log1p(-np.asarray(u))

    @property
    def mean_value(self) -> float:
        return float(self.mean)


class Lognormal(_Dist):
    """Lognormal given by ``mean`` and ``sd``, or by ``median`` and ``p95``."""

    dist: Literal["lognormal"]
    mean: float | None = Field(default=None, gt=0)
    sd: float | None = Field(default=None, gt=0)
    median: float | None = Field(default=None, gt=0)
    p95: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_form(self) -> Lognormal:
        moments = self.mean is not None or self.sd is not None
        quantiles = self.median is not None or self.p95 is not None
        if moments and quantiles:
            raise ValueError("give either mean and sd, or median and p95, not both")
        if moments and (self.mean is None or self.sd is None):
            raise ValueError("lognormal by moments needs both mean and sd")
        if quantiles and (self.median is None or self.p95 is None):
            raise ValueError("lognormal by quantiles needs both median and p95")
        if not moments and not quantiles:
            raise ValueError("lognormal needs mean and sd, or median and p95")
        if quantiles and self.p95 <= self.median:  # type: ignore[operator]
            raise ValueError("p95 must be greater than median")
        return self

    @property
    def mu_sigma(self) -> tuple[float, float]:
        """Parameters of the underlying normal distribution."""
        if self.mean is not None:
            sigma2 = math.log1p((self.sd / self.mean) ** 2)  # type: ignore[operator]
            return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)
        sigma = math.log(self.p95 / self.median) / _Z95  # type: ignore[operator]
        return math.log(self.median), sigma  # type: ignore[arg-type]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        mu, sigma = self.mu_sigma
        return np.exp(mu + sigma * special.ndtri(u))

    @property
    def mean_value(self) -> float:
        mu, sigma = self.mu_sigma
        return math.exp(mu + sigma**2 / 2)


class Gamma(_Dist):
    """Gamma given by ``mean`` and ``sd``."""

    dist: Literal["gamma"]
    mean: float = Field(gt=0)
    sd: float = Field(gt=0)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        shape = (self.mean / self.sd) ** 2
        scale = self.sd**2 / self.mean
        return scale * special.gammaincinv(shape, u)

    @property
    def mean_value(self) -> float:
        return float(self.mean)


class Uniform(_Dist):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * np.asarray(u)

    @property
    def mean_value(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Dist):
    """Triangular on ``[low, high]`` with peak at ``mode``."""

    dist: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u)
        a, c, b = self.low, self.mode, self.high
        cut = (c - a) / (b - a)
        left = np.minimum(a + np.sqrt(u * (b - a) * (c - a)), c)  # clamp: no rounding dip
        right = np.maximum(b - np.sqrt((1 - u) * (b - a) * (b - c)), c)
        return np.where(u < cut, left, right)

    @property
    def mean_value(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Empirical(_Dist):
    """Each of ``values`` with equal probability."""

    dist: Literal["empirical"]
    values: list[Annotated[float, Field(ge=0)]] = Field(min_length=1)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        vals = np.sort(np.asarray(self.values, dtype=float))
        idx = np.minimum((np.asarray(u) * len(vals)).astype(np.int64), len(vals) - 1)
        return vals[idx]

    @property
    def mean_value(self) -> float:
        return float(np.mean(self.values))


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Uniform | Triangular | Empirical,
    Field(discriminator="dist"),
]
"""Any supported distribution; the ``dist`` key selects the form."""


def mean_or_inf(dist: _Dist) -> float:
    """The distribution's mean, or ``inf`` when it is too large for a float (a lognormal
    whose ``p95`` is astronomically above its ``median``)."""
    try:
        mean = float(dist.mean_value)
    except OverflowError:
        return math.inf
    return mean if math.isfinite(mean) else math.inf
