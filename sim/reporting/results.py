"""Writing a run's results folder (its files: ``results/README.md``), replaced whole.

Every file is written into a staging folder that takes the place of the results folder
only when all are complete (``sim/common/folders.py``); the folder carries the marker file
``.crisis-sim-results``.

Files::

    replications.csv      scenario, replication, one column per metric
    summary.csv           scenario, metric, mean, sd, ci_low, ci_high, n
    comparison.csv        paired differences against the baseline (two or more scenarios)
    by_hour_of_week.csv   scenario, day, hour, calls, car_attended, unmet_off_shift,
                          unmet_busy, not_for_car, car_on_shift, car_busy, cr_screened,
                          cr_resolved_by_phone, cr_on_shift, cr_busy, pos_occupied
                          (means per measured week; cr_* are the control room's,
                          pos_occupied the place-of-safety beds occupied)
    by_car.csv            scenario, car, metric, mean, sd, ci_low, ci_high, n
    scenarios/<name>.yaml the fully merged scenario as run
    manifest.json         versions, platform, seeds, streams, settings, wall time, hashes
    plots/*.png           key metrics, differences, hour-of-week heatmaps (with the
                          place-of-safety beds occupied for a scenario with a pathway)
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.common.atomic import write_csv, write_text
from sim.common.folders import OutputError, inside, moved, replace_folder
from sim.core.eventlog import write_event_log
from sim.core.streams import STREAM_NAMES
from sim.economics.funding import compute
from sim.reporting.funding_case import write_funding_case
from sim.reporting.plots import write_plots
from sim.run.runner import RunResult
from sim.scenario.identity import scenario_sha256
from sim.scenario.schema import Scenario

PACKAGES = ("simpy", "numpy", "pandas", "scipy", "pydantic", "PyYAML", "matplotlib", "tqdm",
            "openpyxl")


def scenario_yaml(scenario: Scenario) -> str:
    """The merged scenario as YAML text (what was run)."""
    return yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)


def versions(*extra: str) -> dict[str, str]:
    """Versions of Python, this package and its dependencies (and ``extra`` packages)."""
    out = {"python": platform.python_version()}
    for name in ("crisis-response-sim", *PACKAGES, *extra):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_revision() -> dict[str, Any]:
    """The project's git commit and whether the working tree had changes (if in a checkout)."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=5,
                               check=True).stdout.strip() != ""
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def system_info() -> dict[str, Any]:
    """Where the run happened (for STRESS-DES item 5.4)."""
    return {
        "platform": platform.platform(), "system": platform.system(),
        "release": platform.release(), "machine": platform.machine(),
        "processor": platform.processor(), "cpu_count": os.cpu_count(),
    }


def random_streams_info() -> dict[str, Any]:
    """How the random streams are made (for manifests)."""
    return {
        "generator": "numpy PCG64",
        "seeding": "SeedSequence(seed, spawn_key=(replication, blake2b-64(stream name)))",
        "names": list(STREAM_NAMES),
    }


def manifest(result: RunResult, sources: dict[str, str] | None = None,
             command: list[str] | None = None) -> dict[str, Any]:
    """What a reader needs to reproduce or audit the run."""
    sources = sources or {}
    return {
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command if command is not None else sys.argv,
        "software": versions(),
        "source": git_revision(),
        "platform": system_info(),
        "random_streams": random_streams_info(),
        "jobs": result.jobs,
        "wall_seconds": round(result.wall_seconds, 3),
        "baseline": result.baseline,
        "scenarios": [
            {
                "name": s.name,
                "source": sources.get(s.name),
                "seed": result.settings[s.name].seed,
                "replications": result.settings[s.name].replications,
                "weeks": result.settings[s.name].weeks,
                "warmup_weeks": result.settings[s.name].warmup_weeks,
                "config_sha256": scenario_sha256(s),
            }
            for s in result.scenarios
        ],
    }


def write_results(result: RunResult, out_dir: str | Path, *, sources: dict[str, str] | None = None,
                  command: list[str] | None = None, plots: bool = True, psa: Any = None,
                  economics: bool = True, event_log: str | Path | None = None) -> list[Path]:
    """Write every output of a run into ``out_dir``, replacing it whole; returns the paths.

    The files are written into a staging folder that replaces ``out_dir`` only when every
    one is complete (:func:`sim.common.folders.replace_folder`): if this fails or is
    interrupted, ``out_dir`` is left as it was; no file of an earlier run survives. A
    folder that is not a results folder is refused (:class:`sim.common.folders.OutputError`).

    With ``economics`` (the default) it also writes the funding case: ``economics.csv``,
    ``economics.xlsx`` and ``report.html`` (:mod:`sim.reporting.report`), with the sensitivity
    analysis ``psa`` (:func:`sim.economics.psa.run_psa`; default ``result.extra["psa"]``) if given.
    ``event_log``, a path inside ``out_dir``, also writes ``result.events`` there
    (:func:`sim.core.eventlog.write_event_log`).
    """
    final = Path(out_dir)
    for s in result.scenarios:  # before anything is written
        inside(final, "scenarios", f"{s.name}.yaml")
    log_at = None
    if event_log is not None:
        log_at = Path(event_log).expanduser().resolve()
        if final.expanduser().resolve() not in log_at.parents:
            raise OutputError(event_log, f"is not inside the results folder {final}")
        log_at = log_at.relative_to(final.expanduser().resolve())
    with replace_folder(final, inputs=(sources or {}).values()) as out:
        written = _write_all(result, out, sources, command, plots, psa, economics)
        if log_at is not None:
            path = write_event_log(result.events, out / log_at)
            written.append(path)
            result.extra["event_log_path"] = final / path.relative_to(out)
    return moved(written, out, final)


def _write_all(result: RunResult, out: Path, sources: dict[str, str] | None,
               command: list[str] | None, plots: bool, psa: Any, economics: bool
               ) -> list[Path]:
    written: list[Path] = []

    def csv(name: str, frame: pd.DataFrame) -> None:
        write_csv(out / name, frame)
        written.append(out / name)

    csv("replications.csv", result.replications)
    csv("summary.csv", result.summary())
    if result.baseline is not None and len(result.scenarios) > 1:
        csv("comparison.csv", result.comparison())
    csv("by_hour_of_week.csv", result.by_hour_of_week)
    csv("by_car.csv", result.by_car_summary())
    for s in result.scenarios:
        path = inside(out, "scenarios", f"{s.name}.yaml")
        write_text(path, scenario_yaml(s))
        written.append(path)
    plot_paths: list[Path] = []
    if plots:
        plot_paths = write_plots(result, out / "plots", jobs=result.jobs)
        written.extend(plot_paths)
    path = out / "manifest.json"
    run_manifest = manifest(result, sources, command)
    write_text(path, json.dumps(run_manifest, indent=2) + "\n")
    written.append(path)
    if economics:
        written.extend(write_funding_case(
            result, compute(result), out,
            psa=psa if psa is not None else result.extra.get("psa"),
            sources=sources, manifest=run_manifest, plot_paths=plot_paths, plots=plots))
    return written
