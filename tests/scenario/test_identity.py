"""The two scenario digests (sim.scenario.identity) mean different things."""

from __future__ import annotations

import hashlib
import json

from sim.scenario.identity import model_sha256, scenario_sha256
from tests.support.scenarios import make


def test_model_digest_ignores_name_and_run_settings_but_not_inputs():
    a = make({"name": "a", "run.replications": 3})
    b = make({"name": "b", "run.replications": 9, "description": "other words"})
    assert model_sha256(a) == model_sha256(b)
    assert scenario_sha256(a) != scenario_sha256(b)
    busier = make({"name": "a", "run.replications": 3, "demand.calls_per_day": 13.0})
    assert model_sha256(busier) != model_sha256(a)


def test_scenario_digest_is_sha256_of_sorted_compact_json():
    s = make()
    text = json.dumps(s.to_dict(), sort_keys=True, separators=(",", ":"))
    assert scenario_sha256(s) == hashlib.sha256(text.encode()).hexdigest()
