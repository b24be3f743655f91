"""``fit_report.html``: the evidence behind a fitted scenario, on one self-contained page.

Rendered from ``sim/reporting/templates/fit_report.html.j2`` (Jinja2, every value escaped);
plots are base64 PNGs drawn here with Matplotlib; nothing is fetched from the network. The
page shows what was read, the demand (rates with intervals, trend, over-dispersion), the
officer-time fits, the outcome shares, the hold-out test with observed-against-simulated
plots, and what enters the sensitivity analysis. It holds only counts, rates and
durations: no incident id, time stamp or free text (``docs/fit.md``, "Personal data").
"""

from __future__ import annotations

import base64
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined
from matplotlib.figure import Figure
from scipy import stats

from sim.common import formats
from sim.common.atomic import write_text
from sim.experiments.fit.api import FitResult
from sim.experiments.fit.durations import frozen
from sim.reporting.plots import png_bytes
from sim.scenario.calendar import DAY_NAMES

TEMPLATE = "fit_report.html.j2"
REPORT_FILE = "fit_report.html"
DPI = 100
OBSERVED, SIMULATED, FITTED = "#1f4e79", "#d35400", "#7f8c8d"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The fit report's template, loaded from the installed package (package data)."""
    return Environment(loader=PackageLoader("sim.reporting", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True)


def _png(fig: Figure) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig, DPI)).decode("ascii")


def _week_axis(ax) -> None:
    ax.set_xticks(np.arange(0, 169, 24))
    ax.set_xticklabels([*DAY_NAMES, ""], ha="left")
    ax.set_xlim(0, 168)
    ax.grid(axis="x", alpha=0.3)


def weekly_figure(result: FitResult) -> str:
    """Incidents each week with the constant-rate and trend expectations (and the
    simulated range over the hold-out weeks)."""
    weekly = result.weekly
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(weekly))
    full = weekly["exposure_hours"].to_numpy() >= 167
    ax.plot(x[full], weekly["incidents"].to_numpy()[full], "o-", ms=3, color=OBSERVED,
            label="observed (whole weeks)")
    ax.plot(x[full], weekly["expected_constant_rates"].to_numpy()[full], color=FITTED, lw=1,
            label="expected at the fitted rates")
    ax.plot(x[full], weekly["expected_with_trend"].to_numpy()[full], "--", color=FITTED, lw=1,
            label="trend model (fitting part)")
    held = weekly["part"].to_numpy() == "holdout"
    if result.holdout is not None and held.any():
        sim = result.holdout.plots["simulated_weekly"]
        low, mid, high = np.percentile(sim, [2.5, 50, 97.5])
        ax.axvspan(x[held][0] - 0.5, x[-1] + 0.5, color="#f5cba7", alpha=0.35, lw=0)
        ax.fill_between([x[held][0], x[-1]], low, high, color=SIMULATED, alpha=0.2,
                        label="simulated: 95% of weeks")
        ax.plot([x[held][0], x[-1]], [mid, mid], color=SIMULATED, label="simulated: median")
    ax.set_xlabel("week of the period (shaded: hold-out)")
    ax.set_ylabel("incidents a week")
    ax.legend(fontsize=8, ncols=2)
    return _png(fig)


def profile_figure(result: FitResult) -> str:
    """Calls per hour in each hour of the week, with exact 95% intervals."""
    rates = result.rates
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots()
    x = np.arange(168) + 0.5
    ax.fill_between(x, rates["ci_low"], rates["ci_high"], step="mid", color=OBSERVED,
                    alpha=0.2, label="95% interval (Garwood)")
    ax.step(x, rates["rate_per_hour"], where="mid", color=OBSERVED, lw=1,
            label="incidents / hours observed")
    if result.profile_model != "cells":
        ax.step(x, rates["rate_used"], where="mid", color=FITTED, lw=1.5,
                label="used: day x hour model")
    if result.holdout is not None:
        ax.step(x, result.holdout.plots["observed_rate"], where="mid", color="#2e86c1",
                lw=0.8, alpha=0.8, label="hold-out part, observed")
        ax.step(x, result.holdout.plots["simulated_rate"], where="mid", color=SIMULATED,
                lw=1.2, label="simulated")
    _week_axis(ax)
    ax.set_ylabel("calls per hour")
    ax.legend(fontsize=8, ncols=2)
    return _png(fig)


def durations_figure(result: FitResult) -> str | None:
    """Officer minutes (standard response, no detention or conveyance): histogram and the
    fitted densities; with a hold-out, the observed and simulated distribution functions."""
    x = result.duration_sample
    if x.size < 2 or not result.duration_fits:
        return None
    panels = 2 if result.holdout is not None else 1
    fig = Figure(figsize=(10 if panels == 2 else 6.5, 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, panels))
    top = float(np.percentile(x, 99))
    ax = axes[0]
    ax.hist(x[x <= top], bins=60, density=True, color=OBSERVED, alpha=0.35,
            label=f"observed (n = {x.size:,})")
    grid = np.linspace(max(top / 400, 1e-6), top, 300)
    for fit, style in zip(result.duration_fits, ("-", "--", ":"), strict=False):
        ax.plot(grid, frozen(fit.dist, fit.mean, fit.sd).pdf(grid), style, color=FITTED,
                label=f"{fit.dist} (AIC {fit.aic:,.0f})")
    ax.set_xlabel("officer minutes per incident")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    if panels == 2:
        ax = axes[1]
        for data, colour, label in ((result.holdout.plots["observed_minutes"], OBSERVED,
                                     "hold-out, observed"),
                                    (result.holdout.plots["simulated_minutes"], SIMULATED,
                                     "simulated")):
            if data.size:
                v = np.sort(data)
                ax.step(v, np.arange(1, v.size + 1) / v.size, where="post", color=colour,
                        label=label)
        ax.set_xlim(0, top)
        ax.set_xlabel("officer minutes per incident")
        ax.set_ylabel("share at or below")
        ax.legend(fontsize=8)
    return _png(fig)


def _pct(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.1%}"


def _dist_text(spec: dict) -> str:
    spec = {k: v for k, v in spec.items() if k not in ("label", "unit", "group")}
    if spec.get("dist") == "empirical":
        values = spec["values"]
        return (f"empirical, {len(values)} values from {formats.report(min(values))} to "
                f"{formats.report(max(values))}")
    return ", ".join(f"{k} {formats.report(v) if isinstance(v, float) else v}"
                     for k, v in spec.items())


def page_data(result: FitResult, scenario_file: str = "fitted_scenario.yaml") -> dict:
    """Everything the template shows, as plain text and numbers."""
    num = formats.report
    c = result.counts
    read_rows = [("Rows read", f"{c['rows_read']:,}"),
                 ("Deployed mental-health incidents (the demand)", f"{c['incidents']:,}"),
                 ("Other rows (not deployed, or not mental health)",
                  f"{c['not_deployed_or_not_mental_health']:,}"),
                 ("Outside the period", f"{c['outside_period']:,}"),
                 ("Bad rows skipped (--skip-bad-rows)", f"{c['skipped_bad_rows']:,}" + (
                     " (" + ", ".join(f"{k}: {v:,}" for k, v in result.skipped.items()) + ")"
                     if result.skipped else "")),
                 ("Incidents in the fitting part", f"{c['fit_incidents']:,}"),
                 ("Incidents the demand rates rest on", f"{c['window_incidents']:,}"),
                 ("Incidents in the hold-out part", f"{c['holdout_incidents']:,}")]
    if c.get("car_attended"):
        read_rows.append(("Attended by a car", f"{c['car_attended']:,}"))
    rates = result.rates
    tested = rates["dispersion_p"].notna()
    over = int((rates.loc[tested, "dispersion_p"] < 0.05).sum())
    m = int(tested.sum())
    over_p = float(stats.binom.sf(over - 1, m, 0.05)) if m else math.nan
    busiest = rates.sort_values("rate_used", ascending=False).head(3)
    quietest = rates.sort_values("rate_used").head(3)

    def cells(frame) -> str:
        return "; ".join(f"{r.day} {r.hour:02d}:00 ({num(r.rate_used)} an hour)"
                         for r in frame.itertuples())

    duration_rows = [{"pathway": r.pathway, "dist": r.dist, "n": f"{r.n:,}",
                      "mean": num(r.mean_minutes), "sd": num(r.sd_minutes),
                      "aic": f"{r.aic:,.1f}", "delta": f"{r.delta_aic:,.1f}",
                      "ks": f"{r.ks_statistic:.3f}",
                      "chosen": "used in the scenario" if r.used_in_scenario else
                      ("best for the car (reported)" if r.chosen else "")}
                     for r in result.durations.itertuples()]
    outcome_rows = [{"pathway": r.pathway, "measure": r.measure.replace("_", " "),
                     "count": f"{r.count:,}",
                     "estimate": (num(r.estimate) if r.measure == "incidents_per_month"
                                  else _pct(r.estimate)),
                     "interval": (f"{num(r.ci_low)} to {num(r.ci_high)}"
                                  if r.measure == "incidents_per_month"
                                  else f"{_pct(r.ci_low)} to {_pct(r.ci_high)}"),
                     "method": r.method}
                    for r in result.outcomes.itertuples()]
    holdout = None
    if result.holdout is not None:
        h = result.holdout
        holdout = {
            "passed": h.passed, "level": f"{h.level:.4g}", "reps": h.reps, "weeks": h.weeks,
            "tests": len(h.table),
            "rows": [{"check": r.check.replace("_", " "), "statistic": r.statistic,
                      "value": f"{r.value:.3g}", "df": "" if not math.isfinite(r.df)
                      else f"{r.df:.0f}", "p": f"{r.p_value:.3g}", "result": r.result,
                      "observed": r.observed, "simulated": r.simulated, "method": r.method}
                     for r in h.table.itertuples()],
        }
    psa = [{"key": f"calibration.{e.key}", "dist": _dist_text(e.value), "basis": e.comment}
           for e in result.scenario.calibration if isinstance(e.value, dict)]
    psa += [{"key": e.key, "dist": _dist_text(e.value), "basis": e.comment}
            for e in result.scenario.uncertainty]
    dh = result.day_hour
    return {
        "source": result.source, "scenario_file": scenario_file,
        "scenario_name": result.scenario.name, "base": Path(result.base).name,
        "timezone": result.timezone,
        "period": f"{result.period[0]} to {result.period[1]} (excluded)",
        "fit_period": f"{result.fit_period[0]} to {result.fit_period[1]} (excluded)",
        "window": f"{result.window[0]} to {result.window[1]} (excluded)",
        "window_reason": result.window_reason, "read_rows": read_rows,
        "calls_per_day": num(result.calls_per_day),
        "calls_per_day_ci": f"{num(result.calls_per_day_ci[0])} to "
                            f"{num(result.calls_per_day_ci[1])}",
        "profile_reason": result.profile_reason,
        "day_hour": f"The day x hour model against 168 free cells: deviance "
                    f"{dh.deviance:,.1f} on {dh.df} degrees of freedom, p = {dh.p_value:.3g} "
                    + ("(the week has a shape a day x hour model misses)" if dh.p_value < 0.05
                       else "(a day x hour model describes the week well)"),
        "busiest": cells(busiest), "quietest": cells(quietest),
        "dispersion": f"{over} of {m} cells have weekly counts more variable than Poisson at "
                      f"the 5% level (about {0.05 * m:.0f} expected by chance; binomial "
                      f"p = {over_p:.3g}).",
        "trend": result.trend.sentences(), "durations": duration_rows,
        "zero_minutes": result.zero_minutes, "outcomes": outcome_rows,
        "holdout": holdout, "psa": psa, "notes": result.notes,
        "figures": {"weekly": weekly_figure(result), "profile": profile_figure(result),
                    "durations": durations_figure(result)},
    }


def render_fit_report(result: FitResult, scenario_file: str = "fitted_scenario.yaml") -> str:
    """The fit report as one HTML string (no external resources)."""
    return environment().get_template(TEMPLATE).render(page=page_data(result, scenario_file))


def write_fit_report(result: FitResult, out_dir: str | Path, html: str | None = None) -> Path:
    """Write ``fit_report.html`` into ``out_dir`` (atomically); return its path."""
    path = Path(out_dir) / REPORT_FILE
    write_text(path, html if html is not None else render_fit_report(result))
    return path
