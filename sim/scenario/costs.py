"""The funding case's inputs in a scenario: unit costs (``costs:``) and uncertain inputs
(``uncertainty:``), with the helpers that read an uncertain input's range and type.

Used only after the simulation (:mod:`sim.economics`); a change of price never needs a
new simulation.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.common.dotted import get_dotted
from sim.scenario.distributions import Distribution


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Money = Annotated[float, Field(ge=0)]


class Costs(_Strict):
    """Unit costs for the funding case, in pounds at ``price_year`` prices.

    Used only after the simulation (:mod:`sim.economics.funding`): a change of price never needs a
    new simulation. Every figure is per unit named in the key.
    """

    price_year: int = Field(ge=1900, le=2100,
                            description="the year whose prices every cost here is in")
    officer_hour: Money = Field(description="employer cost of a police officer per paid hour")
    clinician_hour: Money = Field(description="cost of a mental-health practitioner per hour")
    vehicle_per_car_hour: Money = Field(default=0.0, description="vehicle per car-hour on shift")
    management_per_year: Money = Field(default=0.0,
                                       description="scheme management a year (any cars)")
    training_per_car_per_year: Money = Field(default=0.0, description="training per car a year")
    setup_per_car: Money = Field(default=0.0, description="one-off set-up per car (payback)")
    s136_detention: Money = Field(description="cost of one Section 136 detention")
    ae_attendance: Money = Field(description="cost of one A&E attendance")
    ae_conveyance: Money = Field(default=0.0,
                                 description="cost of conveying one person to A&E (ambulance)")


class Uncertainty(_Strict):
    """Uncertain inputs for the probabilistic sensitivity analysis (:mod:`sim.economics.psa`).

    ``inputs`` maps dotted keys of the scenario (``"response.car.p_s136"``,
    ``"response.car.on_scene_minutes.mean"``, ``"costs.s136_detention"``) to the
    distribution of that value. Keys under ``costs.`` need no new simulation.
    """

    inputs: dict[str, Distribution] = Field(min_length=1)
    draws: int = Field(default=40, ge=0, description="PSA draws; 0 skips the analysis")
    replications: int = Field(default=4, ge=1, description="replications per draw")
    seed: int = Field(default=2027, ge=0, description="seed of the draws of the inputs")
    low_percentile: float = Field(default=5.0, gt=0, lt=50, description="tornado low end")
    high_percentile: float = Field(default=95.0, gt=50, lt=100, description="tornado high end")
    wtp_max: Money = Field(default=10000.0,
                           description="largest willingness to pay per detention avoided")
    wtp_step: float = Field(default=250.0, gt=0, description="step of the CEAC's grid")
    switching_iterations: int = Field(default=5, ge=1, le=40,
                                      description="bisection steps for a switching value")


UNCERTAIN_ROOTS = ("demand", "cars", "dispatch", "response", "case_mix", "costs")
"""Top-level keys an uncertain input may lie under (not name, run or uncertainty)."""

PROBE_TAIL = 1e-3
"""Unbounded input distributions are checked (and searched) from this quantile to 1 - it."""


def input_range(dist: Any) -> tuple[float, float]:
    """The range of an uncertain input: the support of a bounded distribution, else its
    ``PROBE_TAIL`` and ``1 - PROBE_TAIL`` quantiles."""
    if dist.dist in ("fixed", "uniform", "triangular", "empirical"):
        lo, hi = dist.ppf(np.array([0.0, 1.0]))
    else:
        lo, hi = dist.ppf(np.array([PROBE_TAIL, 1.0 - PROBE_TAIL]))
    return float(lo), float(hi)


def input_applies(data: dict[str, Any], dotted: str) -> bool:
    """Whether ``dotted`` names a number in scenario data (an input that can be varied)."""
    try:
        value = get_dotted(data, dotted)
    except KeyError:
        return False
    return isinstance(value, int | float) and not isinstance(value, bool)


def input_value(base: Any, value: float) -> float | int:
    """A drawn value in the type of the value it replaces (whole numbers stay whole)."""
    if isinstance(base, int) and not isinstance(base, bool):
        return int(round(value))
    return float(value)
