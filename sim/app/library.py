"""The scenarios a browser session can use: shipped files, uploads and scenarios built.

Uploads go through the same strict loader as the command line (:func:`sim.load_scenario`,
with the size, encoding and nesting limits of ``sim/common/yamlio.py``), so a bad file
gets the same messages. An upload is written to a fresh temporary folder that holds only
copies of the shipped scenario files, and an uploaded file may ``extends:`` only one of
those by its bare name: no path typed in the app, or in an uploaded file, is ever opened.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sim
from sim.common.errors import Problem, ScenarioError
from sim.common.yamlio import read_yaml, yaml_comments
from sim.scenario.loader import deep_merge, is_partial
from sim.scenario.schema import Scenario

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "scenarios"
"""The shipped ``scenarios/`` folder of this checkout."""

MAX_UPLOAD_BYTES = 1024 * 1024
"""Largest upload read (the loader's own limit, 1 MiB, says the same in its words)."""

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Entry:
    """One scenario of a session's library.

    Attributes
    ----------
    scenario
        The validated scenario.
    origin
        ``"shipped"``, ``"uploaded"`` or ``"built"``.
    file
        The file it came from, as the user knows it (``cpft_one_car.yaml``), if any.
    extends
        The file the source extends (``_base.yaml``), if any.
    parent
        Merged data of ``extends`` (to write only what differs), if any.
    comments
        Comments of the source file and its parents by dotted key (help texts, YAML).
    source_data
        The scenario as loaded from its file (before any edit), for comments.
    """

    scenario: Scenario
    origin: str
    file: str | None = None
    extends: str | None = None
    parent: dict[str, Any] | None = None
    comments: dict[str, str] = field(default_factory=dict)
    source_data: dict[str, Any] | None = None


def shipped_files(folder: Path = SHIPPED_DIR) -> list[Path]:
    """The shipped scenario files that can be run (not the partial ``_*.yaml``)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml") if not is_partial(p))


def merged_data(path: Path, depth: int = 0) -> dict[str, Any] | None:
    """Plain data of a file merged over its parents (``extends`` within its folder)."""
    data, _, problems = read_yaml(path)
    if not isinstance(data, dict) or problems or depth > 8:
        return None
    parent = data.pop("extends", None)
    if not isinstance(parent, str):
        return data
    if "/" in parent or "\\" in parent or parent.startswith("."):
        return None
    base = merged_data(path.parent / parent, depth + 1)
    return None if base is None else deep_merge(base, data)


def _parent_data(path: Path, extends: str | None) -> dict[str, Any] | None:
    """The parent's data with the schema's defaults filled in where it validates."""
    if extends is None:
        return None
    raw = merged_data(path.parent / extends)
    if raw is None:
        return None
    try:
        return sim.scenario_from_dict({**raw, "name": raw.get("name", "parent")}).to_dict()
    except ScenarioError:
        return raw


def _extends_of(path: Path) -> str | None:
    data, _, _ = read_yaml(path)
    ref = data.get("extends") if isinstance(data, dict) else None
    return ref if isinstance(ref, str) else None


def entry_from_file(path: Path, origin: str, shown: str) -> Entry:
    """Load a file with the strict loader into an :class:`Entry` (raises ScenarioError)."""
    scenario = sim.load_scenario(path)
    extends = _extends_of(path)
    return Entry(scenario=scenario, origin=origin, file=shown, extends=extends,
                 parent=_parent_data(path, extends), comments=yaml_comments(path),
                 source_data=scenario.to_dict())


_CACHE: dict[tuple, tuple[dict[str, Entry], list[Problem]]] = {}


def load_shipped(folder: Path = SHIPPED_DIR) -> tuple[dict[str, Entry], list[Problem]]:
    """Every shipped scenario by name, and the problems of any that do not load.

    Loaded once per set of file versions (name, size, modification time) and shared by
    every session: entries are frozen and the app never changes them.
    """
    stamp = (str(folder), *((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                            for p in sorted(folder.glob("*.yaml")))) if folder.is_dir() else ()
    if stamp not in _CACHE:
        _CACHE.clear()
        _CACHE[stamp] = _load_shipped(folder)
    entries, problems = _CACHE[stamp]
    return dict(entries), list(problems)


def _load_shipped(folder: Path) -> tuple[dict[str, Entry], list[Problem]]:
    entries: dict[str, Entry] = {}
    problems: list[Problem] = []
    for path in shipped_files(folder):
        try:
            entry = entry_from_file(path, "shipped", path.name)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        entries[entry.scenario.name] = entry
    return entries, problems


def safe_upload_name(name: str) -> str:
    """An uploaded file's name reduced to a plain file name ending in ``.yaml``."""
    stem = Path(name or "upload").name
    stem = _SAFE.sub("_", stem).strip(".") or "upload"
    if not stem.lower().endswith((".yaml", ".yml")):
        stem += ".yaml"
    return stem


def _shown(problem: Problem, folder: Path, name: str, written: Path) -> Problem:
    """A problem with the temporary folder taken out of its file name."""
    file = problem.file
    if file == str(written):
        file = name
    elif file.startswith(str(folder)):
        file = Path(file).name
    return replace(problem, file=file)


def load_upload(name: str, content: bytes, shipped: Path = SHIPPED_DIR) -> Entry:
    """Load an uploaded scenario file with the command line's strict loader.

    Parameters
    ----------
    name
        The file name the browser gave (only its last part is used, made safe).
    content
        The file's bytes.
    shipped
        The folder whose top-level ``*.yaml`` files an upload may extend.

    Raises
    ------
    ScenarioError
        With every problem, in the command line's words, naming the uploaded file.
    """
    shown = safe_upload_name(name)
    if is_partial(shown):
        raise ScenarioError([Problem(shown, None, "", "a partial file (name starts with _) is "
                                     "only extended by other files, never run")])
    if len(content) > MAX_UPLOAD_BYTES:
        raise ScenarioError([Problem(shown, None, "", f"file too large: {len(content):,} bytes, "
                                     f"more than the 1 MiB ({MAX_UPLOAD_BYTES:,} bytes) that a "
                                     "scenario file may have")])
    with tempfile.TemporaryDirectory(prefix="crisis-sim-upload-") as tmp:
        folder = Path(tmp)
        allowed = sorted(p.name for p in shipped.glob("*.yaml")) if shipped.is_dir() else []
        for file in allowed:
            shutil.copyfile(shipped / file, folder / file)
        path = folder / shown
        path.write_bytes(content)
        data, positions, _ = read_yaml(path)
        ref = data.get("extends") if isinstance(data, dict) else None
        if ref is not None and (not isinstance(ref, str) or ref not in allowed):
            line = positions.get(("extends",), (shown, None))[1]
            raise ScenarioError([Problem(shown, line, "extends", "an uploaded file may extend "
                                         "only a shipped scenario file, by its name: "
                                         f"{', '.join(allowed) or 'none found'}")])
        try:
            entry = entry_from_file(path, "uploaded", shown)
        except ScenarioError as exc:
            raise ScenarioError([_shown(p, folder, shown, path) for p in exc.problems]) from None
    return entry
