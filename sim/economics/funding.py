"""The appraisal's arithmetic: what each option uses and saves, who pays, and the balance
over the appraisal period, worked out from simulated counts.

Everything here is post-processing of counts (one row per replication, or per draw of the
sensitivity analysis) with the scenario's ``costs:`` and ``appraisal:`` blocks
(:mod:`sim.scenario.costs`): a change of price never needs a new simulation. The formulas
are in ``docs/economics.md``; in brief, per unit ``u`` (a replication or a draw) of a
scenario, with ``a = 52.18 / measured weeks``:

1. **Quantities a year** (:func:`quantities`): car-hours paid (shift plus overtime) and
   the crew-hours in them, cars, control-room practitioner-hours on shift, detentions, A&E
   attendances and frontline officer hours avoided (each call against its own no-scheme
   counterfactual), and the car officers' hours on other police jobs, all times ``a``.
2. **Ledger** (:func:`ledger`): one signed column per line of :data:`LINES`: quantity x
   unit cost restated to the report's price year (``sim/economics/prices.py``); costs
   negative, savings positive. Each line has the payer and cash flag of its unit cost.
3. **Comparison**: option minus comparator, unit by unit (paired: the same calls).
4. **Period** (:func:`appraise`): per perspective (each payer, and ``public_sector`` =
   every line), year ``t = 0 .. T-1`` flows discounted by ``(1 + r)^-t``; set-up costs in
   year 0; optimism bias added to the scheme's costs; lines driven by the calls grow by
   ``(1 + trend)^t``. Net present value, its equivalent a year (NPV / sum of discount
   factors: the basis of every "a year" figure), benefit-cost ratio and payback.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.common.formats import money, percent
from sim.common.stats import ratio_of_means, t_interval
from sim.common.units import WEEKS_PER_YEAR
from sim.economics.prices import latest_year, uplift, year_problem
from sim.scenario.costs import COST_ITEMS, Appraisal, Costs
from sim.scenario.schema import Scenario

__all__ = ["WEEKS_PER_YEAR", "money", "percent"]  # re-exported for callers of the appraisal

COUNTERFACTUAL = "no_car_counterfactual"
"""Comparator name when a scenario is compared with its own calls' standard response
(a run with no baseline scenario)."""

PUBLIC = "public_sector"
"""The perspective of every payer together."""

PERSPECTIVE_ORDER = (PUBLIC, "nhs", "police", "ambulance")
"""Perspectives are listed in this order, then any other payer alphabetically."""

PERSPECTIVE_LABEL = {PUBLIC: "the public sector", "nhs": "the NHS", "police": "the police",
                     "ambulance": "the ambulance service"}
"""How sentences name a perspective (others: the payer's name in words)."""


def perspective_label(perspective: str) -> str:
    """``the NHS``, ``the public sector``, ``local authority`` ..."""
    return PERSPECTIVE_LABEL.get(perspective, perspective.replace("_", " "))


@dataclass(frozen=True)
class Line:
    """One line of the ledger: a quantity a year valued at a unit cost.

    ``kind``: ``cost`` (the scheme's own costs: optimism bias applies), ``saving``
    (resource use avoided) or ``offset`` (a cost the scheme's effect causes: the care a
    person gets instead of a detention). ``setup``: one-off, in year 0. ``volume``: grows
    with the demand trend. ``time``: police time valued but never cash. ``resource``: the
    scenario block the line needs (``control_room``); a line whose resource no scenario of
    a run has is left out of its outputs (:func:`shown_lines`), so adding a resource leaves
    the outputs of runs without it unchanged.
    """

    key: str
    label: str
    item: str
    quantity: str
    kind: str
    setup: bool = False
    volume: bool = False
    time: bool = False
    resource: str | None = None

    @property
    def sign(self) -> int:
        return 1 if self.kind == "saving" else -1


LINES: tuple[Line, ...] = (
    Line("car_officers", "Police officers in the cars", "officer_hour", "car_officer_hours",
         "cost"),
    Line("car_practitioners", "Mental-health practitioners in the cars", "clinician_hour",
         "car_clinician_hours", "cost"),
    Line("vehicles", "Vehicles", "vehicle_per_car_hour", "car_hours", "cost"),
    Line("management", "Scheme management", "management_per_year", "schemes", "cost"),
    Line("training", "Training", "training_per_car_per_year", "cars", "cost"),
    Line("setup", "Set-up (one-off, year 0)", "setup_per_car", "cars", "cost", setup=True),
    Line("control_room", "Mental-health practitioners in the control room", "clinician_hour",
         "cr_practitioner_hours", "cost", resource="control_room"),
    Line("detentions", "Section 136 detentions avoided", "s136_detention",
         "detentions_avoided", "saving", volume=True),
    Line("alternative_care", "Care instead of a detention", "alternative_care",
         "detentions_avoided", "offset", volume=True),
    Line("ae_attendances", "A&E attendances avoided", "ae_attendance", "ae_avoided", "saving",
         volume=True),
    Line("ae_conveyances", "Conveyances to A&E avoided", "ae_conveyance", "ae_avoided",
         "saving", volume=True),
    Line("frontline_time", "Frontline officer time released", "officer_hour",
         "officer_hours_released", "saving", volume=True, time=True),
    Line("other_jobs", "Other police jobs done by the cars' officers", "officer_hour",
         "other_job_officer_hours", "saving", time=True),
)
"""Every line of the ledger, in order. A new resource (a control room, a place of safety)
adds a unit cost to ``costs:`` (``sim/scenario/costs.py``), a quantity to
:func:`quantities` and a line here; perspectives follow from the unit cost's payer."""

LINE_BY_KEY = {line.key: line for line in LINES}

QUANTITIES = ("car_hours", "car_officer_hours", "car_clinician_hours", "cars", "schemes",
              "detentions_avoided", "ae_avoided", "officer_hours_released",
              "other_job_officer_hours", "cr_practitioner_hours")
"""Quantities a year that the ledger values (:func:`quantities`)."""

RESOURCE_QUANTITIES = {"control_room": ("cr_practitioner_hours",)}
"""Quantities that only scenarios with a resource (a scenario block) have: left out of the
outputs of a run where no scenario has it, like the resource's lines (:func:`shown_lines`)."""


def has_resource(scenario: Scenario, resource: str) -> bool:
    """Whether ``scenario`` has the block ``resource`` names (``control_room``)."""
    return getattr(scenario, resource, None) is not None


def shown_lines(scenarios: Sequence[Scenario]) -> tuple[Line, ...]:
    """The lines of :data:`LINES` that a run of ``scenarios`` reports: every line, less
    those of a resource (``Line.resource``) that none of them has."""
    return tuple(line for line in LINES if line.resource is None
                 or any(has_resource(s, line.resource) for s in scenarios))


def hidden_quantities(scenarios: Sequence[Scenario]) -> list[str]:
    """Quantity columns a run of ``scenarios`` leaves out (resources none of them has)."""
    return [q for r, qs in RESOURCE_QUANTITIES.items()
            if not any(has_resource(s, r) for s in scenarios) for q in qs]

OUTCOMES = ("mh_calls", "s136", "s136_baseline", "ae_conveyances", "officer_hours",
            "unmet_calls", "car_attended", "s136_breaches_24h")
"""Outcomes a year of the cost-consequence table (absent metrics are left out)."""


@dataclass(frozen=True)
class Measure:
    """One money measure of ``economics.csv``, per comparison and perspective."""

    name: str
    unit: str
    description: str
    probability: bool = False


MEASURES: tuple[Measure, ...] = (
    Measure("net_benefit", "£ a year", "equivalent annual net benefit: net present value / "
                                       "sum of discount factors", probability=True),
    Measure("costs", "£ a year", "equivalent annual costs (scheme costs with optimism bias, "
                                 "set-up, care instead of detention)"),
    Measure("benefits", "£ a year", "equivalent annual savings (resource use avoided)"),
    Measure("cash_net_benefit", "£ a year", "net benefit counting only cash: money paid "
                                            "out against savings that release cash",
            probability=True),
    Measure("npv", "£", "net present value over the appraisal period", probability=True),
    Measure("pv_costs", "£", "present value of the costs"),
    Measure("pv_benefits", "£", "present value of the savings"),
    Measure("bcr", "ratio", "benefit-cost ratio: mean pv_benefits / mean pv_costs (none "
                            "without costs)"),
    Measure("payback_years", "years", "years until the cumulative discounted net benefit "
                                      "reaches 0; inf: not within the period"),
)
"""The money measures, per comparison and perspective, in order."""

MEASURE_NAMES = tuple(m.name for m in MEASURES)
BY_NAME = {m.name: m for m in MEASURES}

COLUMNS = ["scenario", "comparator", "perspective", "measure", "unit", "basis", "mean", "low",
           "high", "se", "prob_positive", "prob_positive_se", "n"]
"""Columns of ``economics.csv``. ``basis``: ``expected`` (over the sensitivity analysis's
draws: ``low``/``high`` are the 2.5th/97.5th percentiles of the draws, ``se`` the Monte
Carlo standard error of the mean), ``at_means`` (a simulation with every uncertain input at
its mean; ``low``/``high`` a 95% confidence interval over replications) or ``run`` (the
run's own inputs, the same kind of interval)."""


# ----------------------------------------------------------------------- prices


@dataclass(frozen=True)
class Settings:
    """The appraisal's settings with the report's price year resolved."""

    price_year: int
    price_index: str
    years: int
    discount_rate: float
    optimism_recurring: float
    optimism_setup: float
    demand_trend: float

    def discount_factors(self) -> np.ndarray:
        """``(1 + r)^-t`` for ``t = 0 .. years - 1`` (year 0 undiscounted)."""
        return discount_factors(self.years, self.discount_rate)

    def growth(self) -> np.ndarray:
        """``(1 + trend)^t`` for ``t = 0 .. years - 1``."""
        return (1.0 + self.demand_trend) ** np.arange(self.years)


def settings_of(appraisal: Appraisal | None) -> Settings:
    """The settings of an ``appraisal:`` block (defaults without one)."""
    a = appraisal or Appraisal()
    year = a.price_year if a.price_year is not None else latest_year(a.price_index)
    return Settings(price_year=year, price_index=a.price_index, years=a.years,
                    discount_rate=a.discount_rate,
                    optimism_recurring=a.optimism_bias.recurring,
                    optimism_setup=a.optimism_bias.setup, demand_trend=a.demand_trend)


def discount_factors(years: int, rate: float) -> np.ndarray:
    """``(1 + rate)^-t`` for ``t = 0 .. years - 1``: year 0 (the first year) undiscounted,
    as in the Green Book's tables."""
    return (1.0 + rate) ** -np.arange(years, dtype=float)


@dataclass(frozen=True)
class Prices:
    """Every unit cost restated to one price year, with its payer and cash flag."""

    year: int
    value: dict[str, float]
    payer: dict[str, str]
    cash: dict[str, bool]


def prices(costs: Costs, settings: Settings) -> Prices:
    """Unit costs of ``costs`` restated to the report's price year with the price index."""
    value = {k: costs.item(k).value * uplift(costs.year(k), settings.price_year,
                                             settings.price_index)
             for k in COST_ITEMS}
    return Prices(settings.price_year, value, {k: costs.payer(k) for k in COST_ITEMS},
                  {k: costs.cash(k) for k in COST_ITEMS})


def unit_prices(costs: Costs, appraisal: Appraisal | None = None) -> dict[str, float]:
    """Each unit cost in pounds at the report's price year (callers outside the appraisal,
    such as the rota optimiser's screen)."""
    return prices(costs, settings_of(appraisal)).value


def price_problems(scenario: Scenario, appraisal: Appraisal | None = None) -> list[str]:
    """Why ``scenario``'s costs cannot be restated to the report's price year (empty when
    they can): checked before a run."""
    if scenario.costs is None:
        return []
    a = appraisal if appraisal is not None else (scenario.appraisal or Appraisal())
    years = {scenario.costs.year(k) for k in COST_ITEMS}
    if a.price_year is not None:
        years.add(a.price_year)
    return [p for y in sorted(years) if (p := year_problem(y, a.price_index)) is not None]


def crew_cost_per_hour(officers: int, clinicians: int, costs: Costs,
                       appraisal: Appraisal | None = None) -> float:
    """Cost of one car-hour at the report's price year: the crew plus the vehicle."""
    p = unit_prices(costs, appraisal)
    return (officers * p["officer_hour"] + clinicians * p["clinician_hour"]
            + p["vehicle_per_car_hour"])


def fixed_annual_cost(n_cars: int, costs: Costs, appraisal: Appraisal | None = None) -> float:
    """Management (once, if there is any car) plus training per car, a year."""
    if n_cars <= 0:
        return 0.0
    p = unit_prices(costs, appraisal)
    return p["management_per_year"] + p["training_per_car_per_year"] * n_cars


# ------------------------------------------------------------------- quantities


def annual_factor(weeks: float) -> float:
    """Multiplier from a total over ``weeks`` measured weeks to a year (52.18 / weeks)."""
    if weeks <= 0:
        raise ValueError(f"weeks must be positive, got {weeks}")
    return WEEKS_PER_YEAR / weeks


def crew_hours(scenario: Scenario, cars: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """Per unit: car-hours paid and the officer and practitioner hours in them, and the
    car officers' hours on other jobs, over the run (not yet a year).

    ``cars`` has one row per unit and car: ``unit``, ``car``, ``paid_hours`` (on shift plus
    overtime) and ``other_jobs_attended``.
    """
    crew = {c.name: (c.officers, c.clinicians) for c in scenario.cars}
    minutes = scenario.response.other_job_minutes.mean_value
    officers = cars["car"].map(lambda n: crew[n][0]).astype(float)
    clinicians = cars["car"].map(lambda n: crew[n][1]).astype(float)
    frame = pd.DataFrame({
        "unit": cars["unit"],
        "car_hours": cars["paid_hours"],
        "car_officer_hours": cars["paid_hours"] * officers,
        "car_clinician_hours": cars["paid_hours"] * clinicians,
        "other_job_officer_hours": cars["other_jobs_attended"] * officers * minutes / 60.0,
    })
    return frame.groupby("unit").sum()


def quantities(scenario: Scenario, metrics: pd.DataFrame, crew: pd.DataFrame | None,
               weeks: int) -> pd.DataFrame:
    """Quantities (:data:`QUANTITIES`) and outcomes (:data:`OUTCOMES`) a year, per unit.

    ``metrics``: one row per unit (its index), one column per metric of the run;
    ``crew``: :func:`crew_hours` (None or empty: no car). The control room's
    practitioner-hours are its ``cr_shift_hours`` (practitioners x hours on its rota; a
    practitioner finishing a call after the shift's end is not paid for it here). A
    scheme (``schemes``: management and supervision) is any car or a control room.
    """
    a = annual_factor(weeks)
    out = pd.DataFrame(index=metrics.index)
    n = len(scenario.cars)
    crew = crew.reindex(metrics.index, fill_value=0.0) if crew is not None and n else None
    for q in ("car_hours", "car_officer_hours", "car_clinician_hours",
              "other_job_officer_hours"):
        out[q] = a * crew[q].to_numpy(float) if crew is not None else 0.0
    room = scenario.control_room is not None and "cr_shift_hours" in metrics.columns
    out["cr_practitioner_hours"] = (a * metrics["cr_shift_hours"].to_numpy(float) if room
                                    else 0.0)
    out["cars"] = float(n)
    out["schemes"] = 1.0 if n or scenario.control_room is not None else 0.0
    out["detentions_avoided"] = a * metrics["s136_avoided"].to_numpy(float)
    out["ae_avoided"] = a * metrics["ae_avoided"].to_numpy(float)
    out["officer_hours_released"] = a * metrics["officer_hours_saved"].to_numpy(float)
    for o in OUTCOMES:
        if o == "unmet_calls":
            out[o] = a * (metrics["unmet_off_shift"] + metrics["unmet_busy"]).to_numpy(float)
        elif o in metrics.columns:
            out[o] = a * metrics[o].to_numpy(float)
    return out


def ledger(q: pd.DataFrame, price: Prices) -> pd.DataFrame:
    """One signed column per line (£ a year at the report's prices; set-up: £ once)."""
    return pd.DataFrame({line.key: line.sign * q[line.quantity].to_numpy(float)
                         * price.value[line.item] for line in LINES}, index=q.index)


def line_payer(line: Line, price: Prices) -> str:
    return price.payer[line.item]


def line_cash(line: Line, price: Prices) -> bool:
    """Whether a line's money changes hands: police time never; a cost when its unit
    cost is cash; a saving when it releases cash."""
    return not line.time and price.cash[line.item]


def perspectives_of(price_list: Sequence[Prices]) -> tuple[str, ...]:
    """The public sector, then each payer with a line of non-zero unit cost."""
    payers = {line_payer(line, p) for p in price_list for line in LINES
              if p.value[line.item] != 0}
    rest = sorted(payers - set(PERSPECTIVE_ORDER))
    return (PUBLIC, *[p for p in PERSPECTIVE_ORDER[1:] if p in payers], *rest)


# ---------------------------------------------------------------------- period


def appraise(diff: pd.DataFrame, price: Prices, settings: Settings, perspective: str
             ) -> pd.DataFrame:
    """Every money measure (:data:`MEASURE_NAMES`) per unit of a comparison's ledger
    difference ``diff`` (columns: the lines), for one perspective."""
    df = settings.discount_factors()
    growth = settings.growth()
    annuity = float(df.sum())
    grown = float((df * growth).sum())
    n = len(diff)
    pv_costs = np.zeros(n)
    pv_benefits = np.zeros(n)
    cash_pv = np.zeros(n)
    upfront = np.zeros(n)
    yearly = np.zeros((n, settings.years))
    for line in LINES:
        if perspective != PUBLIC and line_payer(line, price) != perspective:
            continue
        v = diff[line.key].to_numpy(float)
        if line.kind == "cost":
            v = v * (1.0 + (settings.optimism_setup if line.setup
                            else settings.optimism_recurring))
        if line.setup:
            pv, per_year = v, 0.0
            upfront += v
        elif line.volume:
            pv, per_year = v * grown, np.outer(v, growth)
        else:
            pv, per_year = v * annuity, np.outer(v, np.ones(settings.years))
        if line.kind == "saving":
            pv_benefits += pv
        else:
            pv_costs -= pv
        if line_cash(line, price):
            cash_pv += pv
        yearly += per_year
    npv = pv_benefits - pv_costs
    with np.errstate(divide="ignore", invalid="ignore"):
        bcr = np.where(pv_costs > 0, pv_benefits / pv_costs, np.nan)
    return pd.DataFrame({
        "net_benefit": npv / annuity, "costs": pv_costs / annuity,
        "benefits": pv_benefits / annuity, "cash_net_benefit": cash_pv / annuity,
        "npv": npv, "pv_costs": pv_costs, "pv_benefits": pv_benefits, "bcr": bcr,
        "payback_years": payback_years(yearly * df, upfront),
    }, index=diff.index)


def payback_years(discounted: np.ndarray, upfront: np.ndarray | float = 0.0) -> np.ndarray:
    """Years until the cumulative discounted net benefit reaches 0 for good, per row.

    ``upfront``: the one-off flow at time 0 (set-up, negative); ``discounted``: the net
    flows of years 0, 1, ... (already discounted), each accruing evenly over its year. If
    the running total is negative last at the end of year ``j`` (or at time 0, ``j = -1``),
    payback is ``j + 1 + f``, ``f`` the share of year ``j + 1``'s flow that brings it back
    to 0; 0 when it is never negative; ``inf`` when it is still negative at the end of the
    period.
    """
    flows = np.atleast_2d(np.asarray(discounted, dtype=float))
    start = np.broadcast_to(np.asarray(upfront, dtype=float), (flows.shape[0],))
    out = np.zeros(flows.shape[0])
    for i, row in enumerate(flows):
        totals = float(start[i]) + np.concatenate([[0.0], np.cumsum(row)])
        negative = np.flatnonzero(totals < 0)
        if negative.size == 0:
            continue
        last = int(negative[-1])  # index into totals: 0 is time 0, k is the end of year k-1
        if last == len(row):
            out[i] = math.inf
        else:
            out[i] = last - totals[last] / row[last]
    return out


def annuity_factor(years: int, rate: float) -> float:
    """Sum of the discount factors of years ``0 .. years - 1``."""
    return float(discount_factors(years, rate).sum())


# ----------------------------------------------------------------- the run


@dataclass(frozen=True)
class Economics:
    """The appraisal of a run at its own inputs (``basis`` ``run``), replication by
    replication.

    Attributes
    ----------
    table
        Tidy rows (:data:`COLUMNS`), one per comparison, perspective and measure.
    pairs
        ``(scenario, comparator)`` names, in order.
    quantities
        Per scenario, :func:`quantities` per replication.
    ledgers
        Per scenario, :func:`ledger` per replication.
    per_replication
        Per comparison and perspective, :func:`appraise` per replication.
    perspectives
        The perspectives of the table, public sector first.
    settings
        The appraisal's settings (price year, period, discount rate, ...).
    prices
        Per scenario, its unit costs at the report's price year.
    costs
        Per scenario, its ``costs:`` block (or None).
    notes
        Plain-language notes (scenarios left out and why, differing prices).
    """

    table: pd.DataFrame
    pairs: list[tuple[str, str]]
    quantities: dict[str, pd.DataFrame]
    ledgers: dict[str, pd.DataFrame]
    per_replication: dict[tuple[str, str, str], pd.DataFrame]
    perspectives: tuple[str, ...]
    settings: Settings
    prices: dict[str, Prices]
    costs: dict[str, Costs | None]
    lines: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LINE_COLUMNS))
    notes: list[str] = field(default_factory=list)

    def value(self, scenario: str, comparator: str, measure: str, column: str = "mean",
              perspective: str = PUBLIC) -> float:
        """One number of :attr:`table`."""
        return table_value(self.table, scenario, comparator, measure, column, perspective)

    def price_year(self) -> int:
        return self.settings.price_year


def table_value(table: pd.DataFrame, scenario: str, comparator: str, measure: str,
                column: str = "mean", perspective: str = PUBLIC, basis: str | None = None
                ) -> float:
    """One number of an ``economics.csv``-shaped table (NaN when absent).

    The report and the console read hundreds of numbers from one table: the rows are found
    through an index of the table's keys (:func:`_row_index`), each checked against the
    keys asked for.
    """
    keys = (scenario, comparator, measure, perspective)
    rows = _row_index(table).get(keys, [])
    if rows and tuple(table[c].iat[rows[0]] for c in _KEY_COLUMNS) != keys:
        rows = _row_index(table, rebuild=True).get(keys, [])  # the table changed in place
    if basis is not None:
        rows = [i for i in rows if table["basis"].iat[i] == basis]
    return float(table[column].iat[rows[0]]) if rows else math.nan


_KEY_COLUMNS = ("scenario", "comparator", "measure", "perspective")
_INDEXES: dict[int, tuple[weakref.ref, int, dict[tuple, list[int]]]] = {}


def _row_index(table: pd.DataFrame, rebuild: bool = False) -> dict[tuple, list[int]]:
    """Row positions of ``table`` by ``(scenario, comparator, measure, perspective)``,
    kept per table object while it lives (rebuilt if its length changes, or on request)."""
    kept = _INDEXES.get(id(table))
    if not rebuild and kept is not None and kept[0]() is table and kept[1] == len(table):
        return kept[2]
    index: dict[tuple, list[int]] = {}
    columns = [table[c].tolist() for c in _KEY_COLUMNS]
    for i, key in enumerate(zip(*columns, strict=True)):
        index.setdefault(key, []).append(i)
    for stale in [k for k, v in _INDEXES.items() if v[0]() is None]:
        del _INDEXES[stale]
    _INDEXES[id(table)] = (weakref.ref(table), len(table), index)
    return index


def has_scheme(scenario: Scenario) -> bool:
    """Whether a scenario runs a scheme (cars, or a control room): the options the
    sensitivity analysis simulates. A scenario without one is the no-scheme world of its
    calls, which every simulated option's counterfactual already gives."""
    return bool(scenario.cars) or getattr(scenario, "control_room", None) is not None


def has_economics(scenario: Scenario) -> bool:
    """Whether a scenario can be costed: it has a ``costs`` block or no scheme."""
    return scenario.costs is not None or not has_scheme(scenario)


def reference_scenario(scenarios: Sequence[Scenario], baseline: str | None) -> Scenario:
    """The scenario whose ``appraisal:`` and ``uncertainty:`` blocks the appraisal uses:
    the baseline (the do-minimum), else the first."""
    return next((s for s in scenarios if s.name == baseline), scenarios[0])


def comparison_pairs(scenarios: Sequence[Scenario], baseline: str | None,
                     scheme_cost: dict[str, float]) -> list[tuple[str, str]]:
    """Which comparisons to make.

    Every option against the baseline (the do-minimum); and, in order of cost, each option
    against the next cheaper one when that is not the baseline (the incremental question:
    "and one more car?"). Without a baseline, each scenario with cars against its calls'
    own standard-response counterfactual (:data:`COUNTERFACTUAL`).
    """
    names = [s.name for s in scenarios]
    if baseline is None or baseline not in names:
        return [(s.name, COUNTERFACTUAL) for s in scenarios if has_scheme(s)]
    pairs = [(n, baseline) for n in names if n != baseline]
    order = sorted(names, key=lambda n: (scheme_cost.get(n, math.nan), names.index(n)))
    for name in names:
        if name == baseline or not math.isfinite(scheme_cost.get(name, math.nan)):
            continue
        cheaper = [c for c in order if c != name and math.isfinite(scheme_cost.get(c, math.nan))
                   and scheme_cost[c] < scheme_cost[name]]
        if cheaper and cheaper[-1] != baseline:
            pairs.append((name, cheaper[-1]))
    return pairs


def scheme_cost(ledger_frame: pd.DataFrame) -> float:
    """Mean recurring scheme cost a year of one scenario's ledger (orders the options)."""
    keys = [line.key for line in LINES if line.kind == "cost" and not line.setup]
    return float(-ledger_frame[keys].sum(axis=1).mean()) if len(ledger_frame) else 0.0


def run_inputs(result) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Per scenario of a :class:`~sim.run.result.RunResult`: its metrics (indexed by
    replication) and :func:`crew_hours`."""
    metrics = {n: g.set_index("replication").sort_index()
               for n, g in result.replications.groupby("scenario", sort=False)}
    crews = {}
    for s in result.scenarios:
        cars = result.by_car[result.by_car.scenario == s.name]
        frame = pd.DataFrame({
            "unit": cars["replication"].to_numpy(), "car": cars["car"].to_numpy(),
            "paid_hours": (cars["car_shift_hours"] + cars["car_overtime_hours"]).to_numpy(),
            "other_jobs_attended": (cars["other_jobs_attended"].to_numpy()
                                    if "other_jobs_attended" in cars else 0.0)})
        crews[s.name] = crew_hours(s, frame, result.settings[s.name].weeks) if s.cars else None
    return metrics, crews


def compute(result, costs: dict[str, Costs | None] | None = None,
            pairs: Sequence[tuple[str, str]] | None = None,
            appraisal: Appraisal | None = None) -> Economics:
    """The appraisal of a :class:`~sim.run.result.RunResult` at the run's own inputs.

    Parameters
    ----------
    result
        A finished run.
    costs
        Unit costs per scenario name, replacing the scenarios' own ``costs`` blocks.
    pairs
        ``(scenario, comparator)`` comparisons; default :func:`comparison_pairs`.
    appraisal
        Settings replacing the reference scenario's ``appraisal:`` block.
    """
    ref = reference_scenario(result.scenarios, result.baseline)
    settings = settings_of(appraisal if appraisal is not None else ref.appraisal)
    metrics, crews = run_inputs(result)
    notes: list[str] = []
    used: dict[str, Costs | None] = {}
    quants, ledgers, price_of = {}, {}, {}
    for s in result.scenarios:
        c = (costs or {}).get(s.name, s.costs)
        used[s.name] = c
        if has_scheme(s) and c is None:
            notes.append(f"{s.name} has no costs: block, so it is left out of the appraisal.")
            continue
        q = quantities(s, metrics[s.name], crews[s.name], result.settings[s.name].weeks)
        p = prices(c, settings) if c is not None else None
        quants[s.name] = q
        price_of[s.name] = p
        ledgers[s.name] = (ledger(q, p) if p is not None
                           else pd.DataFrame(0.0, index=q.index, columns=[ln.key for ln in LINES]))
    priced = [p for p in price_of.values() if p is not None]
    if not priced:
        return Economics(pd.DataFrame(columns=COLUMNS), [], quants, ledgers, {}, (PUBLIC,),
                         settings, {}, used, notes=notes)
    if pairs is None:
        pairs = comparison_pairs(result.scenarios, result.baseline,
                                 {n: scheme_cost(f) for n, f in ledgers.items()})
    persp = perspectives_of(priced)
    notes.extend(price_notes(used, price_of))
    kept, rows, per_rep, lines = [], [], {}, []
    shown = shown_lines(result.scenarios)
    for scen, comp in pairs:
        if scen not in ledgers or (comp != COUNTERFACTUAL and comp not in ledgers):
            continue
        diff = paired(ledgers[scen], None if comp == COUNTERFACTUAL else ledgers[comp])
        price = price_of[scen] or price_of.get(comp) or priced[0]
        lines.extend(line_rows(diff, price, scen, comp, "run", shown))
        for p in persp:
            measures = appraise(diff, price, settings, p)
            per_rep[(scen, comp, p)] = measures
            rows.extend(summary_rows(measures, scen, comp, p, "run"))
        kept.append((scen, comp))
    table = pd.DataFrame(rows, columns=COLUMNS)
    return Economics(table, kept, quants, ledgers, per_rep, persp, settings, price_of, used,
                     pd.DataFrame(lines, columns=LINE_COLUMNS), notes)


def price_notes(used: dict[str, Costs | None], price_of: dict[str, Prices | None]) -> list[str]:
    """Notes when the scenarios' unit costs or payers differ."""
    distinct = {tuple(sorted(p.value.items())) + tuple(sorted(p.payer.items()))
                for p in price_of.values() if p is not None}
    if len(distinct) > 1:
        return ["The scenarios value some items at different prices or charge them to "
                "different payers; each scenario is valued with its own costs: block."]
    return []


def paired(scenario: pd.DataFrame, comparator: pd.DataFrame | None) -> pd.DataFrame:
    """Unit-by-unit differences ``scenario - comparator`` (units in only one are dropped)."""
    if comparator is None:
        return scenario.copy()
    common = scenario.index.intersection(comparator.index)
    return scenario.loc[common] - comparator.loc[common, list(scenario.columns)]


def summary_rows(measures: pd.DataFrame, scenario: str, comparator: str, perspective: str,
                 basis: str) -> list[dict]:
    """Rows of :data:`COLUMNS` for one comparison and perspective.

    ``expected``: mean over draws, the 2.5th and 97.5th percentiles of the draws, the
    Monte Carlo standard error of the mean, and the share of draws above 0 with its
    standard error. ``run`` and ``at_means``: mean over replications with its 95%
    t-interval and standard error (no share: a share of simulated years is not the
    probability that the scheme pays).
    """
    rows = []
    for m in MEASURES:
        x = measures[m.name].to_numpy(float)
        finite = x[np.isfinite(x)] if m.name in ("bcr", "payback_years") else x
        n = int(finite.size)
        row = {"scenario": scenario, "comparator": comparator, "perspective": perspective,
               "measure": m.name, "unit": m.unit, "basis": basis, "mean": math.nan,
               "low": math.nan, "high": math.nan, "se": math.nan, "prob_positive": math.nan,
               "prob_positive_se": math.nan, "n": len(x)}
        if m.name == "payback_years":
            row.update(_payback_row(x, basis))
        elif m.name == "bcr":
            row.update(_bcr_row(measures, basis))
        elif n and basis == "expected":
            mean = float(finite.mean())
            se = float(finite.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
            row.update(mean=mean, low=float(np.percentile(finite, 2.5)),
                       high=float(np.percentile(finite, 97.5)), se=se)
            if m.probability:
                p = float((finite > 0).mean())
                row.update(prob_positive=p, prob_positive_se=math.sqrt(p * (1 - p) / n))
        elif n:
            mean, sd, lo, hi, _ = t_interval(finite)
            row.update(mean=mean, low=lo, high=hi,
                       se=sd / math.sqrt(n) if n > 1 else math.nan)
        rows.append(row)
    return rows


LINE_COLUMNS = ["scenario", "comparator", "line", "label", "payer", "cash", "kind", "mean",
                "low", "high"]
"""Columns of a comparison's ledger by line (:func:`line_rows`)."""


def line_rows(diff: pd.DataFrame, price: Prices, scenario: str, comparator: str,
              basis: str, lines: Sequence[Line] = LINES) -> list[dict]:
    """Each line (of ``lines``: :func:`shown_lines`) of a comparison's ledger difference:
    who pays, whether it is cash, and its mean a year (first year, before optimism bias
    and discounting; set-up: once) with the 2.5th-97.5th percentiles of the draws
    (``expected``) or a 95% confidence interval (``run``, ``at_means``)."""
    rows = []
    for line in lines:
        x = diff[line.key].to_numpy(float)
        if basis == "expected":
            mean, lo, hi = (float(x.mean()), float(np.percentile(x, 2.5)),
                            float(np.percentile(x, 97.5)))
        else:
            mean, _sd, lo, hi, _n = t_interval(x)
        rows.append({"scenario": scenario, "comparator": comparator, "line": line.key,
                     "label": line.label, "payer": line_payer(line, price),
                     "cash": line_cash(line, price), "kind": line.kind, "mean": mean,
                     "low": lo, "high": hi})
    return rows


def _bcr_row(measures: pd.DataFrame, basis: str) -> dict:
    """The benefit-cost ratio of expected values, ``mean(pv_benefits) / mean(pv_costs)``,
    with the 2.5th-97.5th percentiles of the units' own ratios (``expected``) or a
    delta-method 95% interval (``run``, ``at_means``)."""
    ratio, sd, lo, hi, n = ratio_of_means(measures.pv_benefits.to_numpy(float),
                                          measures.pv_costs.to_numpy(float))
    if basis != "expected" or not math.isfinite(ratio):
        return {"mean": ratio, "low": lo, "high": hi,
                "se": sd / math.sqrt(n) if n > 1 else math.nan}
    own = measures.bcr.to_numpy(float)
    own = own[np.isfinite(own)]
    return {"mean": ratio, "low": float(np.percentile(own, 2.5)) if own.size else math.nan,
            "high": float(np.percentile(own, 97.5)) if own.size else math.nan,
            "se": sd / math.sqrt(n) if n > 1 else math.nan}


def _payback_row(x: np.ndarray, basis: str) -> dict:
    """Payback: the median over units (a mean of "never" has no meaning) with its 2.5th
    and 97.5th percentiles; ``prob_positive``: the share of units that pay back within the
    period (expected basis only)."""
    if not len(x):
        return {}
    out = {"mean": float(np.percentile(x, 50, method="lower")),
           "low": float(np.percentile(x, 2.5, method="lower")),
           "high": float(np.percentile(x, 97.5, method="higher"))}
    if basis == "expected":
        p = float(np.isfinite(x).mean())
        out.update(prob_positive=p, prob_positive_se=math.sqrt(p * (1 - p) / len(x)))
    return out


# ---------------------------------------------------------- legacy views (optimiser)


VIEWS = ("cash", "with_police")
"""Annual public-sector views that the rota optimiser (``sim/experiments/optimise``) ranks
rotas by: ``with_police`` every line of one year (police time included), ``cash`` the lines
whose money changes hands. No period, discounting or set-up."""


def annual_components(scenario: Scenario, replications: pd.DataFrame, by_car: pd.DataFrame,
                      weeks: int, costs: Costs | None = None) -> pd.DataFrame:
    """One scenario's ledger a year per replication, with ``net_benefit_cash`` and
    ``net_benefit_with_police`` (:data:`VIEWS`): what the rota optimiser maximises."""
    metrics = replications.set_index("replication").sort_index()
    costs = costs if costs is not None else scenario.costs
    frame = pd.DataFrame({
        "unit": by_car["replication"].to_numpy(), "car": by_car["car"].to_numpy(),
        "paid_hours": (by_car["car_shift_hours"] + by_car["car_overtime_hours"]).to_numpy(),
        "other_jobs_attended": (by_car["other_jobs_attended"].to_numpy()
                                if "other_jobs_attended" in by_car else 0.0)})
    crew = crew_hours(scenario, frame, weeks) if scenario.cars else None
    q = quantities(scenario, metrics, crew, weeks)
    if costs is None:
        if scenario.cars:
            raise ValueError(f"scenario {scenario.name!r} has cars but no costs: block")
        out = pd.DataFrame(0.0, index=q.index, columns=[ln.key for ln in LINES])
        return out.assign(net_benefit_cash=0.0, net_benefit_with_police=0.0)
    p = prices(costs, settings_of(scenario.appraisal))
    led = ledger(q, p)
    recurring = [ln.key for ln in LINES if not ln.setup]
    cash = [ln.key for ln in LINES if not ln.setup and line_cash(ln, p)]
    return led.assign(net_benefit_with_police=led[recurring].sum(axis=1),
                      net_benefit_cash=led[cash].sum(axis=1))
