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


def coverage(frame: pd.DataFrame) -> alt.LayerChart:
    """7 x 24 grid: colour, the expected calls in the hour; number, the cars on shift
    (blank: no car on shift)."""
    data = _hours(frame).assign(
        label=[("" if c <= 0 else f"{c:g}" if float(c).is_integer() else f"{c:.1f}")
               for c in frame["cars"]])
    base = alt.Chart(data, width=2 * WIDTH, height=230,
                     title="Demand and cover: colour = expected calls in the hour; "
                           "number = cars on shift (blank: no car)")
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        x=alt.X("time:O", sort=HOURS, title="hour of day (hour starting)"),
        y=alt.Y("day:O", sort=list(DAY_NAMES), title=None, axis=alt.Axis(labelOverlap=False)),
        color=alt.Color("calls:Q", scale=alt.Scale(scheme="cividis"),
                        title="calls per hour"),
        tooltip=[alt.Tooltip("day:O"), alt.Tooltip("time:O", title="hour starting"),
                 alt.Tooltip("calls:Q", title="expected calls in this hour", format=".2f"),
                 alt.Tooltip("cars:Q", title="cars on shift (mean over the hour)",
                             format=".2f")])
    text = base.mark_text(fontSize=12, fontWeight="bold").encode(
        x=alt.X("time:O", sort=HOURS), y=alt.Y("day:O", sort=list(DAY_NAMES)),
        text="label:N",
        color=alt.condition("datum.calls > 0.45", alt.value("black"), alt.value("white")))
    return cells + text


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
