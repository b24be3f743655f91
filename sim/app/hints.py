"""Help texts shown on hover: each input's meaning and its source.

The source of a value is the comment above its key in the scenario file it came from
(``scenarios/_base.yaml`` cites a published source and grade for every default), read by
``yaml_comments`` of ``sim/common/yamlio.py``. Where a file has no comment, the
text says what the input means (the schema's own description where it has one).
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.app.library import SHIPPED_DIR, yaml_comments
from sim.scenario.costs import Costs
from sim.scenario.schema import Dispatch

MEANING: dict[str, str] = {
    "name": "The scenario's name: its column in every table (letters, digits, _ and -).",
    "description": "One or two sentences on what this scenario is.",
    "demand.calls_per_day": "Mental-health calls a day needing a police deployment.",
    "demand.weekday_factors": "Multipliers of the daily calls, Monday to Sunday.",
    "demand.hourly_profile": "How a day's calls spread over its 24 hours (relative weights).",
    "demand.other_jobs_per_hour": "Other (non-mental-health) emergencies a car may be sent to, "
                                  "an hour.",
    "cars": "One row per shift line: the car, its days, start and end (\"HH:MM\"; an end at "
            "or before the start ends the next day), and its crew.",
    "dispatch.max_wait_minutes": "How long a call waits for a busy car before it gets the "
                                 "standard police response (minutes).",
    "dispatch.takes_other_jobs": "Whether free cars are also sent to other emergencies.",
    "dispatch.end_of_shift": "finish_job: a car finishes its job after the shift (overtime); "
                             "hand_over: the job passes to the standard response.",
    "run": "Replications, weeks and seed are chosen on the Run & compare page.",
}
"""What each input means, used when its file has no comment on it."""

for _name, _field in {**Costs.model_fields, **Dispatch.model_fields}.items():
    _key = f"{'costs' if _name in Costs.model_fields else 'dispatch'}.{_name}"
    if _field.description and _key not in MEANING:
        MEANING[_key] = _field.description[0].upper() + _field.description[1:] + "."


def base_comments() -> dict[str, str]:
    """Comments of ``scenarios/_base.yaml`` by dotted key (empty if it is missing)."""
    path = SHIPPED_DIR / "_base.yaml"
    return yaml_comments(path) if path.is_file() else {}


def hint(key: str, comments: Mapping[str, str] | None = None) -> str:
    """The hover text of an input: its meaning, then its source from the file's comments."""
    comments = comments or {}
    meaning = MEANING.get(key, "")
    source = comments.get(key)
    if source:
        return f"{meaning}\n\nSource (from the scenario file): {source}".strip()
    return meaning or f"{key} (no source given in the scenario file)"
