"""The appraisal's figures: PNG bytes by file name (``plots/economics_*.png``).

Drawn with matplotlib's object interface (no global state), once per run:
:func:`sim.reporting.funding_case.write_funding_case` writes them to ``plots/`` and the
report embeds the same bytes. Money is £ thousand a year at the report's price year
(the equivalent annual value over the appraisal period), as everywhere in the report.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from sim.economics.funding import COUNTERFACTUAL, PUBLIC, Economics, perspective_label
from sim.economics.psa import PSAResult
from sim.reporting.plots import png_bytes
from sim.reporting.report.cells import pair_label

DPI = 100
TORNADO_INPUTS = 10
"""Inputs shown per tornado panel (the longest bars; ``tornado.csv`` has every input)."""
COLOURS = {PUBLIC: "#34495e", "nhs": "#2e86c1", "police": "#85c1e9", "ambulance": "#48c9b0"}


def _png(fig: Figure) -> bytes:
    """The figure as PNG bytes (then cleared)."""
    return png_bytes(fig, DPI)


def perspectives_figure(econ: Economics, psa: PSAResult | None) -> Figure | None:
    """Per comparison: the net benefit a year to each perspective with its 95% range."""
    if not econ.pairs:
        return None
    table, basis = (psa.table, "expected") if psa is not None else (econ.table, "run")
    n = len(econ.pairs)
    persp = list(econ.perspectives)
    fig = Figure(figsize=(10, 0.9 + (0.5 + 0.45 * len(persp)) * n), layout="constrained")
    axes = fig.subplots(n, 1, sharex=True, squeeze=False).ravel()
    for ax, (s, c) in zip(axes, econ.pairs, strict=True):
        rows = table[(table.scenario == s) & (table.comparator == c)
                     & (table.measure == "net_benefit") & (table.basis == basis)]
        for y, p in enumerate(persp):
            r = rows[rows.perspective == p]
            if r.empty:
                continue
            mean, lo, hi = (float(r[k].iloc[0]) / 1000 for k in ("mean", "low", "high"))
            ax.barh(y, mean, color=COLOURS.get(p, "#aab7b8"), height=0.6)
            if math.isfinite(lo) and math.isfinite(hi):
                ax.errorbar(mean, y, xerr=[[max(mean - lo, 0)], [max(hi - mean, 0)]],
                            fmt="none", ecolor="black", capsize=3, elinewidth=1)
            prob = float(r.prob_positive.iloc[0])
            note = f"{mean:+,.0f}k" + (f", positive in {prob:.0%}" if math.isfinite(prob)
                                        else "")
            ax.annotate(note, (max(mean, hi if math.isfinite(hi) else mean, 0), y),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        ax.axvline(0, color="#c0392b", linewidth=1, linestyle="--")
        ax.set_yticks(range(len(persp)), labels=[perspective_label(p) for p in persp])
        ax.set_ylim(len(persp) - 0.5, -0.5)
        ax.set_title(pair_label(s, c), fontsize=10, loc="left")
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.25)
    axes[-1].set_xlabel("net benefit, £ thousand a year (whiskers: 95% range)", fontsize=8)
    what = "expected over the draws" if psa is not None else "at the scenario files' values"
    fig.suptitle(f"Who gains: net benefit by perspective, {what}, "
                 f"{econ.settings.price_year} prices", fontsize=11)
    return fig


def plane_figure(psa: PSAResult | None) -> Figure | None:
    """Cost-effectiveness plane for the public sector: each option against the
    do-minimum, one point per draw, and the expected point."""
    if psa is None or psa.option_draws.empty:
        return None
    fig = Figure(figsize=(10, 4.6), layout="constrained")
    ax = fig.subplots()
    col = f"net_benefit_{PUBLIC}"
    base = psa.settings["do_minimum"] or COUNTERFACTUAL
    for i, (s, g) in enumerate(psa.option_draws.groupby("scenario", sort=False)):
        if s == base:
            continue
        base_effect = psa.option_draws[psa.option_draws.scenario == base]
        effect = g.detentions_avoided.to_numpy(float)
        if len(base_effect):
            effect = effect - base_effect.detentions_avoided.to_numpy(float)
        cost = -g[col].to_numpy(float) / 1000
        ax.scatter(effect, cost, s=5, alpha=0.25, color=f"C{i}")
        ax.scatter([effect.mean()], [cost.mean()], s=80, color=f"C{i}", edgecolor="black",
                   label=f"{s} vs {base} (expected)")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("Section 136 detentions avoided a year")
    ax.set_ylabel("net cost to the public sector (£ thousand a year)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle(f"Cost-effectiveness plane: {psa.settings['draws']:,} draws (below 0: saves "
                 "money)", fontsize=11)
    return fig


def ceaf_figure(psa: PSAResult | None) -> Figure | None:
    """Acceptability curves of every option and the frontier, for the public sector and
    the NHS."""
    if psa is None or psa.ceaf.empty:
        return None
    persp = [p for p in (PUBLIC, "nhs") if p in set(psa.ceaf.perspective)]
    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, len(persp), sharey=True, squeeze=False).ravel()
    for ax, p in zip(axes, persp, strict=True):
        rows = psa.ceaf[psa.ceaf.perspective == p]
        for i, (o, g) in enumerate(rows.groupby("option", sort=False)):
            ax.plot(g.wtp, g.probability_best, color=f"C{i}", linewidth=1, label=o)
            best = g.probability_best.where(g.optimal)
            ax.plot(g.wtp, best, color=f"C{i}", linewidth=4, alpha=0.5)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"{perspective_label(p)}", fontsize=10)
        ax.set_xlabel("value placed on avoiding one detention, on top of the costs it saves "
                      "(£)", fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("probability the option is the best")
    axes[0].legend(fontsize=8)
    fig.suptitle("Acceptability frontier: thick line = the option with the highest expected "
                 "net benefit", fontsize=11)
    return fig


def tornado_figure(psa: PSAResult | None, perspective: str = PUBLIC) -> Figure | None:
    """Net benefit expected with each input at its low and high percentile (the others
    over their distributions), one panel per comparison, for one perspective."""
    if psa is None or psa.tornado.empty:
        return None
    t = psa.tornado[psa.tornado.perspective == perspective]
    pairs = list(dict.fromkeys(zip(t.scenario, t.comparator, strict=True)))
    n_inputs = min(t.input.nunique(), TORNADO_INPUTS)
    fig = Figure(figsize=(10, 0.8 + len(pairs) * (0.9 + 0.28 * n_inputs)), layout="constrained")
    axes = fig.subplots(len(pairs), 1, squeeze=False).ravel()
    lo_pct, hi_pct = psa.settings["low_percentile"], psa.settings["high_percentile"]
    for ax, (s, c) in zip(axes, pairs, strict=True):
        rows = t[(t.scenario == s) & (t.comparator == c)].nlargest(
            TORNADO_INPUTS, "swing").sort_values("swing")
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
        ax.set_yticks(y, labels=list(rows.label), fontsize=7)
        ax.set_title(f"{pair_label(s, c)}: expected {base:+,.0f}k", fontsize=10, loc="left")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    axes[-1].set_xlabel(f"net benefit to {perspective_label(perspective)}, £ thousand a year; "
                        "black: expected; red dashed: break-even", fontsize=8)
    fig.suptitle(f"Which inputs matter: expected net benefit with one input at its low or "
                 f"high value ({n_inputs} with the longest bars)", fontsize=11)
    return fig


def evppi_figure(psa: PSAResult | None, perspective: str = PUBLIC) -> Figure | None:
    """EVPPI a year by input group, with the EVPI."""
    if psa is None or psa.evppi.empty:
        return None
    e = psa.evppi[(psa.evppi.perspective == perspective) & psa.evppi.evppi_a_year.notna()]
    if e.empty:
        return None
    e = e.sort_values("evppi_a_year")
    total = float(psa.evpi[psa.evpi.perspective == perspective].evpi_a_year.iloc[0])
    fig = Figure(figsize=(10, 0.9 + 0.35 * len(e)), layout="constrained")
    ax = fig.subplots()
    ax.barh(np.arange(len(e)), e.evppi_a_year / 1000, color="#5d6d7e", height=0.6)
    ax.axvline(total / 1000, color="#c0392b", linestyle="--", linewidth=1,
               label=f"EVPI, every input: £{total / 1000:,.1f}k a year")
    ax.set_yticks(np.arange(len(e)), labels=list(e.group), fontsize=8)
    ax.set_xlabel("£ thousand a year", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle(f"Value of learning each group of inputs ({perspective_label(perspective)})",
                 fontsize=11)
    return fig


def convergence_figure(psa: PSAResult | None) -> Figure | None:
    """Running mean of the public sector's net benefit with its Monte Carlo 95% band,
    and the running share positive, per comparison."""
    if psa is None or not psa.measures:
        return None
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    ax_mean, ax_prob = fig.subplots(1, 2)
    public = [(k, v) for k, v in psa.measures.items() if k[2] == PUBLIC]
    for i, ((s, c, _), m) in enumerate(public):
        y = m["net_benefit"].to_numpy(float) / 1000
        n = np.arange(1, len(y) + 1)
        mean = np.cumsum(y) / n
        sq = np.cumsum(y * y) / n
        se = np.sqrt(np.maximum(sq - mean ** 2, 0) / np.maximum(n - 1, 1))
        ax_mean.plot(n, mean, color=f"C{i}", linewidth=1, label=pair_label(s, c))
        ax_mean.fill_between(n, mean - 1.96 * se, mean + 1.96 * se, color=f"C{i}", alpha=0.15)
        ax_prob.plot(n, np.cumsum(y > 0) / n, color=f"C{i}", linewidth=1)
    for ax in (ax_mean, ax_prob):
        ax.set_xlabel("draws", fontsize=8)
        ax.grid(alpha=0.3)
    ax_mean.axhline(0, color="#c0392b", linestyle="--", linewidth=1)
    ax_mean.set_ylabel("running mean net benefit (£ thousand a year)", fontsize=8)
    ax_prob.set_ylabel("running share of draws with net benefit > 0", fontsize=8)
    ax_prob.set_ylim(-0.02, 1.02)
    ax_mean.legend(fontsize=7)
    fig.suptitle("Convergence of the sensitivity analysis (public sector)", fontsize=11)
    return fig


def economics_figures(econ: Economics, psa: PSAResult | None = None) -> dict[str, bytes]:
    """The appraisal's figures as PNG bytes, by file name (``economics_*.png``)."""
    figures = {
        "economics_perspectives.png": perspectives_figure(econ, psa),
        "economics_plane.png": plane_figure(psa),
        "economics_ceaf.png": ceaf_figure(psa),
        "economics_tornado.png": tornado_figure(psa),
        "economics_evppi.png": evppi_figure(psa),
        "economics_convergence.png": convergence_figure(psa),
    }
    return {name: _png(fig) for name, fig in figures.items() if fig is not None}
