"""The page's economics, as data: the question and the answer, the funding case and the
sensitivity analysis (laid out by ``answer``, ``funding`` and ``sensitivity`` ``.html.j2``
in ``sim/reporting/templates/report/``).

Everything here reads results computed elsewhere (:func:`sim.economics.funding.compute`
and :func:`sim.economics.psa.run_psa`); nothing is computed again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.common import formats
from sim.economics.funding import COUNTERFACTUAL, Economics
from sim.economics.psa import PSAResult
from sim.reporting.report.cells import (
    VIEW_LABEL,
    Image,
    Interval,
    decimals,
    econ_interval,
    image,
    pair_label,
)

# ----------------------------------------------------------- question and answer


@dataclass(frozen=True)
class Verdict:
    """The answer for one comparison (one paragraph); ``comparator`` None: no car."""

    scenario: str
    comparator: str | None
    cost: str
    detentions: str
    hours: str
    pays_in_cash: bool
    net_cash: Interval
    positive_cash: str
    net_with_police: Interval
    positive_with_police: str
    psa_cash: str | None
    psa_with_police: str | None
    hinges_on: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """The question (against ``baseline``; ``steps``: one more car) and one verdict per
    comparison; ``psa_ran`` False adds that the intervals are chance variation only."""

    baseline: str | None
    steps: tuple[tuple[str, str], ...]
    verdicts: tuple[Verdict, ...]
    psa_ran: bool


def answer(econ: Economics, psa: PSAResult | None, baseline: str | None) -> Answer:
    """The question and the answer."""
    steps = tuple((s, c) for s, c in econ.pairs if c != baseline and c != COUNTERFACTUAL)
    return Answer(baseline, steps, tuple(_verdict(econ, psa, s, c) for s, c in econ.pairs),
                  psa is not None)


def _verdict(econ: Economics, psa: PSAResult | None, s: str, c: str) -> Verdict:
    psa_cash = psa_police = None
    hinges: tuple[str, ...] = ()
    if psa is not None:
        probs = psa.prob_positive(s, c)
        if probs:
            psa_cash = formats.percent(probs.get("cash", math.nan))
            psa_police = formats.percent(probs.get("with_police", math.nan))
        t = psa.tornado
        top = t[(t.scenario == s) & (t.comparator == c) & (t.view == "with_police")].head(3)
        hinges = tuple(str(k) for k in top.input)
    return Verdict(
        scenario=s, comparator=None if c == COUNTERFACTUAL else c,
        cost=formats.money(econ.value(s, c, "scheme_cost")),
        detentions=formats.report(econ.value(s, c, "detentions_avoided")),
        hours=formats.report(econ.value(s, c, "officer_hours_released")),
        pays_in_cash=econ.value(s, c, "net_benefit_cash") > 0,
        net_cash=econ_interval(econ, s, c, "net_benefit_cash"),
        positive_cash=formats.percent(econ.value(s, c, "net_benefit_cash", "prob_positive")),
        net_with_police=econ_interval(econ, s, c, "net_benefit_with_police"),
        positive_with_police=formats.percent(
            econ.value(s, c, "net_benefit_with_police", "prob_positive")),
        psa_cash=psa_cash, psa_with_police=psa_police, hinges_on=hinges)


# ------------------------------------------------------------------ funding case

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
"""The funding-case table: measure of ``economics.csv``, its title here, and its kind
(:func:`sim.reporting.report.cells.cell`)."""


@dataclass(frozen=True)
class FundingRow:
    """One measure: its title and one cell per comparison."""

    title: str
    cells: tuple[Interval, ...]


@dataclass(frozen=True)
class Funding:
    """The funding-case section (``pairs`` empty: nothing could be costed)."""

    pairs: tuple[tuple[str, str], ...]
    price_text: str
    no_setup_cost: bool
    rows: tuple[FundingRow, ...]
    figure: Image | None
    notes: tuple[str, ...]


def price_text(econ: Economics) -> str:
    """The price year of the money (``2013``), or that each scenario has its own."""
    year = econ.price_year()
    return str(year) if year else "each scenario's own"


def funding(econ: Economics, figures: dict[str, bytes]) -> Funding:
    """The funding case: every measure of every comparison with its interval."""
    costs = next((c for c in econ.costs.values() if c is not None), None)
    rows = []
    for m, title, kind in FUNDING_ROWS:
        cells = []
        for s, c in econ.pairs:
            p = econ.value(s, c, m, "prob_positive")
            note = (f"positive in {formats.percent(p)} of years"
                    if m.startswith("net_benefit") and math.isfinite(p) else None)
            cells.append(econ_interval(econ, s, c, m, kind, note))
        rows.append(FundingRow(title, tuple(cells)))
    png = figures.get("economics_funding_case.png")
    return Funding(
        pairs=tuple(econ.pairs), price_text=price_text(econ),
        no_setup_cost=costs is not None and costs.setup_per_car == 0, rows=tuple(rows),
        figure=image(png, "funding case") if png is not None else None,
        notes=tuple(econ.notes))


# ------------------------------------------------------------------- sensitivity


@dataclass(frozen=True)
class InputRow:
    """One uncertain input: its key, distribution, base value and tornado range."""

    key: str
    distribution: str
    base: str
    low: str
    high: str
    simulated: bool


@dataclass(frozen=True)
class SwitchRow:
    """Where one input turns the net benefit's sign (``value`` None: ``result`` says why
    it does not)."""

    comparison: str
    view: str
    input: str
    base: str
    net_benefit_base: str
    value: str | None
    change: str
    percentile: str
    result: str


@dataclass(frozen=True)
class PSARow:
    """One comparison over the PSA draws: four measures and two shares positive."""

    comparison: str
    cells: tuple[Interval, ...]
    positive: tuple[str, ...]


@dataclass(frozen=True)
class Sensitivity:
    """The sensitivity section (tornado, switching values and, with draws, the PSA)."""

    reference: str
    replications_per_draw: int
    low_percentile: str
    high_percentile: str
    inputs: tuple[InputRow, ...]
    tornado: tuple[Image, ...]
    switches: tuple[SwitchRow, ...]
    switches_left_out: int
    draws: int
    seed: int
    psa_rows: tuple[PSARow, ...]
    psa_figures: tuple[Image, ...]
    notes: tuple[str, ...]
    simulated_replications: int
    wall_seconds: str


PSA_MEASURES = ("scheme_cost", "savings_nhs", "net_benefit_cash", "net_benefit_with_police")


def sensitivity(psa: PSAResult | None, figures: dict[str, bytes]) -> Sensitivity | None:
    """The sensitivity section, or None when the analysis was not run."""
    if psa is None:
        return None
    st = psa.settings
    inputs = tuple(InputRow(i.key, _dist_text(i.dist), formats.report(i.base),
                            formats.report(i.low), formats.report(i.high), i.simulated)
                   for i in psa.inputs)
    rows = [SwitchRow(
        comparison=pair_label(r.scenario, r.comparator), view=VIEW_LABEL[r.view],
        input=str(r.input), base=formats.report(r.base_value),
        net_benefit_base=formats.money(r.net_benefit_base),
        value=formats.report(r.switching_value) if math.isfinite(r.switching_value) else None,
        change=formats.number(r.change_pct, whole_from=math.inf, small="+.0f"),
        percentile=decimals(r.percentile, 0), result=str(r.result))
        for _, r in psa.switching.iterrows()]
    switches = [r for r in rows if r.value is not None]
    psa_rows = []
    for (s, c), g in psa.summary.groupby(["scenario", "comparator"], sort=False):
        first = {m: g[g.measure == m].iloc[0] for m in PSA_MEASURES}
        psa_rows.append(PSARow(
            pair_label(s, c),
            tuple(Interval(formats.money(r["mean"]), formats.money(r.p2_5),
                           formats.money(r.p97_5)) for r in first.values()),
            tuple(formats.percent(first[m].prob_positive)
                  for m in ("net_benefit_cash", "net_benefit_with_police"))))
    return Sensitivity(
        reference=str(st["reference_scenario"]), replications_per_draw=st["replications_per_draw"],
        low_percentile=f"{st['low_percentile']:g}", high_percentile=f"{st['high_percentile']:g}",
        inputs=inputs, tornado=_images(figures, "economics_tornado_with_police.png",
                                       "economics_tornado_cash.png"),
        switches=tuple(switches or rows),
        switches_left_out=len(rows) - len(switches) if switches else 0,
        draws=st["draws"], seed=st["seed"], psa_rows=tuple(psa_rows),
        psa_figures=_images(figures, "economics_psa.png", "economics_ceac.png"),
        notes=tuple(psa.notes), simulated_replications=psa.simulated_replications,
        wall_seconds=decimals(psa.wall_seconds, 1))


def _images(figures: dict[str, bytes], *names: str) -> tuple[Image, ...]:
    return tuple(image(figures[n], n) for n in names if n in figures)


def _dist_text(dist) -> str:
    params = {k: v for k, v in dist.model_dump().items() if k != "dist" and v is not None}
    return f"{dist.dist}(" + ", ".join(
        f"{k} {formats.report(v) if not isinstance(v, list) else v}"
        for k, v in params.items()) + ")"

