"""The funding-case figures: PNG bytes by file name (``plots/economics_*.png``).

Drawn with matplotlib's object interface (no global state), once per run:
:func:`sim.reporting.funding_case.write_funding_case` writes them to ``plots/`` and the
report embeds the same bytes.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.figure import Figure

from sim.common import formats
from sim.economics.funding import VIEWS, Economics
from sim.economics.psa import PSAResult
from sim.reporting.report.cells import VIEW_LABEL, pair_label

DPI = 110


def _png(fig: Figure) -> bytes:
    """The figure as PNG bytes (then cleared)."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=DPI)
    finally:
        fig.clear()
    return buf.getvalue()


def funding_case_figure(econ: Economics) -> Figure | None:
    """Per comparison: scheme cost, savings and net benefits a year, with 95% intervals."""
    if not econ.pairs:
        return None
    items = [("scheme_cost", "Scheme cost", "#c0392b", -1),
             ("savings_nhs", "NHS costs avoided (cash)", "#2e86c1", 1),
             ("savings_police", "Police time released (not cash)", "#85c1e9", 1),
             ("net_benefit_cash", "Net benefit: NHS cash only", "#555555", 1),
             ("net_benefit_with_police", "Net benefit: with police time", "#999999", 1)]
    n = len(econ.pairs)
    fig = Figure(figsize=(11, 1.0 + 2.3 * n), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False).ravel()
    for ax, (s, c) in zip(axes, econ.pairs, strict=True):
        y = np.arange(len(items))
        for yi, (m, _label, colour, sign) in zip(y, items, strict=True):
            mean = sign * econ.value(s, c, m) / 1000
            lo = sign * econ.value(s, c, m, "ci_low") / 1000
            hi = sign * econ.value(s, c, m, "ci_high") / 1000
            ax.barh(yi, mean, color=colour, height=0.6)
            if math.isfinite(lo) and math.isfinite(hi):
                ax.errorbar(mean, yi, xerr=[[abs(mean - min(lo, hi))], [abs(max(lo, hi) - mean)]],
                            fmt="none", ecolor="black", capsize=3, elinewidth=1)
            right = max(mean, 0, *(v for v in (lo, hi) if math.isfinite(v)))
            ax.annotate(f"{mean:+,.0f}k", (right, yi), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=8)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, labels=[lbl for _, lbl, _, _ in items])
        ax.set_ylim(len(items) - 0.5, -0.5)
        ax.set_title(pair_label(s, c), fontsize=10, loc="left")
        ax.set_xlabel("£ thousand a year (costs shown negative); whiskers: 95% interval",
                      fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.15)
    year = econ.price_year()
    fig.suptitle(f"The funding case, £ a year{f' at {year} prices' if year else ''}",
                 fontsize=11)
    return fig


def tornado_figure(psa: PSAResult | None, view: str) -> Figure | None:
    """Net benefit with each input at its low and high value, one panel per comparison."""
    if psa is None or psa.tornado.empty:
        return None
    t = psa.tornado[psa.tornado.view == view]
    pairs = list(dict.fromkeys(zip(t.scenario, t.comparator, strict=True)))
    n_inputs = t.input.nunique()
    fig = Figure(figsize=(11, 0.8 + len(pairs) * (0.9 + 0.32 * n_inputs)), layout="constrained")
    axes = fig.subplots(len(pairs), 1, squeeze=False).ravel()
    lo_pct = psa.settings["low_percentile"]
    hi_pct = psa.settings["high_percentile"]
    for ax, (s, c) in zip(axes, pairs, strict=True):
        rows = t[(t.scenario == s) & (t.comparator == c)].sort_values("swing", ascending=True)
        base = float(rows.net_benefit_base.iloc[0]) / 1000
        y = np.arange(len(rows))
        low = rows.net_benefit_low.to_numpy(float) / 1000
        high = rows.net_benefit_high.to_numpy(float) / 1000
        ax.barh(y, low - base, left=base, color="#e59866", height=0.6,
                label=f"input at its {lo_pct:g}th percentile")
        ax.barh(y, high - base, left=base, color="#5dade2", height=0.6,
                label=f"input at its {hi_pct:g}th percentile")
        ax.axvline(base, color="black", linewidth=1)
        ax.axvline(0, color="#c0392b", linewidth=1, linestyle="--")
        labels = [f"{k}  ({formats.report(a)} to {formats.report(b)})" for k, a, b in
                  zip(rows.input, rows.low_value, rows.high_value, strict=True)]
        ax.set_yticks(y, labels=labels, fontsize=8)
        ax.set_title(f"{pair_label(s, c)}: base case {base:+,.0f}k (with the analysis's "
                     f"{psa.settings['replications_per_draw']} replications)", fontsize=10,
                     loc="left")
        ax.set_xlabel(f"net benefit, {VIEW_LABEL[view]} (£ thousand a year); "
                      "red dashed line: break-even", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Which inputs matter: net benefit ({VIEW_LABEL[view]}) over each input's "
                 f"range, the others at their base values", fontsize=11)
    return fig


def ceac_figure(psa: PSAResult | None) -> Figure | None:
    """Cost-effectiveness acceptability curves, one panel per view."""
    if psa is None or psa.ceac.empty or psa.settings["draws"] == 0:
        return None
    fig = Figure(figsize=(11, 4), layout="constrained")
    axes = fig.subplots(1, len(VIEWS), sharey=True, squeeze=False).ravel()
    for ax, view in zip(axes, VIEWS, strict=True):
        rows = psa.ceac[psa.ceac.view == view]
        for i, ((s, c), g) in enumerate(rows.groupby(["scenario", "comparator"], sort=False)):
            ax.plot(g.wtp, g.probability, color=f"C{i}", label=pair_label(s, c))
        ax.set_ylim(-0.02, 1.02)
        ax.axhline(0.5, color="grey", linewidth=0.6, linestyle=":")
        ax.set_title(f"Net benefit {VIEW_LABEL[view]}", fontsize=10)
        ax.set_xlabel("willingness to pay per detention avoided (£), on top of costs avoided",
                      fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("probability the scheme is worth it")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Cost-effectiveness acceptability curves ({psa.settings['draws']} PSA draws)",
                 fontsize=11)
    return fig


def psa_figure(psa: PSAResult | None) -> Figure | None:
    """Cost-effectiveness plane: per draw, detentions avoided against net cost (cash)."""
    if psa is None or psa.outcomes.empty:
        return None
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_plane, ax_hist = fig.subplots(1, 2)
    for i, ((s, c), g) in enumerate(psa.outcomes.groupby(["scenario", "comparator"],
                                                          sort=False)):
        ax_plane.scatter(g.detentions_avoided, -g.net_benefit_cash / 1000, s=12, alpha=0.7,
                         color=f"C{i}", label=pair_label(s, c))
        ax_hist.hist(g.net_benefit_with_police / 1000, bins=15, alpha=0.45, color=f"C{i}",
                     label=pair_label(s, c))
    ax_plane.axhline(0, color="black", linewidth=0.8)
    ax_plane.set_xlabel("detentions avoided a year")
    ax_plane.set_ylabel("net cost, NHS cash only (£ thousand a year)")
    ax_plane.set_title("Cost-effectiveness plane (one point per draw)", fontsize=10)
    ax_plane.grid(alpha=0.3)
    ax_plane.legend(fontsize=7)
    ax_hist.axvline(0, color="#c0392b", linestyle="--", linewidth=1)
    ax_hist.set_xlabel("net benefit including police time (£ thousand a year)")
    ax_hist.set_ylabel("draws")
    ax_hist.set_title("Net benefit over the uncertain inputs", fontsize=10)
    ax_hist.grid(alpha=0.3)
    fig.suptitle(f"Probabilistic sensitivity analysis: {psa.settings['draws']} draws x "
                 f"{psa.settings['replications_per_draw']} replications", fontsize=11)
    return fig


def economics_figures(econ: Economics, psa: PSAResult | None = None) -> dict[str, bytes]:
    """The funding-case figures as PNG bytes, by file name (``economics_*.png``)."""
    figures = {
        "economics_funding_case.png": funding_case_figure(econ),
        "economics_tornado_with_police.png": tornado_figure(psa, "with_police"),
        "economics_tornado_cash.png": tornado_figure(psa, "cash"),
        "economics_ceac.png": ceac_figure(psa),
        "economics_psa.png": psa_figure(psa),
    }
    return {name: _png(fig) for name, fig in figures.items() if fig is not None}
