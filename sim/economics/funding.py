"""The funding case: costs, savings and their balance, worked out from simulated counts.

Everything here is post-processing of each replication's counts (``result.replications``
and ``result.by_car``) with the scenario's ``costs:`` block (:class:`sim.scenario.schema.Costs`):
changing a price never needs a new simulation. Definitions and formulas are in
``docs/metrics.md``, section "Economics".

Per replication ``r`` of a scenario, annualised by ``a = 52.18 / weeks`` (``weeks``
measured weeks; 52.18 = 365.25 / 7)::

    crew_k       = officers_k * officer_hour + clinicians_k * clinician_hour
                   + vehicle_per_car_hour                       # per car-hour, car k
    scheme_cost  = a * sum_k (shift_hours_k + overtime_hours_k) * crew_k
                   + management_per_year * [any car] + training_per_car_per_year * n_cars
    savings_nhs  = a * (s136_avoided * s136_detention
                        + ae_avoided * (ae_attendance + ae_conveyance))      # cash
    savings_police = a * officer_hours_saved * officer_hour                 # not cash

A comparison of scenario ``S`` with a comparator ``C`` (paired by replication) takes the
difference ``S - C`` of each of these per replication, then::

    net_benefit_cash        = savings_nhs - scheme_cost
    net_benefit_with_police = savings_nhs + savings_police - scheme_cost
    benefit_cost_ratio      = savings / scheme_cost            (ratio of means)
    roi                     = benefit_cost_ratio - 1
    cost_per_detention_avoided = scheme_cost / detentions_avoided   (ratio of means)
    payback_years           = setup_cost / net_benefit  (never when net_benefit <= 0)

The counts ``*_avoided`` and ``officer_hours_saved`` are measured against each call's own
standard-response counterfactual, so a scenario with no car scores 0 on every measure,
and ``S`` against a no-car comparator equals ``S`` on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.common.formats import money, percent
from sim.common.stats import CONFIDENCE, t_interval
from sim.common.units import WEEKS_PER_YEAR
from sim.scenario.costs import Costs
from sim.scenario.schema import Scenario

__all__ = ["WEEKS_PER_YEAR", "money"]  # re-exported for callers of the funding case

COUNTERFACTUAL = "no_car_counterfactual"
"""Comparator name when a scenario is compared with its own calls' standard response
(a run with no baseline scenario)."""

VIEWS = ("cash", "with_police")
"""``cash``: NHS costs avoided only. ``with_police``: also frontline officer time
released, valued at ``officer_hour`` (not cash: the officers are still paid)."""


@dataclass(frozen=True)
class Measure:
    """One economic measure of ``economics.csv``."""

    name: str
    unit: str
    description: str
    prob_positive: bool = False
    ratio: tuple[str, str] | None = None  # (numerator, denominator) for ratios of means


MEASURES: tuple[Measure, ...] = (
    Measure("detentions_avoided", "detentions a year",
            "Section 136 detentions avoided", prob_positive=True),
    Measure("ae_attendances_avoided", "attendances a year",
            "A&E attendances (conveyances) avoided", prob_positive=True),
    Measure("officer_hours_released", "officer-hours a year",
            "frontline officer hours released", prob_positive=True),
    Measure("car_hours", "car-hours a year", "car-hours paid (on shift plus overtime)"),
    Measure("crew_vehicle_cost", "£ a year", "crew and vehicle cost of the car-hours"),
    Measure("fixed_cost", "£ a year", "management and training"),
    Measure("scheme_cost", "£ a year", "crew_vehicle_cost + fixed_cost"),
    Measure("setup_cost", "£ one-off", "set-up cost (once, not a year)"),
    Measure("savings_nhs", "£ a year",
            "NHS costs avoided: detentions, A&E attendances and conveyances (cash view)"),
    Measure("savings_police", "£ a year",
            "officer hours released x officer_hour (not cash: officers are still paid)"),
    Measure("savings_total", "£ a year", "savings_nhs + savings_police"),
    Measure("net_cost_cash", "£ a year", "scheme_cost - savings_nhs"),
    Measure("net_benefit_cash", "£ a year", "savings_nhs - scheme_cost", prob_positive=True),
    Measure("net_cost_with_police", "£ a year", "scheme_cost - savings_total"),
    Measure("net_benefit_with_police", "£ a year", "savings_total - scheme_cost",
            prob_positive=True),
    Measure("benefit_cost_ratio_cash", "ratio", "savings_nhs / scheme_cost",
            ratio=("savings_nhs", "scheme_cost")),
    Measure("benefit_cost_ratio_with_police", "ratio", "savings_total / scheme_cost",
            ratio=("savings_total", "scheme_cost")),
    Measure("roi_cash", "ratio", "(savings_nhs - scheme_cost) / scheme_cost",
            prob_positive=True, ratio=("net_benefit_cash", "scheme_cost")),
    Measure("roi_with_police", "ratio", "(savings_total - scheme_cost) / scheme_cost",
            prob_positive=True, ratio=("net_benefit_with_police", "scheme_cost")),
    Measure("cost_per_detention_avoided", "£ per detention",
            "scheme_cost / detentions_avoided", ratio=("scheme_cost", "detentions_avoided")),
    Measure("net_cost_per_detention_avoided", "£ per detention",
            "net_cost_cash / detentions_avoided",
            ratio=("net_cost_cash", "detentions_avoided")),
    Measure("cost_per_officer_hour_released", "£ per officer-hour",
            "scheme_cost / officer_hours_released",
            ratio=("scheme_cost", "officer_hours_released")),
    Measure("net_cost_per_officer_hour_released", "£ per officer-hour",
            "net_cost_cash / officer_hours_released",
            ratio=("net_cost_cash", "officer_hours_released")),
    Measure("payback_years_cash", "years",
            "setup_cost / net_benefit_cash; inf (never) when net_benefit_cash <= 0"),
    Measure("payback_years_with_police", "years",
            "setup_cost / net_benefit_with_police; inf (never) when it is <= 0"),
)
"""Every measure of ``economics.csv``, in order."""

MEASURE_NAMES = tuple(m.name for m in MEASURES)
BY_NAME = {m.name: m for m in MEASURES}

COMPONENTS = ("detentions_avoided", "ae_attendances_avoided", "officer_hours_released",
              "car_hours", "crew_vehicle_cost", "fixed_cost", "scheme_cost", "setup_cost",
              "savings_nhs", "savings_police")
"""Per-replication annual figures of one scenario; comparisons difference them."""

COLUMNS = ["scenario", "comparator", "measure", "unit", "mean", "sd", "ci_low", "ci_high", "n",
           "prob_positive"]
"""Columns of ``economics.csv``."""


# ----------------------------------------------------------------- one scenario


def annual_factor(weeks: float) -> float:
    """Multiplier from a total over ``weeks`` measured weeks to a year (52.18 / weeks)."""
    if weeks <= 0:
        raise ValueError(f"weeks must be positive, got {weeks}")
    return WEEKS_PER_YEAR / weeks


def crew_cost_per_hour(officers: int, clinicians: int, costs: Costs) -> float:
    """Cost of one car-hour: the car's crew plus the vehicle."""
    return (officers * costs.officer_hour + clinicians * costs.clinician_hour
            + costs.vehicle_per_car_hour)


def fixed_annual_cost(n_cars: int, costs: Costs) -> float:
    """Management (once, if there is any car) plus training per car, a year."""
    if n_cars <= 0:
        return 0.0
    return costs.management_per_year + costs.training_per_car_per_year * n_cars


def annual_components(scenario: Scenario, replications: pd.DataFrame, by_car: pd.DataFrame,
                      weeks: int, costs: Costs | None = None) -> pd.DataFrame:
    """Annual costs, savings and effects of one scenario, one row per replication.

    Parameters
    ----------
    scenario
        The scenario (its cars' crews; its ``costs`` unless ``costs`` is given).
    replications
        This scenario's rows of ``RunResult.replications``.
    by_car
        This scenario's rows of ``RunResult.by_car`` (car-hours and overtime per car).
    weeks
        Measured weeks of the run.
    costs
        Unit costs to use instead of ``scenario.costs``.

    Returns
    -------
    pandas.DataFrame
        Indexed by replication, one column per name in :data:`COMPONENTS`.
    """
    costs = costs if costs is not None else scenario.costs
    reps = replications.set_index("replication").sort_index()
    index = reps.index
    out = pd.DataFrame(0.0, index=index, columns=list(COMPONENTS))
    if not scenario.cars:
        return out  # no scheme: no cost, nothing avoided
    if costs is None:
        raise ValueError(f"scenario {scenario.name!r} has cars but no costs: block")
    a = annual_factor(weeks)
    crew = {c.name: crew_cost_per_hour(c.officers, c.clinicians, costs) for c in scenario.cars}
    cars = by_car.assign(paid=by_car["car_shift_hours"] + by_car["car_overtime_hours"])
    cars = cars.assign(cost=cars["paid"] * cars["car"].map(crew))
    per_rep = cars.groupby("replication")[["paid", "cost"]].sum().reindex(index, fill_value=0.0)
    out["car_hours"] = a * per_rep["paid"]
    out["crew_vehicle_cost"] = a * per_rep["cost"]
    out["fixed_cost"] = fixed_annual_cost(len(scenario.cars), costs)
    out["scheme_cost"] = out["crew_vehicle_cost"] + out["fixed_cost"]
    out["setup_cost"] = costs.setup_per_car * len(scenario.cars)
    out["detentions_avoided"] = a * reps["s136_avoided"]
    out["ae_attendances_avoided"] = a * reps["ae_avoided"]
    out["officer_hours_released"] = a * reps["officer_hours_saved"]
    out["savings_nhs"] = (out["detentions_avoided"] * costs.s136_detention
                          + out["ae_attendances_avoided"]
                          * (costs.ae_attendance + costs.ae_conveyance))
    out["savings_police"] = out["officer_hours_released"] * costs.officer_hour
    return out


# ------------------------------------------------------------------ comparisons


def paired(scenario: pd.DataFrame, comparator: pd.DataFrame | None) -> pd.DataFrame:
    """Per-replication differences ``scenario - comparator`` of the components, plus
    the derived per-replication measures (net benefits, savings_total, net costs).

    Replications present in only one of the two are dropped (pairing needs both).
    """
    if comparator is None:
        diff = scenario.copy()
    else:
        common = scenario.index.intersection(comparator.index)
        diff = scenario.loc[common, list(COMPONENTS)] - comparator.loc[common, list(COMPONENTS)]
    diff["savings_total"] = diff["savings_nhs"] + diff["savings_police"]
    diff["net_cost_cash"] = diff["scheme_cost"] - diff["savings_nhs"]
    diff["net_benefit_cash"] = -diff["net_cost_cash"]
    diff["net_cost_with_police"] = diff["scheme_cost"] - diff["savings_total"]
    diff["net_benefit_with_police"] = -diff["net_cost_with_police"]
    return diff


def ratio_of_means(num: np.ndarray, den: np.ndarray, confidence: float = CONFIDENCE
                   ) -> tuple[float, float, float, float, int]:
    """``mean(num) / mean(den)`` with a delta-method t-interval over paired replications.

    ``Var(R) ~ (var(num) - 2 R cov(num, den) + R^2 var(den)) / (n mean(den)^2)``. NaN when
    ``mean(den) <= 0`` (no cost, or nothing avoided: the ratio has no meaning).

    Returns
    -------
    tuple
        ``(ratio, sd, ci_low, ci_high, n)`` with ``sd`` the per-replication standard
        deviation of the linearised ratio (``sd / sqrt(n)`` is the standard error).
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    ok = ~(np.isnan(num) | np.isnan(den))
    num, den = num[ok], den[ok]
    n = int(num.size)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean_den = float(den.mean())
    if mean_den <= 0:
        return math.nan, math.nan, math.nan, math.nan, n
    r = float(num.mean()) / mean_den
    if n < 2:
        return r, math.nan, math.nan, math.nan, n
    resid = (num - r * den) / mean_den  # linearised ratio, one value per replication
    _, sd, lo, hi, _ = t_interval(resid, confidence)  # mean of resid is 0
    half = (hi - lo) / 2
    return r, sd, r - half, r + half, n


def payback(setup: float, net_benefit: float) -> float:
    """Years for a net annual benefit to repay a one-off set-up cost.

    ``setup / net_benefit`` when ``net_benefit > 0`` (0 with no set-up cost: every year
    pays for itself); ``inf`` (never) when ``net_benefit <= 0`` or is unknown.
    """
    if not (isinstance(net_benefit, int | float) and net_benefit > 0):
        return math.inf
    return max(setup, 0.0) / net_benefit


def summarise_pair(diff: pd.DataFrame, scenario: str, comparator: str) -> pd.DataFrame:
    """Tidy rows (:data:`COLUMNS`) of every measure for one comparison.

    Sums and differences: mean with a 95% t-interval over replications. Ratios: ratio of
    means with a delta-method interval. Payback: from the mean net benefit and the ends of
    its interval (``inf`` = never). ``prob_positive``: the share of replications whose
    value is above 0 (net benefits, ROI, effects).
    """
    rows = []
    stats: dict[str, tuple[float, float, float, float, int]] = {}
    for m in MEASURES:
        if m.name.startswith("payback_years"):
            continue
        if m.ratio is not None:
            values = ratio_of_means(diff[m.ratio[0]].to_numpy(), diff[m.ratio[1]].to_numpy())
        else:
            values = t_interval(diff[m.name].to_numpy())
        stats[m.name] = values
    setup = float(diff["setup_cost"].mean()) if len(diff) else math.nan
    for view in VIEWS:
        mean, _sd, lo, hi, n = stats[f"net_benefit_{view}"]
        stats[f"payback_years_{view}"] = (payback(setup, mean), math.nan, payback(setup, hi),
                                          payback(setup, lo), n)
    for m in MEASURES:
        mean, sd, lo, hi, n = stats[m.name]
        prob = math.nan
        if m.prob_positive and len(diff):
            column = f"net_benefit_{m.name[4:]}" if m.name.startswith("roi_") else m.name
            prob = float((diff[column] > 0).mean())
        rows.append({"scenario": scenario, "comparator": comparator, "measure": m.name,
                     "unit": m.unit, "mean": mean, "sd": sd, "ci_low": lo, "ci_high": hi,
                     "n": n, "prob_positive": prob})
    return pd.DataFrame(rows, columns=COLUMNS)


# ------------------------------------------------------------- the whole run


@dataclass
class Economics:
    """The funding case of a run.

    Attributes
    ----------
    table
        Tidy rows (:data:`COLUMNS`): one per comparison and measure (``economics.csv``).
    pairs
        ``(scenario, comparator)`` names, in order.
    per_replication
        Per comparison, the per-replication annual figures (:func:`paired`).
    components
        Per scenario, :func:`annual_components`.
    notes
        Plain-language notes (scenarios left out and why, differing prices).
    costs
        Per scenario name, its costs (or None).
    """

    table: pd.DataFrame
    pairs: list[tuple[str, str]]
    per_replication: dict[tuple[str, str], pd.DataFrame]
    components: dict[str, pd.DataFrame]
    notes: list[str]
    costs: dict[str, Costs | None]

    def value(self, scenario: str, comparator: str, measure: str, column: str = "mean"
              ) -> float:
        """One number of :attr:`table`."""
        t = self.table
        row = t[(t.scenario == scenario) & (t.comparator == comparator) & (t.measure == measure)]
        return float(row[column].iloc[0]) if len(row) else math.nan

    def price_year(self) -> int | None:
        years = {c.price_year for c in self.costs.values() if c is not None}
        return years.pop() if len(years) == 1 else None


def _weeks(result, name: str) -> int:
    return result.settings[name].weeks


def has_economics(scenario: Scenario) -> bool:
    """Whether a scenario can be costed: it has a ``costs`` block or has no car."""
    return scenario.costs is not None or not scenario.cars


def comparison_pairs(scenarios: Sequence[Scenario], baseline: str | None,
                     scheme_cost: dict[str, float]) -> list[tuple[str, str]]:
    """Which comparisons to make.

    Every scenario against the baseline; and, so that "should we fund one more car?" is
    answered too, each scenario against the next cheaper one (by mean annual scheme cost)
    when that is not the baseline. Without a baseline, each scenario with cars against its
    calls' own standard-response counterfactual (:data:`COUNTERFACTUAL`).
    """
    names = [s.name for s in scenarios]
    if baseline is None or baseline not in names:
        return [(s.name, COUNTERFACTUAL) for s in scenarios if s.cars]
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


def compute(result, costs: dict[str, Costs | None] | None = None,
            pairs: Sequence[tuple[str, str]] | None = None) -> Economics:
    """The funding case of a :class:`~sim.run.runner.RunResult`.

    Parameters
    ----------
    result
        A finished run.
    costs
        Unit costs per scenario name, replacing the scenarios' own ``costs`` blocks (the
        probabilistic sensitivity analysis uses this; no re-simulation).
    pairs
        ``(scenario, comparator)`` comparisons; default :func:`comparison_pairs`.
    """
    notes: list[str] = []
    used: dict[str, Costs | None] = {}
    components: dict[str, pd.DataFrame] = {}
    by_scenario = dict(tuple(result.replications.groupby("scenario", sort=False)))
    by_car = dict(tuple(result.by_car.groupby("scenario", sort=False)))
    empty_cars = result.by_car.iloc[0:0]
    for s in result.scenarios:
        c = (costs or {}).get(s.name, s.costs)
        used[s.name] = c
        if s.cars and c is None:
            notes.append(f"{s.name} has no costs: block, so it is left out of the funding "
                         "case.")
            continue
        components[s.name] = annual_components(s, by_scenario[s.name],
                                               by_car.get(s.name, empty_cars),
                                               _weeks(result, s.name), c)
    mean_cost = {n: float(df["scheme_cost"].mean()) for n, df in components.items()}
    if pairs is None:
        pairs = comparison_pairs(result.scenarios, result.baseline, mean_cost)
    kept, tables, per_rep = [], [], {}
    for scen, comp in pairs:
        if scen not in components or (comp != COUNTERFACTUAL and comp not in components):
            continue
        diff = paired(components[scen], None if comp == COUNTERFACTUAL else components[comp])
        per_rep[(scen, comp)] = diff
        tables.append(summarise_pair(diff, scen, comp))
        kept.append((scen, comp))
    prices = {(c.s136_detention, c.ae_attendance, c.ae_conveyance, c.officer_hour)
              for n, c in used.items() if c is not None and n in components}
    if len(prices) > 1:
        notes.append("The scenarios value detentions, A&E attendances or officer hours at "
                     "different prices; each scenario is valued at its own prices.")
    years = {c.price_year for c in used.values() if c is not None}
    if len(years) > 1:
        notes.append(f"The scenarios' costs are in different price years ({sorted(years)}): "
                     "comparisons between them mix price years.")
    table = (pd.concat(tables, ignore_index=True) if tables
             else pd.DataFrame(columns=COLUMNS))
    return Economics(table=table, pairs=kept, per_replication=per_rep, components=components,
                     notes=notes, costs=used)


# ------------------------------------------------------------------ wording


def verdict(econ: Economics, scenario: str, comparator: str,
            psa_prob: dict[str, float] | None = None, draws: int = 0) -> str:
    """One plain-language line: the net benefit a year with its interval, in both views.

    ``psa_prob`` (view -> share of PSA draws with a positive net benefit) and ``draws``
    add the probability over the uncertain inputs.

    Examples
    --------
    ``cpft_one_car vs no_car: net benefit -£82,100 a year in NHS cash (95% interval -£85,300
    to -£78,900), positive in 0% of replications; £29,300 counting police time (95%
    interval £22,400 to £36,100), positive in 90% of replications``
    """
    parts = []
    for view, label in (("cash", "in NHS cash"), ("with_police", "counting police time")):
        m = f"net_benefit_{view}"
        mean = econ.value(scenario, comparator, m)
        lo = econ.value(scenario, comparator, m, "ci_low")
        hi = econ.value(scenario, comparator, m, "ci_high")
        p = econ.value(scenario, comparator, m, "prob_positive")
        lead = "net benefit " if view == "cash" else ""
        tail = " a year" if view == "cash" else ""
        text = (f"{lead}{money(mean)}{tail} {label} (95% interval {money(lo)} to {money(hi)}), "
                f"positive in {percent(p)} of replications")
        if psa_prob and view in psa_prob and draws:
            text += f" and {percent(psa_prob[view])} of {draws} PSA draws"
        parts.append(text)
    return f"{scenario} vs {comparator}: " + "; ".join(parts)

