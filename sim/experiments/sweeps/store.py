"""The task store that makes sweeps resumable: one small file per finished task.

A *task* is one point of a sweep and a batch of its replications. When a task finishes,
its metrics are written to ``<out>/.tasks/<key>.json`` atomically (:mod:`sim.common.atomic`),
where ``key`` is the SHA-256 of the point's resolved scenario, the seed, the weeks and the
replication numbers: a file is either complete or absent, and it can only ever hold the
results of exactly that work. ``<out>/.tasks/sweep.json`` holds the sweep's fingerprint
(every point's resolved scenario hash, seed, replications, weeks) and the simulator code's
hash (:func:`sim.run.executors.code_sha256`): ``--resume`` refuses to continue when the
sweep file now resolves to something else, and notes when the code has changed.

Floats are stored as JSON numbers (Python writes the shortest text that reads back to the
same double), so results read back from the store are bit-for-bit those computed.

Where the store lives: while a sweep runs (and after it is interrupted) in
``.<name>.tasks/`` beside the results folder ``<name>`` (:func:`running_folder`), so that
the results folder of an earlier run is not touched until the new one replaces it whole
(``sim/common/folders.py``); the finished store then goes into the new folder as
``<out>/.tasks/`` (``sim/reporting/sweep_results.py``). ``--resume`` reads the running
store, or, when there is none, a copy of ``<out>/.tasks/``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.common.atomic import write_text
from sim.common.errors import Problem
from sim.experiments.sweeps.design import Point, Sweep, SweepError
from sim.run.executors import code_sha256
from sim.scenario.identity import canonical_json

FORMAT = 1
STATE_FILE = "sweep.json"
TASKS_DIR = ".tasks"


@dataclass(frozen=True)
class Task:
    """One unit of work: replications ``reps`` of point ``point``."""

    point: Point
    reps: tuple[int, ...]
    key: str


def task_key(point: Point, seed: int, weeks: int, warmup_weeks: int,
             reps: tuple[int, ...]) -> str:
    """SHA-256 of (resolved point scenario, seed, weeks, warm-up, replication numbers)."""
    text = canonical_json({"scenario": point.config_sha256, "seed": seed, "weeks": weeks,
                           "warmup_weeks": warmup_weeks, "replications": list(reps)})
    return hashlib.sha256(text.encode()).hexdigest()


def make_tasks(sweep: Sweep) -> list[Task]:
    """Every task of the sweep, in point order, each a contiguous batch of replications."""
    tasks = []
    for point in sweep.points:
        for start in range(0, sweep.reps, sweep.batch):
            reps = tuple(range(start, min(sweep.reps, start + sweep.batch)))
            tasks.append(Task(point, reps, task_key(point, sweep.seed, sweep.weeks,
                                                    sweep.warmup_weeks, reps)))
    return tasks


def fingerprint_hash(fingerprint: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(fingerprint).encode()).hexdigest()


def running_folder(out: str | Path) -> Path:
    """Where the task store of a sweep into ``out`` lives while it runs: ``.<name>.tasks``."""
    final = Path(out).expanduser().resolve()
    return final.parent / f".{final.name}{TASKS_DIR}"


class TaskStore:
    """Finished tasks of one sweep: ``folder`` while it runs, ``<out>/.tasks/`` when done."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.folder = running_folder(out)
        self.kept = self.out / TASKS_DIR
        self.code_changed = False

    def _source(self) -> Path:
        """The store to resume from: the running one, else the finished folder's."""
        return self.folder if self.folder.is_dir() else self.kept

    def discard(self) -> None:
        """Remove the running store (once the results folder holds its copy)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------------ opening
    def check_resume(self, sweep: Sweep) -> bool:
        """Whether there is earlier work of *this* sweep to resume.

        Returns False when the folder holds no task store. Raises :class:`SweepError`
        when it holds one of a different sweep (nothing is touched).
        """
        state_path = self._source() / STATE_FILE
        if not state_path.is_file():
            return False
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
            old = state["fingerprint"]
        except (OSError, ValueError, KeyError, TypeError):
            raise SweepError([Problem(str(state_path), None, "", "the task store is "
                                      "unreadable; run again without --resume to start "
                                      "afresh")]) from None
        new = sweep.fingerprint()
        if old != new:
            raise SweepError([Problem(
                str(self.out), None, "",
                "cannot resume: the sweep has changed since this folder's run ("
                + "; ".join(describe_change(old, new)) + "). Its finished tasks belong to "
                "the earlier sweep. Run without --resume to start again here, or give "
                "another --out folder.")])
        self.code_changed = state.get("code_sha256") != code_sha256()
        return True

    def start(self, sweep: Sweep, *, resume: bool) -> dict[str, list[dict[str, float]]]:
        """Prepare the store; return the finished tasks' results (empty unless resuming).

        Without ``resume``, results of an earlier run in this folder are discarded.
        """
        finished: dict[str, list[dict[str, float]]] = {}
        if resume and not self.folder.is_dir() and self.kept.is_dir():
            shutil.copytree(self.kept, self.folder)  # the finished folder stays untouched
        if resume:
            wanted = {t.key for t in make_tasks(sweep)}
            for path in sorted(self.folder.glob("*.json")):
                if path.name == STATE_FILE or path.stem not in wanted:
                    continue
                record = self._read(path)
                if record is not None:
                    finished[path.stem] = record
        else:
            self.clear()
        write_text(self.folder / STATE_FILE, json.dumps(
            {"format": FORMAT, "fingerprint_sha256": fingerprint_hash(sweep.fingerprint()),
             "code_sha256": code_sha256(), "fingerprint": sweep.fingerprint()}, indent=1)
            + "\n")
        return finished

    def clear(self) -> int:
        """Remove the task files of an earlier run; returns how many there were."""
        if not self.folder.is_dir():
            return 0
        n = 0
        for path in self.folder.iterdir():
            if path.suffix == ".json" or ".tmp" in path.name:
                path.unlink()
                n += path.name != STATE_FILE
        return n

    # ------------------------------------------------------------------ tasks
    def record(self, task: Task, results: list[dict[str, float]]) -> None:
        """Record a finished task (atomically: the file is complete or absent)."""
        record = {"format": FORMAT, "key": task.key, "point": task.point.index,
                  "replications": list(task.reps), "metrics": results}
        write_text(self.folder / f"{task.key}.json", json.dumps(record, allow_nan=True) + "\n")

    def _read(self, path: Path) -> list[dict[str, float]] | None:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("format") != FORMAT or record.get("key") != path.stem:
                return None
            metrics = record["metrics"]
            if not isinstance(metrics, list) or len(metrics) != len(record["replications"]):
                return None
            return metrics
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # unreadable: the task simply runs again


def describe_change(old: dict[str, Any], new: dict[str, Any], limit: int = 3) -> list[str]:
    """Short phrases saying how two sweep fingerprints differ."""
    out = []
    for key in ("name", "seed", "reps", "weeks", "warmup_weeks", "batch", "columns"):
        if old.get(key) != new.get(key):
            out.append(f"{key} {json.dumps(old.get(key))} -> {json.dumps(new.get(key))}")
    old_points, new_points = old.get("points") or [], new.get("points") or []
    if len(old_points) != len(new_points):
        out.append(f"{len(old_points)} points -> {len(new_points)} points")
    else:
        changed = [n for o, n in zip(old_points, new_points, strict=True) if o != n]
        for n in changed[:limit]:
            inputs = ", ".join(f"{k}={v}" for k, v in n.get("inputs", {}).items())
            out.append(f"point {n.get('point')} (variant {n.get('variant')}"
                       + (f", {inputs}" if inputs else "") + ") is different")
        if len(changed) > limit:
            out.append(f"and {len(changed) - limit} more points")
    return out or ["the stored fingerprint differs"]
