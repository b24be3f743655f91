"""The base scenario an experiment file names (``base:`` in sweep and optimise files).

One rule for every experiment: the base is a scenario file given relative to the
experiment file (or, from Python, a ``Scenario`` or a dictionary); it may not be another
experiment file; every problem of the base file is reported with its own file and line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sim.common.errors import Problem, ScenarioError
from sim.common.yamlio import read_yaml
from sim.scenario.loader import load_scenario, scenario_from_dict
from sim.scenario.schema import Scenario

EXPERIMENT_KEYS = {"sweep": "a sweep file", "optimise": "an optimise file"}
"""Top-level keys that make a YAML file an experiment file, and what to call it."""


def experiment_key(path: str | Path) -> str | None:
    """The experiment key (``sweep``, ``optimise``) at the top of a YAML file, if any."""
    path = Path(path)
    if not path.is_file():
        return None
    data, _, _ = read_yaml(path)
    if not isinstance(data, dict):
        return None
    return next((key for key in EXPERIMENT_KEYS if key in data), None)


def load_base(raw: Any, base_dir: Path, *, kind: str, purpose: str
              ) -> tuple[Scenario | None, str | None, list[str], list[Problem]]:
    """Resolve ``base:`` of a ``kind`` file (``"sweep"``, ``"optimise"``).

    Returns the scenario (None if it cannot be had), its source path, messages about the
    ``base`` key itself, and the base file's own problems (located in that file).
    ``purpose`` says what the base is for, in the message when it is missing.
    """
    if raw is None:
        return None, None, [f"required key is missing: the scenario file {purpose}"], []
    if isinstance(raw, Scenario):
        return raw, None, [], []
    if isinstance(raw, dict):
        try:
            return scenario_from_dict(raw, source="<base>"), None, [], []
        except ScenarioError as exc:
            return None, None, [], list(exc.problems)
    if not isinstance(raw, str):
        return None, None, [f"must be a scenario file name, relative to the {kind} file"], []
    path = base_dir / raw
    if not path.is_file():
        return None, None, [f"file not found: {raw} (looked for {path})"], []
    other = experiment_key(path)
    if other is not None:
        return None, None, [f"{raw} is {EXPERIMENT_KEYS[other]}; the base must be a scenario "
                            "file"], []
    try:
        return load_scenario(path), os.path.normpath(path), [], []
    except ScenarioError as exc:
        return None, None, [], list(exc.problems)
