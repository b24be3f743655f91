"""What identifies a scenario: canonical JSON and two SHA-256 digests that mean different
things.

* :func:`scenario_sha256`: the whole merged scenario as run (name, run settings and all);
  the manifest's ``config_sha256`` of each scenario.
* :func:`model_sha256`: only what is simulated (the scenario less its ``name``,
  ``description`` and ``run``): two sweep points or candidate rotas with the same digest
  simulate the same thing, so a resumable store may key its tasks by it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sim.scenario.schema import Scenario

NOT_SIMULATED = ("name", "description", "run")
"""Top-level keys that do not change what a replication simulates."""


def canonical_json(data: Any) -> str:
    """Compact JSON with sorted keys: equal data always gives equal text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _sha256(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def scenario_sha256(scenario: Scenario) -> str:
    """SHA-256 of the whole merged scenario's canonical JSON."""
    return _sha256(scenario.to_dict())


def model_sha256(scenario: Scenario) -> str:
    """SHA-256 of what the scenario simulates (less its name, description and run)."""
    data = scenario.to_dict()
    for key in NOT_SIMULATED:
        data.pop(key, None)
    return _sha256(data)
