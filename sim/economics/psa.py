"""Probabilistic sensitivity analysis (PSA), CEAC, tornado and switching values.

The scenario's ``uncertainty:`` block (:class:`sim.scenario.schema.Uncertainty`) gives a
distribution for chosen inputs, each a dotted key of the scenario
(``case_mix.0.car.p_s136``, ``response.car.on_scene_minutes.mean``,
``costs.s136_detention``). Definitions are in ``docs/metrics.md``, "Economics".

* **Draws.** Draw ``d = 0 .. D-1`` sets every input from its distribution, with uniforms
  from a stream named after the input and seeded by ``uncertainty.seed`` only
  (independent of the replication streams, and of the other inputs: adding an input does
  not move the draws of another). The same values go to every scenario (common random
  numbers across scenarios), and every draw runs replications ``0 .. R-1`` with the run's
  seed (common random numbers across draws too).
* **Re-simulation only when needed.** Inputs under ``costs.`` change prices only: the
  counts of the run are re-used. A point whose simulated inputs equal the scenario's own
  values re-uses the run's first ``R`` replications; scenarios without cars are never
  simulated (every economic figure of theirs is 0).
* **CEAC.** For a willingness to pay ``lambda`` per detention avoided, a draw finds the
  scheme worth it when ``lambda x detentions_avoided + net_benefit > 0``; the curve is the
  share of draws that do, over a grid of ``lambda``.
* **Tornado.** Net benefit with one input at its low (5th percentile) and then its high
  (95th) value, every other input at the scenario's own value.
* **Switching values.** For each input, with the others at the scenario's values: if the
  net benefit at an end of the input's range has the other sign from the base case, the
  value where it changes sign, found by bisection on the input (then a linear step inside
  the final bracket); otherwise "does not switch within range".
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.common.dotted import get_dotted
from sim.common.names import MAX_NAME_LENGTH
from sim.core.streams import name_key
from sim.economics.funding import (
    COUNTERFACTUAL,
    VIEWS,
    Economics,
    annual_components,
    paired,
)
from sim.run.runner import run_scenarios
from sim.scenario.costs import Costs, Uncertainty, input_applies, input_range
from sim.scenario.costs import input_value as typed_value
from sim.scenario.schema import Scenario

OUTCOMES = ("scheme_cost", "savings_nhs", "savings_police", "detentions_avoided",
            "officer_hours_released", "net_benefit_cash", "net_benefit_with_police")
"""Per draw and comparison: the mean over the draw's replications of these measures."""

SMALL_RUN_WEEKS = 1500
"""Below this many simulated scenario-weeks, a batch runs in this process (a pool of
worker processes costs more than it saves)."""


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain input and what the analysis needs to know about it."""

    key: str
    dist: Any
    simulated: bool
    base: float
    low: float
    high: float
    range_low: float
    range_high: float
    applies_to: tuple[str, ...]

    def cdf(self, x: float) -> float:
        """Share of the input's distribution at or below ``x`` (by inverting its ppf)."""
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            if float(self.dist.ppf(np.array([mid]))[0]) <= x:
                lo = mid
            else:
                hi = mid
        return lo


@dataclass
class PSAResult:
    """Results of the probabilistic sensitivity analysis of a run.

    Attributes
    ----------
    inputs
        The uncertain inputs.
    draws
        One row per draw: ``draw`` and the value of each input.
    outcomes
        One row per draw and comparison: ``draw``, ``scenario``, ``comparator`` and
        :data:`OUTCOMES` (means over the draw's replications, £ or counts a year).
    summary
        Per comparison and outcome: mean, 2.5th and 97.5th percentiles over draws and the
        share of draws above 0.
    ceac
        ``scenario``, ``comparator``, ``view``, ``wtp`` (£ per detention avoided),
        ``probability``.
    tornado
        Per comparison, view and input: net benefit at the input's low and high values.
    switching
        Per comparison, view and input: the switching value or why there is none.
    base
        Per comparison, the base case (every input at the scenario's value) with the
        analysis's replications.
    settings
        Draws, replications, seed, percentiles, willingness-to-pay grid, reference
        scenario.
    notes
        Plain-language notes (inputs that do not apply to a scenario, ...).
    """

    inputs: list[UncertainInput]
    draws: pd.DataFrame
    outcomes: pd.DataFrame
    summary: pd.DataFrame
    ceac: pd.DataFrame
    tornado: pd.DataFrame
    switching: pd.DataFrame
    base: pd.DataFrame
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    simulated_replications: int = 0

    def prob_positive(self, scenario: str, comparator: str) -> dict[str, float]:
        """Share of draws with a positive net benefit, per view."""
        rows = self.summary[(self.summary.scenario == scenario)
                            & (self.summary.comparator == comparator)]
        out = {}
        for view in VIEWS:
            r = rows[rows.measure == f"net_benefit_{view}"]
            if len(r) and self.settings["draws"] > 0:
                out[view] = float(r["prob_positive"].iloc[0])
        return out


# ----------------------------------------------------------------------- draws


def draw_inputs(block: Uncertainty, draws: int | None = None) -> pd.DataFrame:
    """The values of every input for draws ``0 .. D-1`` (one column per input).

    Input ``k`` uses uniforms from ``SeedSequence(seed, spawn_key=(key("psa"), key(k)))``:
    independent of the replication streams and of the other inputs.
    """
    n = block.draws if draws is None else int(draws)
    data: dict[str, Any] = {"draw": np.arange(n)}
    for key, dist in block.inputs.items():
        seq = np.random.SeedSequence(block.seed, spawn_key=(name_key("psa"), name_key(key)))
        u = np.random.Generator(np.random.PCG64(seq)).random(n)
        data[key] = dist.ppf(u)
    return pd.DataFrame(data)


def reference_block(scenarios: Sequence[Scenario], baseline: str | None
                    ) -> tuple[str, Uncertainty] | None:
    """The ``uncertainty`` block the analysis uses: the baseline's, else the first found."""
    ordered = sorted(scenarios, key=lambda s: s.name != baseline)
    for s in ordered:
        if s.uncertainty is not None:
            return s.name, s.uncertainty
    return None


# ------------------------------------------------------------------- evaluation


class _Evaluator:
    """Net benefits of every comparison at points of the input space, with a cache of
    simulations keyed by the simulated inputs' values."""

    def __init__(self, result, econ: Economics, reps: int, jobs: int) -> None:
        self.result = result
        self.pairs = list(econ.pairs)
        self.scenarios = {s.name: s for s in result.scenarios}
        self.needed = sorted({n for p in self.pairs for n in p if n != COUNTERFACTUAL},
                             key=[s.name for s in result.scenarios].index)
        self.plain = {n: self.scenarios[n].to_dict() for n in self.needed}
        self.reps = reps
        self.jobs = jobs
        self.simulated = 0
        reps_df = result.replications
        cars_df = result.by_car
        self.cache: dict[tuple[str, tuple], tuple[Scenario, pd.DataFrame, pd.DataFrame]] = {}
        for n in self.needed:
            rows = reps_df[(reps_df.scenario == n) & (reps_df.replication < reps)]
            cars = cars_df[(cars_df.scenario == n) & (cars_df.replication < reps)]
            self.cache[(n, ())] = (self.scenarios[n], rows, cars)

    def _sim_key(self, name: str, point: dict[str, float]) -> tuple:
        scenario = self.scenarios[name]
        if not scenario.cars:
            return ()
        plain = self.plain[name]
        over = []
        for key, value in point.items():
            if key.startswith("costs.") or not input_applies(plain, key):
                continue
            current = get_dotted(plain, key)
            value = typed_value(current, value)
            if value != current:
                over.append((key, value))
        return tuple(sorted(over))

    def _simulate(self, todo: dict[tuple[str, tuple], Scenario]) -> None:
        groups: dict[tuple[int, int, int], list[tuple[tuple, Scenario]]] = {}
        for key, variant in todo.items():
            st = self.result.settings[key[0]]
            groups.setdefault((st.seed, st.weeks, st.warmup_weeks), []).append((key, variant))
        for (seed, weeks, warmup), items in groups.items():
            size = len(items) * self.reps * (weeks + warmup)
            jobs = self.jobs if size >= SMALL_RUN_WEEKS else 1
            run = run_scenarios([v for _, v in items], reps=self.reps, seed=seed, weeks=weeks,
                                warmup_weeks=warmup, jobs=jobs, progress=False)
            self.simulated += len(items) * self.reps
            reps_by = dict(tuple(run.replications.groupby("scenario", sort=False)))
            cars_by = dict(tuple(run.by_car.groupby("scenario", sort=False)))
            for key, variant in items:
                self.cache[key] = (variant, reps_by[variant.name],
                                   cars_by.get(variant.name, run.by_car.iloc[0:0]))

    def evaluate(self, points: Sequence[dict[str, float]]) -> list[dict[tuple[str, str], dict]]:
        """For each point, per comparison, the mean of :data:`OUTCOMES` over replications."""
        keys = [{n: self._sim_key(n, p) for n in self.needed} for p in points]
        todo: dict[tuple[str, tuple], Scenario] = {}
        for point_keys in keys:
            for n, k in point_keys.items():
                if (n, k) not in self.cache and (n, k) not in todo:
                    variant = self.scenarios[n].with_overrides(
                        {**dict(k), "uncertainty": None,
                         "name": f"psa{len(todo)}.{n}"[:MAX_NAME_LENGTH]})
                    todo[(n, k)] = variant
        if todo:
            self._simulate(todo)
        out = []
        for point, point_keys in zip(points, keys, strict=True):
            comps = {}
            for n in self.needed:
                variant, rows, cars = self.cache[(n, point_keys[n])]
                costs = _costs_at(self.scenarios[n].costs, point)
                comps[n] = annual_components(variant, rows, cars,
                                             self.result.settings[n].weeks, costs)
            values = {}
            for scen, comp in self.pairs:
                diff = paired(comps[scen], None if comp == COUNTERFACTUAL else comps[comp])
                values[(scen, comp)] = {m: float(diff[m].mean()) for m in OUTCOMES}
            out.append(values)
        return out


def _costs_at(costs: Costs | None, point: dict[str, float]) -> Costs | None:
    """The scenario's costs with the point's ``costs.*`` values (validated)."""
    if costs is None:
        return None
    update = {k[len("costs."):]: v for k, v in point.items() if k.startswith("costs.")}
    if not update:
        return costs
    data = costs.model_dump()
    for k, v in update.items():
        data[k] = typed_value(data[k], v)
    return Costs.model_validate(data)


# --------------------------------------------------------------------- analysis


def run_psa(result, econ: Economics, *, draws: int | None = None, reps: int | None = None,
            jobs: int = 1) -> PSAResult | None:
    """Probabilistic sensitivity analysis, CEAC, tornado and switching values of a run.

    Parameters
    ----------
    result
        The finished run (:class:`sim.run.runner.RunResult`).
    econ
        Its funding case (:func:`sim.economics.funding.compute`): the comparisons to analyse.
    draws, reps
        Override the block's ``draws`` and ``replications`` (per draw). ``draws=0`` still
        gives the tornado and switching values.
    jobs
        Worker processes for the simulations.

    Returns
    -------
    PSAResult or None
        None when no scenario has an ``uncertainty`` block or there is nothing to compare.
    """
    started = time.perf_counter()
    ref = reference_block(result.scenarios, result.baseline)
    if ref is None or not econ.pairs:
        return None
    ref_name, block = ref
    notes: list[str] = []
    others = [s.name for s in result.scenarios
              if s.uncertainty is not None and s.uncertainty != block]
    if others:
        notes.append(f"Scenarios {', '.join(others)} have a different uncertainty: block; "
                     f"the analysis uses {ref_name}'s for every scenario.")
    n_draws = block.draws if draws is None else int(draws)
    any_simulated = any(not k.startswith("costs.") for k in block.inputs)
    run_reps = min(st.replications for st in result.settings.values())
    per_draw = block.replications if reps is None else int(reps)
    r = min(per_draw, run_reps) if any_simulated else run_reps
    if any_simulated and per_draw > run_reps:
        notes.append(f"The analysis uses {r} replications per draw (the run has {run_reps}).")
    evaluator = _Evaluator(result, econ, r, jobs)
    inputs = _describe_inputs(block, result.scenarios, evaluator, ref_name, notes)
    pairs = list(econ.pairs)

    # One batch: the base case, the draws, the tornado ends and the switching ranges' ends.
    draws_df = draw_inputs(block, n_draws)
    draw_points = [{k: float(row[k]) for k in block.inputs} for _, row in draws_df.iterrows()]
    tornado_points = [p for inp in inputs for p in ({inp.key: inp.low}, {inp.key: inp.high})]
    end_points = [p for inp in inputs
                  for p in ({inp.key: inp.range_low}, {inp.key: inp.range_high})]
    values = evaluator.evaluate([{}, *draw_points, *tornado_points, *end_points])
    base = values[0]
    at_draws = values[1:1 + n_draws]
    at_tornado = values[1 + n_draws:1 + n_draws + len(tornado_points)]
    at_ends = values[1 + n_draws + len(tornado_points):]

    outcomes = pd.DataFrame([{"draw": d, "scenario": s, "comparator": c, **v[(s, c)]}
                             for d, v in enumerate(at_draws) for s, c in pairs],
                            columns=["draw", "scenario", "comparator", *OUTCOMES])
    base_df = pd.DataFrame([{"scenario": s, "comparator": c, **base[(s, c)]} for s, c in pairs],
                           columns=["scenario", "comparator", *OUTCOMES])
    tornado = _tornado(inputs, pairs, base, at_tornado)
    switching = _switching(inputs, pairs, base, at_ends, evaluator, block.switching_iterations)
    wtp = np.arange(0.0, block.wtp_max + block.wtp_step / 2, block.wtp_step)
    settings = {
        "draws": n_draws, "replications_per_draw": r, "seed": block.seed,
        "low_percentile": block.low_percentile, "high_percentile": block.high_percentile,
        "wtp_max": block.wtp_max, "wtp_step": block.wtp_step,
        "switching_iterations": block.switching_iterations, "reference_scenario": ref_name,
        "inputs": list(block.inputs),
    }
    return PSAResult(
        inputs=inputs, draws=draws_df, outcomes=outcomes, summary=_summary(outcomes),
        ceac=ceac(outcomes, wtp), tornado=tornado, switching=switching, base=base_df,
        settings=settings, notes=notes, wall_seconds=time.perf_counter() - started,
        simulated_replications=evaluator.simulated,
    )


def _describe_inputs(block: Uncertainty, scenarios: Sequence[Scenario], evaluator: _Evaluator,
                     ref_name: str, notes: list[str]) -> list[UncertainInput]:
    low_q, high_q = block.low_percentile / 100, block.high_percentile / 100
    ordered = sorted(evaluator.needed, key=lambda n: n != ref_name)
    out = []
    for key, dist in block.inputs.items():
        applies = tuple(n for n in evaluator.needed
                        if (evaluator.scenarios[n].cars or key.startswith("costs."))
                        and input_applies(evaluator.plain[n], key))
        with_cars = [n for n in evaluator.needed if evaluator.scenarios[n].cars]
        missing = [n for n in with_cars if n not in applies]
        if missing:
            notes.append(f"Input {key} names no value of {', '.join(missing)}; it is held "
                         "fixed there.")
        base = math.nan
        for n in ordered:
            if input_applies(evaluator.plain[n], key):
                base = float(get_dotted(evaluator.plain[n], key))
                break
        lo, hi = (float(v) for v in dist.ppf(np.array([low_q, high_q])))
        rlo, rhi = input_range(dist)
        out.append(UncertainInput(key=key, dist=dist, simulated=not key.startswith("costs."),
                                  base=base, low=lo, high=hi, range_low=rlo, range_high=rhi,
                                  applies_to=applies))
    return out


def _summary(outcomes: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (s, c), g in outcomes.groupby(["scenario", "comparator"], sort=False):
        for m in OUTCOMES:
            x = g[m].to_numpy(float)
            rows.append({"scenario": s, "comparator": c, "measure": m,
                         "mean": float(x.mean()) if len(x) else math.nan,
                         "p2_5": float(np.percentile(x, 2.5)) if len(x) else math.nan,
                         "p97_5": float(np.percentile(x, 97.5)) if len(x) else math.nan,
                         "prob_positive": float((x > 0).mean()) if len(x) else math.nan,
                         "n": len(x)})
    return pd.DataFrame(rows, columns=["scenario", "comparator", "measure", "mean", "p2_5",
                                       "p97_5", "prob_positive", "n"])


def ceac(outcomes: pd.DataFrame, wtp: Sequence[float]) -> pd.DataFrame:
    """Cost-effectiveness acceptability curves from per-draw outcomes.

    For each comparison and view, the share of draws with
    ``wtp x detentions_avoided + net_benefit_<view> > 0`` at each willingness to pay.
    """
    rows = []
    for (s, c), g in outcomes.groupby(["scenario", "comparator"], sort=False):
        effect = g["detentions_avoided"].to_numpy(float)
        for view in VIEWS:
            nb = g[f"net_benefit_{view}"].to_numpy(float)
            for lam in wtp:
                rows.append({"scenario": s, "comparator": c, "view": view, "wtp": float(lam),
                             "probability": float((lam * effect + nb > 0).mean())})
    return pd.DataFrame(rows, columns=["scenario", "comparator", "view", "wtp", "probability"])


def _tornado(inputs: list[UncertainInput], pairs: list[tuple[str, str]], base: dict,
             at: list[dict]) -> pd.DataFrame:
    rows = []
    for i, inp in enumerate(inputs):
        low, high = at[2 * i], at[2 * i + 1]
        for s, c in pairs:
            for view in VIEWS:
                m = f"net_benefit_{view}"
                nb_lo, nb_hi = low[(s, c)][m], high[(s, c)][m]
                rows.append({"scenario": s, "comparator": c, "view": view, "input": inp.key,
                             "low_value": inp.low, "high_value": inp.high,
                             "base_value": inp.base, "net_benefit_base": base[(s, c)][m],
                             "net_benefit_low": nb_lo, "net_benefit_high": nb_hi,
                             "swing": abs(nb_hi - nb_lo)})
    out = pd.DataFrame(rows, columns=["scenario", "comparator", "view", "input", "low_value",
                                      "high_value", "base_value", "net_benefit_base",
                                      "net_benefit_low", "net_benefit_high", "swing"])
    order = {pair: i for i, pair in enumerate(pairs)}
    out["_pair"] = [order[(s, c)] for s, c in zip(out.scenario, out.comparator, strict=True)]
    out["_view"] = out.view.map({v: i for i, v in enumerate(VIEWS)})
    out = out.sort_values(["_pair", "_view", "swing"], ascending=[True, True, False],
                          kind="stable")
    return out.drop(columns=["_pair", "_view"]).reset_index(drop=True)


def _switching(inputs: list[UncertainInput], pairs: list[tuple[str, str]], base: dict,
               at_ends: list[dict], evaluator: _Evaluator, iterations: int) -> pd.DataFrame:
    """Switching values by bisection, all brackets stepped together (one batch a step)."""
    # A root: (input index, pair, view, side) with bracket [a, b] where f(a), f(b) differ.
    roots: list[dict[str, Any]] = []
    results: dict[tuple[int, tuple[str, str], str], list[dict]] = {}
    for i, inp in enumerate(inputs):
        for pair in pairs:
            for view in VIEWS:
                m = f"net_benefit_{view}"
                f0 = base[pair][m]
                results[(i, pair, view)] = []
                unaffected = pair[0] not in inp.applies_to and pair[1] not in inp.applies_to
                if not math.isfinite(inp.base) or unaffected:
                    continue
                for end, values in ((inp.range_low, at_ends[2 * i]),
                                    (inp.range_high, at_ends[2 * i + 1])):
                    f_end = values[pair][m]
                    if f0 == 0 or f_end == 0 or (f0 > 0) == (f_end > 0) or end == inp.base:
                        continue
                    roots.append({"key": (i, pair, view), "m": m, "a": inp.base, "fa": f0,
                                  "b": end, "fb": f_end})
    for _ in range(iterations):
        if not roots:
            break
        mids = [(r["a"] + r["b"]) / 2 for r in roots]
        values = evaluator.evaluate([{inputs[r["key"][0]].key: x} for r, x in zip(roots, mids,
                                                                                   strict=True)])
        for r, x, v in zip(roots, mids, values, strict=True):
            fx = v[r["key"][1]][r["m"]]
            if (fx > 0) == (r["fa"] > 0) and fx != 0:
                r["a"], r["fa"] = x, fx
            else:
                r["b"], r["fb"] = x, fx
    for r in roots:
        denom = r["fb"] - r["fa"]
        x = r["a"] - r["fa"] * (r["b"] - r["a"]) / denom if denom != 0 else (r["a"] + r["b"]) / 2
        results[r["key"]].append({"value": x})
    rows = []
    for (i, (s, c), view), found in results.items():
        inp = inputs[i]
        f0 = base[(s, c)][f"net_benefit_{view}"]
        row = {"scenario": s, "comparator": c, "view": view, "input": inp.key,
               "base_value": inp.base, "net_benefit_base": f0, "range_low": inp.range_low,
               "range_high": inp.range_high, "switching_value": math.nan, "change": math.nan,
               "change_pct": math.nan, "percentile": math.nan}
        if not found:
            row["result"] = ("no effect on this comparison" if (s not in inp.applies_to and
                                                                c not in inp.applies_to)
                             else "does not switch within range")
        else:
            base_q = inp.cdf(inp.base)
            best = min(found, key=lambda f: abs(inp.cdf(f["value"]) - base_q))
            x = best["value"]
            row.update({"switching_value": x, "change": x - inp.base,
                        "change_pct": 100 * (x - inp.base) / inp.base if inp.base else math.nan,
                        "percentile": 100 * inp.cdf(x)})
            row["result"] = (f"net benefit turns {'negative' if f0 > 0 else 'positive'} "
                             f"{'below' if x < inp.base else 'above'} this value")
        rows.append(row)
    return pd.DataFrame(rows, columns=["scenario", "comparator", "view", "input", "base_value",
                                       "net_benefit_base", "range_low", "range_high",
                                       "switching_value", "change", "change_pct",
                                       "percentile", "result"])
