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
from sim.scenario.schema import (
    AdvisedResponse,
    ControlRoom,
    Conveyance,
    Dispatch,
    Pathway,
    PlaceOfSafety,
)

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
    "control_room": "Mental-health practitioners in the police control room who advise on "
                    "calls by phone, on their own rota. A call passed to them while one is "
                    "on shift and free holds that practitioner for its handling time; "
                    "otherwise it goes on unadvised (no waiting).",
    "control_room.shifts": "One row per shift line of the control room: its days, start and "
                           "end (\"HH:MM\"; an end at or before the start ends the next day).",
    "control_room.handling_minutes": "How long a practitioner is on the phone with one call "
                                     "(minutes): a distribution.",
    "response.control_room.p_s136": "Risk of a Section 136 detention when officers attend a "
                                    "call after advice (at most the standard response's).",
    "response.control_room.p_conveyed_ae": "Risk of a conveyance to A&E when officers attend "
                                           "a call after advice (at most the standard "
                                           "response's).",
    "pathway": "The Section 136 pathway: a detention holds officers (or the car's crew) for "
               "the conveyance (waiting for an ambulance, or driving), the wait for a "
               "place-of-safety bed and the handover, or for the A&E hold or custody after "
               "a divert when no bed comes free in time. Without it, a detention holds "
               "officers for a drawn number of hours.",
    "pathway.place_of_safety.beds": "Health-based place-of-safety beds, shared by every "
                                    "pathway (a whole number from 1 to 1,000), or no limit.",
    "pathway.place_of_safety.divert.ae": "Share of diverts (no bed in time) taken to A&E; "
                                         "with custody's, adds up to 1.",
    "pathway.place_of_safety.divert.custody": "Share of diverts (no bed in time) taken to "
                                              "custody; with A&E's, adds up to 1.",
}
"""What each input means, used when its file has no comment on it."""

for _prefix, _model in (("costs", Costs), ("dispatch", Dispatch),
                       ("control_room", ControlRoom), ("response.control_room", AdvisedResponse),
                       ("pathway", Pathway), ("pathway.conveyance", Conveyance),
                       ("pathway.place_of_safety", PlaceOfSafety)):
    for _name, _field in _model.model_fields.items():
        _key = f"{_prefix}.{_name}"
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
