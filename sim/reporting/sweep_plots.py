"""PNG plots of a sweep: key metrics against the swept inputs.

:func:`write_sweep_plots` chooses the figures from the sweep's design:

``sweep_<key>.png``
    With a grid (and no samples): each key metric against that grid key, one line per
    variant (and per value of the other grid keys), with its 95% interval as a band.
``heatmap_<variant>.png``
    With exactly two grid keys: per variant, each key metric's mean over the two keys.
``variants.png``
    With variants only: each key metric per variant, with its 95% interval.
``samples_<key>.png``
    With samples: each key metric's point means against that input (one dot per point,
    coloured by variant), with 95% interval whiskers.

Figures use :class:`matplotlib.figure.Figure` directly (no pyplot) and are written
atomically; they hold no clock times, so the same results give the same files.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.core.metrics import title
from sim.experiments.sweeps.design import Sweep
from sim.reporting.plots import KEY_METRICS, UNITS, safe_file_name, save_figure

DPI = 110
MORE_IS_BETTER = ("car_attended", "s136_avoided", "ae_avoided", "officer_hours_saved")
MAX_LINES = 12
"""At most this many lines per panel; more series than that are left out of line plots."""


def _is_numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
               for v in values)


def _unit(metric: str, weeks: int) -> str:
    unit = UNITS.get(metric, "")
    if unit in ("fraction", "calls per car per month", "minutes"):
        return unit
    return f"{unit} in {weeks} weeks"


def _panels(n: int = len(KEY_METRICS)) -> tuple[Figure, list[Axes]]:
    ncols = 4
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(16, 1.0 + 3.3 * nrows), layout="constrained")
    axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _rows(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    return summary[summary["metric"] == metric]


def _title(sweep: Sweep, what: str, intervals: bool = True) -> str:
    return (f"Sweep '{sweep.name}': {what}; mean of {sweep.reps} replications per point "
            f"({sweep.weeks} measured weeks)" + (", 95% interval" if intervals else ""))


def _x_positions(values: Sequence[Any]) -> tuple[np.ndarray, list[str] | None]:
    if _is_numeric(values):
        return np.asarray(values, dtype=float), None
    return np.arange(len(values), dtype=float), [str(v) for v in values]


# --------------------------------------------------------------------------- figures

def grid_line_figure(sweep: Sweep, summary: pd.DataFrame, key: str) -> Figure | None:
    """Key metrics against grid ``key``: a line and band per variant and other-key values."""
    values = sweep.grid_values[key]
    x, labels = _x_positions(values)
    others = [k for k in sweep.grid_keys if k != key]
    series = list(itertools.product(sweep.variants, *(sweep.grid_values[k] for k in others)))
    if len(series) > MAX_LINES:
        return None
    fig, axes = _panels()
    for ax, metric in zip(axes, KEY_METRICS, strict=True):
        rows = _rows(summary, metric)
        for i, combo in enumerate(series):
            sel = rows["variant"] == combo[0]
            for k, v in zip(others, combo[1:], strict=True):
                sel &= rows[k] == v
            part = rows[sel].set_index(key).reindex(values)
            mean = part["mean"].to_numpy(float)
            label = ", ".join(
                ([combo[0]] if sweep.has_variants else [])
                + [f"{k}={v}" for k, v in zip(others, combo[1:], strict=True)]) or None
            colour = f"C{i % 10}"
            ax.plot(x, mean, marker="o", markersize=3.5, color=colour, label=label)
            lo, hi = part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float)
            if np.isfinite(lo).any():
                ax.fill_between(x, lo, hi, color=colour, alpha=0.2, linewidth=0)
        ax.set_title(title(metric), fontsize=10)
        ax.set_ylabel(_unit(metric, sweep.weeks), fontsize=8)
        ax.set_xlabel(key, fontsize=8)
        if labels is not None:
            ax.set_xticks(x, labels=labels, fontsize=8, rotation=45 if len(labels) > 6 else 0)
        ax.grid(alpha=0.3)
    if len(series) > 1:
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", ncols=min(len(series), 6),
                   fontsize=9)
    fig.suptitle(_title(sweep, f"key metrics against {key}"), fontsize=11)
    return fig


def heatmap_figure(sweep: Sweep, summary: pd.DataFrame, variant: str) -> Figure:
    """Key metrics of one variant over the two grid keys (x: first key, y: second key)."""
    kx, ky = sweep.grid_keys
    xs, ys = sweep.grid_values[kx], sweep.grid_values[ky]
    fig, axes = _panels()
    for ax, metric in zip(axes, KEY_METRICS, strict=True):
        rows = _rows(summary, metric)
        rows = rows[rows["variant"] == variant]
        grid = np.full((len(ys), len(xs)), np.nan)
        for (i, yv), (j, xv) in itertools.product(enumerate(ys), enumerate(xs)):
            cell = rows[(rows[kx] == xv) & (rows[ky] == yv)]["mean"]
            if len(cell):
                grid[i, j] = float(cell.iloc[0])
        image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", origin="lower",
                          cmap="viridis", interpolation="nearest")
        fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
        finite = grid[np.isfinite(grid)]
        mid = (finite.min() + finite.max()) / 2 if finite.size else 0.0
        for (i, j), v in np.ndenumerate(grid):
            if math.isfinite(v):
                text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"
                ax.text(j, i, text, ha="center", va="center", fontsize=7,
                        color="white" if v < mid else "black")
        ax.set_xticks(range(len(xs)), labels=[str(v) for v in xs], fontsize=8)
        ax.set_yticks(range(len(ys)), labels=[str(v) for v in ys], fontsize=8)
        ax.set_xlabel(kx, fontsize=8)
        ax.set_ylabel(ky, fontsize=8)
        ax.set_title(f"{title(metric)}\n({_unit(metric, sweep.weeks)})",
                     fontsize=9)
    name = f"variant '{variant}': " if sweep.has_variants else ""
    fig.suptitle(_title(sweep, f"{name}means over {kx} x {ky}", intervals=False), fontsize=11)
    return fig


def variants_figure(sweep: Sweep, summary: pd.DataFrame) -> Figure:
    """Key metrics per variant (no grid), with 95% interval whiskers."""
    names = list(sweep.variants)
    x = np.arange(len(names), dtype=float)
    fig, axes = _panels()
    for ax, metric in zip(axes, KEY_METRICS, strict=True):
        rows = _rows(summary, metric).set_index("variant").reindex(names)
        mean = rows["mean"].to_numpy(float)
        err = np.vstack([mean - rows["ci_low"].to_numpy(float),
                         rows["ci_high"].to_numpy(float) - mean])
        ax.errorbar(x, mean, yerr=np.nan_to_num(np.clip(err, 0, None)), fmt="o", capsize=3,
                    color="C0", ecolor="black", elinewidth=1)
        if metric in MORE_IS_BETTER and np.isfinite(mean).any():
            best = int(np.nanargmax(mean))
            ax.plot(x[best], mean[best], marker="o", color="C3", markersize=8, zorder=4)
        ax.set_xticks(x, labels=names, fontsize=8, rotation=45 if len(names) > 5 else 0)
        ax.set_title(title(metric), fontsize=10)
        ax.set_ylabel(_unit(metric, sweep.weeks), fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(_title(sweep, "key metrics per variant (red: the most attended, avoided or "
                              "saved)"), fontsize=11)
    return fig


def samples_figure(sweep: Sweep, summary: pd.DataFrame, key: str) -> Figure:
    """Point means of each key metric against input ``key``, coloured by variant."""
    fig, axes = _panels()
    numeric = _is_numeric(list(summary[key].unique()))
    order = list(dict.fromkeys(summary[key])) if not numeric else None
    for ax, metric in zip(axes, KEY_METRICS, strict=True):
        rows = _rows(summary, metric)
        for i, variant in enumerate(sweep.variants):
            part = rows[rows["variant"] == variant]
            x = part[key].to_numpy(float) if numeric else np.array(
                [order.index(v) for v in part[key]], dtype=float)
            mean = part["mean"].to_numpy(float)
            err = np.vstack([mean - part["ci_low"].to_numpy(float),
                             part["ci_high"].to_numpy(float) - mean])
            ax.errorbar(x, mean, yerr=np.nan_to_num(np.clip(err, 0, None)), fmt="o",
                        markersize=3, capsize=0, elinewidth=0.6, alpha=0.8, color=f"C{i % 10}",
                        label=variant if sweep.has_variants else None)
        if order is not None:
            ax.set_xticks(range(len(order)), labels=[str(v) for v in order], fontsize=8)
        ax.set_title(title(metric), fontsize=10)
        ax.set_ylabel(_unit(metric, sweep.weeks), fontsize=8)
        ax.set_xlabel(key, fontsize=8)
        ax.grid(alpha=0.3)
    if sweep.has_variants and len(sweep.variants) > 1:
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 6),
                   fontsize=9)
    fig.suptitle(_title(sweep, f"point means against {key}"), fontsize=11)
    return fig


# --------------------------------------------------------------------------- writing

def write_sweep_plots(sweep: Sweep, summary: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write the sweep's plots into ``out_dir``; returns the files written."""
    out = Path(out_dir)
    written: list[Path] = []
    if sweep.sample_keys:
        for key in (*sweep.grid_keys, *sweep.sample_keys):
            path = out / f"samples_{safe_file_name(key)}.png"
            written.append(save_figure(samples_figure(sweep, summary, key), path, DPI))
        return written
    if not sweep.grid_keys:
        return [save_figure(variants_figure(sweep, summary), out / "variants.png", DPI)]
    for key in sweep.grid_keys:
        fig = grid_line_figure(sweep, summary, key)
        if fig is not None:
            written.append(save_figure(fig, out / f"sweep_{safe_file_name(key)}.png", DPI))
    if len(sweep.grid_keys) == 2:
        for variant in sweep.variants:
            name = f"heatmap_{safe_file_name(variant)}.png"
            written.append(save_figure(heatmap_figure(sweep, summary, variant), out / name, DPI))
    return written
