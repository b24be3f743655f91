"""The fitted scenario file: the base scenario with demand, officer time and outcomes fitted.

The file ``extends`` the base the user names and sets only what the export measured, each
value with a comment giving its basis (incidents, period, method):

* ``demand``: ``calls_per_day`` and the 168-value ``hour_of_week_profile`` (calls per hour),
  with ``hourly_profile`` and ``weekday_factors`` set to ``null`` (the base's shape is
  replaced, not multiplied);
* ``response.standard``: time on scene per officer (officer minutes of incidents with no
  detention and no A&E conveyance, over the base's ``officers``; travel is inside it, so
  ``travel_minutes`` is 0), ``p_s136`` and ``p_conveyed_ae``;
* ``response.car`` (when the export says which incidents a car attended): ``p_s136`` and
  ``p_conveyed_ae``;
* ``uncertainty.inputs``: the sampling distributions of the calls a day, the mean time on
  scene and the outcome shares, for the probabilistic sensitivity analysis.

Where the base has a case mix whose call types set their own probabilities, every type's
probability is multiplied by one factor, so that the mix reproduces the observed share
while the types keep the base's relative risks; the case mix is then written whole (lists
are replaced whole by ``extends``).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from sim.scenario.calendar import DAY_NAMES
from sim.scenario.schema import Scenario

PSA_QUANTILES = 100
"""Values of an ``empirical`` share distribution (equally likely quantiles)."""

MIN_CAR_INCIDENTS = 20
"""Fewer car-attended incidents than this: the car's probabilities stay the base's."""


def number(value: float, digits: int = 5) -> str:
    """A float as YAML reads it back (positional, ``digits`` significant figures)."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else "null"
    return np.format_float_positional(float(value), precision=digits, unique=True,
                                      fractional=False, trim="-")


@dataclass(frozen=True)
class Share:
    """Observed outcomes of one pathway: ``k`` of ``n`` incidents."""

    k: int
    n: int

    @property
    def share(self) -> float:
        return self.k / self.n if self.n else math.nan

    def quantiles(self, count: int = PSA_QUANTILES) -> np.ndarray:
        """Equally likely quantiles of the share's Jeffreys posterior, Beta(k+1/2, n-k+1/2)."""
        u = (np.arange(count) + 0.5) / count
        return stats.beta.ppf(u, self.k + 0.5, self.n - self.k + 0.5)


@dataclass(frozen=True)
class Entry:
    """One value written: the dotted key, the value and its comment."""

    key: str
    value: Any
    comment: str


@dataclass(frozen=True)
class ProbabilityPlan:
    """How one observed share becomes the scenario's probabilities."""

    entries: list[Entry]
    case_mix: list[dict[str, Any]] | None
    psa_key: str
    psa_values: list[float]
    factor: float


def _weights(base: Scenario, pathway: str) -> np.ndarray:
    shares = np.array([t[1] for t in base.call_types()], dtype=float)
    if pathway == "car":
        shares = shares * np.array(base.sent_to_car(), dtype=float)
    total = shares.sum()
    return shares / total if total > 0 else shares


def _overridden(base: Scenario, pathway: str, param: str) -> list[bool]:
    if not base.case_mix:
        return [False]
    return [getattr(getattr(t, pathway), param) is not None for t in base.case_mix]


def plan_probability(base: Scenario, pathway: str, param: str, observed: Share,
                     s136_new: np.ndarray | None, basis: str,
                     case_mix: list[dict[str, Any]] | None) -> ProbabilityPlan:
    """The probabilities of ``response.<pathway>.<param>`` (and per call type) that make the
    scenario's share of that outcome equal the observed share.

    ``s136_new`` (for ``p_conveyed_ae``): the fitted detention probability of each type, since
    a conveyance is counted only when there was no detention.
    """
    types = base.call_types()
    w = _weights(base, pathway)
    current = np.array([getattr(t[2] if pathway == "standard" else t[3], param) for t in types])
    slope = w * (1.0 - s136_new) if s136_new is not None else w
    implied = float((slope * current).sum())
    target = observed.share
    if implied > 0:
        factor = target / implied
        new = np.minimum(1.0, current * factor)
    else:
        factor = math.nan
        new = np.full(current.shape, min(1.0, target / max(slope.sum(), 1e-12)))
    overridden = _overridden(base, pathway, param)
    response_value = getattr(getattr(base.response, pathway), param)
    plain_types = [not o for o in overridden]
    response_new = (min(1.0, response_value * factor) if implied > 0
                    else float(new[0]))
    entries = [Entry(f"response.{pathway}.{param}", response_new, basis)]
    mix = case_mix
    if any(overridden):
        mix = [dict(item) for item in (case_mix or [])]
        for i, item in enumerate(mix):
            if overridden[i]:
                block = dict(item.get(pathway, {}))
                block[param] = float(new[i])
                item[pathway] = block
    # The PSA varies one key: the one the share depends on most.
    candidates = [(float(slope[i]), f"case_mix.{i}.{pathway}.{param}", float(new[i]))
                  for i in range(len(types)) if overridden[i]]
    plain_slope = float(sum(slope[i] for i in range(len(types)) if plain_types[i]))
    if plain_slope > 0:
        candidates.append((plain_slope, f"response.{pathway}.{param}", response_new))
    slope_k, key, point = max(candidates)
    values = np.clip(point + (observed.quantiles() - target) / max(slope_k, 1e-12), 0.0, 1.0)
    return ProbabilityPlan(entries=entries, case_mix=mix, psa_key=key,
                           psa_values=[float(number(v, 4)) for v in values], factor=factor)


@dataclass(frozen=True)
class FittedScenario:
    """What the fit writes into the scenario file, ready to render for any location."""

    name: str
    description: str
    header: list[str]
    demand_comment: list[str]
    calls_per_day: float
    calls_per_day_comment: str
    profile: np.ndarray
    profile_comment: list[str]
    response: dict[str, list[Entry]]
    case_mix: list[dict[str, Any]] | None
    case_mix_comment: str
    uncertainty: list[Entry]
    calibration: list[Entry] = field(default_factory=list)
    """Entries of ``uncertainty.calibration`` (when the base has that block)."""

    def text(self, extends: str) -> str:
        """The scenario file, extending ``extends`` (a path relative to the file)."""
        out = [c for line in self.header for c in _comment("", line)]
        out += [f"name: {self.name}", f"description: {quote(self.description)}",
                f"extends: {quote(extends)}", "", "demand:"]
        out += _comment("  ", " ".join(self.demand_comment))
        out.append(f"  calls_per_day: {number(self.calls_per_day, 4)}  "
                   f"# {self.calls_per_day_comment}")
        out.append("  hourly_profile: null    # replaced by hour_of_week_profile (not "
                   "multiplied)")
        out.append("  weekday_factors: null")
        out += _comment("  ", " ".join(self.profile_comment))
        out.append("  hour_of_week_profile: [")
        for half in range(14):
            row = ", ".join(number(v, 4) for v in self.profile[12 * half: 12 * half + 12])
            comma = "," if half < 13 else " "
            hours = "00-11" if half % 2 == 0 else "12-23"
            out.append(f"    {row}{comma}  # {DAY_NAMES[half // 2]} {hours}")
        out.append("  ]")
        out += ["", "response:"]
        for pathway, entries in self.response.items():
            if not entries:
                continue
            out.append(f"  {pathway}:")
            for e in entries:
                out += _comment("    ", e.comment)
                out.append(f"    {e.key.split('.')[-1]}: {_flow(e.value)}")
        if self.case_mix is not None:
            out += ["", *_comment("", self.case_mix_comment), "case_mix:"]
            for item in self.case_mix:
                out.append(f"  - {_flow(item)}")
        if self.uncertainty or self.calibration:
            out += ["", "uncertainty:"]
        if self.calibration:
            out.append("  calibration:")
            for e in self.calibration:
                out += _comment("    ", e.comment)
                out.append(f"    {e.key}: {_flow(e.value)}")
        if self.uncertainty:
            out.append("  inputs:")
            for e in self.uncertainty:
                out += _comment("    ", e.comment)
                out.append(f"    {e.key}: {_flow(e.value)}")
        return "\n".join(out) + "\n"


def _comment(indent: str, text: str, width: int = 96) -> list[str]:
    """``text`` as YAML comment lines at ``indent``, wrapped at ``width`` characters."""
    return textwrap.wrap(text, width=width, initial_indent=f"{indent}# ",
                         subsequent_indent=f"{indent}# ", break_on_hyphens=False) or [
        f"{indent}#"]


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flow(value: Any) -> str:
    """A value in YAML flow style (one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return number(float(value))
    if isinstance(value, str):
        return value if value.replace("_", "").isalnum() else quote(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} in a scenario file")
