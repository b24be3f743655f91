"""One list of raw counters: the model fills exactly those, derive() uses exactly those.

Adding a counter to :data:`sim.core.counters.RAW_COUNTERS`, to the model or to
:func:`sim.core.metrics.derive` alone makes one of these tests fail.
"""

from __future__ import annotations

import math

import pytest

from sim.core import model as model_module
from sim.core.counters import RAW_COUNTER_NAMES, RAW_COUNTERS, Counters
from sim.core.metrics import METRIC_NAMES, derive
from sim.core.model import ScenarioModel
from tests.support.scenarios import ALWAYS_ON, control_room, make, pathway

# Between them these two runs make every counter nonzero: a 24/7 car keeps calls queued
# to the end, a shift car hands jobs over, a call type is never sent, one bed makes
# detentions wait, divert and overrun the limit (a fifth go to A&E first), the evening
# car advises by phone; then plain shifts give off-shift calls and overtime.
BUSY = make({
    **pathway(1, divert={"ae": 0.5, "custody": 0.5}, legal_limit_hours=12),
    "pathway.place_of_safety.p_ae_first": 0.2,  # some detentions go to A&E first
    "demand.calls_per_day": 40.0,
    "dispatch.max_wait_minutes": 240,
    "dispatch.end_of_shift": "hand_over",
    "cars": [
        {"name": "always", "shifts": ALWAYS_ON},
        {"name": "evening", "shifts": [{"days": "all", "start": "15:00", "end": "23:00"}],
         "phone_advice": True,  # advises on the calls no car is sent to when free
         "phone_advice_minutes": {"dist": "exponential", "mean": 20}},
    ],
    "response.control_room": {"p_no_deployment": 0.3, "p_s136": 0.02, "p_conveyed_ae": 0.1},
    "case_mix": [
        {"type": "urgent", "share": 0.8},
        {"type": "concern", "share": 0.2, "sent_to_car": False},
    ],
})
PLAIN = make(control_room())  # and a control room: every cr_ counter


def _raw_counters(scenario, monkeypatch) -> dict[str, float]:
    """What the model hands to derive() in one replication."""
    seen: list[dict[str, float]] = []

    def spy(raw, n_cars, weeks, **kwargs):
        seen.append(dict(raw))
        return derive(raw, n_cars, weeks, **kwargs)

    monkeypatch.setattr(model_module, "derive", spy)
    ScenarioModel(scenario).run(11, 0)
    assert len(seen) == 1
    return seen[0]


def test_counters_are_declared_once_each_with_a_meaning():
    assert len(set(RAW_COUNTER_NAMES)) == len(RAW_COUNTERS)
    assert all(c.name.isidentifier() and c.unit and c.meaning for c in RAW_COUNTERS)


def test_model_yields_exactly_the_declared_counters(monkeypatch):
    runs = [_raw_counters(s, monkeypatch) for s in (BUSY, PLAIN)]
    for raw in runs:
        assert list(raw) == list(RAW_COUNTER_NAMES)
        assert all(isinstance(v, float) and math.isfinite(v) for v in raw.values())
    never_filled = [k for k in RAW_COUNTER_NAMES if all(raw[k] == 0 for raw in runs)]
    assert never_filled == []


def test_no_undeclared_counter_can_be_filled():
    counts = Counters()
    with pytest.raises(AttributeError):
        counts.calls_seen = 1  # type: ignore[attr-defined]
    assert counts.as_dict() == {c.name: 0.0 for c in RAW_COUNTERS}


class _Recording(dict):
    """A dict that remembers which keys were read."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


def test_derive_uses_every_declared_counter_and_derives_every_metric():
    raw = _Recording({name: float(i + 1) for i, name in enumerate(RAW_COUNTER_NAMES)})
    metrics = derive(raw, n_cars=1, weeks=4, pathway=True)
    assert raw.read == set(RAW_COUNTER_NAMES)
    assert list(metrics) == list(METRIC_NAMES)


def test_per_detention_hours_are_not_modelled_without_a_pathway():
    raw = dict.fromkeys(RAW_COUNTER_NAMES, 1.0)
    raw["s136_avoided"] = 0.0  # one detention in this world as in the do-minimum one
    without = derive(raw, n_cars=1, weeks=4)
    with_pathway = derive(raw, n_cars=1, weeks=4, pathway=True)
    for name in ("officer_hours_per_s136", "officer_hours_per_s136_baseline",
                 "car_officer_hours_per_s136"):
        assert math.isnan(without[name])
        assert with_pathway[name] == 1.0


@pytest.mark.parametrize("change", ["missing", "extra"])
def test_derive_refuses_other_counters(change):
    raw = dict.fromkeys(RAW_COUNTER_NAMES, 1.0)
    if change == "missing":
        del raw["not_for_car"]
    else:
        raw["calls_seen"] = 1.0
    with pytest.raises(ValueError, match="raw counters"):
        derive(raw, n_cars=1, weeks=4)
