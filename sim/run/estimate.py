"""How long a run will take and how much memory it will hold, before it starts.

A rough, deliberately high estimate for runs big enough to warn about (the command line
prints :func:`describe` before a large run). It is calibrated on the figures of
``benchmarks/bench.py`` (README, "Benchmarks"): one replication-year of ``cpft_one_car``
(one car, about 10 mental-health calls and 7 other jobs a day) takes about
:data:`SECONDS_PER_CAR_YEAR` on one process, and the time grows with the calls and other
jobs a day and with the cars (a scenario with no car costs about half a one-car one;
``heavy``, with six cars and 80 jobs a day, comes within a factor of two above). Memory is
the process itself, each extra worker process, and what every replication keeps until the
run ends (measured with ``tracemalloc``: about 13 KB a scenario-replication).
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.scenario.schema import Scenario

SECONDS_PER_CAR_YEAR = 0.016
"""One replication-year (52 weeks) of ``cpft_one_car`` on one process (bench.py)."""

REFERENCE_JOBS_PER_DAY = 17.2
"""Jobs a day of ``cpft_one_car``: 10 calls plus 0.3 x 24 other jobs; time scales with a
scenario's jobs a day against this."""

WORKER_EFFICIENCY = 0.85
"""Speed-up of ``jobs`` worker processes over one, per worker (README: 1.5 to 1.96 for 2)."""

PROCESS_BYTES = 250 * 1024**2
"""The main process with numpy, pandas, scipy and SimPy loaded (peak RSS of a small run)."""

WORKER_BYTES = 150 * 1024**2
"""Each worker process beyond the first."""

BYTES_PER_REPLICATION = 16 * 1024
"""What one scenario-replication keeps until the run ends (metrics, hour-of-week and
per-car tables; tracemalloc measured about 13 KB)."""

BYTES_PER_LOGGED_JOB = 200
"""One row of the event log (``event_log=True``), per call and per other job."""

WEEKS_PER_YEAR = 52
"""A replication-year of the benchmarks: 52 simulated weeks."""

WORTH_SAYING_SECONDS = 60.0
"""Runs estimated above a minute get the estimate printed before they start."""

WORTH_SAYING_BYTES = 2 * 1024**3
"""... and so do runs estimated to hold more than 2 GiB."""


def jobs_per_day(scenario: Scenario) -> float:
    """Mean mental-health calls plus other jobs a day (the work the model simulates)."""
    demand = scenario.demand
    calls = sum(demand.rates_per_hour()) / 7
    return calls + 24 * demand.other_jobs_per_hour


def estimate(scenarios: Sequence[Scenario], reps: int | None = None, weeks: int | None = None,
             *, warmup_weeks: int | None = None, jobs: int = 1,
             event_log: bool = False) -> tuple[float, int]:
    """Estimated wall seconds and peak bytes of running ``scenarios``.

    Parameters
    ----------
    scenarios
        The scenarios of the run.
    reps, weeks, warmup_weeks
        As given to :func:`sim.run.runner.run_scenarios`; ``None`` takes each scenario's
        own ``run`` block, as the run does.
    jobs
        Worker processes.
    event_log
        Whether the event log is kept (one row per call and other job).

    Returns
    -------
    (seconds, bytes)
        Rough and on the high side: within about a factor of two of what a run on the
        benchmark machine takes.
    """
    jobs = max(1, int(jobs))
    cpu_seconds = 0.0
    replications = 0
    logged = 0.0
    for s in scenarios:
        n = s.run.replications if reps is None else reps
        simulated_weeks = ((s.run.weeks if weeks is None else weeks)
                           + (s.run.warmup_weeks if warmup_weeks is None else warmup_weeks))
        years = n * simulated_weeks / WEEKS_PER_YEAR
        load = jobs_per_day(s) / REFERENCE_JOBS_PER_DAY
        cpu_seconds += SECONDS_PER_CAR_YEAR * years * load * (1 + len(s.cars)) / 2
        replications += n
        if event_log:
            logged += n * simulated_weeks * 7 * jobs_per_day(s)
    workers = min(jobs, max(replications, 1))
    seconds = cpu_seconds / (1 + (workers - 1) * WORKER_EFFICIENCY)
    nbytes = (PROCESS_BYTES + (workers - 1) * WORKER_BYTES
              + replications * BYTES_PER_REPLICATION + int(logged * BYTES_PER_LOGGED_JOB))
    return seconds, int(nbytes)


def worth_saying(seconds: float, nbytes: int) -> bool:
    """Whether a run is large enough to print its estimate before it starts."""
    return seconds > WORTH_SAYING_SECONDS or nbytes > WORTH_SAYING_BYTES


def describe(seconds: float, nbytes: int) -> str:
    """One line: ``estimate: about 25 min and 3.1 GB of memory (Ctrl-C stops the run)``."""
    return (f"estimate: about {_duration(seconds)} and {_size(nbytes)} of memory "
            "(a rough figure; Ctrl-C stops the run)")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:,.0f} days"


def _size(nbytes: int) -> str:
    if nbytes < 1024**3:
        return f"{nbytes / 1024**2:,.0f} MB"
    return f"{nbytes / 1024**3:,.1f} GB"
