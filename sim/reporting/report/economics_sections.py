"""The page's appraisal, as data: the question and the answer, the appraisal by
perspective with the cost-consequence table, and the sensitivity analysis (laid out by
``answer``, ``funding`` and ``sensitivity`` ``.html.j2`` in
``sim/reporting/templates/report/``).

Everything here reads results computed elsewhere (:func:`sim.economics.funding.compute`,
:func:`sim.economics.psa.run_psa`) and words from :mod:`sim.economics.verdicts`; nothing
is computed again. Every money figure is on one basis, said once (:func:`basis_line`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.common import formats
from sim.economics.funding import (
    COUNTERFACTUAL,
    PUBLIC,
    Economics,
    perspective_label,
    table_value,
)
from sim.economics.psa import PSAResult
from sim.economics.verdicts import basis_line, evpi_line, frontier_line, verdicts
from sim.reporting.report.cells import Image, Interval, cell, decimals, image, pair_label, sign
from sim.scenario.schema import Scenario

# ----------------------------------------------------------- question and answer


@dataclass(frozen=True)
class Answer:
    """The question, the do-minimum, the basis and one verdict per comparison, then the
    frontier, the value of information and the secondary appraisal at the inputs' means;
    ``control_room``: a scenario of the run has a control room (the question names it)."""

    options: tuple[str, ...]
    do_minimum: str | None
    basis: str
    verdicts: tuple[tuple[str, str], ...]
    frontier: str | None
    evpi: str | None
    at_means: tuple[str, ...]
    psa_ran: bool
    control_room: bool = False


def answer(econ: Economics, psa: PSAResult | None, scenarios: list[Scenario],
           baseline: str | None) -> Answer:
    """The question and the answer."""
    words = verdicts(econ, psa, scenarios)
    at_means: list[str] = []
    if psa is not None:
        for s, c in econ.pairs:
            value = table_value(psa.table, s, c, "net_benefit", "mean", PUBLIC, "at_means")
            if math.isfinite(value):
                at_means.append(f"{pair_label(s, c)}: {formats.money(value)} a year")
    return Answer(
        options=tuple(s.name for s in scenarios if s.name in econ.ledgers),
        do_minimum=baseline if baseline != COUNTERFACTUAL else None,
        basis=basis_line(econ, psa),
        verdicts=tuple((v.sentence, sign(v.net_benefit)) for v in words),
        frontier=frontier_line(psa) if psa is not None else None,
        evpi=evpi_line(psa, econ) or None if psa is not None else None,
        at_means=tuple(at_means), psa_ran=psa is not None,
        control_room=any(s.control_room is not None for s in scenarios))


# ------------------------------------------------------------------- appraisal

PERSPECTIVE_MEASURES = (("net_benefit", "money"), ("costs", "money"), ("benefits", "money"),
                        ("cash_net_benefit", "money"), ("npv", "money"), ("bcr", "ratio"),
                        ("payback_years", "years"))
"""Columns of the table by perspective: measure of ``economics.csv`` and its kind
(:func:`sim.reporting.report.cells.cell`)."""

MEASURE_TITLES = {"net_benefit": "Net benefit a year", "costs": "Costs a year",
                  "benefits": "Savings a year", "cash_net_benefit": "Cash: released less spent",
                  "npv": "Net present value", "bcr": "Benefit-cost ratio",
                  "payback_years": "Payback (years)"}

OUTCOME_TITLES = {
    "s136": "Section 136 detentions", "detentions_avoided": "Detentions avoided",
    "ae_conveyances": "A&E conveyances", "officer_hours": "Frontline officer hours",
    "officer_hours_released": "Frontline officer hours released",
    "unmet_calls": "Calls wanting a car that got none", "car_attended": "Calls a car attended",
    "car_hours": "Car-hours paid", "s136_breaches_24h": "Detentions past the 24-hour limit",
    "mh_calls": "Mental-health calls",
}
"""Outcomes of the cost-consequence table, in order, with their titles."""


@dataclass(frozen=True)
class PerspectiveRow:
    """One comparison and perspective: its cells, in :data:`PERSPECTIVE_MEASURES` order,
    and the share of draws with a positive net benefit (with its Monte Carlo error)."""

    comparison: str
    perspective: str
    cells: tuple[Interval, ...]
    positive: str


@dataclass(frozen=True)
class LineRow:
    """One line of a comparison's ledger: who pays, whether cash, its value a year."""

    comparison: str
    label: str
    payer: str
    cash: str
    value: Interval


@dataclass(frozen=True)
class ConsequenceRow:
    """One outcome: per option, its value a year and its change from the do-minimum."""

    outcome: str
    cells: tuple[Interval, ...]


@dataclass(frozen=True)
class Funding:
    """The appraisal section (``rows`` empty: nothing could be costed)."""

    basis: str
    titles: tuple[str, ...]
    rows: tuple[PerspectiveRow, ...]
    lines: tuple[LineRow, ...]
    options: tuple[str, ...]
    consequences: tuple[ConsequenceRow, ...]
    consequence_basis: str
    settings: tuple[tuple[str, str], ...]
    figure: Image | None
    notes: tuple[str, ...]


def price_text(econ: Economics) -> str:
    """The report's price year (``2024``)."""
    return str(econ.price_year())


def _interval(mean: float, low: float, high: float, kind: str, signed: bool = False
              ) -> Interval:
    has = math.isfinite(low) and math.isfinite(high) and kind != "years"
    return Interval(cell(mean, kind), cell(low, kind) if has else None,
                    cell(high, kind) if has else None, sign(mean) if signed else "")


def funding(econ: Economics, psa: PSAResult | None, figures: dict[str, bytes]) -> Funding:
    """The appraisal: every comparison by perspective, the ledger by line, the
    cost-consequence table and the settings."""
    table, basis = (psa.table, "expected") if psa is not None else (econ.table, "run")
    paybacks = table[(table.measure == "payback_years") & (table.basis == basis)]["mean"]
    never = len(paybacks) > 0 and bool(np.isinf(paybacks.to_numpy(float)).all())
    shown = tuple((m, k) for m, k in PERSPECTIVE_MEASURES if not (never and m == "payback_years"))
    rows = []
    for s, c in econ.pairs:
        for p in econ.perspectives:
            def get(m: str, col: str, s=s, c=c, p=p) -> float:
                return table_value(table, s, c, m, col, p, basis)

            cells = tuple(_interval(get(m, "mean"), get(m, "low"), get(m, "high"), kind,
                                    signed=m in ("net_benefit", "cash_net_benefit", "npv"))
                          for m, kind in shown)
            prob, se = get("net_benefit", "prob_positive"), get("net_benefit",
                                                                "prob_positive_se")
            positive = (f"{formats.percent(prob)} ± {100 * se:.1f}" if math.isfinite(prob)
                        else "-")
            rows.append(PerspectiveRow(pair_label(s, c), perspective_label(p), cells, positive))
    line_frame = psa.lines if psa is not None else econ.lines
    lines = tuple(LineRow(pair_label(r.scenario, r.comparator), str(r.label),
                          perspective_label(str(r.payer)), "cash" if r.cash else "not cash",
                          _interval(r["mean"], r.low, r.high, "money", signed=True))
                  for _, r in line_frame.iterrows() if abs(r["mean"]) > 0.5)
    options, consequences, cbasis = _consequences(econ, psa)
    st = econ.settings
    settings = (("report price year", f"{st.price_year} ({st.price_index.replace('_', ' ')}, "
                                      "sim/economics/data/gdp_deflator.csv)"),
                ("appraisal period", f"{st.years} years, year 0 undiscounted"),
                ("discount rate", f"{st.discount_rate:.1%} a year"),
                ("optimism bias", f"{st.optimism_recurring:.0%} on recurring scheme costs, "
                                  f"{st.optimism_setup:.0%} on set-up"),
                ("demand trend", f"{st.demand_trend:+.1%} a year"))
    png = figures.get("economics_perspectives.png")
    notes = list(econ.notes)
    if never:
        notes.insert(0, f"No comparison pays back its costs within the {st.years}-year period "
                        "for any perspective (the median over the draws), so payback is not "
                        "shown.")
    return Funding(
        basis=basis_line(econ, psa),
        titles=tuple(MEASURE_TITLES[m] for m, _ in shown),
        rows=tuple(rows), lines=lines, options=options, consequences=consequences,
        consequence_basis=cbasis, settings=settings,
        figure=image(png, "net benefit by perspective") if png is not None else None,
        notes=tuple(notes))


def _consequences(econ: Economics, psa: PSAResult | None
                  ) -> tuple[tuple[str, ...], tuple[ConsequenceRow, ...], str]:
    """Outcomes a year per option: from the draws (expected, with the change from the
    do-minimum) or, without the analysis, from the run."""
    if psa is not None:
        cc = psa.cost_consequence
        options = tuple(dict.fromkeys(cc.scenario))
        rows = []
        for outcome, title in OUTCOME_TITLES.items():
            part = cc[cc.outcome == outcome]
            if part.empty:
                continue
            cells = []
            for o in options:
                r = part[part.scenario == o].iloc[0]
                note = None
                if math.isfinite(r.difference):
                    note = f"{r.difference:+,.0f}"
                    if math.isfinite(r.percent_change):
                        note += f" ({r.percent_change:+.0f}%)"
                cells.append(Interval(formats.report(r["mean"]), formats.report(r.low),
                                      formats.report(r.high), note=note))
            rows.append(ConsequenceRow(title, tuple(cells)))
        return options, tuple(rows), "expected a year over the draws (95% range); below: " \
                                     "the change from the do-minimum"
    options = tuple(econ.quantities)
    rows = []
    for outcome, title in OUTCOME_TITLES.items():
        if not all(outcome in q for q in econ.quantities.values()):
            continue
        cells = tuple(Interval(formats.report(float(q[outcome].mean()))) for q in
                      econ.quantities.values())
        rows.append(ConsequenceRow(title, cells))
    return options, tuple(rows), "a year at the scenario files' values (mean over replications)"


# ------------------------------------------------------------------- sensitivity


@dataclass(frozen=True)
class InputRow:
    """One uncertain input: its label, unit, distribution, mean and tornado range."""

    label: str
    key: str
    unit: str
    group: str
    distribution: str
    mean: str
    low: str
    high: str
    simulated: bool


@dataclass(frozen=True)
class SwitchRow:
    """Where the expected net benefit of a comparison changes sign as one input moves."""

    comparison: str
    label: str
    mean: str
    value: str
    percentile: str
    result: str


@dataclass(frozen=True)
class ValueRow:
    """The value of information of one input group, per perspective."""

    group: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ConvergenceRow:
    """One comparison's Monte Carlo check (public sector)."""

    comparison: str
    means: tuple[str, ...]
    se: str
    prob: str
    converged: bool


@dataclass(frozen=True)
class Sensitivity:
    """The sensitivity section (None on the page when the analysis was not run)."""

    reference: str
    draws: int
    replications_per_draw: int
    seed: int
    calibration: str | None
    low_percentile: str
    high_percentile: str
    inputs: tuple[InputRow, ...]
    tornado: tuple[Image, ...]
    switches: tuple[SwitchRow, ...]
    perspectives: tuple[str, ...]
    evpi: tuple[str, ...]
    evppi: tuple[ValueRow, ...]
    no_value: tuple[str, ...]
    value_figures: tuple[Image, ...]
    checkpoints: tuple[str, ...]
    convergence: tuple[ConvergenceRow, ...]
    convergence_figures: tuple[Image, ...]
    notes: tuple[str, ...]
    simulated_replications: int
    wall_seconds: str


def sensitivity(psa: PSAResult | None, econ: Economics, figures: dict[str, bytes]
                ) -> Sensitivity | None:
    """The sensitivity section, or None when the analysis was not run."""
    if psa is None:
        return None
    st = psa.settings
    inputs = tuple(InputRow(i.label, i.key, i.unit, i.group, _dist_text(i.distribution),
                            formats.report(i.mean), formats.report(i.low),
                            formats.report(i.high), i.simulated) for i in psa.inputs)
    sw = psa.switching[(psa.switching.perspective == PUBLIC)
                       & psa.switching.switching_value.notna()]
    switches = tuple(SwitchRow(pair_label(r.scenario, r.comparator), str(r.label),
                               formats.report(r.mean_value), formats.report(r.switching_value),
                               decimals(r.percentile, 0), str(r.result))
                     for _, r in sw.iterrows())
    persp = tuple(econ.perspectives)
    evpi = tuple(formats.money(float(psa.evpi[psa.evpi.perspective == p].evpi_a_year.iloc[0]))
                 for p in persp)
    groups = list(dict.fromkeys(psa.evppi.group))
    values = {g: [_evppi(psa.evppi, g, p) for p in persp] for g in groups}
    evppi = tuple(ValueRow(g, tuple(formats.money(v) for v in values[g])) for g in groups
                  if any(v >= 1 for v in values[g]))
    no_value = tuple(g for g in groups if not any(v >= 1 for v in values[g]))
    conv = psa.convergence[psa.convergence.perspective == PUBLIC]
    marks = [c for c in conv.columns if c.startswith("mean_at_")]
    checkpoints = tuple(f"{c[len('mean_at_'):-3]}% of draws" for c in marks)
    convergence = tuple(ConvergenceRow(
        pair_label(r.scenario, r.comparator), tuple(formats.money(r[c]) for c in marks),
        formats.money(r.se), f"{formats.percent(r.prob_positive)} ± "
                             f"{100 * r.prob_positive_se:.1f}", bool(r.converged))
        for _, r in conv.iterrows())
    calibration = None
    if st["candidates_examined"]:
        calibration = (f"{st['rejected']:,} of {st['candidates_examined']:,} candidate draws "
                       f"({st['rejected'] / st['candidates_examined']:.0%}) were rejected "
                       "because the car would have had to avoid more detentions per contact "
                       "than the calls it attends have (or a share or probability fell "
                       "outside its limits)") if st["rejected"] else None
    return Sensitivity(
        reference=str(st["reference_scenario"]), draws=int(st["draws"]),
        replications_per_draw=int(st["replications_per_draw"]), seed=int(st["seed"]),
        calibration=calibration,
        low_percentile=f"{st['low_percentile']:g}", high_percentile=f"{st['high_percentile']:g}",
        inputs=inputs, tornado=_images(figures, "economics_tornado.png"), switches=switches,
        perspectives=tuple(perspective_label(p) for p in persp), evpi=evpi, evppi=evppi,
        no_value=no_value,
        value_figures=_images(figures, "economics_evppi.png", "economics_ceaf.png",
                              "economics_plane.png"),
        checkpoints=checkpoints, convergence=convergence,
        convergence_figures=_images(figures, "economics_convergence.png"),
        notes=tuple(psa.notes), simulated_replications=psa.simulated_replications,
        wall_seconds=decimals(psa.wall_seconds, 1))


def _evppi(frame: pd.DataFrame, group: str, perspective: str) -> float:
    row = frame[(frame.group == group) & (frame.perspective == perspective)]
    return float(row.evppi_a_year.iloc[0]) if len(row) else math.nan


def _images(figures: dict[str, bytes], *names: str) -> tuple[Image, ...]:
    return tuple(image(figures[n], n) for n in names if n in figures)


def _dist_text(dist) -> str:
    params = {k: v for k, v in dist.model_dump().items() if k != "dist" and v is not None}
    return f"{dist.dist}(" + ", ".join(
        f"{k} {formats.report(v) if not isinstance(v, list) else v}"
        for k, v in params.items()) + ")"

