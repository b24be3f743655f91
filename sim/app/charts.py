"""The app's figures (Altair, drawn in the browser): colour-blind-safe scales (cividis,
viridis) and every value with its unit in the axis titles and tooltips."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from sim.scenario.calendar import DAY_NAMES

HOURS = [f"{h:02d}" for h in range(24)]
WIDTH = 560
"""Chart width in pixels: two fit side by side in a 1280-pixel window."""


def _hours(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(time=[f"{int(h):02d}" for h in frame["hour"]])


def hourly_profile(weights: Sequence[float], calls_per_day: float) -> alt.Chart:
    """Expected calls in each hour of an average day (bars)."""
    total = float(sum(weights)) or 1.0
    frame = pd.DataFrame({"hour": range(24),
                          "calls": [calls_per_day * w / total for w in weights]})
    return (alt.Chart(_hours(frame), width=WIDTH, height=180,
                      title="Expected calls in each hour of an average day")
            .mark_bar(color="#0072B2")
            .encode(x=alt.X("time:O", sort=HOURS, title="hour of day (hour starting)"),
                    y=alt.Y("calls:Q", title="calls per hour"),
                    tooltip=[alt.Tooltip("time:O", title="hour starting"),
                             alt.Tooltip("calls:Q", title="calls per hour", format=".2f")]))


PHONE = "\u260e"
"""The mark of control-room practitioners in the coverage picture (a telephone)."""


def _count(value: float) -> str:
    return "" if value <= 0 else f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


def coverage(frame: pd.DataFrame) -> alt.LayerChart:
    """7 x 24 grid: colour, the expected calls in the hour; bold number, the cars on shift
    (blank: no car); with a control room (a ``practitioners`` column above zero), a second,
    smaller line under it: a telephone and the practitioners on shift.

    Cars and practitioners differ by mark, size and place, never by colour alone, and the
    text is black or white by the cell's brightness: readable with any colour vision.
    """
    room = "practitioners" in frame and bool((frame["practitioners"] > 0).any())
    data = _hours(frame).assign(label=[_count(c) for c in frame["cars"]])
    if room:
        data = data.assign(room_label=[f"{PHONE}{_count(p)}" if p > 0 else ""
                                       for p in frame["practitioners"]])
    title = ("Demand and cover: colour = expected calls in the hour; number = cars on shift "
             "(blank: no car)")
    if room:
        title = [title, f"{PHONE} n = control-room practitioners on shift (blank: none)"]
    tooltip = [alt.Tooltip("day:O"), alt.Tooltip("time:O", title="hour starting"),
               alt.Tooltip("calls:Q", title="expected calls in this hour", format=".2f"),
               alt.Tooltip("cars:Q", title="cars on shift (mean over the hour)", format=".2f")]
    if room:
        tooltip.append(alt.Tooltip("practitioners:Q", format=".2f",
                                   title="control-room practitioners on shift (mean over "
                                         "the hour)"))
    base = alt.Chart(data, width=2 * WIDTH, height=440 if room else 230, title=title)
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        x=alt.X("time:O", sort=HOURS, title="hour of day (hour starting)"),
        y=alt.Y("day:O", sort=list(DAY_NAMES), title=None, axis=alt.Axis(labelOverlap=False)),
        color=alt.Color("calls:Q", scale=alt.Scale(scheme="cividis"),
                        title="calls per hour"),
        tooltip=tooltip)
    ink = alt.condition("datum.calls > 0.45", alt.value("black"), alt.value("white"))
    where = {"x": alt.X("time:O", sort=HOURS), "y": alt.Y("day:O", sort=list(DAY_NAMES))}
    text = base.mark_text(fontSize=12, fontWeight="bold", dy=-7 if room else 0).encode(
        **where, text="label:N", color=ink, tooltip=tooltip)
    if not room:
        return cells + text
    phone = base.mark_text(fontSize=10, dy=8).encode(**where, text="room_label:N", color=ink,
                                                     tooltip=tooltip)
    return cells + text + phone


def heatmap(frame: pd.DataFrame, column: str, title: str, unit: str, *,
            scheme: str = "cividis", percent: bool = False,
            domain: tuple[float, float] | None = None) -> alt.Chart:
    """A 7 x 24 hour-of-week heatmap of one column (NaN cells are left blank)."""
    data = _hours(frame)[["day", "hour", "time", column]].dropna()
    scale = alt.Scale(scheme=scheme, domain=list(domain)) if domain else \
        alt.Scale(scheme=scheme)
    fmt = ".0%" if percent else ".2f"
    return (alt.Chart(data, width=WIDTH, height=210, title=title)
            .mark_rect(stroke="white", strokeWidth=1)
            .encode(x=alt.X("time:O", sort=HOURS, scale=alt.Scale(domain=HOURS),
                            title="hour of day (hour starting)"),
                    y=alt.Y("day:O", sort=list(DAY_NAMES), scale=alt.Scale(domain=list(DAY_NAMES)),
                            title=None, axis=alt.Axis(labelOverlap=False)),
                    color=alt.Color(f"{column}:Q", scale=scale, title=unit,
                                    legend=alt.Legend(format=fmt)),
                    tooltip=[alt.Tooltip("day:O"),
                             alt.Tooltip("time:O", title="hour starting"),
                             alt.Tooltip(f"{column}:Q", title=unit, format=fmt)]))
