"""The appraisal in plain words: one verdict per comparison, naming every perspective and
the inputs the answer hinges on, for the console (``sim/cli/run.py``) and the top of
``report.html`` (``sim/reporting/report/economics_sections.py``).

Money is the equivalent annual value over the appraisal period at the report's price
year (``sim/economics/funding.py``); the basis is said once, by :func:`basis_line`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sim.common.formats import money, percent
from sim.economics.funding import (
    COUNTERFACTUAL,
    PUBLIC,
    Economics,
    perspective_label,
    table_value,
)
from sim.economics.psa import PSAResult
from sim.scenario.schema import Scenario

WORTH_NAMING = 0.01
"""An input group is named as worth learning when its EVPPI is at least this share of the
EVPI."""
SHORT_NAME_LENGTH = 70
"""Longest option description in a sentence (the scenario's description, cut)."""


def short_description(scenario: Scenario | None) -> str:
    """The scenario's description up to its first ``:``, ``(`` or ``.`` (``One response
    car``), or empty."""
    if scenario is None or not scenario.description.strip():
        return ""
    text = " ".join(scenario.description.split())
    cut = min((i for i in (text.find(":"), text.find("("), text.find(". ")) if i > 0),
              default=len(text))
    text = text[:cut].strip().rstrip(".")
    return text if len(text) <= SHORT_NAME_LENGTH else text[:SHORT_NAME_LENGTH - 3] + "..."


def option_text(name: str, scenarios: dict[str, Scenario]) -> str:
    """``cpft_one_car (One response car)``; ``no scheme`` for the counterfactual."""
    if name == COUNTERFACTUAL:
        return "no scheme (each call's standard response)"
    short = short_description(scenarios.get(name))
    return f"{name} ({short})" if short else name


@dataclass(frozen=True)
class Verdict:
    """One comparison in words: its sentence, and the numbers it quotes."""

    scenario: str
    comparator: str
    sentence: str
    net_benefit: float
    positive: float
    basis: str


def basis_line(econ: Economics, psa: PSAResult | None) -> str:
    """The basis of every figure, said once."""
    st = econ.settings
    period = (f"the equivalent a year of the net present value over {st.years} "
              f"year{'s' if st.years != 1 else ''} at {st.discount_rate:.1%} a year")
    head = f"£ a year at {st.price_year} prices: {period}"
    if psa is None:
        return (f"{head}; at the scenario files' values (the sensitivity analysis was not "
                "run, so there is no expected value and no probability)")
    return (f"{head}; expected values over {psa.settings['draws']:,} draws of the uncertain "
            "inputs, one simulated year each, with the 2.5th to 97.5th percentile of the "
            "draws as the 95% range")


def hinges_on(psa: PSAResult | None, scenario: str, comparator: str, n: int = 3
              ) -> list[str]:
    """Labels of the ``n`` inputs that move the public sector's net benefit most (the
    tornado's longest bars)."""
    if psa is None or psa.tornado.empty:
        return []
    t = psa.tornado
    rows = t[(t.scenario == scenario) & (t.comparator == comparator)
             & (t.perspective == PUBLIC)].sort_values("swing", ascending=False)
    return [str(x) for x in rows.label.head(n)]


def verdict(econ: Economics, psa: PSAResult | None, scenario: str, comparator: str,
            scenarios: dict[str, Scenario] | None = None) -> Verdict:
    """The sentence for one comparison (expected values when the analysis ran)."""
    scenarios = scenarios or {}
    table = psa.table if psa is not None else econ.table
    basis = "expected" if psa is not None else "run"
    years = econ.settings.years

    def get(measure: str, column: str, perspective: str) -> float:
        return table_value(table, scenario, comparator, measure, column, perspective, basis)

    mean = get("net_benefit", "mean", PUBLIC)
    lead = (f"Funding {option_text(scenario, scenarios)} instead of "
            f"{option_text(comparator, scenarios)}: ")
    word = "expected net benefit" if psa is not None else "net benefit"
    text = (f"{lead}{word} to the public sector {money(mean)} a year over {years} "
            f"year{'s' if years != 1 else ''}")
    low, high = get("net_benefit", "low", PUBLIC), get("net_benefit", "high", PUBLIC)
    prob = get("net_benefit", "prob_positive", PUBLIC)
    if psa is not None:
        se = get("net_benefit", "prob_positive_se", PUBLIC)
        text += (f" (95% range {money(low)} to {money(high)}), positive in {percent(prob)} "
                 f"of plausible worlds (Monte Carlo error ±{100 * se:.1f} points)")
    elif math.isfinite(low):
        text += f" (95% confidence interval {money(low)} to {money(high)})"
    for p in econ.perspectives:
        if p == PUBLIC:
            continue
        who = "the NHS alone" if p == "nhs" else perspective_label(p)
        text += f"; for {who} {money(get('net_benefit', 'mean', p))}"
        notes = ["officer time valued, not cash"] if p == "police" else []
        if psa is not None:
            notes.append(f"positive in {percent(get('net_benefit', 'prob_positive', p))}")
        if notes:
            text += f" ({'; '.join(notes)})"
    cash = get("cash_net_benefit", "mean", PUBLIC)
    if math.isfinite(cash):
        text += (f". In cash it needs {money(-cash)} a year more than it releases"
                 if cash < 0 else f". In cash it releases {money(cash)} a year more than "
                                  "it costs")
    hinges = hinges_on(psa, scenario, comparator)
    if hinges:
        text += ". The answer hinges on " + _listed([_in_sentence(h) for h in hinges])
    return Verdict(scenario, comparator, text + ".", mean, prob, basis)


def verdicts(econ: Economics, psa: PSAResult | None, scenarios: Sequence[Scenario]
             ) -> list[Verdict]:
    """One verdict per comparison of the appraisal, in order."""
    by_name = {s.name: s for s in scenarios}
    return [verdict(econ, psa, s, c, by_name) for s, c in econ.pairs]


def frontier_line(psa: PSAResult, perspective: str = PUBLIC) -> str:
    """The best option by expected net benefit and the frontier, in words."""
    f = psa.frontier[psa.frontier.perspective == perspective]
    best = f.loc[(-f.cost).idxmax(), "option"] if len(f) else None
    steps = []
    for _, r in f[f.status == "frontier"].iterrows():
        if r.compared_with is None or (isinstance(r.compared_with, float)
                                       and math.isnan(r.compared_with)):
            steps.append(str(r.option))
        else:
            steps.append(f"{r.option} ({money(r.icer)} net cost per extra detention avoided)")
    off = [f"{r.option} ({r.status})" for _, r in f[f.status != "frontier"].iterrows()]
    text = (f"Best option for {perspective_label(perspective)} by expected net benefit: "
            f"{best}; cost-effectiveness frontier: {' -> '.join(steps)}")
    if off:
        text += "; off the frontier: " + ", ".join(off)
    return text + "."


def evpi_line(psa: PSAResult, econ: Economics, perspective: str = PUBLIC, n: int = 3) -> str:
    """EVPI and the input groups most worth learning about, in words."""
    row = psa.evpi[psa.evpi.perspective == perspective]
    if row.empty:
        return ""
    a_year = float(row.evpi_a_year.iloc[0])
    period = float(row.evpi_period.iloc[0])
    e = psa.evppi[(psa.evppi.perspective == perspective)
                  & (psa.evppi.evppi_a_year >= WORTH_NAMING * a_year)]
    top = [f"{g} ({money(v)} a year)" for g, v in zip(e.group.head(n), e.evppi_a_year.head(n),
                                                     strict=True)]
    text = (f"Value of perfect information for {perspective_label(perspective)}: "
            f"{money(a_year)} a year, {money(period)} over {econ.settings.years} years")
    if top:
        text += "; most worth learning: " + _listed(top)
    else:
        text += ("; no one group of inputs, learnt alone, would change the decision "
                 "(each EVPPI below 1% of the EVPI)")
    return text + "."


KEEP_CAPITAL = ("Section", "A&E", "NHS")
"""First words of a label that keep their capital inside a sentence."""


def _in_sentence(label: str) -> str:
    """A label inside a sentence: ``the practitioner's cost an hour``."""
    first = label.split(" ", 1)[0]
    text = label if first in KEEP_CAPITAL or first.isupper() else label[0].lower() + label[1:]
    return text if text.lower().startswith(("the ", "a ", "an ")) else f"the {text}"


def _listed(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
