"""``report.html``: one self-contained page a commissioner can open and forward.

Images are embedded as base64 PNG, styles are inline, and nothing is fetched from the
network; the page needs no JavaScript. Sections: the question and the answer, the
scenarios compared, headline results with intervals, where and why calls go unmet, the
funding case (cash, and with police time), sensitivity (tornado, switching values, PSA and
CEAC when the analysis ran), assumptions with their sources, and the run manifest.

:func:`economics_figures` draws the funding-case figures (also written to ``plots/``).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from matplotlib.figure import Figure

from sim.common.formats import report as _num
from sim.common.units import WEEKS_PER_YEAR
from sim.economics.funding import COUNTERFACTUAL, VIEWS, Economics, money
from sim.scenario.loader import is_partial

DPI = 110
VIEW_LABEL = {"cash": "NHS cash only", "with_police": "including police time"}
HEADLINE_METRICS = (
    ("mh_calls", "Mental-health calls"),
    ("car_attended", "Attended by a car"),
    ("unmet_off_shift", "Unmet: no car on shift"),
    ("unmet_busy", "Unmet: car(s) busy"),
    ("not_for_car", "Not sent to the car (call type)"),
    ("s136", "Section 136 detentions"),
    ("s136_avoided", "Detentions avoided"),
    ("ae_avoided", "A&E attendances avoided"),
    ("officer_hours_saved", "Frontline officer hours released"),
    ("car_utilisation", "Car utilisation"),
    ("car_incidents_per_month", "Calls attended per car per month"),
)
TIME_BANDS = ((0, 4), (4, 8), (8, 12), (12, 16), (16, 20), (20, 24))


# --------------------------------------------------------------------- figures


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=DPI)
    finally:
        fig.clear()
    return buf.getvalue()


def _pair_label(scenario: str, comparator: str) -> str:
    return f"{scenario} vs {comparator}"


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
        ax.set_title(_pair_label(s, c), fontsize=10, loc="left")
        ax.set_xlabel("£ thousand a year (costs shown negative); whiskers: 95% interval",
                      fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.15)
    year = econ.price_year()
    fig.suptitle(f"The funding case, £ a year{f' at {year} prices' if year else ''}",
                 fontsize=11)
    return fig


def tornado_figure(psa, view: str) -> Figure | None:
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
        labels = [f"{k}  ({_num(a)} to {_num(b)})" for k, a, b in
                  zip(rows.input, rows.low_value, rows.high_value, strict=True)]
        ax.set_yticks(y, labels=labels, fontsize=8)
        ax.set_title(f"{_pair_label(s, c)}: base case {base:+,.0f}k (with the analysis's "
                     f"{psa.settings['replications_per_draw']} replications)", fontsize=10,
                     loc="left")
        ax.set_xlabel(f"net benefit, {VIEW_LABEL[view]} (£ thousand a year); "
                      "red dashed line: break-even", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Which inputs matter: net benefit ({VIEW_LABEL[view]}) over each input's "
                 f"range, the others at their base values", fontsize=11)
    return fig


def ceac_figure(psa) -> Figure | None:
    """Cost-effectiveness acceptability curves, one panel per view."""
    if psa is None or psa.ceac.empty or psa.settings["draws"] == 0:
        return None
    fig = Figure(figsize=(11, 4), layout="constrained")
    axes = fig.subplots(1, len(VIEWS), sharey=True, squeeze=False).ravel()
    for ax, view in zip(axes, VIEWS, strict=True):
        rows = psa.ceac[psa.ceac.view == view]
        for i, ((s, c), g) in enumerate(rows.groupby(["scenario", "comparator"], sort=False)):
            ax.plot(g.wtp, g.probability, color=f"C{i}", label=_pair_label(s, c))
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


def psa_figure(psa) -> Figure | None:
    """Cost-effectiveness plane: per draw, detentions avoided against net cost (cash)."""
    if psa is None or psa.outcomes.empty:
        return None
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_plane, ax_hist = fig.subplots(1, 2)
    for i, ((s, c), g) in enumerate(psa.outcomes.groupby(["scenario", "comparator"],
                                                          sort=False)):
        ax_plane.scatter(g.detentions_avoided, -g.net_benefit_cash / 1000, s=12, alpha=0.7,
                         color=f"C{i}", label=_pair_label(s, c))
        ax_hist.hist(g.net_benefit_with_police / 1000, bins=15, alpha=0.45, color=f"C{i}",
                     label=_pair_label(s, c))
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


def economics_figures(econ: Economics, psa=None) -> dict[str, bytes]:
    """The funding-case figures as PNG bytes, by file name (``economics_*.png``)."""
    figures = {
        "economics_funding_case.png": funding_case_figure(econ),
        "economics_tornado_with_police.png": tornado_figure(psa, "with_police"),
        "economics_tornado_cash.png": tornado_figure(psa, "cash"),
        "economics_ceac.png": ceac_figure(psa),
        "economics_psa.png": psa_figure(psa),
    }
    return {name: _png(fig) for name, fig in figures.items() if fig is not None}


# ------------------------------------------------------------ YAML comments


def yaml_comments(path: str | Path) -> dict[str, str]:
    """Comments of a scenario file by dotted key, following ``extends`` (the file's own
    comment wins over its parent's).

    A key's comment is the block of ``#`` lines right above it plus a comment at the end
    of its line.
    """
    path = Path(path)
    out: dict[str, str] = {}
    seen: set[Path] = set()
    chain: list[Path] = []
    while path.is_file() and path.resolve() not in seen:
        seen.add(path.resolve())
        chain.append(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            break
        parent = data.get("extends") if isinstance(data, dict) else None
        if not isinstance(parent, str):
            break
        path = path.parent / parent
    for file in reversed(chain):
        out.update(_file_comments(file))
    return out


def _file_comments(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return {}
    lines = text.splitlines()
    out: dict[str, str] = {}
    key_lines: set[int] = set()

    def walk(node: yaml.Node, prefix: str, parent_line: int) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = f"{prefix}{k.value}" if prefix == "" else f"{prefix}.{k.value}"
                line = k.start_mark.line
                if line != parent_line and line not in key_lines:
                    key_lines.add(line)
                    above = []
                    i = line - 1
                    while i >= 0 and lines[i].strip().startswith("#"):
                        above.insert(0, lines[i].strip().lstrip("#").strip())
                        i -= 1
                    inline = _inline_comment(lines[line], v)
                    comment = " ".join([*above, inline]).strip()
                    if comment:
                        out[key] = comment
                walk(v, key, line)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{prefix}.{i}", parent_line)

    walk(root, "", -1)
    return out


def _inline_comment(line: str, value: yaml.Node) -> str:
    end = value.end_mark.column if value.end_mark.line == value.start_mark.line else 0
    rest = line[end:] if value.end_mark.line == value.start_mark.line else ""
    if "#" in rest:
        return rest[rest.index("#") + 1:].strip()
    return ""


# ---------------------------------------------------------------------- HTML

CSS = """
body { font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
       color: #1c2833; max-width: 1150px; margin: 0 auto; padding: 1.5em 2em 4em;
       line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.1em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #d5d8dc; padding-bottom: 0.2em;
     margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
.subtitle { color: #566573; margin-top: 0; }
.answer { background: #f4f6f7; border-left: 5px solid #2e86c1; padding: 0.8em 1.2em;
          margin: 1em 0; }
.answer p { margin: 0.5em 0; }
.warn { background: #fef9e7; border-left: 5px solid #f5b041; padding: 0.6em 1em; }
table { border-collapse: collapse; margin: 0.8em 0 1.2em; font-size: 0.9em; }
th, td { border: 1px solid #d5d8dc; padding: 0.3em 0.6em; text-align: right;
         vertical-align: top; }
th { background: #eaf2f8; }
td.l, th.l { text-align: left; }
tr:nth-child(even) td { background: #fbfcfc; }
.neg { color: #c0392b; }
.pos { color: #1e8449; }
.small { font-size: 0.85em; color: #566573; }
img { max-width: 100%; height: auto; border: 1px solid #eaeded; margin: 0.5em 0; }
code { background: #f4f6f7; padding: 0 0.25em; }
nav ol { columns: 2; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text))


def _cell(value: float, kind: str) -> str:
    if kind == "money":
        return money(value)
    if kind == "pct":
        return "n/a" if not math.isfinite(value) else f"{value:.0%}"
    if kind == "ratio":
        return "n/a" if not math.isfinite(value) else f"{value:.2f}"
    if kind == "years":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        return "never" if math.isinf(value) else f"{value:.1f}"
    return _num(value)


def _signed_class(value: float) -> str:
    if not math.isfinite(value):
        return ""
    return "pos" if value > 0 else ("neg" if value < 0 else "")


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1,
           cls: str = "") -> str:
    head = "".join(f'<th class="l">{h}</th>' if i < left else f"<th>{h}</th>"
                   for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = "".join(f'<td class="l">{c}</td>' if i < left else f"<td>{c}</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _interval(econ: Economics, s: str, c: str, m: str, kind: str = "money") -> str:
    mean = econ.value(s, c, m)
    lo = econ.value(s, c, m, "ci_low")
    hi = econ.value(s, c, m, "ci_high")
    cls = _signed_class(mean) if m.startswith(("net_benefit", "roi")) else ""
    text = _cell(mean, kind)
    if not math.isnan(lo):
        text += f' <span class="small">({_cell(lo, kind)} to {_cell(hi, kind)})</span>'
    return f'<span class="{cls}">{text}</span>' if cls else text


def _answer(econ: Economics, psa, result) -> str:
    if not econ.pairs:
        return ('<div class="answer"><p>No funding case: the run has no scenario with cars '
                "and a <code>costs:</code> block to compare.</p></div>")
    paras = []
    for s, c in econ.pairs:
        cost = econ.value(s, c, "scheme_cost")
        det = econ.value(s, c, "detentions_avoided")
        hours = econ.value(s, c, "officer_hours_released")
        nb_cash = econ.value(s, c, "net_benefit_cash")
        p_cash = econ.value(s, c, "net_benefit_cash", "prob_positive")
        p_pol = econ.value(s, c, "net_benefit_with_police", "prob_positive")
        what = ("compared with no car" if c == COUNTERFACTUAL else f"compared with <b>{_e(c)}</b>")
        text = (f"<b>{_e(s)}</b> {what}: costs {money(cost)} a year more, avoids "
                f"{_num(det)} Section 136 detentions and releases {_num(hours)} frontline "
                f"officer hours a year. ")
        text += (f"In NHS cash it {'pays for itself' if nb_cash > 0 else 'does not pay for itself'}"
                 f": net benefit {_interval(econ, s, c, 'net_benefit_cash')} a year "
                 f"(positive in {p_cash:.0%} of simulated years). ")
        text += (f"Counting police time released as a benefit: net benefit "
                 f"{_interval(econ, s, c, 'net_benefit_with_police')} a year (positive in "
                 f"{p_pol:.0%} of simulated years).")
        if psa is not None:
            probs = psa.prob_positive(s, c)
            if probs:
                text += (f" Over the uncertain inputs (PSA), the net benefit is positive in "
                         f"{probs.get('cash', math.nan):.0%} of draws in cash and "
                         f"{probs.get('with_police', math.nan):.0%} counting police time.")
            top = psa.tornado[(psa.tornado.scenario == s) & (psa.tornado.comparator == c)
                              & (psa.tornado.view == "with_police")].head(3)
            if len(top):
                text += (" The answer hinges most on " + ", ".join(
                    f"<code>{_e(k)}</code>" for k in top.input) + ".")
        paras.append(f"<p>{text}</p>")
    if psa is None:
        paras.append('<p class="small">The probabilistic sensitivity analysis was not run '
                     "(see Sensitivity), so the intervals above reflect only the chance "
                     "variation between simulated years, not uncertainty in the inputs.</p>")
    return '<div class="answer">' + "".join(paras) + "</div>"


def _question(result, econ: Economics) -> str:
    steps = [f"<b>{_e(s)}</b> against <b>{_e(c)}</b>" for s, c in econ.pairs
             if c != result.baseline and c != COUNTERFACTUAL]
    text = ("<p>Is it worth funding a police and mental-health response car (street triage)? "
            "This report compares each scenario's cars with "
            f"{'<b>' + _e(result.baseline) + '</b>' if result.baseline else 'no car'}: what "
            "they cost, what they save and for whom, and how sure we can be.")
    if steps:
        text += (" It also answers <i>should we fund one more car?</i> by comparing "
                 + "; ".join(steps) + ".")
    return text + "</p>"


def _scenarios_table(result, sources: dict[str, str]) -> str:
    rows = []
    for s in result.scenarios:
        st = result.settings[s.name]
        hours = sum(c.pattern().minutes_per_week for c in s.cars) / 60
        shifts = "<br>".join(
            f"{_e(c.name)}: " + "; ".join(
                f"{'/'.join(sh.days) if len(sh.days) < 7 else 'every day'} "
                f"{sh.start}-{sh.end}" for sh in c.shifts) for c in s.cars) or "none"
        rows.append([f"<b>{_e(s.name)}</b>", _e(s.description.strip() or "-"), shifts,
                     f"{hours:g}", f"{st.replications} x {st.weeks} weeks",
                     f"<code>{_e(sources.get(s.name, '-'))}</code>"])
    return _table(["scenario", "description", "cars and rotas", "car-hours a week", "run",
                   "file"], rows, left=3)


def _headline_table(result) -> str:
    summary = result.summary()
    names = [s.name for s in result.scenarios]
    weeks = {st.weeks for st in result.settings.values()}
    a = WEEKS_PER_YEAR / weeks.pop() if len(weeks) == 1 else None
    rows = []
    for metric, label in HEADLINE_METRICS:
        row = [label]
        for n in names:
            r = summary[(summary.scenario == n) & (summary.metric == metric)]
            if not len(r):
                row.append("-")
                continue
            mean, lo, hi = (float(r[k].iloc[0]) for k in ("mean", "ci_low", "ci_high"))
            scale = a if (a and metric not in ("car_utilisation", "car_incidents_per_month")) \
                else 1.0
            if metric == "car_utilisation":
                cell = "-" if not math.isfinite(mean) else f"{mean:.0%}"
                if math.isfinite(lo):
                    cell += f' <span class="small">({lo:.0%} to {hi:.0%})</span>'
            else:
                cell = "-" if not math.isfinite(mean) else _num(mean * scale)
                if math.isfinite(lo):
                    cell += (f' <span class="small">({_num(lo * scale)} to '
                             f"{_num(hi * scale)})</span>")
            row.append(cell)
        rows.append(row)
    note = ("Counts and hours a year (per-replication totals x 52.18 / measured weeks); "
            "utilisation and calls per car per month as measured. Mean over replications, "
            "with the 95% confidence interval of the mean in brackets.")
    return (_table(["measure", *[f"<b>{_e(n)}</b>" for n in names]], rows)
            + f'<p class="small">{note}</p>')


def _unmet_section(result, plot_files: dict[str, bytes]) -> str:
    hours = result.by_hour_of_week
    parts = ["<p>A call goes unmet when it arrives with <b>no car on shift</b> (a gap in the "
             "rota) or when the cars on shift are <b>all busy</b> (too few cars for the "
             "demand at that hour). Calls of types the control room does not send the car "
             "to are counted apart. The table gives unmet calls per week by time of day; the "
             "maps show every hour of the week.</p>"]
    header = ["scenario", "why"] + [f"{a:02d}:00-{b:02d}:00" for a, b in TIME_BANDS] + ["week"]
    rows = []
    for s in result.scenarios:
        g = hours[hours.scenario == s.name]
        for col, why in (("unmet_off_shift", "no car on shift"), ("unmet_busy", "cars busy")):
            cells = []
            for a, b in TIME_BANDS:
                cells.append(_num(float(g[(g.hour >= a) & (g.hour < b)][col].sum())))
            rows.append([_e(s.name), why, *cells, _num(float(g[col].sum()))])
    parts.append(_table(header, rows, left=2))
    parts.append('<p class="small">Mean unmet calls per week, summed over the seven days, '
                 "by the hour the call arrived.</p>")
    worst = []
    for s in result.scenarios:
        if not s.cars:
            continue
        g = hours[hours.scenario == s.name].copy()
        g["unmet"] = g.unmet_off_shift + g.unmet_busy
        top = g.sort_values("unmet", ascending=False).head(3)
        worst.append(f"<b>{_e(s.name)}</b>: " + ", ".join(
            f"{d} {h:02d}:00 ({_num(u)} a week, "
            f"{'mostly no car on shift' if off >= busy else 'mostly cars busy'})"
            for d, h, u, off, busy in zip(top.day, top.hour, top.unmet, top.unmet_off_shift,
                                          top.unmet_busy, strict=True)))
    if worst:
        parts.append("<p>Hours of the week with the most unmet calls: " + "; ".join(worst)
                     + ".</p>")
    for name, png in plot_files.items():
        if name.startswith(("key_metrics", "differences", "heatmap_")):
            parts.append(f"<h3>{_e(name)}</h3>{_img(png, name)}")
    if not plot_files:
        parts.append('<p class="small">Plots were not drawn for this run (<code>--no-plots'
                     "</code>).</p>")
    return "".join(parts)


FUNDING_ROWS = (
    ("detentions_avoided", "Section 136 detentions avoided a year", "num"),
    ("ae_attendances_avoided", "A&E attendances avoided a year", "num"),
    ("officer_hours_released", "Frontline officer hours released a year", "num"),
    ("car_hours", "Car-hours paid a year (shift + overtime)", "num"),
    ("scheme_cost", "Scheme cost a year", "money"),
    ("savings_nhs", "NHS costs avoided a year (cash)", "money"),
    ("savings_police", "Police time released a year (not cash)", "money"),
    ("net_benefit_cash", "Net benefit a year: NHS cash only", "money"),
    ("net_benefit_with_police", "Net benefit a year: including police time", "money"),
    ("benefit_cost_ratio_cash", "Benefit-cost ratio: cash", "ratio"),
    ("benefit_cost_ratio_with_police", "Benefit-cost ratio: with police time", "ratio"),
    ("roi_cash", "Return on investment: cash", "pct"),
    ("roi_with_police", "Return on investment: with police time", "pct"),
    ("cost_per_detention_avoided", "Scheme cost per detention avoided", "money"),
    ("net_cost_per_detention_avoided", "Net cost (cash) per detention avoided", "money"),
    ("cost_per_officer_hour_released", "Scheme cost per officer hour released", "money"),
    ("net_cost_per_officer_hour_released", "Net cost (cash) per officer hour released",
     "money"),
    ("setup_cost", "One-off set-up cost", "money"),
    ("payback_years_cash", "Payback of set-up, years: cash", "years"),
    ("payback_years_with_police", "Payback of set-up, years: with police time", "years"),
)


def _funding_section(econ: Economics, figures: dict[str, bytes]) -> str:
    if not econ.pairs:
        return "<p>No comparison could be costed.</p>"
    year = econ.price_year()
    costs = next((c for c in econ.costs.values() if c is not None), None)
    parts = [
        "<p><b>Which costs count.</b> The <b>scheme cost</b> is what the commissioners pay: "
        "the car crews (police officer and mental-health practitioner) and the vehicle for "
        "every car-hour on shift and in overtime, plus management and training. "
        "<b>NHS costs avoided</b> are Section 136 detentions and A&E attendances (and "
        "conveyances, if costed) that the car prevents; this report treats them as "
        "<b>cash</b>, the <i>NHS cash</i> view, although much of that spending (places of "
        "safety, A&E staff) is fixed in the short run, so even this view is generous. "
        "<b>Police time released</b> is frontline officer time no longer spent on "
        "mental-health calls, valued at the officer hour cost: it is <b>not cash</b>, since "
        "the officers are still paid and do other work, so it appears only in the "
        "<i>including police time</i> view.</p>",
        f"<p>Money is in pounds at {_price_text(year)} prices "
        "(no uplift applied). Annual figures are per-replication totals scaled by 52.18 / "
        "measured weeks. Each comparison is paired replication by replication (the same "
        "simulated calls). Intervals are 95% confidence intervals of the mean; \u201cpositive "
        "in N%\u201d is the share of simulated years with a net benefit above zero "
        "(chance variation only, with the inputs as given).</p>",
    ]
    if costs is not None and costs.setup_per_car == 0:
        parts.append("<p><b>Payback.</b> No one-off set-up cost is entered: the scheme's "
                     "costs recur every year, so it pays its way in any year whose net "
                     "benefit is positive (payback 0 years) and never otherwise; read the "
                     "annual net benefit.</p>")
    header = ["measure"] + [f"<b>{_e(s)}</b><br>vs {_e(c)}" for s, c in econ.pairs]
    rows = []
    for m, label, kind in FUNDING_ROWS:
        row = [label]
        for s, c in econ.pairs:
            cell = _interval(econ, s, c, m, kind)
            p = econ.value(s, c, m, "prob_positive")
            if m.startswith("net_benefit") and math.isfinite(p):
                cell += f'<br><span class="small">positive in {p:.0%} of years</span>'
            row.append(cell)
        rows.append(row)
    parts.append(_table(header, rows))
    if "economics_funding_case.png" in figures:
        parts.append(_img(figures["economics_funding_case.png"], "funding case"))
    for note in econ.notes:
        parts.append(f'<p class="warn">{_e(note)}</p>')
    return "".join(parts)


def _sensitivity_section(psa, figures: dict[str, bytes]) -> str:
    if psa is None:
        return ('<p class="warn"><b>The sensitivity analysis was not run</b> for this report '
                "(no <code>uncertainty:</code> block, or <code>--psa 0</code>). Run "
                "<code>python run_scenarios.py --psa 50</code> for the tornado, switching "
                "values, the probabilistic sensitivity analysis and the acceptability "
                "curve.</p>")
    st = psa.settings
    parts = [
        f"<p>The uncertain inputs and their distributions come from the "
        f"<code>uncertainty:</code> block of <b>{_e(st['reference_scenario'])}</b> (sources in "
        "Assumptions below). Every analysis uses the same simulated calls "
        f"({st['replications_per_draw']} replications per point, the run's seed), so the "
        "differences between points come from the inputs alone.</p>",
    ]
    rows = [[f"<code>{_e(i.key)}</code>", _e(_dist_text(i.dist)), _num(i.base),
             f"{_num(i.low)} to {_num(i.high)}",
             "simulation" if i.simulated else "prices only"] for i in psa.inputs]
    parts.append(_table(["input", "distribution", "base value",
                         f"{st['low_percentile']:g}th to {st['high_percentile']:g}th percentile",
                         "re-run needed"], rows, left=2))
    parts.append("<h3>Which inputs matter (tornado)</h3><p>Net benefit a year with one input "
                 "at its low and then its high value, every other input at its base value. "
                 "The longest bars are the inputs the answer hinges on.</p>")
    for name in ("economics_tornado_with_police.png", "economics_tornado_cash.png"):
        if name in figures:
            parts.append(_img(figures[name], name))
    parts.append("<h3>Switching values</h3><p>How far each input must move from its base "
                 "value, the others held, before the net benefit changes sign (found by "
                 "bisection on the input within its range).</p>")
    sw = psa.switching
    rows = []
    for _, r in sw.iterrows():
        if math.isfinite(r.switching_value):
            value = (f"<b>{_num(r.switching_value)}</b> ({r.change_pct:+.0f}% from base; "
                     f"{r.percentile:.0f}th percentile of its range)")
        else:
            value = _e(r.result)
        rows.append([_e(f"{r.scenario} vs {r.comparator}"), VIEW_LABEL[r.view],
                     f"<code>{_e(r.input)}</code>", _num(r.base_value),
                     money(r.net_benefit_base), value if math.isfinite(r.switching_value)
                     else f'<span class="small">{value}</span>'])
    switches = [r for r in rows if "<b>" in r[-1]]
    parts.append(_table(["comparison", "view", "input", "base value", "net benefit at base",
                         "switching value"], switches or rows, left=3))
    if switches and len(switches) < len(rows):
        parts.append(f'<p class="small">The other {len(rows) - len(switches)} input, '
                     "comparison and view combinations do not change sign within the "
                     "input's range (all are in <code>economics.xlsx</code>).</p>")
    if st["draws"] > 0:
        parts.append(f"<h3>Probabilistic sensitivity analysis</h3><p>{st['draws']} draws of "
                     f"every input together (seed {st['seed']}), the same values for every "
                     "scenario.</p>")
        srows = []
        for (s, c), g in psa.summary.groupby(["scenario", "comparator"], sort=False):
            cells = [_e(f"{s} vs {c}")]
            for m in ("scheme_cost", "savings_nhs", "net_benefit_cash",
                      "net_benefit_with_police"):
                r = g[g.measure == m].iloc[0]
                cells.append(f"{money(r['mean'])} <span class='small'>({money(r.p2_5)} to "
                             f"{money(r.p97_5)})</span>")
            for m in ("net_benefit_cash", "net_benefit_with_police"):
                cells.append(f"{g[g.measure == m].iloc[0].prob_positive:.0%}")
            srows.append(cells)
        parts.append(_table(["comparison", "scheme cost", "NHS costs avoided",
                             "net benefit (cash)", "net benefit (with police time)",
                             "P(net benefit > 0): cash", "P(net benefit > 0): with police"],
                            srows))
        parts.append('<p class="small">Mean over draws with the 2.5th to 97.5th percentile '
                     "of the draws (the spread from input uncertainty). The mean over draws "
                     "need not equal the base case: the input distributions are not all "
                     "centred on the base values (the car's detention probability, for "
                     "example, has a long upper tail).</p>")
        for name in ("economics_psa.png", "economics_ceac.png"):
            if name in figures:
                parts.append(_img(figures[name], name))
        parts.append("<p>The acceptability curve shows the probability that the scheme is "
                     "worth it if avoiding one Section 136 detention is worth &pound;X to the "
                     "commissioners <i>on top of</i> the costs it avoids (the person's "
                     "liberty and wellbeing, for example). At &pound;0 it is the share of "
                     "draws with a positive net benefit.</p>")
    else:
        parts.append('<p class="warn">The probabilistic sensitivity analysis ran with 0 '
                     "draws: no acceptability curve.</p>")
    for note in psa.notes:
        parts.append(f'<p class="warn">{_e(note)}</p>')
    parts.append(f'<p class="small">The analysis simulated {psa.simulated_replications} '
                 f"scenario-replications in {psa.wall_seconds:.1f} s.</p>")
    return "".join(parts)


def _dist_text(dist) -> str:
    params = {k: v for k, v in dist.model_dump().items() if k != "dist" and v is not None}
    return f"{dist.dist}(" + ", ".join(f"{k} {_num(v) if not isinstance(v, list) else v}"
                                       for k, v in params.items()) + ")"


ASSUMPTION_ROOTS = ("demand", "dispatch", "response", "case_mix", "costs", "uncertainty")


def _assumptions_section(result, sources: dict[str, str]) -> str:
    ref = next((s for s in result.scenarios if s.name == result.baseline), result.scenarios[0])
    rows = []
    seen: set[str] = set()
    ordered = [ref, *[s for s in result.scenarios if s is not ref]]
    for s in ordered:
        src = sources.get(s.name)
        if not src:
            continue
        comments = yaml_comments(src)
        plain = s.to_dict()
        for key, comment in comments.items():
            root = key.split(".")[0]
            if root not in ASSUMPTION_ROOTS or key in seen:
                continue
            value = _lookup(plain, key)
            if value is None:
                continue
            seen.add(key)
            shown = ("(the entries below)" if isinstance(value, list) or (
                isinstance(value, dict) and "dist" not in value) else _short(value))
            rows.append([f"<code>{_e(key)}</code>", _e(shown), _e(comment)])
    if not rows:
        return ("<p>No commented scenario files were found for this run; see the merged "
                "scenarios in <code>scenarios/</code> beside this report.</p>")
    return ("<p>Every value the results rest on, with the source given beside it in the "
            "scenario files (grades: <b>V</b> read in the source, <b>S</b> quoted "
            "second-hand, <b>D</b> derived from cited figures, <b>U</b> an assumption with no "
            "source). Values are those of "
            f"<b>{_e(ref.name)}</b>; scenarios differ only in their cars unless listed "
            "above.</p>" + _table(["key", "value", "source / note"], rows, left=3))


def _lookup(data: Any, key: str) -> Any:
    node = data
    parts = key.split(".")
    i = 0
    while i < len(parts):
        part = parts[i]
        if isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError):
                return None
        elif isinstance(node, dict):
            if part in node:
                node = node[part]
            else:  # a dotted key inside a map (uncertainty.inputs)
                rest = ".".join(parts[i:])
                return node.get(rest)
        else:
            return None
        i += 1
    return node


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_short(v)}" for k, v in value.items())
    if isinstance(value, list):
        text = ", ".join(_short(v) for v in value)
        return f"[{text[:80]}{'...' if len(text) > 80 else ''}]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _manifest_section(manifest: dict[str, Any] | None, psa) -> str:
    if manifest is None:
        return "<p>No manifest.</p>"
    sw = manifest.get("software", {})
    src = manifest.get("source", {})
    rows = [["created (UTC)", _e(manifest.get("created_utc"))],
            ["command", f"<code>{_e(' '.join(manifest.get('command') or []))}</code>"],
            ["git commit", _e(f"{src.get('commit')}"
                              f"{' (with local changes)' if src.get('dirty') else ''}")],
            ["platform", _e(manifest.get("platform", {}).get("platform"))],
            ["software", _e(", ".join(f"{k} {v}" for k, v in sw.items()))],
            ["random numbers", _e(manifest.get("random_streams", {}).get("seeding"))],
            ["worker processes", _e(manifest.get("jobs"))],
            ["simulation wall time", f"{manifest.get('wall_seconds')} s"]]
    if psa is not None:
        st = psa.settings
        rows.append(["sensitivity analysis",
                     _e(f"{st['draws']} draws x {st['replications_per_draw']} replications, "
                        f"input seed {st['seed']}, tornado at the {st['low_percentile']:g}th "
                        f"and {st['high_percentile']:g}th percentiles, "
                        f"{st['switching_iterations']} bisection steps, "
                        f"{psa.wall_seconds:.1f} s")])
    else:
        rows.append(["sensitivity analysis", "not run"])
    scen_rows = [[_e(s["name"]), _e(s.get("source") or "-"), _e(s["seed"]),
                  _e(s["replications"]), _e(s["weeks"]), _e(s["warmup_weeks"]),
                  f'<code class="small">{_e(s["config_sha256"][:16])}</code>']
                 for s in manifest.get("scenarios", [])]
    return (_table(["item", "value"], rows, left=2)
            + _table(["scenario", "file", "seed", "replications", "weeks", "warm-up weeks",
                      "config SHA-256 (start)"], scen_rows, left=2)
            + '<p class="small">The full manifest is <code>manifest.json</code> beside this '
              "report; the merged scenarios as run are in <code>scenarios/</code>.</p>")


def render_report(result, econ: Economics, psa=None, *, figures: dict[str, bytes] | None = None,
                  plot_files: dict[str, bytes] | None = None, sources: dict[str, str] | None = None,
                  manifest: dict[str, Any] | None = None) -> str:
    """The report as one HTML string (no external resources).

    Parameters
    ----------
    result
        The run (:class:`sim.run.runner.RunResult`).
    econ
        Its funding case (:func:`sim.economics.funding.compute`).
    psa
        The sensitivity analysis (:func:`sim.economics.psa.run_psa`), or None when it was not run.
    figures
        Funding-case figures by name (:func:`economics_figures`; drawn here if None).
    plot_files
        The run's plots (``plots/*.png``) by file name, embedded in "where and why".
    sources
        Scenario file per scenario name (for the assumptions and their sources).
    manifest
        The run manifest (``manifest.json`` content).
    """
    sources = {k: v for k, v in (sources or {}).items() if v and not is_partial(v)}
    figures = economics_figures(econ, psa) if figures is None else figures
    plot_files = plot_files or {}
    created = datetime.now(timezone.utc).strftime("%d %B %Y %H:%M UTC")
    year = econ.price_year()
    sections = [
        ("answer", "The question and the answer", _question(result, econ) + _answer(econ, psa,
                                                                                     result)),
        ("scenarios", "Scenarios compared", _scenarios_table(result, sources)),
        ("headline", "Headline results", _headline_table(result)),
        ("unmet", "Where and why calls go unmet", _unmet_section(result, plot_files)),
        ("funding", "The funding case", _funding_section(econ, figures)),
        ("sensitivity", "Sensitivity: which inputs the answer hinges on",
         _sensitivity_section(psa, figures)),
        ("assumptions", "Assumptions and their sources", _assumptions_section(result, sources)),
        ("manifest", "Run manifest", _manifest_section(manifest, psa)),
    ]
    nav = "".join(f'<li><a href="#{sid}">{_e(title)}</a></li>' for sid, title, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{_e(title)}</h2>{content}</section>'
                   for sid, title, content in sections)
    subtitle = (f"Street triage response cars: simulated with {_reps_text(result)}; money at "
                f"{_price_text(year)} prices. Generated {created}.")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>Response car funding case</title>"
            f"<style>{CSS}</style></head><body>"
            "<h1>Response car funding case</h1>"
            f'<p class="subtitle">{_e(subtitle)}</p>'
            f"<nav><ol>{nav}</ol></nav>{body}</body></html>\n")


def _price_text(year: int | None) -> str:
    return str(year) if year else "each scenario's own"


def _reps_text(result) -> str:
    st = list(result.settings.values())
    reps = {s.replications for s in st}
    weeks = {s.weeks for s in st}
    if len(reps) == 1 and len(weeks) == 1:
        return f"{reps.pop()} replications of {weeks.pop()} weeks per scenario"
    return "replications per scenario as listed"



# --------------------------------------------------------------------- writing


def write_funding_case(result, out_dir: str | Path, *, psa=None,
                       sources: dict[str, str] | None = None,
                       manifest: dict[str, Any] | None = None,
                       plot_paths: Sequence[Path] = (), plots: bool = True) -> list[Path]:
    """Write ``economics.csv``, ``economics.xlsx``, ``report.html`` (and, when the
    sensitivity analysis ran, ``psa_draws.csv``, ``ceac.csv``, ``tornado.csv`` and
    ``switching_values.csv``; with ``plots``, ``plots/economics_*.png``) into ``out_dir``.

    Returns the paths written. Every file is written atomically.
    """
    from sim.common.atomic import atomic_path, write_csv, write_text
    from sim.economics.funding import compute
    from sim.reporting.workbook import write_workbook

    out = Path(out_dir)
    econ = compute(result)
    written: list[Path] = []

    def csv(name: str, frame) -> None:
        write_csv(out / name, frame)
        written.append(out / name)

    csv("economics.csv", econ.table)
    if psa is not None:
        if psa.settings["draws"] > 0:
            csv("psa_draws.csv", psa.outcomes.merge(psa.draws, on="draw"))
            csv("ceac.csv", psa.ceac)
        csv("tornado.csv", psa.tornado)
        csv("switching_values.csv", psa.switching)
    figures: dict[str, bytes] = {}
    if plots:
        figures = economics_figures(econ, psa)
        for name, png in figures.items():
            path = out / "plots" / name
            with atomic_path(path) as tmp:
                tmp.write_bytes(png)
            written.append(path)
    written.append(write_workbook(out / "economics.xlsx", econ, psa))
    plot_files = {Path(p).name: Path(p).read_bytes() for p in plot_paths}
    page = render_report(result, econ, psa, figures=figures, plot_files=plot_files,
                         sources=sources, manifest=manifest)
    write_text(out / "report.html", page)
    written.append(out / "report.html")
    return written
