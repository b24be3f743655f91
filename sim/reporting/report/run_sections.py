"""The page's simulation results, as data: the scenarios compared, the headline table,
where and why calls go unmet, and the run manifest (laid out by ``scenarios``,
``headline``, ``unmet`` and ``manifest`` ``.html.j2`` in ``sim/reporting/templates/report/``).

Metric titles and units come from :mod:`sim.core.metrics`; numbers from
:mod:`sim.common.formats`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.common import formats
from sim.common.units import WEEKS_PER_YEAR
from sim.core.metrics import BY_NAME, HEADLINE
from sim.economics.psa import PSAResult
from sim.reporting.report.cells import Image, Interval, decimals, image
from sim.run.result import RunResult
from sim.scenario.schema import ControlRoom, Pathway, Shift

# ------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class ScenarioRow:
    """One scenario: its cars and rotas (``car: days start-end; ...``), car-hours a week,
    its control room (rota, practitioners and share screened; empty without one) and
    practitioner-hours a week ("-" without one), replications and file; its Section 136
    pathway's capacity (beds, maximum wait, diverts, conveyance, legal limit; empty
    without one)."""

    name: str
    description: str
    rotas: tuple[str, ...]
    car_hours: str
    control_room: tuple[str, ...]
    room_hours: str
    run: str
    file: str
    pathway: tuple[str, ...] = ()


def rota_text(shifts: Sequence[Shift]) -> str:
    """Shifts in brief: ``Sun/Mon 15:00-23:00; every day 08:00-24:00``."""
    return "; ".join(
        f"{'/'.join(sh.days) if len(sh.days) < 7 else 'every day'} {sh.start}-{sh.end}"
        for sh in shifts)


def control_room_text(room: ControlRoom | None) -> tuple[str, ...]:
    """The control room's rota, staffing and share screened, one line each (none: empty)."""
    if room is None:
        return ()
    people = "practitioner" if room.practitioners == 1 else "practitioners"
    return (rota_text(room.shifts), f"{room.practitioners} {people} on shift at once",
            f"{formats.percent(room.share_screened)} of mental-health calls passed to it")


def pathway_text(pathway: Pathway | None) -> tuple[str, ...]:
    """The pathway's capacity, one line each: beds, the wait for one and the diverts after
    it, conveyance, the legal limit (none: empty)."""
    if pathway is None:
        return ()
    pos = pathway.place_of_safety
    beds = pos.bed_count
    if math.isinf(beds):
        places = ("places of safety with no bed limit", "never a wait for a bed or a divert")
    else:
        places = (f"{beds:g} place-of-safety {'bed' if beds == 1 else 'beds'}",
                  f"officers wait up to {pos.max_wait_hours:g} h for a bed, then divert "
                  f"({formats.percent(pos.divert.ae)} to A&E, "
                  f"{formats.percent(pos.divert.custody)} to custody)")
    return (*places,
            f"{formats.percent(pathway.conveyance.p_ambulance)} conveyed by ambulance",
            f"legal limit {pathway.legal_limit_hours:g} h")


def scenarios(result: RunResult, sources: dict[str, str]) -> tuple[ScenarioRow, ...]:
    """The scenarios compared, in run order."""
    rows = []
    for s in result.scenarios:
        st = result.settings[s.name]
        hours = sum(c.pattern().minutes_per_week for c in s.cars) / 60
        rotas = tuple(f"{c.name}: {rota_text(c.shifts)}" for c in s.cars)
        room = s.control_room
        room_hours = (f"{room.pattern().minutes_per_week * room.practitioners / 60:g}"
                      if room is not None else "-")
        rows.append(ScenarioRow(s.name, s.description.strip() or "-", rotas, f"{hours:g}",
                                control_room_text(room), room_hours,
                                f"{st.replications} x {st.weeks} weeks",
                                sources.get(s.name, "-"), pathway_text(s.pathway)))
    return tuple(rows)


# -------------------------------------------------------------------- headline

CONTEXT_BEFORE: dict[str, tuple[str, ...]] = {
    "car_attended": ("mh_calls",),
    "s136_avoided": ("not_for_car", "s136"),
}
"""Metrics the headline table shows before a headline metric, for context: all the calls
before those attended; the calls not for the car, and the detentions, before those avoided."""

AS_MEASURED = ("fraction", "calls per car per month", "hours per call", "hours per detention",
               "beds")
"""Units of rates, shown as measured; every other unit is a count made annual."""

CONTEXT_AFTER: dict[str, tuple[str, ...]] = {
    "car_utilisation": ("other_jobs_car_hours",),
}
"""Metrics the headline table shows after a headline metric: the car-hours spent on other
police jobs after the cars' utilisation (that time is part of it)."""

CONTROL_ROOM_ROWS = ("cr_screened", "cr_resolved_by_phone", "deployments_avoided",
                     "cr_utilisation")
"""Rows the headline table adds after the others when a scenario has a control room."""


def headline_metrics(control_room: bool = False) -> tuple[str, ...]:
    """The rows of the headline table: :data:`sim.core.metrics.HEADLINE` with context, then
    :data:`CONTROL_ROOM_ROWS` when a scenario of the run has a control room."""
    rows = tuple(n for h in HEADLINE
                 for n in (*CONTEXT_BEFORE.get(h, ()), h, *CONTEXT_AFTER.get(h, ())))
    return rows + tuple(n for n in CONTROL_ROOM_ROWS if control_room and n not in rows)


def per_year(result: RunResult) -> float | None:
    """The factor from totals over the measured weeks to a year (None when scenarios were
    run for different numbers of weeks)."""
    weeks = {st.weeks for st in result.settings.values()}
    return WEEKS_PER_YEAR / weeks.pop() if len(weeks) == 1 else None


def metric_row(summary: Any, names: Sequence[str], name: str, a: float | None) -> HeadlineRow:
    """One metric's row of means with their 95% intervals, one cell per scenario of
    ``names`` ("-" where there is no value): counts and hours a year (``a``: the factor
    of :func:`per_year`), rates (:data:`AS_MEASURED`) as measured."""
    metric = BY_NAME[name]
    annual = metric.unit not in AS_MEASURED
    scale = a if a and annual else 1.0
    show = formats.percent if metric.unit == "fraction" else formats.report
    cells = []
    for n in names:
        r = summary[(summary.scenario == n) & (summary.metric == name)]
        if not len(r):
            cells.append(Interval("-"))
            continue
        mean, lo, hi = (float(r[k].iloc[0]) for k in ("mean", "ci_low", "ci_high"))
        text = show(mean * scale) if math.isfinite(mean) else "-"
        cells.append(Interval(text, show(lo * scale), show(hi * scale))
                     if math.isfinite(mean) and math.isfinite(lo) else Interval(text))
    if annual:
        unit = f"{metric.unit} a year" if a else ""
    else:  # a share shows as a percentage; calls per car per month says so in its title
        unit = "" if metric.unit in ("fraction", "calls per car per month") else metric.unit
    return HeadlineRow(metric.title, unit, tuple(cells))


@dataclass(frozen=True)
class HeadlineRow:
    """One metric: its title, what its values count, and one cell per scenario."""

    title: str
    unit: str
    cells: tuple[Interval, ...]


@dataclass(frozen=True)
class Headline:
    """Headline results: one row per metric, one column per scenario."""

    scenarios: tuple[str, ...]
    rows: tuple[HeadlineRow, ...]


def headline(result: RunResult) -> Headline:
    """Means over replications with 95% intervals; counts a year."""
    summary = result.summary()
    names = tuple(s.name for s in result.scenarios)
    a = per_year(result)
    room = any(s.control_room is not None for s in result.scenarios)
    rows = [metric_row(summary, names, name, a) for name in headline_metrics(room)]
    if result.baseline is not None and len(names) > 1:
        rows.append(_change_pct_row(result, names))
    return Headline(names, tuple(rows))


def _change_pct_row(result: RunResult, names: tuple[str, ...]) -> HeadlineRow:
    """The paired ``s136_change_pct`` of each scenario against the baseline ("-" there)."""
    comp = result.comparison()
    comp = comp[comp.metric == "s136_change_pct"].set_index("scenario")

    def pct(value: float) -> str:
        return f"{value:+.1f}%"

    cells = []
    for n in names:
        if n not in comp.index or not math.isfinite(comp.loc[n, "mean_difference"]):
            cells.append(Interval("-"))
            continue
        r = comp.loc[n]
        cells.append(Interval(pct(r["mean_difference"]), pct(r["ci_low"]), pct(r["ci_high"]))
                     if math.isfinite(r["ci_low"]) else Interval(pct(r["mean_difference"])))
    return HeadlineRow("Change in Section 136 detentions", f"% of {result.baseline}'s, paired",
                       tuple(cells))


# ----------------------------------------------------------------------- unmet

TIME_BANDS = ((0, 4), (4, 8), (8, 12), (12, 16), (16, 20), (20, 24))


@dataclass(frozen=True)
class UnmetRow:
    """Unmet calls a week of one scenario for one reason, by time of day and in all."""

    scenario: str
    why: str
    cells: tuple[str, ...]
    week: str


@dataclass(frozen=True)
class Unmet:
    """Where and why calls go unmet: the table, the worst hours per scenario (scenario,
    hours described) and the run's plots (``plots_drawn`` False: ``--no-plots``);
    ``control_room``: a scenario has one (its maps show its cover and utilisation);
    ``pathway``: a scenario has a Section 136 pathway (its map shows the beds occupied)."""

    bands: tuple[str, ...]
    rows: tuple[UnmetRow, ...]
    worst: tuple[tuple[str, tuple[str, ...]], ...]
    plots: tuple[Image, ...]
    plots_drawn: bool
    control_room: bool = False
    pathway: bool = False


PLOTS = ("key_metrics", "differences", "heatmap_")
"""The run's plots (``plots/*.png``, by the start of their name) shown in this section."""


def unmet(result: RunResult, plot_files: dict[str, bytes]) -> Unmet:
    """Unmet calls by time of day, the three worst hours of each scenario with cars."""
    hours = result.by_hour_of_week
    rows = []
    for s in result.scenarios:
        g = hours[hours.scenario == s.name]
        for col, why in (("unmet_off_shift", "no car on shift"), ("unmet_busy", "cars busy")):
            cells = tuple(formats.report(float(g[(g.hour >= a) & (g.hour < b)][col].sum()))
                          for a, b in TIME_BANDS)
            rows.append(UnmetRow(s.name, why, cells, formats.report(float(g[col].sum()))))
    worst = []
    for s in result.scenarios:
        if not s.cars:
            continue
        g = hours[hours.scenario == s.name].copy()
        g["unmet"] = g.unmet_off_shift + g.unmet_busy
        top = g.sort_values("unmet", ascending=False).head(3)
        worst.append((s.name, tuple(
            f"{d} {h:02d}:00 ({formats.report(u)} a week, "
            f"{'mostly no car on shift' if off >= busy else 'mostly cars busy'})"
            for d, h, u, off, busy in zip(top.day, top.hour, top.unmet, top.unmet_off_shift,
                                          top.unmet_busy, strict=True))))
    return Unmet(
        bands=tuple(f"{a:02d}:00-{b:02d}:00" for a, b in TIME_BANDS), rows=tuple(rows),
        worst=tuple(worst),
        plots=tuple(image(png, name) for name, png in plot_files.items()
                    if name.startswith(PLOTS)),
        plots_drawn=bool(plot_files),
        control_room=any(s.control_room is not None for s in result.scenarios),
        pathway=any(s.pathway is not None for s in result.scenarios))


# -------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class ManifestRow:
    """One item of the manifest (``code``: shown as code)."""

    item: str
    value: str
    code: bool = False


@dataclass(frozen=True)
class ManifestScenario:
    """One scenario as run: file, seed, sizes and the start of its configuration hash."""

    name: str
    file: str
    seed: str
    replications: str
    weeks: str
    warmup_weeks: str
    config_sha256: str


@dataclass(frozen=True)
class Manifest:
    """The run manifest (``manifest.json``) in brief."""

    rows: tuple[ManifestRow, ...]
    scenarios: tuple[ManifestScenario, ...]


def manifest(run_manifest: dict[str, Any] | None, psa: PSAResult | None) -> Manifest | None:
    """What ran, where and with what (None without a manifest)."""
    if run_manifest is None:
        return None
    sw = run_manifest.get("software", {})
    src = run_manifest.get("source", {})
    rows = [ManifestRow("created (UTC)", str(run_manifest.get("created_utc"))),
            ManifestRow("command", " ".join(run_manifest.get("command") or []), code=True),
            ManifestRow("git commit", f"{src.get('commit')}"
                                      f"{' (with local changes)' if src.get('dirty') else ''}"),
            ManifestRow("platform", str(run_manifest.get("platform", {}).get("platform"))),
            ManifestRow("software", ", ".join(f"{k} {v}" for k, v in sw.items())),
            ManifestRow("random numbers",
                        str(run_manifest.get("random_streams", {}).get("seeding"))),
            ManifestRow("worker processes", str(run_manifest.get("jobs"))),
            ManifestRow("simulation wall time", f"{run_manifest.get('wall_seconds')} s")]
    if psa is not None:
        st = psa.settings
        rows.append(ManifestRow(
            "sensitivity analysis",
            f"{st['draws']} draws x {st['replications_per_draw']} replications, "
            f"input seed {st['seed']}, tornado at the {st['low_percentile']:g}th "
            f"and {st['high_percentile']:g}th percentiles, "
            f"{psa.simulated_replications} scenario-replications in "
            f"{decimals(psa.wall_seconds, 1)} s"))
    else:
        rows.append(ManifestRow("sensitivity analysis", "not run"))
    scen = tuple(ManifestScenario(str(s["name"]), str(s.get("source") or "-"), str(s["seed"]),
                                  str(s["replications"]), str(s["weeks"]),
                                  str(s["warmup_weeks"]), str(s["config_sha256"][:16]))
                 for s in run_manifest.get("scenarios", []))
    return Manifest(tuple(rows), scen)
