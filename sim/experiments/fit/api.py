"""``fit_incidents``: an incident export in, a fitted scenario and its evidence out.

The steps (``docs/fit.md``): read and check the export (:mod:`.reader`); count the hours
observed in each hour-of-week cell and week (:mod:`.exposure`); test the weekly counts for
trend, a yearly cycle and over-dispersion (:mod:`.rates`); estimate the 168 rates from the
demand window (the whole fitting period, or its last 52 weeks when demand has a trend);
fit officer time (:mod:`.durations`) and outcome shares; build the scenario
(:mod:`.fitted_scenario`); with a hold-out fraction, simulate it over the later part and
compare (:mod:`.holdout`). Nothing is written here: :func:`write_fit_outputs` writes the
scenario and the tables, :mod:`sim.reporting.fit_report` the report.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.common.atomic import write_csv, write_text
from sim.common.errors import InputError, Problem, ScenarioError
from sim.common.units import DAYS_PER_MONTH, DAYS_PER_YEAR, HOURS_PER_WEEK
from sim.experiments.fit.durations import DurationFit, durations_table, fit_durations
from sim.experiments.fit.exposure import Grid, cells_and_weeks, counts_matrix, exposure_grid
from sim.experiments.fit.fitted_scenario import (
    MIN_CAR_INCIDENTS,
    Entry,
    FittedScenario,
    Share,
    number,
    plan_probability,
    quote,
)
from sim.experiments.fit.holdout import FitBasis, HoldoutObserved, HoldoutResult, run_holdout
from sim.experiments.fit.mapping import read_mapping
from sim.experiments.fit.rates import (
    CONFIDENCE,
    THIN_MEAN_PER_CELL,
    DayHourFit,
    TrendTest,
    cell_dispersion,
    day_hour_model,
    garwood,
    rate_table,
    trend_test,
    wilson,
)
from sim.experiments.fit.reader import Incidents, read_incidents
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

SHIPPED_BASE = Path(__file__).resolve().parents[3] / "scenarios" / "_base.yaml"
"""The default base: the shipped defaults, ``scenarios/_base.yaml``."""

RECENT_WEEKS = 52
HOLDOUT_REPS = 50
SCENARIO_FILE = "fitted_scenario.yaml"
PROFILES = ("auto", "cells", "day_hour")
WINDOWS = ("auto", "all", "last_year")


@dataclass(frozen=True)
class FitResult:
    """Everything estimated from one export (see ``docs/fit.md`` for each table)."""

    source: str
    """The export's file name (no folder: a path can name a person)."""
    base: Path
    timezone: str
    period: tuple[dt.date, dt.date]
    fit_period: tuple[dt.date, dt.date]
    window: tuple[dt.date, dt.date]
    """The weeks the demand rates rest on."""
    window_reason: str
    counts: dict[str, int]
    """rows read, incidents (deployed mental health), others, skipped, outside period..."""
    skipped: dict[str, int]
    rates: pd.DataFrame
    profile_model: str
    profile_reason: str
    day_hour: DayHourFit
    calls_per_day: float
    calls_per_day_sd: float
    calls_per_day_ci: tuple[float, float]
    trend: TrendTest
    weekly: pd.DataFrame
    duration_fits: list[DurationFit]
    car_duration_fits: list[DurationFit]
    durations: pd.DataFrame
    zero_minutes: int
    outcomes: pd.DataFrame
    scenario: FittedScenario
    fitted: Scenario
    holdout: HoldoutResult | None = None
    notes: list[str] = field(default_factory=list)
    duration_sample: np.ndarray = field(default_factory=lambda: np.empty(0))
    """The officer minutes the standard-response fit rests on (numbers only)."""

    @property
    def trend_table(self) -> pd.DataFrame:
        """``trend.csv``: one row per test."""
        t = self.trend
        return pd.DataFrame([
            {"test": "trend", "estimate": t.change_per_year, "ci_low": t.change_low,
             "ci_high": t.change_high, "p_value": t.trend_p, "weeks": t.weeks,
             "method": "Poisson regression of weekly counts on time, offset = expected count "
                       "under the hour-of-week rates; estimate = change a year"},
            {"test": "seasonality", "estimate": t.seasonal_amplitude, "ci_low": math.nan,
             "ci_high": math.nan, "p_value": t.seasonal_p, "weeks": t.weeks,
             "method": "F-test of a yearly sine/cosine pair added to the trend model; "
                       "estimate = peak above average"},
            {"test": "dispersion", "estimate": t.dispersion, "ci_low": math.nan,
             "ci_high": math.nan, "p_value": t.dispersion_p, "weeks": t.weeks,
             "method": "Pearson chi-square / residual df of the weekly counts (1 = Poisson)"},
        ])


def _name(stem: str) -> str:
    return "fitted_" + (re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_") or "export")


def _load_base(base: str | Path | None) -> tuple[Path, Scenario]:
    path = Path(base) if base is not None else SHIPPED_BASE
    if not path.is_file():
        raise InputError([Problem(str(path), None, "", "base scenario file not found"
                                  + ("" if base is not None else "; give one with --base"))])
    with tempfile.TemporaryDirectory() as folder:  # a base may be partial (_base.yaml)
        probe = Path(folder) / "base.yaml"
        probe.write_text(f"name: base\nextends: {quote(str(path.resolve()))}\n",
                         encoding="utf-8")
        try:
            return path, load_scenario(probe)
        except ScenarioError as exc:
            raise InputError([p for p in exc.problems if p.file != str(probe)]
                             or exc.problems) from None


def _years(grid: Grid, weeks: np.ndarray) -> np.ndarray:
    """The middle of each week's observed hours, in years from the start of week 0."""
    hours = grid.hours[weeks]
    offsets = np.arange(HOURS_PER_WEEK) + 0.5
    mid = (hours * offsets).sum(axis=1) / np.maximum(hours.sum(axis=1), 1e-12)
    return (weeks * HOURS_PER_WEEK + mid) / 24 / DAYS_PER_YEAR


def _gamma_ci(mean: float, sd: float) -> tuple[float, float]:
    if sd <= 0:
        return mean, mean
    shape = (mean / sd) ** 2
    dist = stats.gamma(a=shape, scale=mean / shape)
    return float(dist.ppf((1 - CONFIDENCE) / 2)), float(dist.ppf((1 + CONFIDENCE) / 2))


def _outcome_counts(frame: pd.DataFrame) -> np.ndarray:
    codes = frame["outcome"].astype(str).to_numpy()
    return np.array([(codes == "s136").sum(), (codes == "ae").sum(), (codes == "none").sum()])


def _outcome_rows(pathway: str, counts: np.ndarray, period: str) -> list[dict]:
    n = int(counts.sum())
    rows = []
    for name, k in zip(("s136", "ae", "none"), counts, strict=True):
        low, high = wilson(float(k), n)
        rows.append({"pathway": pathway, "measure": f"share_{name}", "count": int(k),
                     "denominator": n, "estimate": k / n if n else math.nan, "ci_low": low,
                     "ci_high": high, "method": "Wilson score interval", "period": period})
    rest = n - int(counts[0])
    low, high = wilson(float(counts[1]), rest)
    rows.append({"pathway": pathway, "measure": "p_conveyed_ae_given_no_s136",
                 "count": int(counts[1]), "denominator": rest,
                 "estimate": counts[1] / rest if rest else math.nan, "ci_low": low,
                 "ci_high": high, "method": "Wilson score interval", "period": period})
    return rows


def _period_text(start: dt.date, end: dt.date) -> str:
    return f"{start.isoformat()} to {(end - dt.timedelta(days=1)).isoformat()}"


def fit_incidents(path: str | Path, *, mapping: str | Path | None = None,
                  base: str | Path | None = None, holdout: float | None = None,
                  skip_bad_rows: bool = False, profile: str = "auto",
                  demand_window: str = "auto", seed: int | None = None,
                  holdout_reps: int = HOLDOUT_REPS) -> FitResult:
    """Fit demand, officer time and outcomes to an incident export.

    Parameters
    ----------
    path
        The export (CSV; canonical columns of ``docs/fit.md``, or any with ``mapping``).
    mapping
        A mapping file (YAML) naming the export's columns and codes.
    base
        The scenario the fitted one extends (default ``scenarios/_base.yaml``).
    holdout
        Fraction of the period (0 to 1, at the end) kept back to test the fitted scenario
        against; ``None`` fits on everything and tests nothing.
    skip_bad_rows
        Skip (and count) rows with problems instead of stopping.
    profile
        ``cells`` (168 free rates), ``day_hour`` (day x hour model) or ``auto`` (the day x
        hour model when there are fewer than 10 incidents per cell on average).
    demand_window
        ``all`` (the whole fitting period), ``last_year`` (its last 52 weeks) or ``auto``
        (the last 52 weeks when the trend test finds a trend, else all).
    seed, holdout_reps
        The hold-out simulation's seed (default: the base's) and replications.

    Raises
    ------
    InputError
        Problems with the export, the mapping file, the base or the arguments (each with
        file, line and column); nothing is fitted.
    """
    problems = []
    if holdout is not None and not (isinstance(holdout, int | float) and 0 < holdout < 1):
        problems.append(Problem("--holdout", None, "", f"must be a fraction between 0 and 1, "
                                                       f"got {holdout!r}"))
    if profile not in PROFILES:
        problems.append(Problem("--profile", None, "", f"must be one of {', '.join(PROFILES)}"))
    if demand_window not in WINDOWS:
        problems.append(Problem("--demand-window", None, "",
                                f"must be one of {', '.join(WINDOWS)}"))
    if problems:
        raise InputError(problems)
    the_mapping = read_mapping(mapping)
    base_path, base_scenario = _load_base(base)
    incidents = read_incidents(path, the_mapping, skip_bad_rows=skip_bad_rows)
    return _fit(incidents, base_path, base_scenario, holdout=holdout, profile=profile,
                demand_window=demand_window,
                seed=base_scenario.run.seed if seed is None else int(seed),
                holdout_reps=int(holdout_reps))


def _fit(incidents: Incidents, base_path: Path, base: Scenario, *, holdout: float | None,
         profile: str, demand_window: str, seed: int, holdout_reps: int) -> FitResult:
    mapping = incidents.mapping
    file = incidents.file
    grid = exposure_grid(incidents.period_start, incidents.period_end, mapping.zone)
    frame = incidents.frame
    cell, week = cells_and_weeks(frame["local"], grid.monday0)
    included = frame["included"].to_numpy()
    notes: list[str] = []

    # The fitting part and the hold-out part, split at a week boundary.
    week_hours = grid.week_hours
    split = grid.n_weeks
    if holdout is not None:
        held = max(1, int(round(holdout * week_hours.sum() / HOURS_PER_WEEK)))
        split = grid.n_weeks - held
        full = (grid.hours[:split] > 0).any(axis=0).all() if split > 0 else False
        if not full:
            raise InputError([Problem(file, None, "", f"--holdout {holdout:g} leaves less than "
                                      "a whole week to fit on; use a smaller fraction")])
    fit_weeks = np.arange(split)

    # Trend on the fitting part, with the fitting part's constant rates as the offset.
    demand_cells = counts_matrix(cell[included], week[included], grid.n_weeks)
    n_fit_c = demand_cells[:split].sum(axis=0)
    e_fit_c = grid.hours[:split].sum(axis=0)
    r_fit = np.divide(n_fit_c, e_fit_c, out=np.zeros(HOURS_PER_WEEK), where=e_fit_c > 0)
    observed_weeks = fit_weeks[week_hours[:split] > 0]
    expected = grid.hours[observed_weeks] @ r_fit
    usable = expected > 0
    trend = trend_test(demand_cells[observed_weeks].sum(axis=1)[usable], expected[usable],
                       _years(grid, observed_weeks)[usable])

    # The demand window.
    fit_span = week_hours[:split].sum() / HOURS_PER_WEEK
    recent = demand_window == "last_year" or (demand_window == "auto" and trend.significant)
    if recent and fit_span > RECENT_WEEKS:
        first = split - RECENT_WEEKS
        reason = ("the last 52 weeks of the fitting period"
                  + (": demand has a trend, so the recent level is used" if demand_window ==
                     "auto" else " (--demand-window last_year)"))
    else:
        first = 0
        reason = "the whole fitting period"
        if recent:
            reason += " (shorter than 52 weeks, so no shorter window is taken)"
    window_weeks = np.arange(first, split)
    n_c = demand_cells[window_weeks].sum(axis=0)
    e_c = grid.hours[window_weeks].sum(axis=0)
    day_hour = day_hour_model(n_c, e_c)
    mean_per_cell = n_c.sum() / HOURS_PER_WEEK
    model = profile
    if profile == "auto":
        model = "day_hour" if mean_per_cell < THIN_MEAN_PER_CELL else "cells"
        why = (f"{mean_per_cell:.1f} incidents per cell on average (fewer than "
               f"{THIN_MEAN_PER_CELL:g}): each cell's own rate would be too noisy, so the "
               "day x hour model is used" if model == "day_hour" else
               f"{mean_per_cell:.1f} incidents per cell on average: each cell's own rate is "
               "used")
    else:
        why = f"--profile {profile}"
    cell_rate = np.divide(n_c, e_c, out=np.zeros(HOURS_PER_WEEK), where=e_c > 0)
    used = day_hour.rates if model == "day_hour" else cell_rate
    dispersion = cell_dispersion(demand_cells[window_weeks], grid.hours[window_weeks])
    rates = rate_table(n_c, e_c, used, dispersion)

    weekly_rate = float(used.sum())
    var_weekly = float(np.divide(n_c, e_c**2, out=np.zeros(HOURS_PER_WEEK),
                                 where=e_c > 0).sum())
    calls_per_day = weekly_rate / 7
    cpd_sd = math.sqrt(var_weekly) / 7
    cpd_ci = _gamma_ci(calls_per_day, cpd_sd)
    window = (grid.week_start(first)[0].date() if first else incidents.period_start,
              grid.week_start(split)[0].date() if split < grid.n_weeks
              else incidents.period_end)
    fit_period = (incidents.period_start, window[1])

    # Officer time and outcomes on the fitting part.
    in_fit = included & (week < split)
    part = frame[in_fit]
    standard = part[~part["car_attended"].to_numpy()]
    car = part[part["car_attended"].to_numpy()]
    plain = standard[standard["outcome"].astype(str) == "none"]["officer_minutes"].to_numpy()
    zero = int((plain <= 0).sum())
    fits = fit_durations(plain)
    car_plain = car[car["outcome"].astype(str) == "none"]["officer_minutes"].to_numpy()
    car_fits = fit_durations(car_plain) if incidents.has_car else []
    durations = pd.concat([durations_table(fits, "standard", True),
                           durations_table(car_fits, "car", False)], ignore_index=True)
    period_text = _period_text(*fit_period)
    std_counts = _outcome_counts(standard)
    car_counts = _outcome_counts(car)
    outcome_rows = _outcome_rows("standard", std_counts, period_text)
    if incidents.has_car:
        outcome_rows += _outcome_rows("car", car_counts, period_text)
        months = grid.hours[:split].sum() / 24 / DAYS_PER_MONTH
        low, high = garwood(np.array([len(car)]), np.array([months]))
        outcome_rows.append({"pathway": "car", "measure": "incidents_per_month",
                             "count": len(car), "denominator": months,
                             "estimate": len(car) / months, "ci_low": float(low[0]),
                             "ci_high": float(high[0]),
                             "method": "Garwood exact Poisson interval", "period": period_text})
    outcomes = pd.DataFrame(outcome_rows)

    scenario = _fitted_scenario(
        incidents, base, base_path, calls_per_day=calls_per_day, cpd_sd=cpd_sd,
        cpd_ci=cpd_ci, used=used, n_window=int(n_c.sum()), window=window, model=model,
        window_reason=reason, fits=fits, std_counts=std_counts, car_counts=car_counts,
        fit_period=fit_period, holdout=holdout, notes=notes)
    fitted = _check_scenario(scenario, base_path)

    result_holdout = None
    if holdout is not None:
        held_mask = included & (week >= split)
        held = frame[held_mask]
        held_weeks = np.arange(split, grid.n_weeks)
        full_weeks = held_weeks[week_hours[held_weeks] >= HOURS_PER_WEEK - 1]
        weekly_counts = demand_cells[full_weeks].sum(axis=1)
        held_std = held[~held["car_attended"].to_numpy()]
        held_car = held[held["car_attended"].to_numpy()]
        observed = HoldoutObserved(
            weekly_counts=weekly_counts,
            cell_counts=demand_cells[held_weeks].sum(axis=0),
            cell_exposure=grid.hours[held_weeks].sum(axis=0),
            minutes=held_std[held_std["outcome"].astype(str) == "none"][
                "officer_minutes"].to_numpy(),
            outcomes_standard=_outcome_counts(held_std),
            outcomes_car=_outcome_counts(held_car) if incidents.has_car and base.cars
            else None,
            weeks=len(held_weeks))
        basis = FitBasis(incidents=int(n_c.sum()),
                         weekly_rate_rel_var=var_weekly / max(weekly_rate, 1e-12) ** 2,
                         standard_incidents=int(std_counts.sum()),
                         car_incidents=int(car_counts.sum()))
        result_holdout = run_holdout(fitted, observed, basis, seed=seed, reps=holdout_reps)

    weekly = pd.DataFrame({
        "week_start": [d.date().isoformat() for d in grid.week_start(np.arange(grid.n_weeks))],
        "exposure_hours": week_hours,
        "incidents": demand_cells.sum(axis=1),
        "expected_constant_rates": grid.hours @ used,
        "part": np.where(np.arange(grid.n_weeks) < split, "fit", "holdout"),
    })
    weekly["in_demand_window"] = (np.arange(grid.n_weeks) >= first) & (
        np.arange(grid.n_weeks) < split)
    fitted_trend = np.full(grid.n_weeks, np.nan)
    fitted_trend[observed_weeks[usable]] = trend.fitted_trend
    weekly["expected_with_trend"] = fitted_trend

    frame_codes = incidents.other_outcome_codes
    if frame_codes:
        notes.append(f"{frame_codes:,} incidents had an outcome code other than s136, ae or "
                     "none; they count as none. If some mean a detention or an A&E "
                     "conveyance, map them in a mapping file (values: outcome:).")
    if zero:
        notes.append(f"{zero:,} incidents with 0 officer minutes were left out of the "
                     "officer-time fit (a distribution of positive times cannot hold them).")
    counts = {
        "rows_read": incidents.rows_read,
        "incidents": int(included.sum()),
        "not_deployed_or_not_mental_health": int((~included).sum()),
        "skipped_bad_rows": incidents.n_skipped,
        "outside_period": incidents.outside_period,
        "fit_incidents": int(in_fit.sum()),
        "window_incidents": int(n_c.sum()),
        "holdout_incidents": int((included & (week >= split)).sum()),
        "car_attended": int((included & frame["car_attended"].to_numpy()).sum()),
    }
    return FitResult(
        source=Path(file).name, base=base_path, timezone=mapping.timezone,
        period=(incidents.period_start, incidents.period_end), fit_period=fit_period,
        window=window, window_reason=reason, counts=counts, skipped=dict(incidents.skipped),
        rates=rates, profile_model=model, profile_reason=why, day_hour=day_hour,
        calls_per_day=calls_per_day, calls_per_day_sd=cpd_sd, calls_per_day_ci=cpd_ci,
        trend=trend, weekly=weekly, duration_fits=fits, car_duration_fits=car_fits,
        durations=durations, zero_minutes=zero, outcomes=outcomes, scenario=scenario,
        fitted=fitted, holdout=result_holdout, notes=notes,
        duration_sample=plain[plain > 0])


def _fitted_scenario(incidents: Incidents, base: Scenario, base_path: Path, *,
                     calls_per_day: float, cpd_sd: float, cpd_ci: tuple[float, float],
                     used: np.ndarray, n_window: int, window: tuple[dt.date, dt.date],
                     model: str, window_reason: str, fits: list[DurationFit],
                     std_counts: np.ndarray, car_counts: np.ndarray,
                     fit_period: tuple[dt.date, dt.date], holdout: float | None,
                     notes: list[str]) -> FittedScenario:
    source = Path(incidents.file).name
    zone = incidents.mapping.timezone
    window_text = _period_text(*window)
    fit_text = _period_text(*fit_period)
    days = (window[1] - window[0]).days
    header = [
        f"Fitted by `crisis-sim fit` (sim/experiments/fit/) from {source}: "
        f"{int(std_counts.sum() + car_counts.sum()):,} deployed mental-health incidents "
        f"from {fit_text} ({zone}).",
        "Each fitted value says what it rests on; everything else comes from the base file.",
        "The evidence (intervals, trend, goodness of fit, hold-out test) is in fit_report.html.",
    ]
    if holdout is not None:
        header.append(f"Fitted on the earlier part only: the last {holdout:.0%} of the period "
                      "is kept back for the hold-out test.")
    demand_comment = [
        f"{n_window:,} incidents in {window_text} ({days} days; {window_reason}).",
        "Rates are incidents / hours observed in each hour of the week (exposure), so clock",
        "changes and part weeks bias nothing; 95% intervals are exact Poisson (Garwood).",
    ]
    cpd_comment = (f"95% interval {number(cpd_ci[0], 4)} to {number(cpd_ci[1], 4)}; the sum of "
                   "the profile / 7")
    method = ("each cell's own rate" if model == "cells" else
              "day x hour model (rate = day effect x hour effect, Poisson maximum likelihood)")
    profile_comment = [f"Calls per hour in each hour of the week, Monday 00:00 first ({method}).",
                       "The model scales them by calls_per_day x 7 / their sum (here 1)."]

    response: dict[str, list[Entry]] = {"standard": [], "car": []}
    uncertainty: list[Entry] = [Entry(
        "demand.calls_per_day",
        {"dist": "gamma", "mean": float(number(calls_per_day, 5)),
         "sd": float(number(cpd_sd, 4)), "label": "Calls a day (fitted)",
         "unit": "calls a day"},
        f"sampling error of the fitted calls a day ({n_window:,} incidents, {window_text}): "
        "mean and standard error")]
    officers = base.response.standard.officers
    if fits and officers > 0:
        best = fits[0]
        per_officer = best.scenario_dist(officers)
        others = ", ".join(f"{f.dist} {f.aic - best.aic:+.1f}" for f in fits[1:])
        response["standard"].append(Entry(
            "response.standard.travel_minutes", {"dist": "fixed", "value": 0},
            "travel is inside on_scene_minutes: the export records police time per incident, "
            "not its parts"))
        response["standard"].append(Entry(
            "response.standard.on_scene_minutes",
            {k: (float(number(v, 4)) if isinstance(v, float) else v)
             for k, v in per_officer.items()},
            f"per officer: officer_minutes / {officers} officers, {best.n:,} incidents with no "
            f"detention or conveyance, {fit_text}; {best.dist} by maximum likelihood, "
            f"lowest AIC (others: {others}); KS D = {best.ks_statistic:.3f}"))
        se = best.sd / officers / math.sqrt(best.n)
        uncertainty.append(Entry(
            "response.standard.on_scene_minutes.mean",
            {"dist": "gamma", "mean": float(number(best.mean / officers, 4)),
             "sd": float(number(se, 3)), "label": "Mean time on scene per officer (fitted)",
             "unit": "minutes"},
            f"sampling error of the mean time on scene ({best.n:,} incidents): standard error"))
    elif officers == 0:
        notes.append("The base sends 0 officers on the standard response, so officer time is "
                     "not written into the scenario.")
    case_mix = base.to_dict().get("case_mix")
    wrote_mix = False
    calibrated = getattr(base.uncertainty, "calibration", None) is not None
    calibration: list[Entry] = []
    for pathway, counts in (("standard", std_counts), ("car", car_counts)):
        n = int(counts.sum())
        if pathway == "car" and n < MIN_CAR_INCIDENTS:
            if incidents.has_car:
                notes.append(f"Only {n} car-attended incidents: the car's outcome "
                             "probabilities stay the base's.")
            continue
        if n == 0:
            continue
        s136 = Share(int(counts[0]), n)
        basis = (f"{int(counts[0]):,} detentions in {n:,} {pathway}-response incidents, "
                 f"{fit_text}")
        plan = plan_probability(base, pathway, "p_s136", s136, None, basis, case_mix)
        types = base.call_types()
        s136_new = np.array([
            (plan.case_mix[i][pathway].get("p_s136") if plan.case_mix and
             "p_s136" in plan.case_mix[i].get(pathway, {}) else plan.entries[0].value)
            for i in range(len(types))], dtype=float) if base.case_mix else np.array(
            [plan.entries[0].value])
        ae = Share(int(counts[1]), n)
        basis_ae = (f"{int(counts[1]):,} A&E conveyances in {n:,} {pathway}-response "
                    f"incidents, {fit_text}; the probability given no detention")
        plan_ae = plan_probability(base, pathway, "p_conveyed_ae", ae, s136_new, basis_ae,
                                   plan.case_mix)
        scaled = ""
        if plan.case_mix is not case_mix or plan_ae.case_mix is not plan.case_mix:
            wrote_mix = True
            scaled = "; each call type's own value is scaled by the same factor (case_mix)"
        for p in (plan, plan_ae):
            e = p.entries[0]
            response[pathway].append(Entry(e.key, float(number(e.value, 4)), e.comment + scaled))
            kind = "detentions" if p is plan else "A&E conveyances"
            if p is plan and calibrated:
                if pathway == "standard":
                    calibration += _calibration_entries(s136, calls_per_day, basis)
                continue  # the calibration: block derives detention probabilities
            uncertainty.append(Entry(
                p.psa_key, {"dist": "empirical", "values": p.psa_values,
                            "label": f"Share of {kind}, {pathway} response (fitted)",
                            "unit": "probability"},
                f"sampling error of the share of {kind} ({pathway}): {len(p.psa_values)} "
                "equally likely quantiles of its Jeffreys beta distribution"))
        case_mix = plan_ae.case_mix
    mix_comment = ("The base's case mix, each type's detention and conveyance probabilities "
                   "scaled by one factor per pathway so the mix gives the observed shares "
                   "(relative risks of the types as in the base).")
    return FittedScenario(
        name=_name(Path(source).stem),
        description=f"Demand, officer time and outcomes fitted to {source} ({fit_text}).",
        header=header, demand_comment=demand_comment, calls_per_day=calls_per_day,
        calls_per_day_comment=cpd_comment, profile=np.asarray(used, dtype=float),
        profile_comment=profile_comment, response=response,
        case_mix=case_mix if wrote_mix else None, case_mix_comment=mix_comment,
        uncertainty=uncertainty, calibration=calibration)


def _calibration_entries(s136: Share, calls_per_day: float, basis: str) -> list[Entry]:
    """A base whose ``uncertainty:`` has a ``calibration:`` block derives the detention
    risks in each sensitivity draw from a rate per 100,000 people a year, a population and
    the drawn calls a day (:func:`sim.economics.psa.derive`). For a force's own data the
    target is the force's own detentions: with a population of 100,000 the rate is the
    detentions a year with no car (the standard response's share x calls a year), drawn
    from its sampling distribution (relative standard error 1 / sqrt(detentions))."""
    per_year = s136.share * calls_per_day * DAYS_PER_YEAR
    sd = per_year / math.sqrt(max(s136.k, 1))
    return [
        Entry("population", 100000, "a unit population: s136_per_100k below is then the "
                                    "force's detentions a year (only their product counts)"),
        Entry("s136_per_100k", {"dist": "gamma", "mean": float(number(per_year, 5)),
                                "sd": float(number(sd, 4)),
                                "label": "Section 136 detentions a year without a car "
                                         "(fitted)",
                                "unit": "detentions a year"},
              f"fitted: {basis}, x {number(calls_per_day, 4)} calls a day x 365.25; gamma "
              f"with the standard error of a count of {s136.k:,} (replaces the national "
              "rate; the base's avoided_per_contact is kept)"),
    ]


def _check_scenario(scenario: FittedScenario, base_path: Path) -> Scenario:
    """Load the scenario as written (next to a temporary copy, extending the base by its
    absolute path): an invalid result is an internal error, found before writing."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / SCENARIO_FILE
        path.write_text(scenario.text(str(base_path.resolve())), encoding="utf-8")
        return load_scenario(path)


def write_fit_outputs(result: FitResult, out_dir: str | Path) -> dict[str, Path]:
    """Write the scenario file and the tidy tables into ``out_dir``; return them by name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    extends = os.path.relpath(result.base.resolve(), out.resolve())
    files = {
        "scenario": out / SCENARIO_FILE,
        "rates": out / "rates_by_hour_of_week.csv",
        "durations": out / "durations.csv",
        "outcomes": out / "outcomes.csv",
        "trend": out / "trend.csv",
        "weekly": out / "weekly_counts.csv",
    }
    write_text(files["scenario"], result.scenario.text(Path(extends).as_posix()))
    write_csv(files["rates"], result.rates)
    write_csv(files["durations"], result.durations)
    write_csv(files["outcomes"], result.outcomes)
    write_csv(files["trend"], result.trend_table)
    write_csv(files["weekly"], result.weekly)
    if result.holdout is not None:
        files["holdout"] = out / "holdout.csv"
        write_csv(files["holdout"], result.holdout.table)
    return files
