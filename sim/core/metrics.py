"""Metric definitions: the one place that names every output metric.

Each replication yields one value per metric; :func:`derive` turns the model's raw
counters into the metric values. ``docs/metrics.md`` describes the same metrics in
prose and is checked against :data:`METRICS` by the tests.

Counts and hours cover calls that *arrive* in the measured weeks (after the warm-up).
Car time (shift, busy, overtime) is the part of it that falls inside the measured weeks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sim.common.units import DAYS_PER_MONTH, MINUTES_PER_WEEK
from sim.core.counters import RAW_COUNTER_NAMES


@dataclass(frozen=True)
class Metric:
    """One output metric: its CSV column ``name``, ``unit``, a human ``title`` (console,
    plots, report) and a one-line ``description`` (its formula, for ``docs/metrics.md``)."""

    name: str
    unit: str
    title: str
    description: str


METRICS: tuple[Metric, ...] = (
    Metric("mh_calls", "calls", "Mental-health calls",
           "mental-health calls needing a deployment"),
    Metric("car_attended", "calls", "Calls attended by a car",
           "mental-health calls attended by a car"),
    Metric("unmet_off_shift", "calls", "Unmet calls: no car on shift",
           "calls arriving when no car was on shift"),
    Metric("unmet_busy", "calls", "Unmet calls: car(s) busy",
           "calls arriving with a car on shift but none free in time"),
    Metric("waiting_at_end", "calls", "Calls still waiting at the end",
           "calls still waiting for a car when the run ended"),
    Metric("not_for_car", "calls", "Not sent to the car (call type)",
           "calls of types the car is not sent to (case_mix sent_to_car: false)"),
    Metric("waited", "calls", "Calls that waited for a car",
           "car-attended calls that waited for a car to come free"),
    Metric("handed_over", "calls", "Car jobs handed over at shift end",
           "car jobs passed to standard response at shift end"),
    Metric("other_jobs_arrived", "jobs", "Other police jobs arising",
           "other (non-mental-health) jobs arising"),
    Metric("other_jobs_attended", "jobs", "Other jobs attended by a car",
           "other jobs attended by a car"),
    Metric("s136", "detentions", "Section 136 detentions",
           "Section 136 detentions"),
    Metric("s136_baseline", "detentions", "Section 136 detentions with no car",
           "detentions of the same calls with no car"),
    Metric("s136_avoided", "detentions", "Section 136 detentions avoided",
           "s136_baseline - s136"),
    Metric("ae_conveyances", "conveyances", "A&E conveyances",
           "conveyances to A&E"),
    Metric("ae_baseline", "conveyances", "A&E conveyances with no car",
           "A&E conveyances of the same calls with no car"),
    Metric("ae_avoided", "conveyances", "A&E conveyances avoided",
           "ae_baseline - ae_conveyances"),
    Metric("officer_hours", "hours", "Frontline officer hours",
           "frontline officer hours on mental-health calls"),
    Metric("officer_hours_baseline", "hours", "Frontline officer hours with no car",
           "frontline officer hours for the same calls, no car"),
    Metric("officer_hours_saved", "hours", "Frontline officer hours saved",
           "officer_hours_baseline - officer_hours"),
    Metric("car_shift_hours", "car-hours", "Car-hours on shift",
           "hours cars were on shift"),
    Metric("car_busy_hours", "car-hours", "Car-hours busy on shift",
           "hours cars were on a job while on shift"),
    Metric("car_overtime_hours", "car-hours", "Car-hours after the shift",
           "hours cars were on a job after their shift"),
    Metric("car_utilisation", "fraction", "Car utilisation (busy / on shift)",
           "car_busy_hours / car_shift_hours"),
    Metric("car_incidents_per_month", "calls per car per month", "Calls attended per car per month",
           "car_attended per car per 30.44 days"),
    Metric("mean_car_response_minutes", "minutes", "Mean car response time",
           "mean wait for a car plus car travel time, over car-attended calls"),
    Metric("cr_screened", "calls", "Calls advised by the control room",
           "calls a control-room practitioner advised on by phone"),
    Metric("cr_resolved_by_phone", "calls", "Calls resolved by phone",
           "screened calls resolved by phone (u_deploy < p_no_deployment): no deployment"),
    Metric("cr_unscreened_busy", "calls", "Not screened: practitioners busy",
           "calls passed to the control room while every practitioner on shift was busy"),
    Metric("cr_unscreened_off_shift", "calls", "Not screened: control room closed",
           "calls arriving with no practitioner on shift"),
    Metric("cr_not_passed", "calls", "Not passed to the control room",
           "calls with a practitioner on shift but not passed (u_screen >= share_screened)"),
    Metric("cr_shift_hours", "practitioner-hours", "Practitioner-hours on shift",
           "practitioners x hours the control room was on shift"),
    Metric("cr_busy_hours", "practitioner-hours", "Practitioner-hours busy on shift",
           "practitioner hours on a call while on shift"),
    Metric("cr_utilisation", "fraction", "Control-room utilisation (busy / on shift)",
           "cr_busy_hours / cr_shift_hours"),
    Metric("car_phone_advised", "calls", "Calls advised by a car by phone",
           "calls of types no car is sent to that a free car on shift advised on by phone "
           "(cars[].phone_advice)"),
    Metric("car_resolved_by_phone", "calls", "Calls resolved by a car by phone",
           "calls a car advised on by phone resolved (u_deploy < p_no_deployment): no "
           "deployment"),
    Metric("deployments_avoided", "calls", "Standard-response deployments avoided",
           "cr_resolved_by_phone + car_resolved_by_phone + car_attended: calls that got no "
           "frontline deployment"),
    Metric("officer_hours_per_call", "hours per call", "Frontline officer hours per call",
           "officer_hours / mh_calls: police time per mental-health incident"),
    Metric("officer_hours_per_call_baseline", "hours per call",
           "Frontline officer hours per call with no scheme",
           "officer_hours_baseline / mh_calls"),
    Metric("other_jobs_car_hours", "car-hours", "Car-hours on other police jobs",
           "car hours on other (non-mental-health) jobs arising in the measured weeks"),
    Metric("officer_hours_per_s136", "hours per detention", "Police hours per detention",
           "police officer hours on detained calls (dispatch to release, car crews "
           "included) / s136; with a pathway only"),
    Metric("officer_hours_per_s136_baseline", "hours per detention",
           "Police hours per detention with no scheme",
           "the same in the do-minimum world; with a pathway only"),
    Metric("car_officer_hours_per_s136", "hours per detention",
           "Police hours per detention after a car attendance",
           "police officer hours on detentions after a car attendance / their number; "
           "with a pathway only"),
    Metric("pos_occupancy", "beds", "Place-of-safety beds occupied (mean)",
           "bed hours occupied in the measured weeks / hours in them"),
    Metric("pos_waits", "detentions", "Detentions that waited for a bed",
           "detentions that waited for a place-of-safety bed"),
    Metric("pos_wait_hours", "hours", "Hours waited for a bed",
           "hours detained people (and their officers) waited for a bed, diverts included"),
    Metric("pos_ae_first", "detentions", "Taken to A&E first: medical need",
           "detentions taken straight to A&E as the place of safety (p_ae_first), whatever "
           "the beds; they never queue for a bed"),
    Metric("pos_diverted_ae", "detentions", "Diverted to A&E: no bed",
           "detentions taken to A&E because no bed came free in time"),
    Metric("pos_diverted_custody", "detentions", "Diverted to custody: no bed",
           "detentions taken to custody because no bed came free in time"),
    Metric("pos_diverted_baseline", "detentions", "Diverted with no scheme",
           "diverts to A&E or custody in the do-minimum world"),
    Metric("s136_breaches_24h", "detentions", "Detentions over the 24-hour limit",
           "detentions whose time from arrival at the place of safety to the end of the "
           "assessment (or of the A&E hold) passed legal_limit_hours"),
    Metric("s136_breaches_baseline", "detentions", "Detentions over the limit, no scheme",
           "the same in the do-minimum world"),
    Metric("ambulance_wait_hours", "hours", "Hours waiting for an ambulance",
           "hours officers waited with a detained person for an ambulance"),
)

METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}

HEADLINE: tuple[str, ...] = (
    "car_attended", "unmet_off_shift", "unmet_busy", "s136_avoided", "ae_avoided",
    "officer_hours_saved", "car_utilisation", "car_incidents_per_month",
)
"""The headline metrics, in order: the console table, ``key_metrics.png`` and the report."""

NO_SCHEME: dict[str, str] = {
    "s136": "s136_baseline",
    "ae_conveyances": "ae_baseline",
    "officer_hours": "officer_hours_baseline",
    "s136_breaches_24h": "s136_breaches_baseline",
    "officer_hours_per_s136": "officer_hours_per_s136_baseline",
    "officer_hours_per_call": "officer_hours_per_call_baseline",
}
"""Metrics whose value with no scheme (the same calls, the standard response; the
do-minimum world of the Section 136 pathway) every replication also reports, by name."""

EFFECTS: tuple[str, ...] = (
    "s136_avoided", "officer_hours_saved", "unmet_busy", "unmet_off_shift", "car_attended",
)
"""What a design changes, as paired differences: ``differences.png`` and sweep summaries."""


def title(name: str) -> str:
    """The human title of a metric (its name if it is not a metric)."""
    metric = BY_NAME.get(name)
    return metric.title if metric else name


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def _no_rounding_below_zero(value: float, scale: float) -> float:
    """0 for a difference that is below zero only by floating-point rounding.

    Totals built from per-call sums in different orders (a NumPy sum against a running
    sum) can land a few ulps below a true 0; a genuinely negative value is kept.
    """
    if -1e-9 * max(1.0, abs(scale)) < value < 0:
        return 0.0
    return value


def derive(raw: Mapping[str, float], n_cars: int, weeks: int, *,
           pathway: bool = False) -> dict[str, float]:
    """Metric values of one replication from the model's raw counters.

    Parameters
    ----------
    raw
        One value per raw counter of :data:`sim.core.counters.RAW_COUNTERS` (no more, no
        fewer), as :mod:`sim.core.model` fills them; every one of them is used.
    n_cars
        Number of cars in the scenario.
    weeks
        Measured weeks.
    pathway
        Whether the scenario has a Section 136 pathway; without one the per-detention
        police hours are not modelled (NaN).

    Raises
    ------
    ValueError
        When ``raw`` has other counters than the declared ones.
    """
    if raw.keys() != _RAW_NAMES:
        raise ValueError(f"raw counters {sorted(raw)} are not {sorted(_RAW_NAMES)}")
    m = {k: raw[k] for k in (  # counters that are metrics as they stand
        "mh_calls", "car_attended", "unmet_off_shift", "unmet_busy", "waiting_at_end", "waited",
        "not_for_car", "handed_over", "other_jobs_arrived", "other_jobs_attended",
        "s136_baseline", "ae_baseline", "pos_waits", "pos_wait_hours", "pos_ae_first",
        "pos_diverted_ae",
        "pos_diverted_custody", "pos_diverted_baseline", "s136_breaches_24h",
        "s136_breaches_baseline", "ambulance_wait_hours",
    )}
    m["s136"] = raw["s136_baseline"] - raw["s136_avoided"]
    m["s136_avoided"] = raw["s136_baseline"] - m["s136"]
    m["ae_conveyances"] = raw["ae_baseline"] - raw["ae_avoided"]
    m["ae_avoided"] = raw["ae_baseline"] - m["ae_conveyances"]
    # Officer hours before a detention's journey, per call (the counterfactual of each
    # call), plus the journeys of each world (0.0 without a pathway: the same numbers).
    m["officer_hours_baseline"] = (raw["officer_hours_baseline"]
                                   + raw["pathway_officer_hours_baseline"])
    m["officer_hours"] = _no_rounding_below_zero(
        raw["officer_hours_baseline"] - raw["officer_hours_saved_raw"],
        raw["officer_hours_baseline"]) + raw["pathway_officer_hours"]
    m["officer_hours_saved"] = m["officer_hours_baseline"] - m["officer_hours"]
    m["officer_hours_per_call"] = _ratio(m["officer_hours"], m["mh_calls"])
    m["officer_hours_per_call_baseline"] = _ratio(m["officer_hours_baseline"], m["mh_calls"])
    m["other_jobs_car_hours"] = raw["other_jobs_car_minutes"] / 60.0
    nan = math.nan
    m["officer_hours_per_s136"] = (_ratio(raw["s136_police_hours"], m["s136"])
                                   if pathway else nan)
    m["officer_hours_per_s136_baseline"] = (
        _ratio(raw["s136_police_hours_baseline"], raw["s136_baseline"]) if pathway else nan)
    m["car_officer_hours_per_s136"] = (
        _ratio(raw["car_s136_police_hours"], raw["car_s136"]) if pathway else nan)
    m["pos_occupancy"] = raw["pos_bed_minutes"] / (weeks * MINUTES_PER_WEEK) if weeks else nan
    m["car_shift_hours"] = raw["car_shift_minutes"] / 60.0
    m["car_busy_hours"] = raw["car_busy_minutes"] / 60.0
    m["car_overtime_hours"] = _no_rounding_below_zero(raw["car_overtime_minutes"] / 60.0,
                                                      m["car_busy_hours"])
    m["car_utilisation"] = _ratio(m["car_busy_hours"], m["car_shift_hours"])
    months = weeks * 7 / DAYS_PER_MONTH
    m["car_incidents_per_month"] = (
        _ratio(m["car_attended"], n_cars * months) if n_cars else math.nan
    )
    m["mean_car_response_minutes"] = _ratio(raw["response_minutes_sum"], m["car_attended"])
    for name in ("cr_screened", "cr_resolved_by_phone", "cr_unscreened_busy",
                 "cr_unscreened_off_shift", "cr_not_passed", "car_phone_advised",
                 "car_resolved_by_phone"):
        m[name] = raw[name]
    m["cr_shift_hours"] = raw["cr_shift_minutes"] / 60.0
    m["cr_busy_hours"] = raw["cr_busy_minutes"] / 60.0
    m["cr_utilisation"] = _ratio(m["cr_busy_hours"], m["cr_shift_hours"])
    m["deployments_avoided"] = (raw["cr_resolved_by_phone"] + raw["car_resolved_by_phone"]
                                + raw["car_attended"])
    if m.keys() != _METRIC_SET:  # every metric derived, and nothing else
        raise RuntimeError(f"derive() made {sorted(m)}, not the metrics {sorted(_METRIC_SET)}")
    return {name: float(m[name]) for name in METRIC_NAMES}


_RAW_NAMES = frozenset(RAW_COUNTER_NAMES)
_METRIC_SET = frozenset(METRIC_NAMES)
