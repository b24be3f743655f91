"""The probabilistic sensitivity analysis (PSA): the appraisal's expected value over the
uncertain inputs, and everything read from its draws.

The ``uncertainty:`` block of the reference scenario (the baseline, the do-minimum) gives
the inputs (:class:`sim.scenario.costs.Uncertainty`). Definitions are in
``docs/economics.md``.

* **Draws.** Input ``k`` takes its ``i``-th value from uniforms of a stream named after it
  and seeded by ``uncertainty.seed`` only: independent of the simulation's streams and of
  the other inputs. Every input is drawn jointly, the same values for every option.
* **Calibration.** With a ``calibration:`` block the call types' detention probabilities
  are not drawn but derived (:func:`derive`) so that the no-scheme world keeps the drawn
  national detention rate and the car avoids the drawn number of detentions per contact;
  draws that would need a car detention probability below ``min_car_p_s136`` are
  rejected and replaced by the next candidates (the report gives the share rejected).
* **One simulated year per draw.** Draw ``d`` runs replication ``d`` (``d*R .. d*R+R-1``
  with ``R`` replications per draw) of every option with the run's seed: the options of a
  draw see the same calls (common random numbers), and the chance variation of a year
  averages out over the draws instead of repeating in each. Options without a scheme
  (no car) are not simulated: their calls' outcomes are the no-scheme counterfactual of a
  simulated option of the same draw.
* **Batches.** The simulations go through :func:`sim.run.executors.run_batches`: this
  process, local worker processes or a Dask cluster, with identical results.
* **Read from the draws.** The headline (mean over draws, 95% range, share of draws with a
  positive net benefit and their Monte Carlo errors), a convergence check, the incremental
  analysis and frontier, the acceptability frontier (CEAF), EVPI and EVPPI by input
  group, and the tornado and switching values as one-way curves fitted to the same draws
  (:mod:`sim.economics.decision`), so that all share the headline's base.
* **At the means.** A secondary, deterministic appraisal simulates every option with each
  uncertain input at the mean of its accepted draws (the run's replications, common random
  numbers with it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.common.dotted import get_dotted, set_dotted
from sim.common.names import MAX_NAME_LENGTH
from sim.core.metrics import NO_SCHEME
from sim.core.model import ScenarioModel
from sim.core.streams import name_key
from sim.economics import decision
from sim.economics.funding import (
    COUNTERFACTUAL,
    LINE_COLUMNS,
    LINES,
    OUTCOMES,
    PUBLIC,
    QUANTITIES,
    Economics,
    Prices,
    appraise,
    crew_hours,
    has_scheme,
    hidden_quantities,
    ledger,
    line_rows,
    paired,
    quantities,
    reference_scenario,
    shown_lines,
    summary_rows,
    table_value,
)
from sim.economics.prices import uplift
from sim.run.executors import Batch, check_workers, connect_dask, progress_bar, run_batches
from sim.scenario.costs import (
    CONTROL_ROOM_KEY,
    COST_ITEMS,
    PATHWAY_KEY,
    Costs,
    UncertainInput,
    Uncertainty,
    input_used,
    input_value,
    rebalance_shares,
)
from sim.scenario.schema import Scenario

BATCHES_PER_WORKER = 6
"""Batches per worker over the analysis: enough to keep workers busy to the end."""
CALIBRATION = "calibration."
"""Prefix of the calibration block's drawn inputs among the analysis's inputs."""
CANDIDATES = 1.5
"""Candidates drawn per draw wanted at first (more follow if too many are rejected)."""
SIMULATED_ROOTS = ("demand", "cars", "dispatch", "response", "case_mix", "control_room",
                   "pathway")
"""The parts of a scenario an input or the calibration may change before simulating."""
MAX_REJECTED_SHARE = 0.9
"""Above this share of rejected candidates the calibration is contradictory: an error."""


@dataclass(frozen=True)
class InputInfo:
    """One uncertain input as the analysis and the report see it."""

    key: str
    label: str
    unit: str
    group: str
    distribution: Any
    mean: float
    low: float
    high: float
    simulated: bool


@dataclass(frozen=True)
class PSAResult:
    """The probabilistic sensitivity analysis of a run.

    Attributes
    ----------
    inputs
        The uncertain inputs (calibration inputs included).
    draws
        One row per accepted draw: ``draw``, ``candidate`` and each input's value.
    option_draws
        One row per draw and option: ``draw``, ``scenario``, the quantities and outcomes a
        year, and per perspective ``net_benefit_<perspective>`` against the do-minimum.
    table
        ``economics.csv``'s rows: basis ``expected`` (over the draws) and ``at_means``.
    measures
        Per comparison and perspective, the money measures per draw.
    lines
        Per comparison, each ledger line's mean a year and range over the draws
        (:func:`sim.economics.funding.line_rows`).
    frontier
        Per perspective, the incremental analysis (:func:`sim.economics.decision.incremental`).
    ceaf
        Per perspective, the acceptability curves and frontier.
    evpi
        Per perspective: EVPI a year and over the period.
    evppi
        Per perspective and input group: EVPPI a year and over the period.
    tornado, switching
        Per comparison, perspective and input: the one-way curve's ends, and where it
        crosses 0.
    convergence
        Per comparison and perspective: running means and Monte Carlo errors.
    cost_consequence
        Per option and outcome: the value a year, and against the do-minimum.
    settings
        Draws, replications, seeds, grid, reference scenario, do-minimum, rejected share.
    notes
        Plain-language notes.
    """

    inputs: list[InputInfo]
    draws: pd.DataFrame
    option_draws: pd.DataFrame
    table: pd.DataFrame
    measures: dict[tuple[str, str, str], pd.DataFrame]
    lines: pd.DataFrame
    frontier: pd.DataFrame
    ceaf: pd.DataFrame
    evpi: pd.DataFrame
    evppi: pd.DataFrame
    tornado: pd.DataFrame
    switching: pd.DataFrame
    convergence: pd.DataFrame
    cost_consequence: pd.DataFrame
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    simulated_replications: int = 0

    def value(self, scenario: str, comparator: str, measure: str, column: str = "mean",
              perspective: str = PUBLIC, basis: str = "expected") -> float:
        """One number of :attr:`table`."""
        return table_value(self.table, scenario, comparator, measure, column, perspective,
                           basis)

    def prob_positive(self, scenario: str, comparator: str, perspective: str = PUBLIC
                      ) -> float:
        """Share of draws with a positive net benefit."""
        return self.value(scenario, comparator, "net_benefit", "prob_positive", perspective)


# ----------------------------------------------------------------------- draws


def input_list(block: Uncertainty, scenarios: Sequence[Scenario] | None = None
               ) -> dict[str, UncertainInput]:
    """Every drawn input: the block's inputs and the calibration's two.

    With ``scenarios`` (the options), the control room's inputs
    (:data:`sim.scenario.costs.CONTROL_ROOM_KEY`) are left out when no option has a
    control room, and the pathway's (:data:`sim.scenario.costs.PATHWAY_KEY`) when no
    option has a pathway: they could change nothing, and the analysis of such a run is the
    same as before the control room or the pathway existed.
    """
    room = scenarios is None or any(s.control_room is not None for s in scenarios)
    pathway = scenarios is None or any(s.pathway is not None for s in scenarios)
    out = {k: v for k, v in block.inputs.items()
           if (room or not CONTROL_ROOM_KEY.fullmatch(k))
           and (pathway or not PATHWAY_KEY.fullmatch(k))}
    if block.calibration is not None:
        out[CALIBRATION + "s136_per_100k"] = block.calibration.s136_per_100k
        out[CALIBRATION + "avoided_per_contact"] = block.calibration.avoided_per_contact
    return out


def draw_inputs(block: Uncertainty, n: int, scenarios: Sequence[Scenario] | None = None
                ) -> pd.DataFrame:
    """Candidates ``0 .. n-1``: one column per input (:func:`input_list` of ``scenarios``).

    Input ``k`` uses uniforms from ``SeedSequence(seed, spawn_key=(key("psa"), key(k)))``:
    independent of the replication streams and of the other inputs; the first ``n``
    candidates are the same whatever ``n``.
    """
    data: dict[str, Any] = {"candidate": np.arange(n)}
    for key, inp in input_list(block, scenarios).items():
        seq = np.random.SeedSequence(block.seed, spawn_key=(name_key("psa"), name_key(key)))
        data[key] = inp.distribution.ppf(np.random.Generator(np.random.PCG64(seq)).random(n))
    return pd.DataFrame(data)


def derive(plain: dict[str, Any], point: dict[str, float], block: Uncertainty
           ) -> dict[str, Any] | None:
    """The overrides (dotted key -> value) that put scenario data ``plain`` at ``point``,
    or None when the point is rejected.

    Inputs that name a number of the scenario are set (in its type); a control room's
    inputs only where the scenario has a control room, and the pathway's only where it has
    a pathway (elsewhere they are held fixed: :func:`sim.scenario.costs.input_used`); a
    call type's share set by an input rescales
    the others so that all add up to 1; ``costs.`` inputs are left to the prices. With
    ``block.calibration`` (population ``P``, drawn national rate
    ``R`` per 100,000 a year and detentions avoided per car contact ``e``), with ``D``
    calls a day, shares ``w_i`` and the scenario's standard-response risks ``p_i``:

    * every type's standard risk becomes ``k p_i`` with
      ``k = (R P / 100000 / 365.25 / D) / sum_i w_i p_i`` (the no-scheme world then has
      ``R`` detentions per 100,000 a year);
    * each type the car is sent to gets the car risk ``k p_i (1 - e / m)``, where ``m`` is
      the mean standard risk of those types (the car then avoids ``e`` per contact);
    * with a control room, every type's detention risk after advice (its own
      ``control_room.p_s136`` or ``response.control_room.p_s136``) is scaled by the same
      ``k``: advice keeps avoiding the same share of each type's risk, and stays at most
      the standard risk, as the schema requires;
    * rejected if a standard risk exceeds 1 or a car risk falls below ``min_car_p_s136``.
    """
    data = {k: _copy(plain[k]) for k in SIMULATED_ROOTS if k in plain}
    before = {k: plain[k] for k in SIMULATED_ROOTS if k in plain}
    changed: dict[str, Any] = {}
    for key, value in point.items():
        if key.startswith(("costs.", CALIBRATION)) or not input_used(data, key):
            continue
        set_dotted(data, key, input_value(get_dotted(data, key), value))
        changed[key] = get_dotted(data, key)
    if not rebalance_shares(data, changed):
        return None
    cal = block.calibration
    if cal is not None and not _calibrate(data, point, cal.population, cal.min_car_p_s136):
        return None
    return _differences(before, data)


def _copy(data: Any) -> Any:
    """A copy of plain data (maps, lists, numbers, text): what ``copy.deepcopy`` does,
    several times faster."""
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


def _calibrate(data: dict[str, Any], point: dict[str, float], population: float,
               floor: float) -> bool:
    rate = point[CALIBRATION + "s136_per_100k"]
    per_contact = point[CALIBRATION + "avoided_per_contact"]
    calls = float(data["demand"]["calls_per_day"])
    target = rate * population / 100_000 / 365.25 / calls
    std0 = float(data["response"]["standard"]["p_s136"])
    car0 = float(data["response"]["car"]["p_s136"])
    mix = data.get("case_mix")
    types = mix or [{"share": 1.0, "sent_to_car": True, "standard": {"p_s136": std0},
                     "car": {"p_s136": car0}}]
    base = [float(t.get("standard", {}).get("p_s136", std0)) for t in types]
    base_car = [float(t.get("car", {}).get("p_s136", car0)) for t in types]
    shares = [float(t["share"]) for t in types]
    to_car = [bool(t.get("sent_to_car", True)) for t in types]
    mean0 = sum(w * p for w, p in zip(shares, base, strict=True))
    car_share = sum(w for w, c in zip(shares, to_car, strict=True) if c)
    if mean0 <= 0 or car_share <= 0:
        return False
    k = target / mean0
    car_mean = k * sum(w * p for w, p, c in zip(shares, base, to_car, strict=True) if c)
    car_mean /= car_share
    if car_mean <= 0:
        return False
    for i, t in enumerate(types):
        std = k * base[i]
        car = std * (1.0 - per_contact / car_mean) if to_car[i] else min(1.0, k * base_car[i])
        if std > 1.0 or (to_car[i] and car < floor):
            return False
        t.setdefault("standard", {})["p_s136"] = std
        t.setdefault("car", {})["p_s136"] = car
    if not mix:
        data["response"]["standard"]["p_s136"] = types[0]["standard"]["p_s136"]
        data["response"]["car"]["p_s136"] = types[0]["car"]["p_s136"]
    advised = data["response"].get("control_room")
    if data.get("control_room") is not None and isinstance(advised, dict):
        adv0 = float(advised["p_s136"])
        if mix:  # each type's own advised risk (an override, else the block's), scaled
            for t in mix:
                own = t.get("control_room") or {}
                t["control_room"] = {**own, "p_s136": k * float(own.get("p_s136", adv0))}
        advised["p_s136"] = k * adv0
    return True


def _differences(before: Any, after: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted key -> value of every number that differs between two copies of data."""
    if isinstance(after, dict):
        out: dict[str, Any] = {}
        for k, v in after.items():
            out.update(_differences(before.get(k) if isinstance(before, dict) else None, v,
                                    f"{prefix}{k}."))
        return out
    if isinstance(after, list):
        out = {}
        for i, v in enumerate(after):
            old = before[i] if isinstance(before, list) and i < len(before) else None
            out.update(_differences(old, v, f"{prefix}{i}."))
        return out
    return {} if before == after else {prefix[:-1]: after}


# ------------------------------------------------------------------ simulation


def simulate_batch(bases: dict[str, Scenario], plans: dict[str, tuple[int, int, int]],
                   items: Sequence[tuple[str, dict[str, Any], Sequence[int]]]
                   ) -> list[list[tuple[dict[str, float], list[tuple[str, float, float]]]]]:
    """Worker function: for each item ``(scenario name, overrides, replications)``, each
    replication's metrics and per car ``(name, paid hours, other jobs attended)``.

    ``plans``: per scenario ``(seed, weeks, warm-up weeks)``.
    """
    out = []
    for name, overrides, reps in items:
        base = bases[name]
        variant = base.with_overrides({**overrides, "uncertainty": None, "appraisal": None,
                                       "name": f"psa.{name}"[:MAX_NAME_LENGTH]})
        seed, weeks, warmup = plans[name]
        model = ScenarioModel(variant, weeks=weeks, warmup_weeks=warmup)
        shift = {c.name: c.pattern().minutes_per_week * weeks / 60.0 for c in variant.cars}
        runs = []
        for r in reps:
            res = model.run(seed, r, by_hour=False)  # the metrics are all it needs
            cars = [(c.name, shift[c.name] + v["car_overtime_hours"],
                     v.get("other_jobs_attended", 0.0))
                    for c, v in zip(variant.cars, res.by_car, strict=True)]
            runs.append((res.metrics, cars))
        out.append(runs)
    return out


@dataclass(frozen=True)
class _Point:
    """One point to simulate: per option its overrides, and its replications."""

    draw: int
    overrides: dict[str, dict[str, Any]]
    reps: tuple[int, ...]


def _simulate(result, options: Sequence[Scenario], points: Sequence[_Point], jobs: int,
              client: Any, progress: bool | None, desc: str
              ) -> dict[tuple[int, str], list]:
    """Simulate every point's options (those with a scheme); (draw, name) -> runs."""
    bases = {s.name: s for s in options}
    plans = {s.name: (result.settings[s.name].seed, result.settings[s.name].weeks,
                      result.settings[s.name].warmup_weeks) for s in options}
    items = [(p.draw, (s.name, p.overrides[s.name], p.reps)) for p in points for s in options]
    if not items:
        return {}
    workers = 1 if client is None and jobs <= 1 else max(jobs, 1)
    n_batches = min(len(items), max(1, workers * BATCHES_PER_WORKER)) if workers > 1 else 1
    size = math.ceil(len(items) / n_batches)
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    batches = [Batch(("psa", i), simulate_batch, (bases, plans, [it for _, it in chunk]),
                     sum(len(it[2]) for _, it in chunk)) for i, chunk in enumerate(chunks)]
    total = sum(b.size for b in batches)
    with progress_bar(total, desc, show=progress) as bar:
        done = run_batches(batches, jobs=jobs, client=client, bar=bar)
    out = {}
    for chunk, runs in zip(chunks, done, strict=True):
        for (draw, (name, _, _)), r in zip(chunk, runs, strict=True):
            out[(draw, name)] = r
    return out


def _run_replications(result, options: Sequence[Scenario], points: Sequence[_Point]
                      ) -> dict[tuple[int, str], list]:
    """The run's own replications as the points' runs: replication ``r`` of the point
    stands for the run's replication ``r`` modulo its number of replications."""
    out = {}
    for s in options:
        reps = result.replications[result.replications.scenario == s.name]
        metrics = reps.set_index("replication").sort_index()
        cars = result.by_car[result.by_car.scenario == s.name]
        n = len(metrics)
        for point in points:
            runs = []
            for r in point.reps:
                rep = int(metrics.index[r % n])
                own = cars[cars.replication == rep]
                per_car = [(str(c.car), float(c.car_shift_hours + c.car_overtime_hours),
                            float(getattr(c, "other_jobs_attended", 0.0)))
                           for c in own.itertuples()]
                runs.append((metrics.loc[rep].drop("scenario", errors="ignore").to_dict(),
                             per_car))
            out[(point.draw, s.name)] = runs
    return out


def _frames(scenario: Scenario, weeks: int, units: Sequence[int], runs: Sequence[list]
            ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Metrics (mean over a unit's replications) and crew hours per unit."""
    rows, owner, cars = [], [], []
    for unit, reps in zip(units, runs, strict=True):
        for metrics, per_car in reps:
            rows.append(metrics)
            owner.append(unit)
            for name, paid, other in per_car:
                cars.append((unit, name, paid / len(reps), other / len(reps)))
    metrics = pd.DataFrame(rows).groupby(np.asarray(owner)).mean()
    crew = None
    if scenario.cars:
        crew = crew_hours(scenario, pd.DataFrame(cars, columns=[
            "unit", "car", "paid_hours", "other_jobs_attended"]), weeks)
    return metrics, crew


def _no_scheme_metrics(donor: pd.DataFrame) -> pd.DataFrame:
    """A no-scheme option's metrics: the no-scheme counterfactual of a simulated option of
    the same draw (the same calls, every one given the standard response)."""
    out = pd.DataFrame(0.0, index=donor.index, columns=donor.columns)
    for col in ("mh_calls", "other_jobs_arrived", "not_for_car"):
        if col in donor:
            out[col] = donor[col]
    for now, base in NO_SCHEME.items():  # the no-scheme (do-minimum) world's figures
        if base in donor:
            out[now] = out[base] = donor[base]
    # Calls a car resolved by phone are all of types no car is sent to; those the control
    # room resolved may be of either kind (not recorded), and are counted unmet off shift
    # here: the counts of calls enter no cost or saving.
    if "car_resolved_by_phone" in donor:
        out["not_for_car"] = donor.get("not_for_car", 0.0) + donor["car_resolved_by_phone"]
    out["unmet_off_shift"] = donor["mh_calls"] - out.get("not_for_car", 0.0)
    return out


# ---------------------------------------------------------------------- prices


def _price_frame(costs: Costs, base: Prices, values: pd.DataFrame, settings) -> Prices:
    """Prices per unit (arrays): the scenario's own, with each drawn ``costs.`` input (in
    its item's price year) restated to the report's price year."""
    value: dict[str, Any] = dict(base.value)
    for item in COST_ITEMS:
        for key in (f"costs.{item}", f"costs.{item}.value"):
            if key in values:
                factor = uplift(costs.year(item), settings.price_year, settings.price_index)
                value[item] = values[key].to_numpy(float) * factor
    return Prices(base.year, value, base.payer, base.cash)


# -------------------------------------------------------------------- analysis


def run_psa(result, econ: Economics, *, draws: int | None = None, reps: int | None = None,
            jobs: int = 1, scheduler: Any = None, progress: bool | None = False
            ) -> PSAResult | None:
    """The probabilistic sensitivity analysis of a run and what is read from it.

    Parameters
    ----------
    result
        The finished run (:class:`sim.run.result.RunResult`).
    econ
        Its appraisal at the run's inputs (:func:`sim.economics.funding.compute`): the
        comparisons, perspectives and settings to use.
    draws, reps
        Override the block's ``draws`` and ``replications`` (per draw). ``draws=0``
        skips the analysis (None is returned).
    jobs, scheduler
        Local worker processes for the simulations, or a Dask scheduler (an address or a
        ``distributed.Client``) to run them on instead.
    progress
        Show a progress bar on stderr (None: when stderr is a terminal).

    Returns
    -------
    PSAResult or None
        None when no scenario has an ``uncertainty`` block, there is nothing to compare,
        or ``draws`` is 0.
    """
    if scheduler is not None:
        client, own = connect_dask(scheduler)
        try:
            check_workers(client)
            return _run_psa(result, econ, draws, reps, jobs, client, progress)
        finally:
            if own:
                client.close()
    return _run_psa(result, econ, draws, reps, jobs, None, progress)


def _run_psa(result, econ: Economics, draws: int | None, reps: int | None, jobs: int,
             client: Any, progress: bool | None) -> PSAResult | None:
    started = time.perf_counter()
    ref = reference_scenario(result.scenarios, result.baseline)
    block = ref.uncertainty or next((s.uncertainty for s in result.scenarios
                                     if s.uncertainty is not None), None)
    n_draws = (block.draws if draws is None else int(draws)) if block is not None else 0
    if block is None or not econ.pairs or n_draws <= 0:
        return None
    per_draw = block.replications if reps is None else int(reps)
    notes = _block_notes(result, block)
    costed = [s for s in result.scenarios if s.name in econ.ledgers]
    simulated = [s for s in costed if has_scheme(s)]

    # candidates -> accepted draws
    wanted = n_draws
    n_cand = max(8, int(math.ceil(wanted * CANDIDATES)))
    while True:
        cand = draw_inputs(block, n_cand, costed)
        points, accepted = _accept(cand, costed, block, wanted)
        if len(points) >= wanted or n_cand >= wanted / (1 - MAX_REJECTED_SHARE):
            break
        n_cand = int(n_cand * 2)
    if len(points) < wanted:
        raise ValueError(f"the calibration rejected {n_cand - len(points)} of {n_cand} "
                         "candidate draws: its ranges contradict the scenario (see "
                         "docs/economics.md, 'Calibration')")
    draws_df = cand.iloc[accepted].reset_index(drop=True)
    draws_df.insert(0, "draw", np.arange(len(draws_df)))
    inputs = _describe(block, draws_df, costed)
    rejected = int(accepted[-1]) + 1 - len(accepted) if accepted else 0
    examined = int(accepted[-1]) + 1 if accepted else 0
    wanted_points = [_Point(d, p, tuple(range(d * per_draw, (d + 1) * per_draw)))
                     for d, p in enumerate(points)]
    n_sim = 0
    if any(over for p in points for over in p.values()):
        n_sim += len(points) * len(simulated) * per_draw
        runs = _simulate(result, simulated, wanted_points, jobs, client, progress,
                         "sensitivity analysis")
    else:  # prices only: the run's own replications, in turn
        runs = _run_replications(result, simulated, wanted_points)
        notes.append("Only prices are uncertain, so the draws re-use the run's simulated "
                     "replications in turn (no new simulation).")
    units = list(range(len(points)))
    quants, ledgers = _option_ledgers(result, econ, costed, simulated, units, runs,
                                      draws_df)

    # at the means (secondary)
    mean_point = {i.key: i.mean for i in inputs}
    means_overrides = {s.name: derive(s.to_dict(), mean_point, block) for s in costed}
    at_means_rows: list[dict] = []
    mean_reps = min(result.settings[s.name].replications for s in result.scenarios)
    if any(v is None for v in means_overrides.values()):
        notes.append("The inputs' means fall outside the calibration's limits, so the "
                     "appraisal at the means was not run.")
    else:
        mean_point_runs = [_Point(0, means_overrides, tuple(range(mean_reps)))]
        if any(means_overrides.values()):
            n_sim += mean_reps * len(simulated)
            mean_runs = _simulate(result, simulated, mean_point_runs, jobs, client, progress,
                                  "at the inputs' means")
        else:
            mean_runs = _run_replications(result, simulated, mean_point_runs)
        mean_units = list(range(mean_reps))
        expanded = {(r, n): [reps_[r]] for (_, n), reps_ in mean_runs.items()
                    for r in mean_units}
        mean_values = pd.DataFrame([mean_point] * mean_reps)
        mq, ml = _option_ledgers(result, econ, costed, simulated, mean_units, expanded,
                                 mean_values)
        for s, c in econ.pairs:
            diff = paired(ml[s], None if c == COUNTERFACTUAL else ml[c])
            for p in econ.perspectives:
                at_means_rows.extend(summary_rows(appraise(diff, _price(econ, s, c),
                                                           econ.settings, p),
                                                  s, c, p, "at_means"))

    # per comparison and perspective, per draw
    rows, measures, lines = [], {}, []
    shown = shown_lines(result.scenarios)
    for s, c in econ.pairs:
        diff = paired(ledgers[s], None if c == COUNTERFACTUAL else ledgers[c])
        lines.extend(line_rows(diff, _price(econ, s, c), s, c, "expected", shown))
        for p in econ.perspectives:
            m = appraise(diff, _price(econ, s, c, ledgers), econ.settings, p)
            measures[(s, c, p)] = m
            rows.extend(summary_rows(m, s, c, p, "expected"))
    table = pd.DataFrame([*rows, *at_means_rows])
    baseline = result.baseline if result.baseline in econ.ledgers else None
    options = [baseline] if baseline else [COUNTERFACTUAL]
    options += [s.name for s in costed if s.name != baseline]
    option_nb = _option_net_benefits(econ, ledgers, baseline, options)
    effects = _option_effects(quants, baseline, options, len(units))
    option_draws = _option_draw_table(quants, option_nb, options, baseline, econ)
    option_draws = option_draws.drop(columns=hidden_quantities(result.scenarios),
                                     errors="ignore")
    wtp = np.arange(0.0, block.wtp_max + block.wtp_step / 2, block.wtp_step)
    frontier, ceaf, evpi, evppi = _decision(option_nb, effects, options, econ, wtp, inputs,
                                            draws_df)
    tornado, switching = _one_way(measures, inputs, draws_df, block, econ)
    settings = {
        "draws": len(points), "replications_per_draw": per_draw, "seed": block.seed,
        "low_percentile": block.low_percentile, "high_percentile": block.high_percentile,
        "wtp_max": block.wtp_max, "wtp_step": block.wtp_step,
        "reference_scenario": ref.name, "do_minimum": baseline,
        "candidates_examined": examined, "rejected": rejected,
        "at_means_replications": mean_reps, "options": options,
        "inputs": [i.key for i in inputs],
    }
    return PSAResult(
        inputs=inputs, draws=draws_df, option_draws=option_draws, table=table,
        measures=measures, lines=pd.DataFrame(lines, columns=LINE_COLUMNS),
        frontier=frontier, ceaf=ceaf, evpi=evpi, evppi=evppi,
        tornado=tornado, switching=switching,
        convergence=convergence(measures), cost_consequence=cost_consequence(
            quants, options, baseline),
        settings=settings, notes=notes, wall_seconds=time.perf_counter() - started,
        simulated_replications=n_sim)


def _block_notes(result, block: Uncertainty) -> list[str]:
    others = [s.name for s in result.scenarios
              if s.uncertainty is not None and s.uncertainty != block]
    if others:
        return [f"Scenarios {', '.join(others)} have a different uncertainty: block; the "
                "analysis uses the do-minimum's for every scenario."]
    return []


def _describe(block: Uncertainty, draws: pd.DataFrame, scenarios: Sequence[Scenario]
              ) -> list[InputInfo]:
    """Each input with the mean and percentiles of its accepted draws (the calibration's
    rejections can move them from the distribution's own)."""
    out = []
    for key, inp in input_list(block, scenarios).items():
        x = draws[key].to_numpy(float)
        lo, hi = (float(v) for v in np.percentile(x, [block.low_percentile,
                                                       block.high_percentile]))
        label = inp.label or key
        out.append(InputInfo(key=key, label=label, unit=inp.unit, group=inp.group or label,
                             distribution=inp.distribution, mean=float(x.mean()), low=lo,
                             high=hi, simulated=not key.startswith("costs.")))
    return out


def _accept(cand: pd.DataFrame, costed: Sequence[Scenario], block: Uncertainty, wanted: int
            ) -> tuple[list[dict[str, dict[str, Any]]], list[int]]:
    plains = {s.name: s.to_dict() for s in costed if has_scheme(s)}
    keys = [c for c in cand.columns if c != "candidate"]
    points, accepted = [], []
    for i, row in enumerate(cand[keys].itertuples(index=False, name=None)):
        point = dict(zip(keys, (float(v) for v in row), strict=True))
        over: dict[str, dict[str, Any]] = {}
        for n, p in plains.items():  # a candidate one option rejects is rejected: stop
            v = derive(p, point, block)
            if v is None:
                break
            over[n] = v
        if len(over) < len(plains):
            continue
        points.append(over)
        accepted.append(i)
        if len(points) == wanted:
            break
    return points, accepted


def _option_ledgers(result, econ: Economics, costed: Sequence[Scenario],
                    simulated: Sequence[Scenario], units: list[int], runs: dict,
                    values: pd.DataFrame) -> tuple[dict, dict]:
    """Per option, quantities and ledger per unit (draw) at the units' input values."""
    quants, ledgers = {}, {}
    donor_metrics = None
    for s in simulated:
        weeks = result.settings[s.name].weeks
        metrics, crew = _frames(s, weeks, units, [runs[(u, s.name)] for u in units])
        metrics.index = units
        donor_metrics = metrics if donor_metrics is None else donor_metrics
        quants[s.name] = quantities(s, metrics, crew, weeks)
    for s in costed:
        if s.name in quants:
            continue
        if donor_metrics is None:
            raise ValueError("no option with a scheme to take the no-scheme world from")
        quants[s.name] = quantities(s, _no_scheme_metrics(donor_metrics), None,
                                    result.settings[s.name].weeks)
    for s in costed:
        base = econ.prices.get(s.name)
        if base is None:
            ledgers[s.name] = pd.DataFrame(0.0, index=units, columns=[ln.key for ln in LINES])
            continue
        price = _price_frame(econ.costs[s.name], base, values.reset_index(drop=True),
                             econ.settings)
        ledgers[s.name] = ledger(quants[s.name], price)
    return quants, ledgers


def _price(econ: Economics, s: str, c: str, ledgers: dict | None = None) -> Prices:
    """Payers and cash flags of a comparison: the option's costs block, else the
    comparator's (values are already in the ledgers)."""
    return econ.prices.get(s) or econ.prices.get(c) or next(
        p for p in econ.prices.values() if p is not None)


def _option_net_benefits(econ: Economics, ledgers: dict, baseline: str | None,
                         options: list[str]) -> dict[str, np.ndarray]:
    """Per perspective: draws x options net benefit a year against the do-minimum."""
    out = {}
    for p in econ.perspectives:
        cols = []
        for o in options:
            if o in (baseline, COUNTERFACTUAL):
                cols.append(np.zeros(len(next(iter(ledgers.values())))))
                continue
            diff = paired(ledgers[o], ledgers[baseline] if baseline else None)
            cols.append(appraise(diff, _price(econ, o, baseline or o), econ.settings, p)
                        ["net_benefit"].to_numpy(float))
        out[p] = np.column_stack(cols)
    return out


def _option_effects(quants: dict, baseline: str | None, options: list[str], n: int
                    ) -> np.ndarray:
    """Draws x options: detentions avoided a year against the do-minimum."""
    cols = []
    for o in options:
        if o in (baseline, COUNTERFACTUAL):
            cols.append(np.zeros(n))
        else:
            own = quants[o]["detentions_avoided"].to_numpy(float)
            base = quants[baseline]["detentions_avoided"].to_numpy(float) if baseline else 0
            cols.append(own - base)
    return np.column_stack(cols)


def _option_draw_table(quants: dict, option_nb: dict, options: list[str],
                       baseline: str | None, econ: Economics) -> pd.DataFrame:
    frames = []
    for k, o in enumerate(options):
        if o == COUNTERFACTUAL:
            continue
        q = quants[o].copy()
        for p, nb in option_nb.items():
            q[f"net_benefit_{p}"] = nb[:, k]
        q.insert(0, "comparator", baseline or COUNTERFACTUAL)
        q.insert(0, "scenario", o)
        q.insert(0, "draw", q.index)
        frames.append(q.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _decision(option_nb: dict, effects: np.ndarray, options: list[str], econ: Economics,
              wtp: np.ndarray, inputs: list[InputInfo], draws_df: pd.DataFrame):
    annuity = float(econ.settings.discount_factors().sum())
    fronts, curves, evpis, evppis = [], [], [], []
    groups: dict[str, list[str]] = {}
    for i in inputs:
        groups.setdefault(i.group, []).append(i.key)
    for p, nb in option_nb.items():
        f = decision.incremental(options, -nb.mean(axis=0), effects.mean(axis=0))
        fronts.append(f.assign(perspective=p))
        curves.append(decision.ceaf(nb, effects, options, wtp).assign(perspective=p))
        value = decision.evpi(nb)
        evpis.append({"perspective": p, "evpi_a_year": value,
                      "evpi_period": value * annuity})
        for g, keys in groups.items():
            x = draws_df[keys].to_numpy(float)
            v = decision.evppi(nb, x)
            evppis.append({"perspective": p, "group": g, "inputs": ", ".join(keys),
                           "evppi_a_year": v, "evppi_period": v * annuity})
    evppi = pd.DataFrame(evppis, columns=["perspective", "group", "inputs", "evppi_a_year",
                                          "evppi_period"])
    evppi = evppi.sort_values(["perspective", "evppi_a_year"], ascending=[True, False],
                              kind="stable").reset_index(drop=True)
    return (pd.concat(fronts, ignore_index=True), pd.concat(curves, ignore_index=True),
            pd.DataFrame(evpis), evppi)


def _one_way(measures: dict, inputs: list[InputInfo], draws_df: pd.DataFrame,
             block: Uncertainty, econ: Economics) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tornado and switching values from the draws: for each input, the net benefit
    expected with the input at its low and high percentiles (the others over their
    distributions), and where that curve crosses 0."""
    t_rows, s_rows = [], []
    for (s, c, p), m in measures.items():
        y = m["net_benefit"].to_numpy(float)
        base = float(y.mean())
        for i in inputs:
            x = draws_df[i.key].to_numpy(float)
            lo, hi = (float(v) for v in np.percentile(
                x, [block.low_percentile, block.high_percentile]))
            at_lo, at_hi = decision.conditional_curve(y, x, np.array([lo, hi]))
            t_rows.append({"scenario": s, "comparator": c, "perspective": p, "input": i.key,
                           "label": i.label, "unit": i.unit, "low_value": lo,
                           "high_value": hi, "net_benefit_base": base,
                           "net_benefit_low": float(at_lo), "net_benefit_high": float(at_hi),
                           "swing": abs(float(at_hi) - float(at_lo))})
            value = decision.switching_value(y, x)
            found = math.isfinite(value)
            s_rows.append({"scenario": s, "comparator": c, "perspective": p, "input": i.key,
                           "label": i.label, "unit": i.unit, "mean_value": i.mean,
                           "net_benefit_base": base, "switching_value": value,
                           "percentile": 100 * float((x <= value).mean()) if found
                           else math.nan,
                           "result": (f"the expected net benefit turns "
                                      f"{'negative' if base > 0 else 'positive'} "
                                      f"{'below' if value < i.mean else 'above'} this value"
                                      if found else "does not change sign over the range "
                                                    "drawn")})
    tornado = pd.DataFrame(t_rows)
    if len(tornado):
        tornado = tornado.sort_values(["scenario", "comparator", "perspective", "swing"],
                                      ascending=[True, True, True, False], kind="stable")
        order = {pair: k for k, pair in enumerate(econ.pairs)}
        tornado["_o"] = [order[(a, b)] for a, b in zip(tornado.scenario, tornado.comparator,
                                                         strict=True)]
        tornado = tornado.sort_values("_o", kind="stable").drop(columns="_o")
    return tornado.reset_index(drop=True), pd.DataFrame(s_rows)


def convergence(measures: dict, checkpoints: Sequence[float] = (0.25, 0.5, 0.75, 1.0)
                ) -> pd.DataFrame:
    """Per comparison and perspective: the running mean net benefit and share positive at
    a quarter, half, three quarters and all of the draws, their Monte Carlo standard
    errors, and whether the sign and the share are settled: ``converged`` when the share's
    standard error is at most 2 points and the mean is either 1.96 standard errors from 0
    or known to within 5% of the draws' spread."""
    rows = []
    for (s, c, p), m in measures.items():
        y = m["net_benefit"].to_numpy(float)
        n = len(y)
        row: dict[str, Any] = {"scenario": s, "comparator": c, "perspective": p, "draws": n}
        for f in checkpoints:
            k = max(1, int(round(f * n)))
            row[f"mean_at_{int(f * 100)}pct"] = float(y[:k].mean())
            row[f"prob_positive_at_{int(f * 100)}pct"] = float((y[:k] > 0).mean())
        sd = float(y.std(ddof=1)) if n > 1 else math.nan
        se = sd / math.sqrt(n) if n > 1 else math.nan
        prob = float((y > 0).mean())
        se_p = math.sqrt(prob * (1 - prob) / n)
        mean = float(y.mean())
        row.update(mean=mean, se=se, prob_positive=prob, prob_positive_se=se_p,
                   converged=bool(se_p <= 0.02 and (abs(mean) >= 1.96 * se
                                                    or se <= 0.05 * sd)))
        rows.append(row)
    return pd.DataFrame(rows)


def cost_consequence(quants: dict, options: list[str], baseline: str | None) -> pd.DataFrame:
    """Per option and outcome: mean a year over the draws with its 95% range, the
    difference from the do-minimum (mean and range) and the percentage change."""
    rows = []
    names = [o for o in options if o != COUNTERFACTUAL]
    outcomes = [o for o in (*OUTCOMES, "detentions_avoided", "officer_hours_released",
                            "car_hours")
                if all(o in quants[n] for n in names)]
    for o in names:
        q = quants[o]
        for out in outcomes:
            x = q[out].to_numpy(float)
            row = {"scenario": o, "outcome": out, "mean": float(x.mean()),
                   "low": float(np.percentile(x, 2.5)), "high": float(np.percentile(x, 97.5)),
                   "difference": math.nan, "difference_low": math.nan,
                   "difference_high": math.nan, "percent_change": math.nan}
            if baseline and o != baseline and out in quants[baseline]:
                b = quants[baseline][out].to_numpy(float)
                d = x - b
                row.update(difference=float(d.mean()),
                           difference_low=float(np.percentile(d, 2.5)),
                           difference_high=float(np.percentile(d, 97.5)))
                if out not in QUANTITIES and float(b.mean()) > 0:
                    row["percent_change"] = 100 * float(d.mean()) / float(b.mean())
            rows.append(row)
    return pd.DataFrame(rows, columns=["scenario", "outcome", "mean", "low", "high",
                                       "difference", "difference_low", "difference_high",
                                       "percent_change"])
