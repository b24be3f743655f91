"""Public functions that compose layers: run a sweep (``sim/experiments/sweeps/run.py``), then
write its results folder (``sim/reporting/sweep_results.py``).

The layer above reporting and below the command line (``pyproject.toml``'s import-linter
contract): the command line (``sim/cli/sweep.py``) and ``import sim`` (``sim/__init__.py``)
both come here, so a sweep from Python and one from ``run_scenarios.py`` write the same files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.common.counts import whole_number
from sim.experiments.optimise.run import OptimiseResult, run_optimise
from sim.experiments.optimise.spec import load_optimise, optimise_from_dict
from sim.experiments.sweeps.design import Sweep, load_sweep, sweep_from_dict
from sim.experiments.sweeps.run import SweepResult, run_sweep
from sim.reporting.optimise_results import write_optimise
from sim.reporting.sweep_results import write_sweep

__all__ = ["optimise", "run_and_write_sweep", "sweep"]

_FLAG_MINIMUM = {"reps": 1, "seed": 0, "weeks": 1, "warmup_weeks": 0}


def run_and_write_sweep(sw: Sweep, *, jobs: int | None = 1, scheduler: Any = None,
                        out: str | Path | None = None, resume: bool = False,
                        progress: bool | None = None, plots: bool = True,
                        command: list[str] | None = None,
                        log: Callable[[str], None] | None = None) -> SweepResult:
    """Run a validated sweep and, with ``out``, write its results folder.

    ``jobs``, ``scheduler``, ``out``, ``resume``, ``progress`` and ``log``: as
    :func:`sim.experiments.sweeps.run.run_sweep` (``out`` also holds the task store).
    ``plots`` and ``command`` (for the manifest): as
    :func:`sim.reporting.sweep_results.write_sweep`. The result's ``written`` lists the
    files written.
    """
    result = run_sweep(sw, jobs=jobs, scheduler=scheduler, out=out, resume=resume,
                       progress=progress, log=log)
    if out is None:
        return result
    written = write_sweep(sw, result.table, result.summary(), out, run=result.run_record(),
                          command=command, plots=plots)
    return dataclasses.replace(result, written=written)


def sweep(source: str | Path | dict[str, Any] | Sweep, *, reps: int | None = None,
          seed: int | None = None, weeks: int | None = None, warmup_weeks: int | None = None,
          jobs: int = 1, scheduler: Any = None, out: str | Path | None = None,
          resume: bool = False, progress: bool | None = None,
          plots: bool = True) -> pd.DataFrame:
    """Run a sweep and return its tidy table (one row per point and replication).

    Parameters
    ----------
    source
        A sweep file, the map a sweep file holds (``{"sweep": {...}}`` or the inner map;
        ``base`` may then be a :class:`~sim.scenario.schema.Scenario`), or a :class:`Sweep`.
    reps, seed, weeks, warmup_weeks
        Override the sweep's settings (the command line's rules: ``reps`` and ``weeks`` at
        least 1, ``seed`` and ``warmup_weeks`` at least 0).
    jobs, scheduler, out, resume, progress
        As :func:`sim.experiments.sweeps.run.run_sweep`.
    plots
        With ``out``: also write the PNG plots.

    Returns
    -------
    pandas.DataFrame
        Columns ``point``, ``variant``, the swept keys, ``replication``, then every metric.
        ``sim.experiments.sweeps.tables.summarise_sweep(table)`` gives means and 95%
        intervals.

    Raises
    ------
    SweepError
        A bad sweep file or point (every problem listed), or a refused resume.
    ValueError, TypeError
        A bad override or ``jobs``, in the command line's words (``reps: must be at least
        1, got 0``).
    """
    flags = {key: None if value is None else whole_number(value, _FLAG_MINIMUM[key], key)
             for key, value in (("reps", reps), ("seed", seed), ("weeks", weeks),
                                ("warmup_weeks", warmup_weeks))}
    whole_number(jobs, 1, "jobs")
    if isinstance(source, Sweep):
        if any(v is not None for v in flags.values()):
            raise ValueError("reps, seed, weeks and warmup_weeks apply when loading a sweep")
        sw = source
    elif isinstance(source, dict):
        sw = sweep_from_dict(source, **flags)
    else:
        sw = load_sweep(source, **flags)
    return run_and_write_sweep(sw, jobs=jobs, scheduler=scheduler, out=out, resume=resume,
                               progress=progress, plots=plots).table


def optimise(source: str | Path | dict[str, Any], *, seed: int | None = None,
             jobs: int | None = 1, scheduler: Any = None, out: str | Path | None = None,
             resume: bool = False, progress: bool | None = None, plots: bool = True,
             command: list[str] | None = None,
             log: Callable[[str], None] | None = None) -> OptimiseResult:
    """Find the best rota for a budget of car-hours, with a statistical guarantee.

    ``source``: an optimise file (``scenarios/optimise/*.yaml``) or the map it holds
    (``docs/optimise.md``). Runs ``sim/experiments/optimise/run.py``'s
    :func:`~sim.experiments.optimise.run.run_optimise` and, with ``out``, writes the results
    folder (``sim/reporting/optimise_results.py``). Returns the
    :class:`~sim.experiments.optimise.run.OptimiseResult` (``.best``, ``.table``,
    ``.comparison``, ``.indistinguishable``).
    """
    if seed is not None:
        seed = whole_number(seed, 0, "seed")
    spec = (optimise_from_dict(source, seed=seed) if isinstance(source, dict)
            else load_optimise(source, seed=seed))
    result = run_optimise(spec, jobs=jobs, scheduler=scheduler, out=out, resume=resume,
                          progress=progress, log=log)
    if out is None:
        return result
    written = write_optimise(result, out, command=command, plots=plots)
    return dataclasses.replace(result, written=written)
