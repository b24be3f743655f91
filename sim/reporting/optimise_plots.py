"""The optimiser's picture: the chosen rota against hour-of-week demand and unmet calls.

``optimise.png`` (written by ``sim/reporting/optimise_results.py``) has two panels over
the 168 hours of the week (Monday 00:00 first):

* calls a week in each hour (bars), with the cars on shift of the chosen rota and of the
  shipped rota (steps, right axis);
* unmet calls a week in each hour (no car on shift, or every car busy) for the chosen
  rota, the shipped rota and the best rota of the plain start-hour sweep.

The data are ``OptimiseResult.by_hour`` (``sim/experiments/optimise/run.py``): means of the
comparison stage's fresh replications. Figures use :class:`matplotlib.figure.Figure`
directly (no pyplot) and hold no clock times, so the same results give the same file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.plots import save_figure
from sim.scenario.calendar import DAY_NAMES

DPI = 110
COLOURS = {"best": "#1b7837", "shipped": "#762a83", "sweep": "#e08214"}


def _series(by_hour: pd.DataFrame, name: str, column: str) -> np.ndarray:
    rows = by_hour[by_hour["scenario"] == name].sort_values("hour_of_week")
    return rows[column].to_numpy(dtype=float)


def _steps(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y for a step line over the 168 hours (the last hour drawn to its end)."""
    return np.arange(169), np.append(values, values[-1])


def optimise_figure(by_hour: pd.DataFrame, *, title: str, best_label: str,
                    shipped_label: str | None, sweep_name: str | None,
                    sweep_label: str | None) -> Figure:
    """The two-panel figure (see the module docstring)."""
    fig = Figure(figsize=(14, 7.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    hours = np.arange(168)
    calls = _series(by_hour, "best", "calls")
    top.bar(hours + 0.5, calls, width=1.0, color="#bdbdbd", label="mental-health calls a week")
    top.set_ylabel("calls a week in the hour")
    cars = top.twinx()
    cars.step(*_steps(_series(by_hour, "best", "cars_on_shift")), where="post",
              color=COLOURS["best"], lw=2.2, label=f"chosen: {best_label}")
    if shipped_label is not None:
        cars.step(*_steps(_series(by_hour, "shipped", "cars_on_shift")), where="post",
                  color=COLOURS["shipped"], lw=1.4, ls="--", label=f"shipped: {shipped_label}")
    top_cars = max(1.0, float(by_hour["cars_on_shift"].max()))
    cars.set_ylim(0, top_cars * 1.6)
    cars.set_yticks(range(int(top_cars) + 1))
    cars.set_ylabel("cars on shift")
    handles = top.get_legend_handles_labels()
    more = cars.get_legend_handles_labels()
    top.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8)
    top.set_title("Demand by hour of the week and the rotas' cover")

    def unmet(name: str) -> np.ndarray:
        return _series(by_hour, name, "unmet_off_shift") + _series(by_hour, name, "unmet_busy")

    bottom.step(*_steps(unmet("best")), where="post",
                color=COLOURS["best"], lw=2.0, label=f"chosen: {best_label}")
    if shipped_label is not None:
        bottom.step(*_steps(unmet("shipped")), where="post",
                    color=COLOURS["shipped"], lw=1.4, ls="--", label=f"shipped: {shipped_label}")
    if sweep_name is not None and sweep_label is not None:
        bottom.step(*_steps(unmet(sweep_name)), where="post",
                    color=COLOURS["sweep"], lw=1.2, ls=":",
                    label=f"best of the start-hour sweep: {sweep_label}")
    bottom.set_ylabel("unmet calls a week in the hour")
    bottom.set_title("Calls no car could take (off shift or busy), mean per week")
    bottom.legend(loc="upper left", fontsize=8)
    for ax in (top, bottom):
        for d in range(1, 7):
            ax.axvline(24 * d, color="#636363", lw=0.6)
        ax.set_xlim(0, 168)
    bottom.set_xticks([24 * d + 12 for d in range(7)], DAY_NAMES)
    bottom.set_xticks(range(0, 169, 6), minor=True)
    fig.suptitle(title)
    return fig


def write_optimise_plot(by_hour: pd.DataFrame, path: Path, **labels: str | None) -> Path:
    """Draw :func:`optimise_figure` and write it to ``path`` (PNG, atomically)."""
    return save_figure(optimise_figure(by_hour, **labels), path, DPI)  # type: ignore[arg-type]
