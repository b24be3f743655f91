"""Running the rota optimiser: list, screen, select with a guarantee, compare.

1. **List** every candidate rota (:func:`sim.experiments.optimise.space.generate`).
2. **Screen** them all with the analytic approximation
   (:mod:`sim.experiments.optimise.screen`) and keep the ``screen.keep`` best; simulate a
   random ``screen.check`` of the others too (``first_stage`` replications each), so that
   the approximation's ranking can be compared with the simulation's over the whole range.
3. **Select** among the kept rotas with KN (:mod:`sim.experiments.optimise.kn`): common
   random numbers (replication ``r`` of every rota uses the streams of ``(seed, r)``),
   ``P(pick within delta of the best kept rota) >= 1 - alpha``. The rotas that cannot be
   told apart from the pick are listed with paired intervals.
4. **Compare** the pick with the base scenario's own rota ("shipped") and with the best rota
   of a plain start-hour sweep, on fresh replications (numbers from
   :data:`COMPARE_FIRST` on, so the pick's estimate carries no selection bias), with
   paired 95% intervals.

Simulations run through :func:`sim.run.executors.run_batches` (this process, worker
processes or Dask: the numbers do not depend on which) and every finished task is recorded
in the task store (:mod:`sim.experiments.optimise.store`), so ``resume=True`` after a kill
continues where the run stopped. Writing the results folder is reporting
(``sim/reporting/optimise_results.py``); ``sim.optimise`` (``sim/api.py``) does both.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from sim.common.counts import whole_number
from sim.common.folders import check_output_folder
from sim.common.stats import t_interval
from sim.core.model import ScenarioModel
from sim.economics.funding import annual_components
from sim.experiments.optimise import kn
from sim.experiments.optimise.screen import screen_estimates
from sim.experiments.optimise.space import (
    Candidate,
    build_scenario,
    days_text,
    generate,
    sweep_rotas,
)
from sim.experiments.optimise.spec import (
    OptimiseError,
    OptimiseSpec,
    annual_factor,
    screenable,
)
from sim.experiments.optimise.store import Record, Store, task_key
from sim.run.executors import (
    Batch,
    ExecutorError,
    backend_name,
    dask_client,
    progress_bar,
    run_batches,
)
from sim.scenario.calendar import DAY_NAMES
from sim.scenario.identity import model_sha256
from sim.scenario.schema import Scenario

__all__ = ["OptimiseResult", "run_optimise", "simulate_batch"]

COMPARE_FIRST = 1_000_000
"""The comparison stage uses replications ``COMPARE_FIRST, COMPARE_FIRST + 1, ...``: streams
no selection decision has seen."""
EFFECT_METRICS = ("s136_avoided", "officer_hours_saved", "car_attended", "unmet_busy",
                  "unmet_off_shift")
"""Metrics shown, a year, for the pick against the shipped rota and the sweep's best."""
HOUR_COUNTERS = ("calls", "car_attended", "unmet_off_shift", "unmet_busy", "not_for_car")
DASK_KEY_PREFIX = "sim-optimise"
SCREEN_CONSTRAINT_MARGIN = 0.10
"""The screen keeps a rota whose estimate of a constraint's metric breaks the limit by no
more than this share of it (or the constraint's tolerance, if larger): the approximation
decides only clear cases; the selection judges the rest."""


def simulate_batch(scenario: Scenario, seed: int, weeks: int, warmup_weeks: int,
                   reps: Sequence[int], hours: bool) -> list[Record]:
    """Worker function: replications ``reps`` of one scenario (compiled once)."""
    model = ScenarioModel(scenario, weeks=weeks, warmup_weeks=warmup_weeks)
    out: list[Record] = []
    for r in reps:
        res = model.run(seed, r)
        record: Record = {"metrics": res.metrics,
                          "overtime": [c["car_overtime_hours"] for c in res.by_car],
                          "other_jobs": [c["other_jobs_attended"] for c in res.by_car]}
        if hours:
            record["by_hour"] = {k: res.by_hour[k].tolist() for k in HOUR_COUNTERS}
        out.append(record)
    return out


@dataclass(frozen=True)
class OptimiseResult:
    """A finished optimisation.

    Attributes
    ----------
    spec, candidates, notes
        The problem, every candidate rota, and notes about the run (sampling, resuming).
    table
        One row per candidate (``optimise.csv``): screen estimate, stage, replications,
        estimate with its 95% interval, and whether it is indistinguishable from the pick.
    selection
        The KN outcome on the kept rotas (indices into ``kept``).
    kept
        Candidate indices that went to the selection, in KN's order.
    best
        The picked rota (None when no rota met the constraints).
    best_scenario
        The base scenario with the picked rota: the runnable scenario file's content.
    indistinguishable
        Candidate indices that the pick cannot be told apart from (the pick included).
    comparison
        Paired differences a year, pick minus shipped rota and pick minus the sweep's best.
    compared
        Mean and 95% interval a year of each compared scenario (fresh replications).
    by_hour
        Mean per week of calls, attended and unmet calls by hour of week, and cars on
        shift, for the compared scenarios (the picture's data).
    spearman
        Rank correlation of the screen's estimates with the simulated means.
    """

    spec: OptimiseSpec
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...]
    table: pd.DataFrame
    selection: kn.KNResult | None
    kept: tuple[int, ...]
    best: Candidate | None
    best_scenario: Scenario | None
    indistinguishable: tuple[int, ...]
    comparison: pd.DataFrame
    compared: pd.DataFrame
    by_hour: pd.DataFrame
    spearman: dict[str, float]
    sweep_best: str | None
    wall_seconds: float
    replications_run: int
    replications_resumed: int
    backend: str
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent listing, screening, selecting (to the pick) and comparing."""
    written: list[Path] = field(default_factory=list)

    @property
    def replications(self) -> int:
        """Replications used by the run, simulated now or resumed."""
        return self.replications_run + self.replications_resumed

    def run_record(self) -> dict[str, Any]:
        """The run's facts for the manifest."""
        sel = self.selection
        return {
            "candidates": len(self.candidates), "kept_by_screen": len(self.kept),
            "replications_run": self.replications_run,
            "replications_resumed": self.replications_resumed,
            "wall_seconds": round(self.wall_seconds, 3), "backend": self.backend,
            "guaranteed": bool(sel.guaranteed) if sel is not None else False,
            "kn_stages": int(sel.stages) if sel is not None else 0,
            "kn_h2": sel.h2 if sel is not None else None,
            "spearman": self.spearman, "notes": list(self.notes),
            "seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }


# --------------------------------------------------------------------------- values

def objective_values(spec: OptimiseSpec, scenario: Scenario, records: Sequence[Record]
                     ) -> np.ndarray:
    """The objective a year, one value per replication (not negated for minimising)."""
    obj = spec.objective
    if obj.metric is not None:
        factor = annual_factor(obj.metric, spec.weeks)
        return np.array([r["metrics"][obj.metric] * factor for r in records])
    reps = pd.DataFrame([{"replication": i, **r["metrics"]} for i, r in enumerate(records)])
    cars = [(c.name, c.pattern().minutes_per_week * spec.weeks / 60.0) for c in scenario.cars]
    by_car = pd.DataFrame([{"replication": i, "car": name, "car_shift_hours": hours,
                            "car_overtime_hours": r["overtime"][k],
                            "other_jobs_attended": r["other_jobs"][k]}
                           for i, r in enumerate(records) for k, (name, hours) in
                           enumerate(cars)],
                          columns=["replication", "car", "car_shift_hours", "car_overtime_hours",
                                   "other_jobs_attended"])
    ledger = annual_components(scenario, reps, by_car, spec.weeks)
    return ledger[f"net_benefit_{obj.net_benefit}"].to_numpy(dtype=float)


def constraint_values(spec: OptimiseSpec, records: Sequence[Record]) -> np.ndarray:
    """Constraint metrics a year: constraints x replications."""
    return np.array([[r["metrics"][c.metric] * annual_factor(c.metric, spec.weeks)
                      for r in records] for c in spec.constraints]).reshape(
        len(spec.constraints), len(records))


def metric_values(spec: OptimiseSpec, metric: str, records: Sequence[Record]) -> np.ndarray:
    factor = annual_factor(metric, spec.weeks)
    return np.array([r["metrics"][metric] * factor for r in records])


# --------------------------------------------------------------------------- simulating

@dataclass
class _Runner:
    """Simulates (scenario, replications) tasks once each, through the store."""

    spec: OptimiseSpec
    jobs: int
    client: Any
    store: Store | None
    finished: dict[str, list[Record]]
    bar: Any = None
    simulated: int = 0
    resumed: int = 0
    _hashes: dict[str, str] = field(default_factory=dict)
    _reused: set[str] = field(default_factory=set)
    _done: set[str] = field(default_factory=set)

    def records(self, requests: Sequence[tuple[Scenario, tuple[int, ...], bool]]
                ) -> list[list[Record]]:
        """The records of each ``(scenario, replications, by_hour)`` request."""
        sp = self.spec
        keys = []
        todo: dict[str, Batch] = {}
        for scenario, reps, hours in requests:
            digest = self._hashes.get(scenario.name)
            if digest is None:
                digest = self._hashes[scenario.name] = model_sha256(scenario)
            key = task_key(digest, sp.seed, sp.weeks, sp.warmup_weeks, reps, hours)
            keys.append(key)
            if key in self.finished:
                if key not in self._reused and key not in self._done:
                    self.resumed += len(reps)  # finished by an earlier, interrupted run
                    self._reused.add(key)
                continue
            if key not in todo:
                todo[key] = Batch(key, simulate_batch,
                                  (scenario, sp.seed, sp.weeks, sp.warmup_weeks, reps, hours),
                                  size=len(reps))
        if todo:
            batches = list(todo.values())
            if self.bar is not None:
                self.bar.total += sum(b.size for b in batches)
                self.bar.refresh()

            def on_done(batch: Batch, records: list[Record]) -> None:
                if self.store is not None:
                    self.store.record(str(batch.key), batch.args[4], records)
                self.finished[str(batch.key)] = records
                self._done.add(str(batch.key))

            run_batches(batches, jobs=self.jobs, client=self.client, on_done=on_done,
                        bar=self.bar, key_prefix=DASK_KEY_PREFIX)
            self.simulated += sum(b.size for b in batches)
        return [self.finished[k] for k in keys]


# --------------------------------------------------------------------------- the run

def run_optimise(spec: OptimiseSpec, *, jobs: int | None = 1, scheduler: Any = None,
                 out: str | Path | None = None, resume: bool = False,
                 progress: bool | None = None,
                 log: Callable[[str], None] | None = None) -> OptimiseResult:
    """Run an optimisation; with ``out``, record every finished task for ``resume``.

    Parameters
    ----------
    spec
        From :func:`sim.experiments.optimise.spec.load_optimise`.
    jobs
        Local worker processes (1: this process). Ignored with ``scheduler``.
    scheduler
        A Dask scheduler address or ``distributed.Client``; default:
        ``$DASK_SCHEDULER_ADDRESS`` if set, else local processes.
    out
        The results folder: its task store (``.<name>.tasks`` beside it while running)
        is what ``resume`` reads. The files are written by
        :func:`sim.reporting.optimise_results.write_optimise`.
    resume
        Reuse the finished tasks of an earlier, interrupted run into ``out``.
    progress
        Progress bar on stderr; default: when stderr is a terminal.
    log
        Called with notes for the user.

    Raises
    ------
    OptimiseError
        No rota fits the space, or a Dask scheduler that cannot run the work.
    """
    if resume and out is None:
        raise ValueError("resume needs an output folder (out=...)")
    jobs = 1 if jobs is None else whole_number(jobs, 1, "jobs")
    try:
        with dask_client(scheduler) as client:  # checked before anything is written
            return _run(spec, jobs, client, out, resume, progress, log)
    except ExecutorError as exc:
        raise OptimiseError(exc.problems) from None


def _run(spec: OptimiseSpec, jobs: int, client: Any, out: str | Path | None, resume: bool,
         progress: bool | None, log: Callable[[str], None] | None) -> OptimiseResult:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    candidates, notes = generate(spec)
    notes = list(notes)
    timings["list"] = time.perf_counter() - started
    if out is not None:
        check_output_folder(out, [f for f in (spec.source, spec.base_source) if f])
    store = Store(out) if out is not None else None
    finished = store.start(resume=resume) if store is not None else {}
    if resume and log:
        log(f"resuming: {len(finished)} finished tasks found" if finished else
            f"nothing to resume in {out}; starting afresh")

    # ---- screen
    n = len(candidates)
    sign = spec.objective.sign
    plausible = np.ones(n, dtype=bool)
    if screenable(spec.objective):
        screened = screen_estimates(spec, candidates)
        estimate = screened["objective"]
        for c in spec.constraints:
            if c.metric in screened:  # clearly broken by the approximation: not kept
                margin = max(c.tolerance, SCREEN_CONSTRAINT_MARGIN * abs(c.limit))
                plausible &= c.sign * (screened[c.metric] - c.limit) <= margin
    else:
        estimate = np.full(n, np.nan)
    timings["screen"] = time.perf_counter() - started - timings["list"]
    order = np.lexsort((np.arange(n), -sign * np.nan_to_num(estimate, nan=-np.inf)))
    keep = n if spec.screen_keep is None else min(spec.screen_keep, n)
    if spec.screen_keep is not None:
        order = np.concatenate([order[plausible[order]], order[~plausible[order]]])
    kept = [int(i) for i in order[:keep] if spec.screen_keep is None or plausible[i]]
    if not kept:
        notes.append("by the screen's estimates no rota meets the constraints; the best "
                     f"{keep} by the objective go to the selection, which judges them")
        kept = [int(i) for i in order[:keep]]
    rest = sorted(set(range(n)) - set(kept))
    rng = np.random.default_rng([spec.seed, 7002])
    check = sorted(int(i) for i in rng.choice(rest, size=min(spec.screen_check, len(rest)),
                                              replace=False)) if rest else []
    scenarios: dict[int, Scenario] = {}

    def scenario_of(i: int) -> Scenario:
        if i not in scenarios:
            scenarios[i] = build_scenario(spec, candidates[i])
        return scenarios[i]

    with progress_bar(0, f"optimise {spec.name}", show=progress) as bar:
        runner = _Runner(spec, jobs, client, store, finished, bar)
        first = tuple(range(spec.first_stage))
        check_records = runner.records([(scenario_of(i), first, False) for i in kept + check])
        check_means = {i: float(np.mean(objective_values(spec, scenario_of(i), recs)))
                       for i, recs in zip(kept + check, check_records, strict=True)}

        # ---- select
        def fetch(systems: np.ndarray, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
            reps = tuple(range(start, stop))
            ids = [kept[int(s)] for s in systems]
            got = runner.records([(scenario_of(i), reps, False) for i in ids])
            obj = np.array([sign * objective_values(spec, scenario_of(i), recs)
                            for i, recs in zip(ids, got, strict=True)])
            cons = np.array([constraint_values(spec, recs) for recs in got])
            return obj, cons.reshape(len(ids), len(spec.constraints), stop - start)

        def on_stage(r: int, alive: int) -> None:
            if bar is not None:
                bar.set_postfix_str(f"stage {r}, {alive} rotas in contention", refresh=False)

        bounds = [kn.Bound(c.limit, c.sign, c.tolerance) for c in spec.constraints]
        selection = kn.select(len(kept), fetch, n0=spec.first_stage, delta=spec.delta,
                              alpha=spec.alpha, max_reps=spec.max_reps, bounds=bounds,
                              on_stage=on_stage)
        best = candidates[kept[selection.best]] if selection.best is not None else None
        if not selection.guaranteed and best is not None:
            notes.append(f"the selection stopped at reps.max = {spec.max_reps} replications "
                         "with several rotas still in contention: the pick is the best mean "
                         "among them, WITHOUT the guarantee; raise reps.max or delta")
        if best is None:
            notes.append("no kept rota met the constraints")
        versus = _versus_best(spec, selection, kept)
        same = _indistinguishable(selection, kept, versus)
        timings["select"] = time.perf_counter() - started - timings["list"] - timings["screen"]

        # ---- compare
        compare = _compare(spec, runner, best, scenario_of)
    wall = time.perf_counter() - started
    timings["compare"] = wall - sum(timings.values())
    best_scenario = None
    if best is not None:
        best_scenario = build_scenario(spec, best, name=f"{spec.name}_best").model_copy(
            update={"description": f"The rota chosen by the optimiser ({spec.name}): "
                                   f"{best.label()}."})
    table = _table(spec, candidates, estimate, kept, check, check_means, selection, same,
                   best, versus)
    table.insert(table.columns.get_loc("stage"), "screen_meets_constraints", plausible)
    spearman = _spearman(estimate, check_means, kept, check)
    return OptimiseResult(
        spec=spec, candidates=tuple(candidates), notes=tuple(notes), table=table,
        selection=selection, kept=tuple(kept), best=best, best_scenario=best_scenario,
        indistinguishable=tuple(same), comparison=compare["comparison"],
        compared=compare["compared"], by_hour=compare["by_hour"], spearman=spearman,
        sweep_best=compare["sweep_best"], wall_seconds=wall,
        replications_run=runner.simulated, replications_resumed=runner.resumed,
        backend=backend_name(jobs, client, 2), timings=timings,
    )


# --------------------------------------------------------------------------- pieces

def _versus_best(spec: OptimiseSpec, sel: kn.KNResult, kept: list[int]
                 ) -> dict[int, tuple[float, float, int]]:
    """For each kept candidate: the paired difference ``pick - it`` a year (in the
    objective's direction: positive when the pick is better), its one-sided lower bound
    (Bonferroni over the kept rotas, level ``1 - alpha / (k - 1)``) and the replications
    both have."""
    out: dict[int, tuple[float, float, int]] = {}
    if sel.best is None:
        return out
    b = sel.best
    level = 1 - spec.alpha / max(1, len(kept) - 1)
    for i in range(len(kept)):
        n = int(min(sel.used[i], sel.used[b]))
        if i == b or n < 2:
            continue
        d = sel.outputs[b, :n] - sel.outputs[i, :n]  # oriented: larger is better
        sd = float(np.std(d, ddof=1))
        low = float(np.mean(d)) - float(sps.t.ppf(level, n - 1)) * sd / math.sqrt(n)
        out[kept[i]] = (float(np.mean(d)), low, n)
    return out


def _indistinguishable(sel: kn.KNResult, kept: list[int],
                       versus: dict[int, tuple[float, float, int]]) -> list[int]:
    """The pick, then the feasible candidates it cannot be shown to beat: their lower bound
    of ``pick - it`` (:func:`_versus_best`) is at most 0."""
    if sel.best is None:
        return []
    position = {c: i for i, c in enumerate(kept)}
    return [kept[sel.best]] + [c for c, (_, low, _) in versus.items()
                               if low <= 0 and sel.feasible[position[c]] != -1]


def _paired_rows(spec: OptimiseSpec, name: str, other: str, a: dict[str, np.ndarray],
                 b: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    rows = []
    for metric in a:
        mean, sd, lo, hi, n = t_interval(a[metric] - b[metric])
        rows.append({"scenario": name, "against": other, "metric": metric,
                     "mean_difference": mean, "sd": sd, "ci_low": lo, "ci_high": hi, "n": n})
    return rows


def _compare(spec: OptimiseSpec, runner: _Runner, best: Candidate | None,
             scenario_of: Callable[[int], Scenario]) -> dict[str, Any]:
    """The pick, the shipped rota and the start-hour sweep on fresh replications."""
    empty = {"comparison": pd.DataFrame(columns=["scenario", "against", "metric",
                                                  "mean_difference", "sd", "ci_low",
                                                  "ci_high", "n"]),
             "compared": pd.DataFrame(columns=["scenario", "rota", "metric", "mean", "sd",
                                               "ci_low", "ci_high", "n"]),
             "by_hour": pd.DataFrame(), "sweep_best": None}
    if best is None:
        return empty
    reps = tuple(range(COMPARE_FIRST, COMPARE_FIRST + spec.compare_reps))
    entries: list[tuple[str, str, Scenario]] = [
        ("best", best.label(), scenario_of(best.index))]
    if spec.base.cars:
        shipped = spec.base.model_copy(update={"name": "shipped"})
        entries.append(("shipped", "; ".join(_car_text(c) for c in spec.base.cars), shipped))
    sweep = sweep_rotas(spec)
    for cand in sweep:
        entries.append((f"sweep_{cand.index}", cand.label(),
                        build_scenario(spec, cand, name=f"{spec.name}_sweep_{cand.index}")))
    records = runner.records([(s, reps, True) for _, _, s in entries])
    metrics = [spec.objective.name, *[m for m in EFFECT_METRICS if m != spec.objective.name]]
    values: dict[str, dict[str, np.ndarray]] = {}
    for (name, _, scenario), recs in zip(entries, records, strict=True):
        v = {spec.objective.name: objective_values(spec, scenario, recs)}
        for m in metrics[1:]:
            v[m] = metric_values(spec, m, recs)
        values[name] = v
    sweep_names = [name for name, _, _ in entries if name.startswith("sweep_")]
    sweep_best = None
    if sweep_names:
        sweep_best = max(sweep_names, key=lambda s: (spec.objective.sign * float(np.mean(
            values[s][spec.objective.name])), -sweep_names.index(s)))
    rows = []
    for against in ("shipped", sweep_best):
        if against in values:
            rows += _paired_rows(spec, "best", against, values["best"], values[against])
    compared = []
    shown = {"best", "shipped", sweep_best}
    for name, label, _ in entries:
        if name not in shown and name not in sweep_names:
            continue
        for metric, v in values[name].items():
            mean, sd, lo, hi, n = t_interval(v)
            compared.append({"scenario": name, "rota": label, "metric": metric, "mean": mean,
                             "sd": sd, "ci_low": lo, "ci_high": hi, "n": n})
    hour_rows = []
    for (name, label, scenario), recs in zip(entries, records, strict=True):
        if name not in shown:
            continue
        per_week = len(recs) * spec.weeks
        sums = {k: np.sum([r["by_hour"][k] for r in recs], axis=0) / per_week
                for k in HOUR_COUNTERS}
        on = np.zeros(168)
        for car in scenario.cars:
            on += np.asarray(car.pattern().minutes_by_hour_of_week()) / 60.0
        for h in range(168):
            hour_rows.append({"scenario": name, "rota": label, "hour_of_week": h,
                              **{k: float(sums[k][h]) for k in HOUR_COUNTERS},
                              "cars_on_shift": float(on[h])})
    return {"comparison": pd.DataFrame(rows, columns=list(empty["comparison"].columns)),
            "compared": pd.DataFrame(compared, columns=list(empty["compared"].columns)),
            "by_hour": pd.DataFrame(hour_rows), "sweep_best": sweep_best}


def _car_text(car: Any) -> str:
    """``Sun-Thu 15-23, Fri-Sat 17-01`` for a scenario's car (minutes shown when not 00)."""
    def hhmm(text: str) -> str:
        return text[:2] if text.endswith(":00") else text

    return ", ".join(f"{days_text(tuple(sorted(DAY_NAMES.index(d) for d in s.days)))} "
                     f"{hhmm(s.start)}-{hhmm(s.end)}" for s in car.shifts)


def _table(spec: OptimiseSpec, candidates: Sequence[Candidate], estimate: np.ndarray,
           kept: list[int], check: list[int], check_means: dict[int, float],
           sel: kn.KNResult, same: list[int], best: Candidate | None,
           versus: dict[int, tuple[float, float, int]]) -> pd.DataFrame:
    sign = spec.objective.sign
    n = len(candidates)
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), -sign * np.nan_to_num(estimate, nan=-np.inf)))] = (
        np.arange(1, n + 1))
    position = {c: i for i, c in enumerate(kept)}
    same_set = set(same)
    rows = []
    for cand in candidates:
        i = cand.index
        row: dict[str, Any] = {
            "candidate": i, "rota": cand.label(), "pattern": cand.pattern,
            "car_hours_per_week": cand.car_hours, "screen_estimate": float(estimate[i]),
            "screen_rank": int(rank[i]), "stage": "screened_out", "replications": 0,
            "replications_simulated": 0, "estimate": math.nan, "ci_low": math.nan,
            "ci_high": math.nan, "eliminated_at": math.nan, "eliminated_by": math.nan,
            "feasible": "", "indistinguishable": i in same_set,
            "best_minus_this": math.nan, "best_minus_this_bound": math.nan,
            "paired_replications": 0,
        }
        if i in versus:
            diff, low, common = versus[i]
            row.update(best_minus_this=sign * diff, best_minus_this_bound=sign * low,
                       paired_replications=common)
        if i in position:
            k = position[i]
            used = int(sel.used[k])
            values = sign * sel.outputs[k, :used]
            mean, _, lo, hi, _ = t_interval(values)
            stage = ("best" if best is not None and best.index == i else
                     "infeasible" if sel.feasible[k] == -1 else
                     "eliminated" if sel.eliminated_at[k] else "not_separated")
            row.update(stage=stage, replications=used,
                       replications_simulated=int(sel.simulated[k]), estimate=mean,
                       ci_low=lo, ci_high=hi,
                       eliminated_at=float(sel.eliminated_at[k]) if sel.eliminated_at[k]
                       else math.nan,
                       eliminated_by=float(kept[sel.eliminated_by[k]]) if
                       sel.eliminated_by[k] >= 0 else math.nan,
                       feasible={1: "yes", -1: "no", 0: "undecided"}[int(sel.feasible[k])]
                       if spec.constraints else "")
            for j, c in enumerate(spec.constraints):
                row[f"{c.metric}_a_year"] = float(np.mean(sel.constraint_outputs[k, j, :used]))
        elif i in check_means:
            row.update(stage="screen_check", replications=spec.first_stage,
                       replications_simulated=spec.first_stage, estimate=check_means[i])
        rows.append(row)
    return pd.DataFrame(rows)


def _spearman(estimate: np.ndarray, means: dict[int, float], kept: list[int],
              check: list[int]) -> dict[str, float]:
    """Rank correlation of the screen's estimates with first-stage simulated means."""
    out: dict[str, float] = {}
    for name, ids in (("simulated", kept + check), ("kept", kept), ("check", check)):
        x = np.array([estimate[i] for i in ids])
        y = np.array([means[i] for i in ids])
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() >= 3 and np.ptp(x[ok]) > 0 and np.ptp(y[ok]) > 0:
            out[name] = float(sps.spearmanr(x[ok], y[ok]).statistic)
            out[f"{name}_n"] = int(ok.sum())
    return out
