"""PNG plots of a run: key metrics, differences against the baseline, hour-of-week heatmaps.

:func:`write_plots` writes every plot of a :class:`~sim.run.runner.RunResult` into one folder:

``key_metrics.png``
    Mean of each key metric per scenario with its 95% t-interval.
``differences.png``
    Paired differences against the baseline scenario with their 95% intervals (only
    when the run has a baseline and at least one other scenario).
``heatmap_<scenario>.png``
    Per scenario, 7 x 24 hour-of-week grids of unmet calls (off shift, busy) per week and
    of car utilisation (busy car-hours / on-shift car-hours; blank where no car is on shift);
    for a scenario with a control room, two more: the practitioners on shift (its cover) and
    their utilisation (busy practitioner-hours / on-shift practitioner-hours; blank where
    the control room is closed); for a scenario with a Section 136 pathway, one more: the
    place-of-safety beds occupied (mean over the hour), on a scale from 0 to its beds.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot, no global
state) and saved with the Agg renderer; every file is written atomically.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.common import formats
from sim.common.atomic import atomic_path
from sim.core.metrics import EFFECTS, HEADLINE, METRICS, title
from sim.run.executors import Batch, run_batches
from sim.run.runner import RunResult
from sim.scenario.calendar import DAY_NAMES

DPI = 150
HEATMAP_DPI = 120
"""The heatmaps are tall (up to six 7 x 24 panels): a lower resolution keeps them quick to
write and small, and their cells stay legible."""
HEATMAP_PANEL_INCHES = 2.9
"""Height of one 7 x 24 heatmap panel."""

KEY_METRICS: tuple[str, ...] = HEADLINE
"""Metrics drawn in ``key_metrics.png``, in panel order."""

DIFFERENCE_METRICS: tuple[str, ...] = EFFECTS
"""Metrics drawn in ``differences.png``, in panel order."""

UNITS: dict[str, str] = {m.name: m.unit for m in METRICS}

_NO_CAR_COLOUR = "#d9d9d9"
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


# --------------------------------------------------------------------------- helpers

def safe_file_name(name: str) -> str:
    """``name`` reduced to letters, digits, ``_`` and ``-`` (runs of others become ``_``).

    Examples
    --------
    >>> safe_file_name("two cars / late (19:00)")
    'two_cars_late_19_00_'
    """
    return _SAFE.sub("_", name) or "scenario"


def _day_index(day: object) -> int:
    """Row index 0 (Monday) .. 6 (Sunday) of a day name (``"Mon"``, ``"monday"``) or number."""
    if isinstance(day, str):
        key = day.strip()[:3].capitalize()
        if key not in DAY_NAMES:
            raise ValueError(f"unknown day {day!r}; expected one of {', '.join(DAY_NAMES)}")
        return DAY_NAMES.index(key)
    i = int(day)  # type: ignore[call-overload]
    if not 0 <= i < 7:
        raise ValueError(f"day index {day!r} is outside 0..6")
    return i


def hour_of_week_grid(df: pd.DataFrame, column: str) -> np.ndarray:
    """One column of an hour-of-week table as a 7 x 24 grid.

    Parameters
    ----------
    df
        Rows of one scenario from :attr:`RunResult.by_hour_of_week`, with columns ``day``
        (``"Mon"`` .. ``"Sun"`` or 0..6), ``hour`` (0..23) and ``column``.
    column
        The column to place.

    Returns
    -------
    numpy.ndarray
        Shape ``(7, 24)``: row = day (0 = Monday), column = hour starting at that time;
        NaN where ``df`` has no row.

    Raises
    ------
    ValueError
        If a day and hour occur more than once (e.g. rows of several scenarios).
    """
    grid = np.full((7, 24), np.nan)
    seen = np.zeros((7, 24), dtype=bool)
    for day, hour, value in zip(df["day"], df["hour"], df[column], strict=True):
        d, h = _day_index(day), int(hour)
        if not 0 <= h < 24:
            raise ValueError(f"hour {hour!r} is outside 0..23")
        if seen[d, h]:
            raise ValueError(f"{DAY_NAMES[d]} {h:02d}:00 occurs more than once; "
                             "pass the rows of one scenario")
        seen[d, h] = True
        grid[d, h] = float(value)
    return grid


def _busy_share_grid(df: pd.DataFrame, busy_column: str, on_shift_column: str) -> np.ndarray:
    """``busy / on shift`` per hour of week; NaN where nobody is on shift."""
    busy = hour_of_week_grid(df, busy_column)
    on_shift = hour_of_week_grid(df, on_shift_column)
    out = np.full((7, 24), np.nan)
    ok = np.isfinite(on_shift) & (on_shift > 0) & np.isfinite(busy)
    out[ok] = busy[ok] / on_shift[ok]
    return out


def utilisation_grid(df: pd.DataFrame) -> np.ndarray:
    """Car utilisation per hour of week: ``car_busy / car_on_shift``.

    Parameters
    ----------
    df
        Rows of one scenario from :attr:`RunResult.by_hour_of_week`.

    Returns
    -------
    numpy.ndarray
        Shape ``(7, 24)``; NaN wherever ``car_on_shift`` is 0 (no car on shift), so
        those hours are left blank rather than shown as idle.
    """
    return _busy_share_grid(df, "car_busy", "car_on_shift")


def room_utilisation_grid(df: pd.DataFrame) -> np.ndarray:
    """Control-room utilisation per hour of week: ``cr_busy / cr_on_shift``.

    Parameters
    ----------
    df
        Rows of one scenario from :attr:`RunResult.by_hour_of_week` (with the control
        room's ``cr_busy`` and ``cr_on_shift``, practitioner-hours a week in that hour).

    Returns
    -------
    numpy.ndarray
        Shape ``(7, 24)``; NaN wherever ``cr_on_shift`` is 0 (the control room closed).
    """
    return _busy_share_grid(df, "cr_busy", "cr_on_shift")


def room_cover_grid(df: pd.DataFrame) -> np.ndarray:
    """Practitioners on shift per hour of week (``cr_on_shift``: practitioner-hours in
    that hour of a week, so the mean number on shift); NaN where the room is closed."""
    cover = hour_of_week_grid(df, "cr_on_shift")
    return np.where(cover > 0, cover, np.nan)


def has_control_room(result: RunResult, scenario: str) -> bool:
    """Whether ``scenario`` of the run has a control room whose hours the table holds."""
    s = next((s for s in result.scenarios if s.name == scenario), None)
    return (s is not None and s.control_room is not None
            and {"cr_on_shift", "cr_busy"} <= set(result.by_hour_of_week.columns))


def has_pathway(result: RunResult, scenario: str) -> bool:
    """Whether ``scenario`` of the run has a Section 136 pathway whose bed occupancy by
    hour of week the table holds (``pos_occupied``)."""
    s = next((s for s in result.scenarios if s.name == scenario), None)
    return (s is not None and s.pathway is not None
            and "pos_occupied" in result.by_hour_of_week.columns)


def beds_text(beds: float) -> str:
    """The place of safety's capacity in words: ``2 beds``, ``1 bed``, ``no bed limit``."""
    if math.isinf(beds):
        return "no bed limit"
    return f"{beds:g} bed" if beds == 1 else f"{beds:g} beds"


def _label(metric: str) -> str:
    return title(metric)


def _unit(metric: str, weeks: int | None) -> str:
    """Axis label: the metric's unit, with the period for totals over the measured weeks."""
    unit = UNITS.get(metric, "")
    if unit in ("fraction", "calls per car per month") or weeks is None:
        return unit
    return f"{unit} in {weeks} weeks"


def _common_weeks(result: RunResult) -> int | None:
    weeks = {st.weeks for st in result.settings.values()}
    return weeks.pop() if len(weeks) == 1 else None


def _common_reps(result: RunResult) -> int | None:
    """Replications per scenario in the results, when every scenario has the same number."""
    reps = set(result.replications.groupby("scenario", sort=False).size())
    return int(reps.pop()) if len(reps) == 1 else None


def _plural(n: int | None, noun: str) -> str:
    if n is None:
        return f"{noun}s"
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _colours(names: Sequence[str]) -> dict[str, str]:
    """A fixed colour per scenario, the same in every figure."""
    palette = [f"C{i % 10}" for i in range(len(names))]
    return dict(zip(names, palette, strict=True))


def _errors(mean: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Error-bar half widths (2 x n); 0 where the interval is unknown."""
    err = np.vstack([mean - low, high - mean])
    return np.nan_to_num(np.clip(err, 0, None), nan=0.0)


def save_figure(fig: Figure, path: Path, dpi: int = DPI) -> Path:
    """Write ``fig`` to ``path`` as PNG, atomically, then clear it: every figure file of
    the results folders (run, sweep, optimiser) is written this way."""
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, metadata={"Software": None})
    finally:
        fig.clear()
    return path


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """``fig`` as PNG bytes (then cleared), for figures embedded in an HTML report."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        fig.clear()
    return buf.getvalue()


def _pick(table: pd.DataFrame, metric: str, order: Sequence[str], value: str) -> pd.DataFrame:
    """Rows of ``metric`` in scenario ``order`` (missing scenarios give NaN)."""
    rows = table[table["metric"] == metric].set_index("scenario")
    return rows.reindex(list(order))[[value, "ci_low", "ci_high"]]


def _interval_panel(ax: Axes, names: Sequence[str], mean: np.ndarray, low: np.ndarray,
                    high: np.ndarray, colours: dict[str, str], *, bars: bool) -> None:
    """Horizontal bars (or points) with 95% interval whiskers; first scenario on top."""
    y = np.arange(len(names))
    finite = np.isfinite(mean)
    err = _errors(mean, low, high)
    shown = [colours[n] for n, f in zip(names, finite, strict=True) if f]
    if bars:
        ax.barh(y[finite], mean[finite], color=shown, alpha=0.85, height=0.6)
    else:
        ax.scatter(mean[finite], y[finite], color=shown, zorder=3, s=30)
    known = finite & np.isfinite(low) & np.isfinite(high)  # no interval when n < 2
    if known.any():
        ax.errorbar(mean[known], y[known], xerr=err[:, known], fmt="none", ecolor="black",
                    elinewidth=1.2, capsize=4, zorder=4)
    # Value labels: after the interval's upper end, or "n/a" where there is no value.
    right = np.where(finite, np.fmax(mean, np.nan_to_num(high, nan=-np.inf)), 0.0)
    for yi, x, m in zip(y, right, mean, strict=True):
        ax.annotate(formats.figure(m), (x if math.isfinite(m) else 0.0, yi), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8,
                    color="black" if math.isfinite(m) else "grey")
    ax.set_yticks(y, labels=list(names))
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.margins(x=0.18)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)


# --------------------------------------------------------------------------- figures

def key_metrics_figure(result: RunResult) -> Figure:
    """Mean and 95% interval of each of :data:`KEY_METRICS` per scenario."""
    names = [s.name for s in result.scenarios]
    summary = result.summary()
    colours = _colours(names)
    weeks = _common_weeks(result)
    reps = _common_reps(result)
    ncols = 4
    nrows = math.ceil(len(KEY_METRICS) / ncols)
    height = 1.2 + nrows * (0.9 + 0.35 * len(names))
    fig = Figure(figsize=(16, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    for ax, metric in zip(axes, KEY_METRICS, strict=False):
        rows = _pick(summary, metric, names, "mean")
        _interval_panel(ax, names, rows["mean"].to_numpy(float), rows["ci_low"].to_numpy(float),
                        rows["ci_high"].to_numpy(float), colours, bars=True)
        ax.set_title(_label(metric), fontsize=10)
        ax.set_xlabel(_unit(metric, weeks), fontsize=9)
        lo, hi = ax.get_xlim()
        ax.set_xlim(min(0.0, lo), hi)
    for ax in axes[len(KEY_METRICS):]:
        ax.set_visible(False)
    period = f"totals over {weeks} measured weeks" if weeks else "totals over the measured weeks"
    n = _plural(reps, "replication")
    fig.suptitle(f"Key metrics per scenario: mean of {n} ({period}); "
                 "black whiskers: 95% interval; n/a: no car", fontsize=11)
    return fig


def differences_figure(result: RunResult) -> Figure | None:
    """Paired differences (scenario - baseline) of :data:`DIFFERENCE_METRICS`.

    Returns
    -------
    matplotlib.figure.Figure or None
        None when the run has no baseline or no other scenario.
    """
    names = [s.name for s in result.scenarios]
    baseline = result.baseline
    others = [n for n in names if n != baseline]
    if baseline is None or baseline not in names or not others:
        return None
    comparison = result.comparison(baseline)
    colours = _colours(names)
    weeks = _common_weeks(result)
    reps = _common_reps(result)
    ncols = len(DIFFERENCE_METRICS)
    fig = Figure(figsize=(3.4 * ncols, 1.9 + 0.4 * len(others)), layout="constrained")
    axes = fig.subplots(1, ncols, sharey=True, squeeze=False).ravel()
    for ax, metric in zip(axes, DIFFERENCE_METRICS, strict=True):
        rows = _pick(comparison, metric, others, "mean_difference")
        ax.axvline(0.0, color="black", linewidth=1.0, zorder=2)
        _interval_panel(ax, others, rows["mean_difference"].to_numpy(float),
                        rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float),
                        colours, bars=False)
        ax.set_title(_label(metric), fontsize=10)
        ax.set_xlabel(f"change in {_unit(metric, weeks)}", fontsize=9)
    n = _plural(reps, "paired replication")
    fig.suptitle(f"Difference from baseline '{baseline}' (scenario minus baseline), mean of {n} "
                 "with 95% interval; an interval not crossing 0 is a clear difference",
                 fontsize=11)
    return fig


def _heatmap(fig: Figure, ax: Axes, grid: np.ndarray, cmap: Colormap, vmin: float, vmax: float,
             title: str, unit: str, percent: bool = False, values: bool = False,
             empty: str = "no car on shift in any hour") -> None:
    """One 7 x 24 panel: Monday on top, hour 00 on the left; NaN cells show grey.

    ``percent``: the scale and each cell's value as a percentage; ``values``: each cell's
    value as a number; ``empty``: the note shown when no cell has a value.
    """
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=vmin, vmax=vmax,
                      aspect="auto", interpolation="nearest")
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_yticks(range(7), labels=list(DAY_NAMES))
    ax.set_xticks(range(24), labels=[f"{h:02d}" for h in range(24)], fontsize=8)
    ax.set_xlabel("hour of day (hour starting)", fontsize=9)
    # Thin white lines between cells (lines, not minor ticks: far quicker to lay out).
    ax.vlines(np.arange(0.5, 23, 1), -0.5, 6.5, color="white", linewidth=0.6)
    ax.hlines(np.arange(0.5, 6, 1), -0.5, 23.5, color="white", linewidth=0.6)
    bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.015)
    bar.set_label(unit, fontsize=9)
    if percent:
        bar.ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    elif values:  # counts of people: whole-number ticks
        bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if percent or values:
        # Each cell's value, light text on the dark end of the scale (viridis, cividis).
        for (d, h), v in np.ndenumerate(grid):
            if math.isfinite(v):
                ax.text(h, d, f"{v:.0%}" if percent else f"{v:.2g}", ha="center",
                        va="center", fontsize=7, in_layout=False,  # inside its cell
                        color="white" if v < vmin + 0.6 * (vmax - vmin) else "black")
    if not np.isfinite(grid).any():
        ax.text(11.5, 3, empty, ha="center", va="center", fontsize=12, color="dimgrey")


def heatmap_figure(result: RunResult, scenario: str) -> Figure:
    """Hour-of-week heatmaps of one scenario: unmet calls (off shift, busy), car utilisation
    and, for a scenario with a control room, its cover and utilisation; for a scenario with
    a Section 136 pathway, the place-of-safety beds occupied."""
    df = result.by_hour_of_week
    rows = df[df["scenario"] == scenario]
    off = hour_of_week_grid(rows, "unmet_off_shift")
    busy = hour_of_week_grid(rows, "unmet_busy")
    util = utilisation_grid(rows)
    on_shift = hour_of_week_grid(rows, "car_on_shift")
    # A call can only find every car busy in an hour with a car on shift: grey out the
    # hours without one (where the count is 0 by definition) so the cover pattern shows.
    busy = np.where((on_shift == 0) & (busy == 0), np.nan, busy)
    unmet_max = float(np.nanmax(np.concatenate([off.ravel(), busy.ravel(), [0.0]])))
    unmet_max = unmet_max if unmet_max > 0 else 1.0
    util_max = max(1.0, float(np.nanmax(np.append(util.ravel(), 0.0))))

    room = has_control_room(result, scenario)
    pathway = has_pathway(result, scenario)
    # Colour-blind-safe sequential maps: YlOrRd (counts), viridis (shares), cividis (cover
    # and beds).
    reds = colormaps["YlOrRd"].with_extremes(bad=_NO_CAR_COLOUR)
    util_cmap = colormaps["viridis"].with_extremes(bad=_NO_CAR_COLOUR)
    panels = 3 + 2 * room + pathway
    # A fixed layout (not "constrained"): the panels are alike, and laying out hundreds of
    # cell labels took most of the time of writing the figure.
    height = HEATMAP_PANEL_INCHES * panels + 0.8
    fig = Figure(figsize=(12, height))
    fig.subplots_adjust(left=0.05, right=0.95, top=1 - 1.05 / height, bottom=0.45 / height,
                        hspace=0.5)
    axes = fig.subplots(panels, 1)
    per_week = "calls per week in this hour"
    _heatmap(fig, axes[0], off, reds, 0.0, unmet_max,
             "Unmet calls: no car on shift", per_week)
    _heatmap(fig, axes[1], busy, reds, 0.0, unmet_max,
             "Unmet calls: car(s) on shift but all busy (grey: no car on shift)", per_week)
    _heatmap(fig, axes[2], util, util_cmap, 0.0, util_max,
             "Car utilisation: busy car-hours / on-shift car-hours (grey: no car on shift)",
             "utilisation (share of on-shift time busy)", percent=True)
    weekly = f"{np.nansum(on_shift):g} car-hours"
    if room:
        weekly += f" and {_room_panels(fig, axes[3:5], rows):g} practitioner-hours"
    weekly += " on shift per week"
    if pathway:
        beds = pathway_beds(result, scenario)
        _pathway_panel(fig, axes[-1], rows, beds)
        weekly += f"; {beds_text(beds)} in places of safety"
    st = result.settings.get(scenario)
    period = f"; mean of {st.replications} replications x {st.weeks} weeks" if st else ""
    fig.suptitle(textwrap.fill(f"Scenario '{scenario}': hour-of-week pattern "
                               f"({weekly}{period})", 120), fontsize=12)
    return fig


def pathway_beds(result: RunResult, scenario: str) -> float:
    """The place-of-safety beds of ``scenario`` (``math.inf``: no limit; NaN: no pathway)."""
    s = next((s for s in result.scenarios if s.name == scenario), None)
    if s is None or s.pathway is None:
        return math.nan
    return s.pathway.place_of_safety.bed_count


def pos_occupied_grid(df: pd.DataFrame) -> np.ndarray:
    """Place-of-safety beds occupied per hour of week (``pos_occupied``: bed-hours in that
    hour of a week, so the mean number of beds taken over the hour)."""
    return hour_of_week_grid(df, "pos_occupied")


def _pathway_panel(fig: Figure, ax: Axes, rows: pd.DataFrame, beds: float) -> None:
    """The place of safety's occupancy against its ``beds`` (``math.inf``: no limit)."""
    grid = pos_occupied_grid(rows)
    peak = float(np.nanmax(np.append(grid.ravel(), 0.0)))
    vmax = max(1.0, peak) if math.isinf(beds) else beds
    of = (f"against its {beds_text(beds)} (top of the scale: every bed taken)"
          if not math.isinf(beds) else "no bed limit (top of the scale: the busiest hour)")
    _heatmap(fig, ax, grid, colormaps["cividis"].with_extremes(bad=_NO_CAR_COLOUR), 0.0,
             vmax, f"Place-of-safety beds occupied (mean over the hour), {of}",
             "beds occupied (mean over the hour)", values=True,
             empty="no place-of-safety bed occupied in any hour")


def _room_panels(fig: Figure, axes: Sequence[Axes], rows: pd.DataFrame) -> float:
    """The control room's cover and utilisation panels; returns its practitioner-hours on
    shift a week."""
    cover = room_cover_grid(rows)
    util = room_utilisation_grid(rows)
    closed = " (grey: control room closed)"
    cover_max = max(1.0, float(np.nanmax(np.append(cover.ravel(), 0.0))))
    _heatmap(fig, axes[0], cover, colormaps["cividis"].with_extremes(bad=_NO_CAR_COLOUR),
             0.0, cover_max, "Control-room cover: practitioners on shift" + closed,
             "practitioners on shift (mean over the hour)", values=True,
             empty="control room closed in every hour")
    _heatmap(fig, axes[1], util, colormaps["viridis"].with_extremes(bad=_NO_CAR_COLOUR), 0.0,
             max(1.0, float(np.nanmax(np.append(util.ravel(), 0.0)))),
             "Control-room utilisation: busy practitioner-hours / on-shift practitioner-hours"
             + closed, "utilisation (share of on-shift time busy)", percent=True,
             empty="control room closed in every hour")
    return float(np.nansum(cover))


# --------------------------------------------------------------------------- writing

def write_plots(result: RunResult, out_dir: Path, jobs: int = 1) -> list[Path]:
    """Write the run's plots as PNG files into ``out_dir`` (created if missing).

    Parameters
    ----------
    result
        A finished run.
    out_dir
        Destination folder.
    jobs
        Worker processes drawing the figures at once (1: in this process); the files are
        the same either way.

    Returns
    -------
    list of pathlib.Path
        The files written: ``key_metrics.png``, ``differences.png`` (when the run has a
        baseline and another scenario), then ``heatmap_<scenario>.png`` per scenario in
        the order of ``result.scenarios`` (names reduced to letters, digits, ``_`` and
        ``-``; a clash gets a numeric suffix).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tasks: list[tuple[str, str | None, Path, int]] = [
        ("key_metrics", None, out / "key_metrics.png", DPI)]
    if result.baseline is not None and len(result.scenarios) > 1:
        tasks.append(("differences", None, out / "differences.png", DPI))
    used: set[str] = set()
    for s in result.scenarios:
        stem = base = f"heatmap_{safe_file_name(s.name)}"
        k = 2
        while stem.lower() in used:
            stem, k = f"{base}-{k}", k + 1
        used.add(stem.lower())
        tasks.append(("heatmap", s.name, out / f"{stem}.png", HEATMAP_DPI))
    batches = [Batch(("plot", i), _draw, (result, kind, name, path, dpi))
               for i, (kind, name, path, dpi) in enumerate(tasks)]
    return [p for p in run_batches(batches, jobs=min(jobs, len(batches))) if p is not None]


def _draw(result: RunResult, kind: str, scenario: str | None, path: Path, dpi: int
          ) -> Path | None:
    """Draw and write one figure of :func:`write_plots` (in a worker process or here)."""
    if kind == "key_metrics":
        fig: Figure | None = key_metrics_figure(result)
    elif kind == "differences":
        fig = differences_figure(result)
    else:
        fig = heatmap_figure(result, str(scenario))
    return None if fig is None else save_figure(fig, path, dpi=dpi)
