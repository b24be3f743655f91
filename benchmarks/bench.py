"""Performance benchmark of the simulator (issue 6).

Run from the project folder::

    python benchmarks/bench.py                 # the full table (about 3 minutes on 2 cores)
    python benchmarks/bench.py --quick         # a smoke run (seconds)
    python benchmarks/bench.py --profile       # where the time goes (cProfile), per scenario
    python benchmarks/bench.py --control-room  # only the control room's cost ratio (seconds)
    python benchmarks/bench.py --pathway       # only the Section 136 pathway's cost ratio
    python benchmarks/bench.py --profile --scenarios cpft_one_car,control_room_and_car
    python benchmarks/bench.py --scaling 1,2,4,8,16 --reps 64   # sweep throughput vs workers

What it measures, on ``cpft_one_car``, ``cpft_two_cars`` and ``heavy``
(``scenarios/benchmarks/heavy.yaml``: six cars on overlapping rotas, 60 calls and 20 other
jobs a day, calls wait up to 30 minutes):

* **speed**: wall time per replication-year on one process, and mental-health calls
  simulated per second;
* **reference**: the same calls run by an idiomatic SimPy model (one process and one
  ``simpy.Resource`` request per call, :mod:`benchmarks.reference`), timed in the same
  run, replication by replication, alternating with ours; our time as a ratio of it, for
  the scenario as shipped and with its cars on shift around the clock like the reference's;
* **event log**: the time with ``event_log=True`` as a ratio of the time without;
* **control room**: the cost per replication-year of a scenario with a control room and a
  car (``scenarios/control_room_and_car.yaml`` when it exists, else ``cpft_one_car`` with
  the control room of DESIGN.md section 8: 08:00-24:00 every day, 2 practitioners, 80% of
  calls passed, handling lognormal mean 15 sd 8 minutes) against ``cpft_one_car`` alone,
  timed alternately, as a ratio (target: at most 1.5);
* **pathway**: the cost per replication-year of ``cpft_one_car`` with its Section 136
  pathway (``scenarios/_base.yaml``; DESIGN.md section 9's example when the file has none)
  against the same scenario without one, timed alternately, as a ratio (issue 12's target:
  at most 1.5), with the peak memory of one replication at 1 and 10 years;
* **horizon**: time per replication-year and peak memory of one replication (tracemalloc
  peak, and the growth of the process's peak RSS) at 1, 10 and 50 simulated years;
* **workers**: ``--jobs 2`` against ``--jobs 1`` for 40 replications of ``cpft_one_car``;
* **psa**: the appraisal's sensitivity analysis of the shipped scenarios (the README's first
  command's, 1,000 draws; quick 40) on all cores: wall time, CPU time, scenario-years
  simulated and their throughput;
* with ``--scaling N1,N2,...`` (instead of the rest): a sweep of ``--points`` scenarios x
  ``--reps`` replications run with N worker processes; replications per second and the
  speed-up over the smallest N (results are checked to be identical for every N).

Per-replication timings switch off the reuse of a replication's calls between scenarios
(:mod:`sim.core.reuse`), so each replication pays for its own calls; the PSA section keeps
it on, as a run does.

Timings on a shared or busy machine are noisy: compare ratios measured in one run. The
table is printed and written (atomically) to ``results/bench/bench.csv`` (``scaling.csv``
for ``--scaling``, ``control_room.csv`` for ``--control-room``), one row per figure:
``section, scenario, years, workers, reps, measure, value, unit``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import os
import platform
import pstats
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a fresh clone: import sim from here
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

import sim  # noqa: E402
from benchmarks.reference import run_reference  # noqa: E402
from sim.common import formats  # noqa: E402
from sim.common.atomic import write_csv  # noqa: E402
from sim.core.model import ScenarioModel  # noqa: E402
from sim.core.reuse import REUSE  # noqa: E402
from sim.run.runner import default_jobs, run_scenarios  # noqa: E402

SCENARIO_FILES = {
    "cpft_one_car": ROOT / "scenarios" / "cpft_one_car.yaml",
    "cpft_two_cars": ROOT / "scenarios" / "cpft_two_cars.yaml",
    "heavy": ROOT / "scenarios" / "benchmarks" / "heavy.yaml",
}
CONTROL_ROOM_FILE = ROOT / "scenarios" / "control_room_and_car.yaml"
CONTROL_ROOM = {
    "shifts": [{"days": "all", "start": "08:00", "end": "24:00"}],
    "practitioners": 2,
    "share_screened": 0.8,
    "handling_minutes": {"dist": "lognormal", "mean": 15, "sd": 8},
}
"""The control room of DESIGN.md section 8's example, added to ``cpft_one_car`` when
``scenarios/control_room_and_car.yaml`` does not exist (the outcomes after advice,
``response.control_room``, come from ``scenarios/_base.yaml``)."""
CONTROL_ROOM_TARGET = 1.5
"""Issue 11: a scenario with a control room and a car costs at most this many times a
car-only one per replication-year."""
PATHWAY = {
    "conveyance": {"p_ambulance": 0.35,
                   "ambulance_wait_hours": {"dist": "lognormal", "mean": 1.5, "sd": 1.0},
                   "travel_minutes": {"dist": "lognormal", "mean": 30, "sd": 15}},
    "place_of_safety": {"beds": 2,
                        "handover_minutes": {"dist": "lognormal", "mean": 45, "sd": 20},
                        "bed_hours": {"dist": "lognormal", "median": 10, "p95": 24},
                        "max_wait_hours": 2, "divert": {"ae": 0.97, "custody": 0.03}},
    "ae_as_place_of_safety_hours": {"dist": "lognormal", "mean": 6, "sd": 3},
    "legal_limit_hours": 24,
}
"""DESIGN.md section 9's example pathway, added to ``cpft_one_car`` when the shipped
scenario has none."""
PATHWAY_TARGET = 1.5
"""Issue 12: the pathway adds at most this factor to a replication-year of cpft_one_car."""
BUILT = ("control_room_and_car",)
"""Scenarios built here rather than read from SCENARIO_FILES (``--profile`` takes them)."""
WEEKS_PER_SIM_YEAR = 52
"""Measured weeks in one simulated 'replication-year' of the benchmarks."""
SEED = 2026
ALWAYS_ON = [{"days": "all", "start": "00:00", "end": "24:00"}]
COLUMNS = ["section", "scenario", "years", "workers", "reps", "measure", "value", "unit"]


# ------------------------------------------------------------------ helpers
def load(name: str) -> sim.Scenario:
    if name == "control_room_and_car":
        return control_room_and_car()
    return sim.load_scenario(SCENARIO_FILES[name])


def control_room_and_car() -> sim.Scenario:
    """A control room and a car: the shipped file, else ``cpft_one_car`` plus
    :data:`CONTROL_ROOM`."""
    if CONTROL_ROOM_FILE.is_file():
        return sim.load_scenario(CONTROL_ROOM_FILE)
    return load("cpft_one_car").with_overrides({"name": "control_room_and_car",
                                                "control_room": CONTROL_ROOM})


def always_on(scenario: sim.Scenario) -> sim.Scenario:
    """The scenario with every car on shift all week (what the reference assumes)."""
    cars = [{**c.model_dump(mode="json", exclude_none=True), "shifts": ALWAYS_ON}
            for c in scenario.cars]
    return scenario.with_overrides({"name": f"{scenario.name}_24h", "cars": cars})


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def max_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


class Table:
    """Rows of the benchmark, printed as they come and written at the end."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, section: str, scenario: str, measure: str, value: float, unit: str, *,
            years: float | None = None, workers: int = 1, reps: int | None = None) -> None:
        row = {"section": section, "scenario": scenario, "years": years, "workers": workers,
               "reps": reps, "measure": measure, "value": value, "unit": unit}
        self.rows.append(row)
        where = f"{scenario}" + (f", {years:g} y" if years is not None else "") + (
            f", {workers} workers" if workers != 1 else "")
        print(f"  {section:<8} {where:<36} {measure:<34} {formats.benchmark(value):>10} {unit}",
              flush=True)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=COLUMNS)

    def write(self, path: Path) -> None:
        write_csv(path, self.frame())


def header(text: str) -> None:
    print(f"\n{text}", flush=True)


# ---------------------------------------------------------------- sections
def speed_section(table: Table, names: Sequence[str], reps: int, years: int,
                  with_always_on: bool) -> None:
    """One process: ours vs the idiomatic reference, and the event log's cost."""
    header(f"Speed on one process: {reps} replications of {years} year(s) each, ours and the "
           "reference alternating (median per replication)")
    weeks = WEEKS_PER_SIM_YEAR * years
    for name in names:
        scenario = load(name)
        ours = ScenarioModel(scenario, weeks=weeks, warmup_weeks=1)
        on24 = ScenarioModel(always_on(scenario), weeks=weeks, warmup_weeks=1) \
            if with_always_on else None
        args = (ours.t_end, len(scenario.cars), scenario.dispatch.max_wait_minutes,
                any(ours.car_takes_other))
        ours.run(SEED, reps)  # warm up (imports, caches): not timed
        t_ours, t_ref, t_log, t_24, calls = [], [], [], [], 0.0
        for r in range(reps):
            dt, res = timed(partial(ours.run, SEED, r))
            t_ours.append(dt)
            calls += res.metrics["mh_calls"]
            dt, _ = timed(partial(run_reference, ours.demand, SEED, r, *args))
            t_ref.append(dt)
            dt, logged = timed(partial(ours.run, SEED, r, event_log=True))
            t_log.append(dt)
            assert _same(logged.metrics, res.metrics), "the event log changed the metrics"
            if on24 is not None:
                dt, _ = timed(partial(on24.run, SEED, r))
                t_24.append(dt)
        med = statistics.median(t_ours)
        kw = {"years": years, "reps": reps}
        table.add("speed", name, "seconds per replication-year", med / years, "s", **kw)
        table.add("speed", name, "mental-health calls per second", calls / sum(t_ours),
                  "calls/s", **kw)
        table.add("speed", name, "reference: seconds per rep-year",
                  statistics.median(t_ref) / years, "s", **kw)
        table.add("speed", name, "ours / reference", med / statistics.median(t_ref), "ratio",
                  **kw)
        if t_24:
            table.add("speed", name, "ours, cars 24/7 / reference",
                      statistics.median(t_24) / statistics.median(t_ref), "ratio", **kw)
        table.add("speed", name, "event log on / off", statistics.median(t_log) / med,
                  "ratio", **kw)


def _same(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


def alternate(first: sim.Scenario, second: sim.Scenario, reps: int, years: int
              ) -> tuple[float, float, list]:
    """Median seconds per replication of ``first`` and ``second``, run alternately
    replication by replication on this process (after one untimed run of each), and the
    results of ``second``."""
    weeks = WEEKS_PER_SIM_YEAR * years
    models = [ScenarioModel(s, weeks=weeks, warmup_weeks=1) for s in (first, second)]
    for model in models:
        model.run(SEED, reps)  # warm up: not timed
    times: tuple[list[float], list[float]] = ([], [])
    results = []
    for r in range(reps):
        for k, model in enumerate(models):
            dt, res = timed(partial(model.run, SEED, r))
            times[k].append(dt)
        results.append(res)
    return statistics.median(times[0]), statistics.median(times[1]), results


def control_room_section(table: Table, reps: int, years: int) -> None:
    """The cost of a control room: a control room and a car against the car alone, per
    replication-year on one process, alternating replication by replication."""
    room_scenario = control_room_and_car()
    source = (CONTROL_ROOM_FILE.relative_to(ROOT) if CONTROL_ROOM_FILE.is_file()
              else "cpft_one_car + the control room of DESIGN.md section 8")
    header(f"Control room: {reps} replications of {years} year(s) of cpft_one_car and of "
           f"control_room_and_car ({source}), alternating (median per replication)")
    med_car, med_room, runs = alternate(load("cpft_one_car"), room_scenario, reps, years)
    screened = sum(res.metrics["cr_screened"] for res in runs)
    kw = {"years": years, "reps": reps}
    table.add("room", "cpft_one_car", "seconds per replication-year", med_car / years, "s",
              **kw)
    table.add("room", "control_room_and_car", "seconds per replication-year",
              med_room / years, "s", **kw)
    table.add("room", "control_room_and_car", "calls screened per replication-year",
              screened / reps / years, "calls", **kw)
    ratio = med_room / med_car
    table.add("room", "control_room_and_car", "control room and car / car only", ratio,
              "ratio", **kw)
    print(f"  target: at most {CONTROL_ROOM_TARGET:g}x: "
          f"{'met' if ratio <= CONTROL_ROOM_TARGET else 'NOT MET (see --profile)'}")


def pathway_section(table: Table, reps: int, years: int) -> None:
    """The cost of the Section 136 pathway: cpft_one_car with and without it, per
    replication-year on one process, alternating; and its memory at 1 and 10 years."""
    shipped = load("cpft_one_car")
    with_pathway = (shipped if shipped.pathway is not None
                    else shipped.with_overrides({"pathway": PATHWAY}))
    without = with_pathway.with_overrides({"pathway": None})
    source = ("scenarios/_base.yaml" if shipped.pathway is not None
              else "DESIGN.md section 9's example")
    header(f"Section 136 pathway: {reps} replications of {years} year(s) of cpft_one_car "
           f"with its pathway ({source}) and without one, alternating (median per "
           "replication)")
    med_off, med_on, runs = alternate(without, with_pathway, reps, years)
    detentions = sum(res.metrics["s136"] for res in runs)
    kw = {"years": years, "reps": reps}
    table.add("pathway", "cpft_one_car", "seconds per replication-year, no pathway",
              med_off / years, "s", **kw)
    table.add("pathway", "cpft_one_car", "seconds per replication-year, pathway",
              med_on / years, "s", **kw)
    table.add("pathway", "cpft_one_car", "detentions per replication-year",
              detentions / reps / years, "detentions", **kw)
    ratio = med_on / med_off
    table.add("pathway", "cpft_one_car", "pathway / no pathway", ratio, "ratio", **kw)
    print(f"  target: at most {PATHWAY_TARGET:g}x: "
          f"{'met' if ratio <= PATHWAY_TARGET else 'NOT MET (see --profile)'}")
    peaks = []
    for horizon in (1, 10):
        model = ScenarioModel(with_pathway, weeks=WEEKS_PER_SIM_YEAR * horizon,
                              warmup_weeks=1)
        gc.collect()
        tracemalloc.start()
        tracemalloc.reset_peak()
        model.run(SEED, 0)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
        table.add("pathway", "cpft_one_car", "peak traced memory, one replication",
                  peaks[-1], "MiB", years=horizon, reps=1)
    table.add("pathway", "cpft_one_car", "peak memory, 10 years / 1 year",
              peaks[1] / peaks[0], "ratio", years=10, reps=1)


def horizon_section(table: Table, names: Sequence[str], horizons: Sequence[int]) -> None:
    """Time and memory of one replication as the horizon grows."""
    header(f"Growth with the horizon: one replication of {', '.join(map(str, horizons))} "
           "year(s); peak memory of the replication (tracemalloc) and growth of the "
           "process's peak RSS")
    for name in names:
        scenario = load(name)
        base_peak = None
        for years in horizons:
            model = ScenarioModel(scenario, weeks=WEEKS_PER_SIM_YEAR * years, warmup_weeks=1)
            gc.collect()
            rss_before = max_rss_mib()
            dt, res = timed(partial(model.run, SEED, 0))
            rss_growth = max_rss_mib() - rss_before
            gc.collect()
            tracemalloc.start()
            tracemalloc.reset_peak()
            model.run(SEED, 0)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            base_peak = base_peak or peak
            kw = {"years": years, "reps": 1}
            table.add("horizon", name, "seconds per replication-year", dt / years, "s", **kw)
            table.add("horizon", name, "mental-health calls per second",
                      res.metrics["mh_calls"] / dt, "calls/s", **kw)
            table.add("horizon", name, "peak traced memory", peak, "MiB", **kw)
            table.add("horizon", name, "peak memory / that of 1st horizon", peak / base_peak,
                      "ratio", **kw)
            table.add("horizon", name, "growth of process peak RSS", rss_growth, "MiB", **kw)


def workers_section(table: Table, reps: int, years: int, repeat: int) -> None:
    """``--jobs 2`` against ``--jobs 1`` (best of ``repeat``), for one scenario and for the
    three shipped scenarios (what ``run_scenarios.py --reps N`` simulates)."""
    cores = default_jobs()
    header(f"Worker processes: {reps} replications ({years} year(s) each) of cpft_one_car, "
           f"and of each shipped scenario, with --jobs 1 and --jobs 2, best of {repeat}; "
           f"{cores} core(s) available")
    workloads = {
        "cpft_one_car": [load("cpft_one_car")],
        "shipped (3 scenarios)": [sim.load_scenario(ROOT / "scenarios" / f"{n}.yaml")
                                  for n in ("no_car", "cpft_one_car", "cpft_two_cars")],
    }
    for label, scenarios in workloads.items():
        walls: dict[int, float] = {}
        reference = None
        for _ in range(repeat):
            for jobs in (1, 2):
                dt, res = timed(partial(run_scenarios, scenarios, reps=reps,
                                        weeks=WEEKS_PER_SIM_YEAR * years, jobs=jobs,
                                        progress=False))
                walls[jobs] = min(walls.get(jobs, math.inf), dt)
                if reference is None:
                    reference = res.replications
                else:
                    pd.testing.assert_frame_equal(reference, res.replications)
        n = reps * len(scenarios)
        for jobs, wall in walls.items():
            table.add("workers", label, "wall time", wall, "s", years=years, workers=jobs,
                      reps=n)
        table.add("workers", label, "speed-up, --jobs 2 over --jobs 1", walls[1] / walls[2],
                  "ratio", years=years, workers=2, reps=n)
    if cores < 2:
        print("  (only one core available: the speed-up cannot show)")


def psa_section(table: Table, draws: int) -> None:
    """The sensitivity analysis of ``python run_scenarios.py`` (``sim/economics/psa.py``):
    its wall time, CPU time (this process and its workers) and throughput."""
    from sim.economics.funding import compute
    from sim.economics.psa import run_psa

    jobs = default_jobs()
    REUSE.enabled = True  # as in a run (worker processes are started after this)
    files = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if not p.name.startswith("_"))
    label = f"shipped ({len(files)} scenarios)"
    header(f"Sensitivity analysis of the {label}: {draws} draws, {jobs} worker(s)")
    scenarios = [sim.load_scenario(path) for path in files]
    result = run_scenarios(scenarios, jobs=jobs, baseline="no_car", progress=False)
    cpu = cpu_seconds()
    dt, psa = timed(partial(run_psa, result, compute(result), draws=draws, jobs=jobs))
    used = sum(cpu_seconds()) - sum(cpu)
    n = psa.simulated_replications
    kw = {"years": 1, "workers": jobs, "reps": n}
    table.add("psa", label, "wall time", dt, "s", **kw)
    table.add("psa", label, "CPU time (with workers)", used, "s", **kw)
    table.add("psa", label, "scenario-years simulated", n, "years", **kw)
    table.add("psa", label, "throughput", n / dt, "years/s", **kw)
    table.add("psa", label, "draws per second", psa.settings["draws"] / dt, "draws/s", **kw)


def sweep_points(n: int) -> list[sim.Scenario]:
    """``n`` scenarios like a sweep's points: cpft_one_car at different demand levels."""
    base = load("cpft_one_car")
    return [base.with_overrides({"name": f"point{i:03d}",
                                 "demand.calls_per_day": 8.0 + 8.0 * i / max(n - 1, 1)})
            for i in range(n)]


def cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process and of its finished child processes."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def scaling_section(table: Table, workers: Sequence[int], points: int, reps: int,
                    years: int, repeat: int) -> None:
    """Sweep throughput with N worker processes against the smallest N.

    Besides the wall time, the CPU time of the run (this process and its workers) splits
    a shortfall from N x between the run's own losses and the machine's:

    * ``busy fraction`` = worker CPU time / (N x wall time): below 1 when workers wait
      (start-up, the last batches, this process collecting results);
    * ``CPU per replication / that with the smallest N``: above 1 when the same work
      costs more CPU with N processes at once (shared caches and memory bandwidth, CPU
      clocks that drop with load, hyperthreads, other load on the machine). The run
      cannot remove that; a pure-Python loop in N processes shows the machine's own.
    """
    cores = default_jobs()
    scenarios = sweep_points(points)
    total = points * reps
    header(f"Sweep throughput: {points} points x {reps} replications x {years} year(s) "
           f"= {total} replications per run, best of {repeat}; {cores} core(s) available"
           + ("" if max(workers) <= cores else
              f" (WARNING: more workers than cores: {max(workers)} > {cores})"))
    print(f"  load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    reference = None
    rates: dict[int, float] = {}
    cpu_per_rep: dict[int, float] = {}
    for n in workers:
        best, best_cpu = math.inf, math.nan
        for _ in range(repeat):
            me0, kids0 = cpu_seconds()
            dt, res = timed(partial(run_scenarios, scenarios, reps=reps,
                                    weeks=WEEKS_PER_SIM_YEAR * years, jobs=n, progress=False))
            me1, kids1 = cpu_seconds()
            if dt < best:
                best = dt
                best_cpu = (me1 - me0) if n == 1 else (kids1 - kids0)
            if reference is None:
                reference = res.replications
            else:
                pd.testing.assert_frame_equal(reference, res.replications)
        rates[n] = total / best
        cpu_per_rep[n] = best_cpu / total
        kw = {"years": years, "workers": n, "reps": total}
        table.add("scaling", "sweep", "wall time", best, "s", **kw)
        table.add("scaling", "sweep", "replication-years per second", rates[n] * years,
                  "rep-years/s", **kw)
        table.add("scaling", "sweep", "busy fraction of the workers", best_cpu / (n * best),
                  "ratio", **kw)
    first = min(workers)
    for n in workers:
        kw = {"years": years, "workers": n, "reps": total}
        table.add("scaling", "sweep", f"CPU per replication / with {first} worker(s)",
                  cpu_per_rep[n] / cpu_per_rep[first], "ratio", **kw)
        table.add("scaling", "sweep", f"throughput / that with {first} worker(s)",
                  rates[n] / rates[first], "ratio", **kw)
    print("  results identical for every number of workers: yes")
    spin_section(table, workers)


def _spin(n: int) -> float:
    start = time.perf_counter()
    x = 0
    for i in range(n):
        x += i * i % 7
    return time.perf_counter() - start


def spin_section(table: Table, workers: Sequence[int], per_task: int = 3_000_000) -> None:
    """The machine's own ceiling: a pure-Python loop, 4 tasks per worker, N processes."""
    header("The machine's own scaling: a pure-Python loop in N processes (4 tasks each)")
    rates: dict[int, float] = {}
    for n in workers:
        with ProcessPoolExecutor(n) as pool:
            list(pool.map(_spin, [1000] * n))  # start the workers first
            dt, _ = timed(lambda pool=pool, n=n: list(pool.map(_spin, [per_task] * (4 * n))))
        rates[n] = 4 * n / dt
        table.add("spin", "pure-python loop", f"throughput / that with {min(workers)} "
                  "worker(s)", rates[n] / rates[min(workers)], "ratio", workers=n, reps=4 * n)


def profile_section(names: Sequence[str], reps: int, years: int, top: int) -> None:
    """cProfile of ``reps`` replications per scenario: the top functions by own time."""
    for name in names:
        model = ScenarioModel(load(name), weeks=WEEKS_PER_SIM_YEAR * years, warmup_weeks=1)
        model.run(SEED, reps)
        prof = cProfile.Profile()
        prof.enable()
        for r in range(reps):
            model.run(SEED, r)
        prof.disable()
        stats = pstats.Stats(prof, stream=io.StringIO())
        total = stats.total_tt
        header(f"Profile of {name}: {reps} replication(s) of {years} year(s), "
               f"{total:.2f} s under cProfile; top {top} functions by own time")
        rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
        print(f"  {'own %':>6} {'cum %':>6} {'calls':>9}  function")
        for (file, line, func), (_, ncalls, tottime, cumtime, _) in rows:
            where = f"{Path(file).name}:{line}" if line else file
            print(f"  {100 * tottime / total:6.1f} {100 * cumtime / total:6.1f} "
                  f"{ncalls:9d}  {func} ({where})")


# -------------------------------------------------------------------- main
def _ints(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers like 1,2,16: {text!r}") \
            from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive whole numbers: {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="benchmarks/bench.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples:\n  python benchmarks/bench.py --quick\n"
               "  python benchmarks/bench.py --scaling 1,2,4,8,16 --reps 64\n")
    p.add_argument("--quick", action="store_true",
                   help="a fast smoke run: 2 replications, horizons 1 and 2 years, "
                        "8 replications for the worker comparison")
    p.add_argument("--scenarios", type=lambda s: s.split(","), default=list(SCENARIO_FILES),
                   help=f"comma-separated, from {', '.join(SCENARIO_FILES)} (default: all)")
    p.add_argument("--reps", type=int, default=None,
                   help="replications per scenario for the speed table (default 10, quick 2); "
                        "with --scaling, replications per sweep point (default 64)")
    p.add_argument("--years", type=int, default=1,
                   help="simulated years per replication for the speed, worker and scaling "
                        "runs (default 1)")
    p.add_argument("--horizons", type=_ints, default=None,
                   help="simulated years for the horizon table (default 1,10,50; quick 1,2)")
    p.add_argument("--jobs-reps", type=int, default=None,
                   help="replications for --jobs 1 vs --jobs 2 (default 40, quick 8)")
    p.add_argument("--repeat", type=int, default=None,
                   help="repeat the worker and scaling runs, keep the best (default 3, quick 1)")
    p.add_argument("--scaling", type=_ints, default=None, metavar="N1,N2,...",
                   help="instead of the rest: sweep throughput with these worker counts")
    p.add_argument("--points", type=int, default=32, help="sweep points for --scaling (32)")
    p.add_argument("--psa-draws", type=int, default=None,
                   help="draws of the sensitivity analysis section (default 1000, quick 40)")
    p.add_argument("--profile", action="store_true",
                   help="instead of the rest: cProfile each scenario, print the top functions "
                        "(--scenarios may also name control_room_and_car)")
    p.add_argument("--pathway", action="store_true",
                   help="only the Section 136 pathway's cost ratio (results/bench/pathway.csv)")
    p.add_argument("--control-room", action="store_true",
                   help="instead of the rest: only the control room's cost ratio "
                        "(default 20 replications, quick 4)")
    p.add_argument("--top", type=int, default=15, help="functions shown by --profile (15)")
    p.add_argument("--out", type=Path, default=ROOT / "results" / "bench",
                   help="folder for bench.csv / scaling.csv (default results/bench)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    known = [*SCENARIO_FILES, *BUILT] if args.profile else list(SCENARIO_FILES)
    unknown = [n for n in args.scenarios if n not in known]
    if unknown:
        print(f"unknown scenario(s) {', '.join(unknown)}; choose from "
              f"{', '.join(known)}", file=sys.stderr)
        return 2
    repeat = args.repeat or (1 if args.quick else 3)
    print(f"benchmarks/bench.py on {platform.node()}: Python {platform.python_version()}, "
          f"{platform.machine()}, {default_jobs()} core(s), load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    started = time.perf_counter()
    table = Table()
    if args.profile:
        profile_section(args.scenarios, args.reps or (2 if args.quick else 5), args.years,
                        args.top)
        return 0
    room_reps = args.reps or (4 if args.quick else 20)
    REUSE.enabled = False  # each replication pays for its own calls (the PSA turns it on)
    if args.pathway:
        pathway_section(table, room_reps, args.years)
        path = args.out / "pathway.csv"
    elif args.control_room:
        control_room_section(table, room_reps, args.years)
        path = args.out / "control_room.csv"
    elif args.scaling:
        scaling_section(table, args.scaling, args.points, args.reps or (8 if args.quick else 64),
                        args.years, repeat)
        path = args.out / "scaling.csv"
    else:
        reps = args.reps or (2 if args.quick else 10)
        horizons = args.horizons or ([1, 2] if args.quick else [1, 10, 50])
        speed_section(table, args.scenarios, reps, args.years, with_always_on=not args.quick)
        control_room_section(table, room_reps, args.years)
        pathway_section(table, room_reps, args.years)
        horizon_section(table, args.scenarios, horizons)
        workers_section(table, args.jobs_reps or (8 if args.quick else 40), args.years, repeat)
        psa_section(table, args.psa_draws or (40 if args.quick else 1000))
        path = args.out / "bench.csv"
    table.write(path)
    print(f"\n{len(table.rows)} figures written to {path} in "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
