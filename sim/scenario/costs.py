"""The appraisal's inputs in a scenario: unit costs (``costs:``), uncertain inputs
(``uncertainty:``) and the appraisal's settings (``appraisal:``), with the helpers that read
an uncertain input's range and type.

Used only after the simulation (:mod:`sim.economics`): a change of price never needs a
new simulation. Every unit cost carries its price year, its payer and whether a saving it
values releases cash; ``docs/economics.md`` explains how each is used.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.common.dotted import get_dotted
from sim.common.names import check_name
from sim.scenario.distributions import Distribution


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


MAX_MONEY = 1e9
"""Any one cost, in pounds: a billion is above any unit cost of a service (typo guard)."""
Money = Annotated[float, Field(ge=0, le=MAX_MONEY)]
PriceYear = Annotated[int, Field(ge=1900, le=2100)]
Payer = Annotated[str, AfterValidator(check_name)]
"""Who bears a cost or gains a saving (``nhs``, ``police``, ``ambulance``, ...): a name."""
MAX_DRAWS = 100_000
"""PSA draws: far more than a stable expected value needs (each simulates)."""
MAX_PSA_REPLICATIONS = 10_000
"""Replications per PSA draw: as for a run's replications."""
MAX_INPUTS = 100
"""Uncertain inputs: each is drawn, regressed on for the tornado and shown in the report."""
MAX_WTP_POINTS = 10_000
"""Points of the acceptability frontier's grid (``wtp_max / wtp_step``): a smooth curve
needs a few dozen."""
MAX_YEARS = 30
"""Appraisal period: the Green Book's 3.5% discount rate holds for years 0 to 30."""

CASH_DEFAULT = {"ae_conveyance": False, "s136_detention": False, "ae_attendance": False}
"""Items whose savings release no cash unless the file says otherwise (the capacity they
free is fixed in the short run); every other item is money paid out (cash)."""

PAYER_DEFAULT = {"officer_hour": "police", "vehicle_per_car_hour": "police",
                 "setup_per_car": "police", "ae_conveyance": "ambulance"}
"""Default payer of an item; ``nhs`` for any item not listed."""


class UnitCost(_Strict):
    """One unit cost: its value in pounds at ``price_year`` prices, who pays it (or gains
    the saving it values) and whether that money is cash.

    A bare number in a file is shorthand for ``{value: N}``: the block's ``price_year``,
    the item's default payer (:data:`PAYER_DEFAULT`) and cash flag (:data:`CASH_DEFAULT`).
    """

    value: Money = Field(description="pounds per unit, at price_year prices")
    price_year: PriceYear | None = Field(
        default=None, description="the year of the value's prices (default: the block's)")
    payer: Payer | None = Field(
        default=None, description="who pays the cost or gains the saving (nhs, police, ...)")
    cash: bool | None = Field(
        default=None, description="whether the money changes hands (a saving that releases "
                                  "cash); false for capacity freed but still paid for")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"value": data}
        return data


def _zero() -> UnitCost:
    return UnitCost(value=0.0)


class Costs(_Strict):
    """Unit costs for the appraisal, each at its own price year (default ``price_year``).

    Used only after the simulation (:mod:`sim.economics.funding`): a change of price never
    needs a new simulation. Every figure is per unit named in the key. The appraisal
    restates each to one report price year (``appraisal.price_year``) with a price index
    (``sim/economics/data/gdp_deflator.csv``).
    """

    price_year: PriceYear = Field(description="the price year of every item that gives none")
    officer_hour: UnitCost = Field(
        description="police officer per paid hour: the car's officers, and the value of "
                    "frontline time released")
    clinician_hour: UnitCost = Field(
        description="mental-health practitioner per hour on shift")
    vehicle_per_car_hour: UnitCost = Field(default_factory=_zero,
                                           description="vehicle per car-hour on shift")
    management_per_year: UnitCost = Field(default_factory=_zero,
                                          description="scheme management a year (any cars)")
    training_per_car_per_year: UnitCost = Field(default_factory=_zero,
                                                description="training per car a year")
    setup_per_car: UnitCost = Field(default_factory=_zero,
                                    description="one-off set-up per car, in year 0")
    s136_detention: UnitCost = Field(description="one Section 136 detention")
    alternative_care: UnitCost = Field(
        default_factory=_zero,
        description="care a person gets instead of a detention, per detention avoided")
    ae_attendance: UnitCost = Field(description="one A&E attendance")
    ae_conveyance: UnitCost = Field(default_factory=_zero,
                                    description="conveying one person to A&E (ambulance)")

    def item(self, key: str) -> UnitCost:
        """The unit cost named ``key``."""
        value = getattr(self, key)
        if not isinstance(value, UnitCost):
            raise KeyError(key)
        return value

    def year(self, key: str) -> int:
        """The price year of item ``key``."""
        own = self.item(key).price_year
        return own if own is not None else self.price_year

    def payer(self, key: str) -> str:
        """Who bears item ``key`` (or gains the saving it values)."""
        own = self.item(key).payer
        return own if own is not None else PAYER_DEFAULT.get(key, "nhs")

    def cash(self, key: str) -> bool:
        """Whether the money item ``key`` values is cash."""
        own = self.item(key).cash
        return own if own is not None else CASH_DEFAULT.get(key, True)


COST_ITEMS: tuple[str, ...] = tuple(k for k, f in Costs.model_fields.items()
                                    if f.annotation is UnitCost)
"""The unit-cost items of a ``costs:`` block, in order."""


class UncertainInput(_Strict):
    """One uncertain input: its distribution, a label and unit for people, and the group
    it belongs to for the value of information (default: its own)."""

    distribution: Distribution
    label: str | None = Field(default=None, max_length=120,
                              description="what the input is, in words")
    unit: str = Field(default="", max_length=40, description="its unit, in words")
    group: str | None = Field(default=None, max_length=60,
                              description="input group for the value of information")

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        """``{dist: ..., label: ..., unit: ..., group: ...}`` (the file's form) as
        ``{distribution: {dist: ...}, label: ...}``."""
        if isinstance(data, dict) and "distribution" not in data and "dist" in data:
            own = {k: data[k] for k in ("label", "unit", "group") if k in data}
            return {**own, "distribution": {k: v for k, v in data.items() if k not in own}}
        return data


def input_key(key: str) -> str:
    """An uncertain input's key in full: ``costs.X`` names ``costs.X.value``."""
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "costs" and parts[1] in COST_ITEMS:
        return f"{key}.value"
    return key


DERIVED_KEY = re.compile(r"(response|case_mix\.\d+)\.(standard|car)\.p_s136")
"""Detention probabilities that a ``calibration:`` block derives (never drawn directly)."""


class Calibration(_Strict):
    """Detention risks derived from drawn national figures, so that every draw keeps the
    no-car world on its calibration target (:func:`sim.economics.psa.derive`)."""

    population: float = Field(gt=0, le=1e8, description="people the force serves")
    s136_per_100k: UncertainInput = Field(
        description="Section 136 detentions per 100,000 people a year with no scheme")
    avoided_per_contact: UncertainInput = Field(
        description="detentions avoided per call a car attends")
    min_car_p_s136: float = Field(
        default=0.005, ge=0, le=1,
        description="a draw whose car detention probability falls below this is rejected")


class Uncertainty(_Strict):
    """Uncertain inputs for the probabilistic sensitivity analysis (:mod:`sim.economics.psa`).

    ``inputs`` maps dotted keys of the scenario (``"demand.calls_per_day"``,
    ``"response.car.on_scene_minutes.mean"``, ``"costs.s136_detention"``) to the
    distribution of that value with a label and unit. Keys under ``costs.`` need no new
    simulation. ``calibration`` derives the call types' detention probabilities from drawn
    national figures.
    """

    inputs: dict[str, UncertainInput] = Field(default_factory=dict, max_length=MAX_INPUTS)
    calibration: Calibration | None = None
    draws: int = Field(default=1000, ge=0, le=MAX_DRAWS,
                       description="PSA draws; 0 skips the analysis")
    replications: int = Field(default=1, ge=1, le=MAX_PSA_REPLICATIONS,
                              description="replications per draw")
    seed: int = Field(default=2027, ge=0, description="seed of the draws of the inputs")
    low_percentile: float = Field(default=5.0, gt=0, lt=50, description="tornado low end")
    high_percentile: float = Field(default=95.0, gt=50, lt=100, description="tornado high end")
    wtp_max: Money = Field(default=10000.0,
                           description="largest value placed on a detention avoided (CEAF)")
    wtp_step: float = Field(default=250.0, gt=0, description="step of the CEAF's grid")

    @field_validator("wtp_step")
    @classmethod
    def _grid_size(cls, step: float, info: ValidationInfo) -> float:
        top = info.data.get("wtp_max")
        if top is not None and top / step > MAX_WTP_POINTS:
            raise ValueError(f"the acceptability frontier's grid would have "
                             f"{top / step:,.0f} points (wtp_max / wtp_step), more than "
                             f"{MAX_WTP_POINTS:,}; raise wtp_step")
        return step

    @model_validator(mode="after")
    def _something_uncertain(self) -> Uncertainty:
        if not self.inputs and self.calibration is None:
            raise ValueError("give at least one uncertain input or a calibration: block")
        if self.calibration is not None:
            derived = [k for k in self.inputs if DERIVED_KEY.fullmatch(k)]
            if derived:
                raise ValueError(f"{derived[0]} is derived by the calibration: block (from the "
                                 "national detention rate and the detentions avoided per "
                                 "contact); remove it from inputs")
        return self


class OptimismBias(_Strict):
    """Upward adjustments of the scheme's costs (HM Treasury Green Book, supplementary
    guidance on optimism bias)."""

    recurring: float = Field(default=0.0, ge=0, le=2,
                             description="share added to the scheme's recurring costs")
    setup: float = Field(default=0.0, ge=0, le=2,
                         description="share added to the one-off set-up costs")


class Appraisal(_Strict):
    """The appraisal's period, prices and adjustments (:mod:`sim.economics.funding`)."""

    price_year: PriceYear | None = Field(
        default=None, description="the report's price year (default: the latest full year "
                                  "of the price index)")
    price_index: Literal["gdp_deflator"] = Field(
        default="gdp_deflator", description="index that restates each cost to price_year")
    years: int = Field(default=5, ge=1, le=MAX_YEARS, description="appraisal period")
    discount_rate: float = Field(default=0.035, ge=0, le=0.2,
                                 description="discount rate a year")
    optimism_bias: OptimismBias = Field(default_factory=OptimismBias)
    demand_trend: float = Field(default=0.0, ge=-0.5, le=0.5,
                                description="change a year in the calls and what they "
                                            "cost (savings grow with it)")


UNCERTAIN_ROOTS = ("demand", "cars", "dispatch", "response", "case_mix", "control_room",
                   "pathway", "costs")
"""Top-level keys an uncertain input may lie under (not name, run or uncertainty)."""

CONTROL_ROOM_KEY = re.compile(r"(control_room|response\.control_room|case_mix\.\d+\.control_room)"
                              r"(\..+)?")
"""An input of the control room: its rota and capacity (``control_room.``) or the outcomes
after its advice (``response.control_room.``, a call type's ``control_room:``). It changes
nothing in a scenario without a ``control_room:`` block, so the sensitivity analysis holds
it fixed there (:func:`input_used`)."""


PATHWAY_KEY = re.compile(r"pathway(\..+)?")
"""An input of the Section 136 pathway (``pathway.``: conveyance, beds, diverts). It
changes nothing in a scenario without a ``pathway:`` block (a detention then holds
officers for ``s136_hours``), so the sensitivity analysis holds it fixed there
(:func:`input_used`) and leaves it out of a run in which no option has a pathway."""


def input_used(data: dict[str, Any], dotted: str) -> bool:
    """Whether an uncertain input can change scenario data ``data`` (plain): it names a
    number of the scenario, a control-room input (:data:`CONTROL_ROOM_KEY`) only where
    the scenario has a control room (outcomes after advice are read only with one), and a
    pathway input (:data:`PATHWAY_KEY`) only where it has a pathway."""
    if CONTROL_ROOM_KEY.fullmatch(dotted) and data.get("control_room") is None:
        return False
    if PATHWAY_KEY.fullmatch(dotted) and data.get("pathway") is None:
        return False
    return input_applies(data, dotted)

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


SHARE_KEY = re.compile(r"case_mix\.(\d+)\.share")
"""An uncertain input that sets a call type's share of the calls."""


def rebalance_shares(data: dict[str, Any], keys: Any) -> bool:
    """Scale the ``case_mix`` shares not set by ``keys`` (dotted keys just set in ``data``)
    so that all shares add up to 1 again, in place; False if they cannot (the set shares
    add up to more than 1, or every share was set and they do not add up to 1)."""
    mix = data.get("case_mix")
    fixed = {int(m.group(1)) for k in keys if (m := SHARE_KEY.fullmatch(str(k)))}
    if not fixed or not isinstance(mix, list):
        return True
    if any(i >= len(mix) for i in fixed):
        return True  # an input that names no call type of this scenario: held fixed
    set_total = sum(float(mix[i]["share"]) for i in fixed)
    free = [i for i in range(len(mix)) if i not in fixed]
    free_total = sum(float(mix[i]["share"]) for i in free)
    if not free:
        return abs(set_total - 1.0) < 1e-6
    if set_total >= 1.0 or free_total <= 0:
        return False
    for i in free:
        mix[i]["share"] = float(mix[i]["share"]) * (1.0 - set_total) / free_total
    return True


def input_value(base: Any, value: float) -> float | int:
    """A drawn value in the type of the value it replaces (whole numbers stay whole)."""
    if isinstance(base, int) and not isinstance(base, bool):
        return int(round(value))
    return float(value)
