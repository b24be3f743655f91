"""The raw counters of one replication: the one list shared by the model and the metrics.

:mod:`sim.core.model` creates a :class:`Counters` per replication and fills exactly the
counters declared in :data:`RAW_COUNTERS` (its ``__slots__``, so an undeclared one cannot
be set); :func:`sim.core.metrics.derive` turns exactly these into the metric values.
``tests/core/test_counters.py`` checks both ends against this list.

Like the metrics, counts and sums cover calls (and other jobs) that *arrive* in the
measured weeks; car time is the part of it that falls inside the measured weeks.
"""

from __future__ import annotations

from typing import NamedTuple


class RawCounter(NamedTuple):
    """One raw counter: its ``name``, ``unit`` and a one-line ``meaning``."""

    name: str
    unit: str
    meaning: str

    @property
    def zero(self) -> int | float:
        """Its starting value: ``0`` for a count, ``0.0`` for a sum of minutes or hours."""
        return 0.0 if self.unit in ("minutes", "hours") else 0


RAW_COUNTERS: tuple[RawCounter, ...] = (
    RawCounter("mh_calls", "calls", "mental-health calls arriving"),
    RawCounter("car_attended", "calls", "calls a car attended"),
    RawCounter("unmet_off_shift", "calls", "calls arriving when no car was on shift"),
    RawCounter("unmet_busy", "calls", "calls with a car on shift but none free in time"),
    RawCounter("waiting_at_end", "calls", "calls still waiting for a car when the run ended"),
    RawCounter("not_for_car", "calls", "calls of a type the car is not sent to"),
    RawCounter("waited", "calls", "car-attended calls that waited for a car"),
    RawCounter("handed_over", "calls", "car jobs on calls handed over at the shift end"),
    RawCounter("other_jobs_arrived", "jobs", "other (non-mental-health) jobs arising"),
    RawCounter("other_jobs_attended", "jobs", "other jobs a car took"),
    RawCounter("s136_baseline", "detentions", "Section 136 detentions with no car"),
    RawCounter("s136_avoided", "detentions",
               "over car-attended calls: standard-response detentions less the car's"),
    RawCounter("ae_baseline", "conveyances", "A&E conveyances with no car"),
    RawCounter("ae_avoided", "conveyances",
               "over car-attended calls: standard-response conveyances less the car's"),
    RawCounter("officer_hours_baseline", "hours", "frontline officer hours with no car"),
    RawCounter("officer_hours_saved_raw", "hours",
               "standard officer hours of car-attended calls less frontline hours of the "
               "handed-over rest of their jobs"),
    RawCounter("response_minutes_sum", "minutes",
               "over car-attended calls: wait for a car plus its travel time"),
    RawCounter("car_shift_minutes", "minutes", "car minutes on shift"),
    RawCounter("car_busy_minutes", "minutes", "car minutes on a job while on shift"),
    RawCounter("car_overtime_minutes", "minutes", "car minutes on a job after the shift"),
    RawCounter("cr_screened", "calls", "calls a control-room practitioner advised on"),
    RawCounter("cr_resolved_by_phone", "calls", "screened calls resolved with no deployment"),
    RawCounter("cr_unscreened_busy", "calls",
               "calls passed to the control room with every practitioner busy"),
    RawCounter("cr_unscreened_off_shift", "calls",
               "calls arriving with no practitioner on shift"),
    RawCounter("cr_not_passed", "calls",
               "calls not passed to the control room (u_screen >= share_screened)"),
    RawCounter("car_phone_advised", "calls",
               "calls a car's practitioner advised on by phone (cars[].phone_advice)"),
    RawCounter("car_resolved_by_phone", "calls",
               "calls a car advised on by phone resolved with no deployment"),
    RawCounter("cr_shift_minutes", "minutes", "practitioner minutes on shift"),
    RawCounter("cr_busy_minutes", "minutes", "practitioner minutes on a call while on shift"),
    RawCounter("other_jobs_car_minutes", "minutes",
               "car minutes on other jobs arising in the measured weeks (whole jobs)"),
    # The Section 136 pathway (zero without a pathway: block); sim.core.pathway.
    RawCounter("pathway_officer_hours", "hours",
               "frontline officer hours on detentions' journeys (end of scene to release)"),
    RawCounter("pathway_officer_hours_baseline", "hours",
               "the same in the do-minimum world (every call the standard response)"),
    RawCounter("s136_police_hours", "hours",
               "police officer hours on detained calls, dispatch to release (car crews too)"),
    RawCounter("s136_police_hours_baseline", "hours", "the same in the do-minimum world"),
    RawCounter("car_s136", "detentions", "detentions after a car attendance"),
    RawCounter("car_s136_police_hours", "hours",
               "police officer hours on detentions after a car attendance"),
    RawCounter("pos_waits", "detentions", "detentions that waited for a place-of-safety bed"),
    RawCounter("pos_wait_hours", "hours", "hours detained people waited for a bed"),
    RawCounter("pos_ae_first", "detentions",
               "detentions taken straight to A&E as the place of safety (medical need)"),
    RawCounter("pos_diverted_ae", "detentions", "detentions diverted to A&E (no bed in time)"),
    RawCounter("pos_diverted_custody", "detentions", "detentions diverted to custody"),
    RawCounter("pos_diverted_baseline", "detentions",
               "diverts to A&E or custody in the do-minimum world"),
    RawCounter("s136_breaches_24h", "detentions", "detentions over the legal limit"),
    RawCounter("s136_breaches_baseline", "detentions",
               "detentions over the legal limit in the do-minimum world"),
    RawCounter("ambulance_wait_hours", "hours", "hours officers waited for an ambulance"),
    RawCounter("pos_bed_minutes", "minutes", "bed minutes occupied in the measured weeks"),
)
"""Every raw counter of a replication, with its meaning."""

RAW_COUNTER_NAMES: tuple[str, ...] = tuple(c.name for c in RAW_COUNTERS)


class Counters:
    """The raw counters of one replication while it runs: one attribute per counter.

    Plain attributes, for the model's hot path; ``__slots__`` is
    :data:`RAW_COUNTER_NAMES`, so the model can fill no counter that is not declared.
    """

    __slots__ = RAW_COUNTER_NAMES

    def __init__(self) -> None:
        for counter in RAW_COUNTERS:
            setattr(self, counter.name, counter.zero)

    def as_dict(self) -> dict[str, float]:
        """Every counter as a float, in the order of :data:`RAW_COUNTERS`."""
        return {name: float(getattr(self, name)) for name in RAW_COUNTER_NAMES}
