"""The optimiser's task store: every finished (rota, replications) result, on disk at once.

Like the sweeps' store (``sim/experiments/sweeps/store.py``): a task is one rota and a
contiguous run of replications; when it finishes its results are written to
``<key>.json`` atomically (:mod:`sim.common.atomic`), where ``key`` is the SHA-256 of the
rota's resolved scenario, the seed, the weeks, the replication numbers and whether
hour-of-week counts were kept. A file is complete or absent and can only hold exactly that
work, so a resumed run reuses what matches and simulates the rest; because the optimiser's
decisions are a fixed function of the replications' outputs, a resumed run takes the same
decisions and writes the same files as an uninterrupted one.

While a run goes on (and after it is killed) the store is ``.<name>.tasks/`` beside the
results folder ``<name>``; the finished store is copied into the results folder as
``<out>/.tasks/`` (``sim/reporting/optimise_results.py``). ``--resume`` reads the running
store, else that copy.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.common.atomic import write_text
from sim.scenario.identity import canonical_json

FORMAT = 2
TASKS_DIR = ".tasks"

Record = dict[str, Any]
"""One replication's outputs: ``metrics`` (every metric), ``overtime`` (hours per car),
``other_jobs`` (other jobs attended per car) and, when asked for, ``by_hour`` (168 counts
per hour-of-week counter)."""


def task_key(config_sha256: str, seed: int, weeks: int, warmup_weeks: int,
             reps: Sequence[int], hours: bool) -> str:
    """SHA-256 naming one task's work."""
    text = canonical_json({"scenario": config_sha256, "seed": seed, "weeks": weeks,
                           "warmup_weeks": warmup_weeks, "replications": list(reps),
                           "by_hour": hours})
    return hashlib.sha256(text.encode()).hexdigest()


def running_folder(out: str | Path) -> Path:
    """Where the store of a run into ``out`` lives while it runs: ``.<name>.tasks``."""
    final = Path(out).expanduser().resolve()
    return final.parent / f".{final.name}{TASKS_DIR}"


class Store:
    """Finished tasks: ``folder`` while the run goes on, ``<out>/.tasks/`` when done."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.folder = running_folder(out)
        self.kept = self.out / TASKS_DIR

    def start(self, *, resume: bool) -> dict[str, list[Record]]:
        """Prepare the store; return the finished tasks (none unless ``resume``)."""
        if not resume:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir(parents=True, exist_ok=True)
            return {}
        if not self.folder.is_dir() and self.kept.is_dir():
            shutil.copytree(self.kept, self.folder)  # the finished folder stays untouched
        self.folder.mkdir(parents=True, exist_ok=True)
        finished = {}
        for path in sorted(self.folder.glob("*.json")):
            records = _read(path)
            if records is not None:
                finished[path.stem] = records
        return finished

    def record(self, key: str, reps: Sequence[int], records: list[Record]) -> None:
        """Record a finished task (the file is complete or absent)."""
        write_text(self.folder / f"{key}.json",
                   json.dumps({"format": FORMAT, "key": key, "replications": list(reps),
                               "records": records}, allow_nan=True) + "\n")

    def discard(self) -> None:
        """Remove the running store (once the results folder holds its copy)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _read(path: Path) -> list[Record] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("key") != path.stem:
            return None
        records = data["records"]
        if not isinstance(records, list) or len(records) != len(data["replications"]):
            return None
        return records
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # unreadable: the task simply runs again
