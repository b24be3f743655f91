"""The scenario schema (pydantic): what a scenario file may say, and its rules.

Loading a file (``extends``, line numbers, error reports) is :mod:`sim.scenario.loader`;
this module only defines the validated, frozen :class:`Scenario` object and its
parts. Every model forbids unknown keys and every number must be finite (no ``.inf`` or
``.nan``).

Ceilings keep a run's time and memory bounded and catch typos (``calls_per_day: 1e9``);
each has a one-line reason here and is listed in ``docs/scenarios.md`` ("Limits"). Names
follow the one rule of :mod:`sim.common.names`.
"""

from __future__ import annotations

import copy
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.common.dotted import get_dotted, set_dotted
from sim.common.errors import KeyPath, Positions, Problem, ScenarioError, by_line, dedupe, located
from sim.common.names import check_name
from sim.scenario.calendar import (
    DAY_NAMES,
    MINUTES_PER_DAY,
    WeeklyPattern,
    day_index,
    parse_hhmm,
    shift_intervals,
)
from sim.scenario.costs import (
    UNCERTAIN_ROOTS,
    Appraisal,
    Costs,
    UncertainInput,
    Uncertainty,
    input_applies,
    input_key,
    input_range,
    input_value,
    rebalance_shares,
)
from sim.scenario.distributions import Distribution, Fixed, mean_or_inf
from sim.scenario.presets import HOURLY_PROFILES
from sim.scenario.problems import problem_from_error

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
Name = Annotated[str, AfterValidator(check_name)]
"""A scenario, car or call-type name: the rule of :mod:`sim.common.names`."""

MAX_WEEKS = 520
"""Measured weeks: ten years, far beyond any planning horizon (time grows with weeks)."""
MAX_WARMUP_WEEKS = 52
"""Warm-up weeks: cars start idle and the queue settles within days; a year is ample."""
MAX_REPLICATIONS = 10_000
"""Replications: intervals stop narrowing usefully long before (results are kept per one)."""
MAX_CALLS_PER_DAY = 2000
"""Mental-health calls a day: 200 times Cambridgeshire's 10; more is a typo (each is simulated)."""
MAX_OTHER_JOBS_PER_HOUR = 100
"""Other jobs an hour: a whole force's incident rate; more is a typo (each is simulated)."""
MAX_WEEKDAY_FACTOR = 10
"""A day's factor: ten times the average day is already no longer a weekly pattern."""
MAX_HOURLY_WEIGHT = 1e6
"""Hourly weights are relative: a million to one is finer than any published profile."""
MAX_CARS = 50
"""Cars in a scenario: a county runs a handful; each car is simulated and reported."""
MAX_SHIFTS = 50
"""Shift lines of one car: a week's rota needs at most a few per day."""
MAX_CALL_TYPES = 50
"""Call types of the case mix: each is a set of parameters; published mixes have 2 to 5."""
MAX_PEOPLE = 100
"""Officers or clinicians per car or call: far above any real crew (they scale hours)."""
MAX_MEAN_MINUTES = 7 * 24 * 60
"""Mean of a duration in minutes: a week; a longer job holds a car past the rota's repeat."""
MAX_MEAN_HOURS = 7 * 24
"""Mean of a duration in hours: a week, as for minutes."""
MAX_BEDS = 1000
"""Place-of-safety beds: England has a few hundred in all; ``inf`` means no limit."""
MAX_BED_WAIT_HOURS = 72
"""Officers' longest wait for a bed before a divert: three days is already no limit."""
MAX_LEGAL_LIMIT_HOURS = 7 * 24
"""The detention limit to count breaches against: 24 h in law (36 h with an extension)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _duration_ceiling(value: Any, info: ValidationInfo) -> Any:
    """A distribution held by a ``*_minutes`` or ``*_hours`` key has a mean of at most a week."""
    name = info.field_name or ""
    limit = (MAX_MEAN_MINUTES if name.endswith("_minutes")
             else MAX_MEAN_HOURS if name.endswith("_hours") else None)
    if limit is None or getattr(type(value), "mean_value", None) is None:  # not a distribution
        return value
    mean = mean_or_inf(value)
    if mean > limit:
        unit = "minutes" if name.endswith("_minutes") else "hours"
        raise ValueError(f"mean of {mean:,.6g} {unit} is more than a week ({limit:,} {unit}), "
                         "the longest a duration's mean may be")
    return value


class _Durations(_Strict):
    """A model whose ``*_minutes`` and ``*_hours`` distributions have a mean of at most a week."""

    @field_validator("*")
    @classmethod
    def _at_most_a_week(cls, value: Any, info: ValidationInfo) -> Any:
        return _duration_ceiling(value, info)


class RunSettings(_Strict):
    """How long and how often to run (command-line flags override these)."""

    weeks: int = Field(default=52, ge=1, le=MAX_WEEKS,
                       description="measured weeks after the warm-up")
    warmup_weeks: int = Field(default=1, ge=0, le=MAX_WARMUP_WEEKS,
                              description="weeks simulated but not counted")
    replications: int = Field(default=30, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(default=2026, ge=0)


class Demand(_Strict):
    """Mental-health calls needing a police deployment, and other jobs.

    The rate in calls per hour is
    ``calls_per_day * weekday_factors[day] * hourly_profile[hour] / sum(hourly_profile)``,
    or, with the 168 weights of ``hour_of_week_profile`` instead of those two,
    ``calls_per_day * 7 * hour_of_week_profile[24 * day + hour] / sum(hour_of_week_profile)``
    (a profile fitted by ``crisis-sim fit``, ``docs/fit.md``).
    """

    calls_per_day: float = Field(ge=0, le=MAX_CALLS_PER_DAY)
    hour_of_week_profile: list[float] | None = Field(
        default=None, description="168 relative weights, Monday 00:00-01:00 first; replaces "
                                  "hourly_profile and weekday_factors")
    hourly_profile: (str | list[Annotated[float, Field(ge=0, le=MAX_HOURLY_WEIGHT)]]
                     | None) = "flat"
    weekday_factors: list[Annotated[float, Field(ge=0, le=MAX_WEEKDAY_FACTOR)]] | None = Field(
        default_factory=lambda: [1.0] * 7)
    other_jobs_per_hour: float = Field(default=0.0, ge=0, le=MAX_OTHER_JOBS_PER_HOUR)

    @model_validator(mode="before")
    @classmethod
    def _one_shape(cls, data: Any) -> Any:
        """With ``hour_of_week_profile``, the other two are absent or null (a file extending
        one that sets them writes ``null``); without it, a null one takes its default."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("hour_of_week_profile") is not None:
            data.setdefault("hourly_profile", None)
            data.setdefault("weekday_factors", None)
        else:
            for key in ("hourly_profile", "weekday_factors"):
                if key in data and data[key] is None:
                    del data[key]
        return data

    @field_validator("hour_of_week_profile", mode="before")
    @classmethod
    def _week_profile(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list) or len(value) != 168:
            got = f"{len(value)} values" if isinstance(value, list) else repr(value)
            raise ValueError(f"hour_of_week_profile needs 168 weights (Monday 00:00 first, "
                             f"one an hour), got {got}")
        for cell, weight in enumerate(value):
            if (isinstance(weight, bool) or not isinstance(weight, int | float)
                    or not math.isfinite(weight) or not 0 <= weight <= MAX_HOURLY_WEIGHT):
                raise ValueError(f"weight {cell} ({DAY_NAMES[cell // 24]} "
                                 f"{cell % 24:02d}:00) must be a number from 0 to "
                                 f"{MAX_HOURLY_WEIGHT:,.0f}, got {weight!r}")
        if sum(value) <= 0:
            raise ValueError("hour_of_week_profile weights must not all be zero")
        return value

    @field_validator("hourly_profile", mode="before")
    @classmethod
    def _profile(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("hour_of_week_profile") is not None:
            raise ValueError("give hour_of_week_profile or hourly_profile, not both (over a "
                             "parent file's hourly_profile, write hourly_profile: null)")
        if value is None:
            return None
        if isinstance(value, str):
            if value not in HOURLY_PROFILES:
                names = ", ".join(sorted(HOURLY_PROFILES))
                raise ValueError(f"unknown hourly profile {value!r}; presets are: {names}")
            return value
        if isinstance(value, list):
            if len(value) != 24:
                raise ValueError(f"hourly_profile needs 24 weights (one an hour), got {len(value)}")
            for hour, weight in enumerate(value):
                if (isinstance(weight, bool) or not isinstance(weight, int | float)
                        or not 0 <= weight <= MAX_HOURLY_WEIGHT):
                    raise ValueError(f"weight for hour {hour} must be a number from 0 to "
                                     f"{MAX_HOURLY_WEIGHT:,.0f}, got {weight!r}")
            if sum(value) <= 0:
                raise ValueError("hourly_profile weights must not all be zero")
            return value
        raise ValueError("hourly_profile must be a preset name or a list of 24 weights")

    @field_validator("weekday_factors")
    @classmethod
    def _seven(cls, value: list[float] | None, info: ValidationInfo) -> list[float] | None:
        if value is not None and info.data.get("hour_of_week_profile") is not None:
            raise ValueError("give hour_of_week_profile or weekday_factors, not both (over a "
                             "parent file's weekday_factors, write weekday_factors: null)")
        if value is None:
            return None
        if len(value) != 7:
            raise ValueError(f"weekday_factors needs 7 values (Mon..Sun), got {len(value)}")
        return value

    @property
    def profile_weights(self) -> tuple[float, ...]:
        """The 24 hourly weights, with a preset name resolved (flat when not given)."""
        if self.hourly_profile is None:
            return HOURLY_PROFILES["flat"]
        if isinstance(self.hourly_profile, str):
            return HOURLY_PROFILES[self.hourly_profile]
        return tuple(self.hourly_profile)

    def rates_per_hour(self) -> list[float]:
        """Expected calls in each of the 168 hours of the week (Monday 00:00 first)."""
        if self.hour_of_week_profile is not None:
            week = self.hour_of_week_profile
            week_total = sum(week)
            return [self.calls_per_day * 7 * w / week_total for w in week]
        weights = self.profile_weights
        total = sum(weights)
        return [
            self.calls_per_day * self.weekday_factors[d] * weights[h] / total
            for d in range(7)
            for h in range(24)
        ]


class Shift(_Strict):
    """One line of a rota: on ``days``, from ``start`` to ``end`` (``"HH:MM"``)."""

    days: list[str]
    start: str
    end: str

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        if value == "all":
            return list(DAY_NAMES)
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            if not value:
                raise ValueError("days must not be empty")
            for item in value:
                if item == "all":
                    return list(DAY_NAMES)
                day_index(str(item))
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(
                f"time must be a quoted string such as \"17:00\", got the number {value}"
            )
        if isinstance(value, str):
            parse_hhmm(value)
        return value

    @field_validator("start")
    @classmethod
    def _start_in_day(cls, value: str) -> str:
        if parse_hhmm(value) == MINUTES_PER_DAY:
            raise ValueError('a shift cannot start at "24:00"; start at "00:00" on the next day')
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Shift:
        if parse_hhmm(self.start) == parse_hhmm(self.end):
            raise ValueError(
                f"start equals end ({self.start}); for a 24-hour shift use start \"00:00\", "
                "end \"24:00\""
            )
        return self

    def intervals(self) -> list[tuple[int, int]]:
        """Raw week-minute intervals of this shift line (see :mod:`sim.scenario.calendar`)."""
        days = [day_index(d) for d in self.days]
        return shift_intervals(days, parse_hhmm(self.start), parse_hhmm(self.end))


class Car(_Durations):
    """A response car: an officer and a mental-health practitioner on a rota.

    With ``phone_advice`` the car's practitioner also advises by phone, while the car is
    on shift and free, on calls it is not sent to (DESIGN.md section 8): the outcomes
    after advice are ``response.control_room``'s, the handling time the control room's
    ``handling_minutes`` or, without a control room, the car's ``phone_advice_minutes``.
    """

    name: Name
    shifts: list[Shift] = Field(min_length=1, max_length=MAX_SHIFTS)
    officers: int = Field(default=1, ge=0, le=MAX_PEOPLE)
    clinicians: int = Field(default=1, ge=0, le=MAX_PEOPLE)
    takes_other_jobs: bool | None = Field(
        default=None, description="overrides dispatch.takes_other_jobs for this car"
    )
    phone_advice: bool = Field(
        default=False, description="advises by phone, on shift and free, on calls of types "
                                   "no car is sent to")
    phone_advice_minutes: Distribution | None = Field(
        default=None, description="handling time of a phone call (only with phone_advice "
                                  "and no control_room block)")

    def pattern(self) -> WeeklyPattern:
        """The car's merged weekly on-shift windows."""
        return WeeklyPattern.from_intervals([iv for s in self.shifts for iv in s.intervals()])


class ControlRoom(_Strict):
    """Mental-health practitioners in the police control room who advise by phone.

    A loss system: a call passed to the control room (``u_screen < share_screened``)
    while a practitioner is on shift and free holds one practitioner for its handling
    time; otherwise it goes on unadvised (no waiting).
    """

    shifts: list[Shift] = Field(min_length=1, max_length=MAX_SHIFTS)
    practitioners: int = Field(default=1, ge=1, le=MAX_PEOPLE,
                               description="practitioners on shift at once (capacity)")
    share_screened: Probability = Field(
        default=1.0, description="share of mental-health incidents passed to the control room")
    handling_minutes: Distribution

    def pattern(self) -> WeeklyPattern:
        """The control room's merged weekly on-shift windows."""
        return WeeklyPattern.from_intervals([iv for s in self.shifts for iv in s.intervals()])


class Conveyance(_Durations):
    """How a detained person reaches a place of safety (officers go with them)."""

    p_ambulance: Probability = Field(
        default=0.35, description="share conveyed by ambulance (else a police vehicle)")
    ambulance_wait_hours: Distribution = Field(
        description="officers' wait with the person for an ambulance")
    travel_minutes: Distribution = Field(description="the journey to the place of safety")


class Divert(_Strict):
    """Where a detained person goes when no place-of-safety bed comes free in time."""

    ae: Probability
    custody: Probability

    @model_validator(mode="after")
    def _adds_up(self) -> Divert:
        if not math.isclose(self.ae + self.custody, 1.0, abs_tol=1e-6):
            raise ValueError(f"divert shares ae and custody must add up to 1, they add up "
                             f"to {self.ae + self.custody:g}")
        return self


class PlaceOfSafety(_Durations):
    """Health-based places of safety: a shared pool of beds, first come first served."""

    beds: int | Literal["inf"] = Field(
        description="beds (a resource shared by every pathway); inf (or .inf) for no limit")
    handover_minutes: Distribution = Field(
        description="officers' handover once a bed is free")
    bed_hours: Distribution = Field(
        description="a bed is occupied from the person's arrival at it to the end of the "
                    "assessment")
    max_wait_hours: float = Field(
        default=2.0, ge=0, le=MAX_BED_WAIT_HOURS,
        description="officers wait for a bed this long at most, then divert")
    divert: Divert = Field(default_factory=lambda: Divert(ae=0.97, custody=0.03))
    p_ae_first: Probability = Field(
        default=0.0,
        description="share of detentions taken straight to A&E as the place of safety "
                    "(medical need: injury, overdose, intoxication), whatever the beds; "
                    "their officers are held ae_as_place_of_safety_hours and no bed is used")

    @field_validator("beds", mode="before")
    @classmethod
    def _beds(cls, value: Any) -> Any:
        if isinstance(value, float) and math.isinf(value) and value > 0:
            return "inf"
        if isinstance(value, bool):
            raise ValueError("beds must be a whole number of beds or inf")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not 1 <= value <= MAX_BEDS:
            raise ValueError(f"beds must be between 1 and {MAX_BEDS:,}, or inf for no limit; "
                             f"got {value}")
        return value

    @property
    def bed_count(self) -> float:
        """The number of beds as a number (``math.inf`` for no limit)."""
        return math.inf if self.beds == "inf" else float(self.beds)


class Pathway(_Durations):
    """The Section 136 pathway: what a detention holds officers (or the car's crew) for.

    Absent, a detention holds officers for the drawn ``s136_hours`` (standard response)
    or ``s136_handover_hours`` (car). Present, it replaces both: conveyance, the wait for
    a bed, handover, or a divert to A&E or custody when no bed comes free in time.
    """

    conveyance: Conveyance
    place_of_safety: PlaceOfSafety
    ae_as_place_of_safety_hours: Distribution = Field(
        description="officers held at A&E as the place of safety (first, for medical need, "
                    "or after a divert)")
    custody_hours: Distribution = Field(
        default_factory=lambda: Fixed(dist="fixed", value=3),
        description="officers held booking a person into custody after a divert")
    legal_limit_hours: float = Field(
        default=24.0, gt=0, le=MAX_LEGAL_LIMIT_HOURS,
        description="detention limit from arrival at the place of safety (breaches counted)")


class Dispatch(_Strict):
    """Dispatch rules shared by all cars."""

    max_wait_minutes: NonNegative = 0.0
    takes_other_jobs: bool = False
    end_of_shift: Literal["finish_job", "hand_over"] = "finish_job"


class StandardResponse(_Durations):
    """The standard police response (frontline officers, no car)."""

    officers: int = Field(default=2, ge=0, le=MAX_PEOPLE)
    travel_minutes: Distribution
    on_scene_minutes: Distribution
    p_s136: Probability
    s136_hours: Distribution
    p_conveyed_ae: Probability
    ae_wait_hours: Distribution


class CarResponse(_Durations):
    """The response car's pathway."""

    travel_minutes: Distribution
    on_scene_minutes: Distribution
    p_s136: Probability
    s136_handover_hours: Distribution
    p_conveyed_ae: Probability
    ae_handover_hours: Distribution = Field(default_factory=lambda: Fixed(dist="fixed", value=0))


class AdvisedResponse(_Strict):
    """Outcomes after a control-room practitioner has advised on a call by phone."""

    p_no_deployment: Probability = Field(
        default=0.0, description="share resolved by phone: no officers sent")
    p_s136: Probability
    p_conveyed_ae: Probability


class AdvisedOverride(_Strict):
    """Per-call-type values that replace ``response.control_room`` ones."""

    p_no_deployment: Probability | None = None
    p_s136: Probability | None = None
    p_conveyed_ae: Probability | None = None


class Response(_Durations):
    """Both pathways, and how long a car is held by another (non-mental-health) job."""

    standard: StandardResponse
    car: CarResponse
    control_room: AdvisedResponse | None = Field(
        default=None, description="outcomes after control-room advice (needed with a "
                                  "control_room block)")
    other_job_minutes: Distribution = Field(
        default_factory=lambda: Fixed(dist="fixed", value=45)
    )


class StandardOverride(_Durations):
    """Per-call-type values that replace ``response.standard`` ones."""

    travel_minutes: Distribution | None = None
    on_scene_minutes: Distribution | None = None
    p_s136: Probability | None = None
    s136_hours: Distribution | None = None
    p_conveyed_ae: Probability | None = None
    ae_wait_hours: Distribution | None = None


class CarOverride(_Durations):
    """Per-call-type values that replace ``response.car`` ones."""

    travel_minutes: Distribution | None = None
    on_scene_minutes: Distribution | None = None
    p_s136: Probability | None = None
    s136_handover_hours: Distribution | None = None
    p_conveyed_ae: Probability | None = None
    ae_handover_hours: Distribution | None = None


class CallType(_Strict):
    """One call type of the case mix."""

    type: Name
    share: float = Field(gt=0, le=1)
    sent_to_car: bool = Field(
        default=True,
        description="whether the control room sends a car to calls of this type; if not, "
                    "they always get the standard response (counted as not_for_car)",
    )
    standard: StandardOverride = Field(default_factory=StandardOverride)
    car: CarOverride = Field(default_factory=CarOverride)
    control_room: AdvisedOverride = Field(default_factory=AdvisedOverride)


class Scenario(_Strict):
    """A fully merged, validated scenario.

    Build one with :func:`sim.load_scenario` (from a file) or
    :func:`sim.scenario_from_dict`; derive variants with :meth:`with_overrides`.
    """

    name: Name
    description: str = ""
    run: RunSettings = Field(default_factory=RunSettings)
    demand: Demand
    cars: list[Car] = Field(default_factory=list, max_length=MAX_CARS)
    control_room: ControlRoom | None = None
    dispatch: Dispatch = Field(default_factory=Dispatch)
    response: Response
    pathway: Pathway | None = None
    case_mix: list[CallType] | None = Field(default=None, max_length=MAX_CALL_TYPES)
    costs: Costs | None = None
    uncertainty: Uncertainty | None = None
    appraisal: Appraisal | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        problems = cross_checks({
            "cars": [{"name": c.name, "phone_advice": c.phone_advice,
                      "phone_advice_minutes": c.phone_advice_minutes is not None or None}
                     for c in self.cars],
            "case_mix": [t.model_dump(exclude_none=True) for t in self.case_mix or []],
            "response": self.response.model_dump(include={"standard", "control_room"},
                                                 exclude_none=True),
            "control_room": self.control_room is not None or None,
        })
        if problems:
            raise ValueError(problems[0][1])
        return self

    def call_types(self) -> list[tuple[str, float, StandardResponse, CarResponse]]:
        """Each call type with its share and its resolved pathway parameters."""
        if not self.case_mix:
            return [("all", 1.0, self.response.standard, self.response.car)]
        resolved = []
        for t in self.case_mix:
            std = self.response.standard.model_copy(update=_present(t.standard))
            car = self.response.car.model_copy(update=_present(t.car))
            resolved.append((t.type, t.share, std, car))
        return resolved

    def advised(self) -> list[AdvisedResponse]:
        """Per call type (in the order of :meth:`call_types`): outcomes after advice.

        With no ``response.control_room`` (no control room), advice changes nothing: the
        standard response's probabilities and no resolution by phone.
        """
        base = self.response.control_room
        out = []
        for _, _, std, _ in self.call_types():
            default = base or AdvisedResponse(p_s136=std.p_s136, p_conveyed_ae=std.p_conveyed_ae)
            out.append(default)
        if self.case_mix and base is not None:
            out = [a.model_copy(update=_present(t.control_room))
                   for a, t in zip(out, self.case_mix, strict=True)]
        return out

    def sent_to_car(self) -> list[bool]:
        """Per call type (in the order of :meth:`call_types`): is a car sent to it?"""
        if not self.case_mix:
            return [True]
        return [t.sent_to_car for t in self.case_mix]

    def car_takes_other_jobs(self, car: Car) -> bool:
        """Whether ``car`` is sent to other jobs when free."""
        if car.takes_other_jobs is not None:
            return car.takes_other_jobs
        return self.dispatch.takes_other_jobs

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as it would be written in a scenario file."""
        return self.model_dump(mode="json", exclude_none=True)

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A copy with some values replaced, re-validated.

        Parameters
        ----------
        overrides
            Keys are dotted paths (``"demand.calls_per_day"``, ``"dispatch.max_wait_minutes"``)
            or top-level keys (``"cars"``); values replace what is there (maps and lists
            whole).

        Raises
        ------
        sim.scenario.loader.ScenarioError
            If the result is not a valid scenario (the message names the key).
        """
        data = self.to_dict()
        for dotted, value in overrides.items():
            try:
                set_dotted(data, dotted, copy.deepcopy(value))
            except (IndexError, KeyError, TypeError, ValueError, AttributeError):
                raise ScenarioError([Problem("<overrides>", None, dotted,
                                             "no such key or list item to set")]) from None
        data.setdefault("name", "scenario")
        return validate(data, {}, "<overrides>")


def _repeated(entries: Any, section: str, key: str, label: str
              ) -> list[tuple[tuple[str | int, ...], str]]:
    """A problem at each entry whose ``key`` repeats an earlier entry's."""
    if not isinstance(entries, list):
        return []
    problems: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        name = entry.get(key) if isinstance(entry, dict) else None
        if isinstance(name, str):
            if name in seen:
                problems.append(((section, i, key),
                                 f"{label} must be unique; {name!r} is used twice"))
            seen.add(name)
    return problems


def cross_checks(data: Any) -> list[tuple[KeyPath, str]]:
    """Rules that span several entries, on plain data: ``(key path, message)`` pairs.

    Run by the loader on the raw file data (so they are reported with the key they concern
    even when other keys are invalid) and by :class:`Scenario` itself.
    """
    if not isinstance(data, dict):
        return []
    problems: list[tuple[tuple[str | int, ...], str]] = []
    problems.extend(_repeated(data.get("cars"), "cars", "name", "car names"))
    mix = data.get("case_mix")
    if isinstance(mix, list) and mix:
        shares = [t.get("share") if isinstance(t, dict) else None for t in mix]
        valid = [isinstance(s, int | float) and not isinstance(s, bool) and 0 < s <= 1
                 for s in shares]
        if all(valid):  # an invalid share is reported on its own; no sum check then
            total = float(sum(shares))
            if not math.isclose(total, 1.0, abs_tol=1e-6):
                problems.append((("case_mix",),
                                 f"case_mix shares must add up to 1, they add up to {total:g}"))
        problems.extend(_repeated(mix, "case_mix", "type", "case_mix types"))
    problems.extend(_phone_advice_checks(data))
    problems.extend(_advice_checks(data))
    problems.extend(uncertainty_checks(data))
    return problems


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    return None


def _phone_cars(data: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The cars (index, entry) of plain data that advise by phone (``phone_advice: true``)."""
    cars = data.get("cars")
    if not isinstance(cars, list):
        return []
    return [(i, car) for i, car in enumerate(cars)
            if isinstance(car, dict) and car.get("phone_advice") is True]


def _phone_advice_checks(data: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    """A car that advises by phone needs outcomes after advice and a handling time.

    The outcomes are ``response.control_room``'s; the handling time is the control room's
    ``handling_minutes`` when there is one, else the car's own ``phone_advice_minutes``
    (which is then required, and is an error anywhere else).
    """
    cars = data.get("cars")
    if not isinstance(cars, list):
        return []
    response = data.get("response")
    response = response if isinstance(response, dict) else {}
    room = data.get("control_room") is not None
    problems: list[tuple[KeyPath, str]] = []
    for i, car in enumerate(cars):
        if not isinstance(car, dict):
            continue
        advises = car.get("phone_advice") is True
        minutes = car.get("phone_advice_minutes") is not None
        if advises and not isinstance(response.get("control_room"), dict):
            problems.append((("cars", i, "phone_advice"),
                             "a car that advises by phone needs response.control_room "
                             "(outcomes after advice: p_s136, p_conveyed_ae, "
                             "p_no_deployment)"))
        if advises and not room and not minutes:
            problems.append((("cars", i, "phone_advice_minutes"),
                             "required when phone_advice is true and there is no "
                             "control_room block (the handling time of a phone call)"))
        elif minutes and not advises:
            problems.append((("cars", i, "phone_advice_minutes"),
                             "only for a car with phone_advice: true"))
        elif minutes and room:
            problems.append((("cars", i, "phone_advice_minutes"),
                             "with a control_room block a car's phone calls take the "
                             "control room's handling_minutes; remove this key"))
    return problems


def _advice_checks(data: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    """A control room needs outcomes after advice, and advice must not raise a risk.

    With a control room or a car that advises by phone, per call type, the advised
    ``p_s136`` and ``p_conveyed_ae`` may not exceed the standard response's: with the
    same uniform, advice can then only avoid a detention or a conveyance on a call,
    never cause one.
    """
    response = data.get("response")
    response = response if isinstance(response, dict) else {}
    advised = response.get("control_room")
    problems: list[tuple[KeyPath, str]] = []
    if data.get("control_room") is not None and not isinstance(advised, dict):
        return [(("control_room",), "a control room needs response.control_room (outcomes "
                                     "after advice: p_s136, p_conveyed_ae, p_no_deployment)")]
    used = data.get("control_room") is not None or bool(_phone_cars(data))
    if not isinstance(advised, dict) or not used:
        return []  # outcomes after advice are used only with a control room or phone advice
    standard = response.get("standard")
    standard = standard if isinstance(standard, dict) else {}
    mix = data.get("case_mix")
    types = mix if isinstance(mix, list) and mix else [None]
    for i, entry in enumerate(types):
        entry = entry if isinstance(entry, dict) else {}
        own_std = entry.get("standard") if isinstance(entry.get("standard"), dict) else {}
        own_adv = entry.get("control_room") if isinstance(entry.get("control_room"), dict) else {}
        for key in ("p_s136", "p_conveyed_ae"):
            std = _number(own_std.get(key, standard.get(key)))
            adv = _number(own_adv.get(key, advised.get(key)))
            if std is None or adv is None or adv <= std:
                continue
            where: KeyPath = (("case_mix", i, "control_room", key) if key in own_adv
                              else ("response", "control_room", key))
            label = f" for call type {entry.get('type')!r}" if entry.get("type") else ""
            problems.append((where, f"the advised {key} ({adv:g}) is above the standard "
                                    f"response's ({std:g}){label}: advice cannot raise a risk"))
    return problems


def _present(model: BaseModel) -> dict[str, Any]:
    """Fields explicitly set and not None (kept as models, not dumped to dicts)."""
    return {k: getattr(model, k) for k in model.model_fields_set if getattr(model, k) is not None}


def uncertainty_checks(data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Checks of an ``uncertainty:`` block against the rest of the scenario (plain data).

    Each input must lie under a key that can vary, and where it names a number of the
    scenario, every value in its range must give a valid scenario (a probability drawn
    above 1 is an error here, not in the middle of an analysis). An input that names no
    number of this scenario (a list item it lacks) is allowed: the analysis holds it fixed
    for this scenario and says so.
    """
    if not isinstance(data, dict) or not isinstance(data.get("uncertainty"), dict):
        return []
    inputs = data["uncertainty"].get("inputs")
    if not isinstance(inputs, dict):
        return []
    rest = {k: v for k, v in data.items() if k != "uncertainty"}
    rest.setdefault("name", "scenario")
    try:
        scenario = Scenario.model_validate(rest)
    except ValidationError:
        scenario = None  # the scenario's own problems are reported elsewhere
    plain = scenario.to_dict() if scenario is not None else None
    adapter = TypeAdapter(UncertainInput)
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for key, spec in inputs.items():
        where = ("uncertainty", "inputs", key)
        root = str(key).split(".")[0]
        if root not in UNCERTAIN_ROOTS:
            problems.append((where, f"an uncertain input must be a key under one of "
                                    f"{', '.join(UNCERTAIN_ROOTS)}; got {key!r}"))
            continue
        full = input_key(str(key))
        if plain is None or not input_applies(plain, full):
            continue
        try:
            dist = adapter.validate_python(spec).distribution
        except ValidationError:
            continue  # reported by the schema
        base = get_dotted(plain, full)
        for value in input_range(dist):
            probe = copy.deepcopy(plain)
            set_dotted(probe, full, input_value(base, value))
            if not rebalance_shares(probe, [full]):
                problems.append((where, f"the value {value:g} from this distribution's range "
                                        "leaves no share for the other call types; narrow "
                                        "the distribution"))
                break
            try:
                Scenario.model_validate(probe)
            except ValidationError as exc:
                first = exc.errors()[0]
                where_bad = ".".join(str(p) for p in first["loc"])
                problems.append((where, f"the value {value:g} from this distribution's range "
                                        f"makes the scenario invalid ({where_bad}: "
                                        f"{first['msg']}); narrow the distribution"))
                break
    return problems


Scenario.model_rebuild()


def validate(data: dict[str, Any], positions: Positions, file: str) -> Scenario:
    """Validate merged plain data into a :class:`Scenario`.

    Raises
    ------
    ScenarioError
        With every problem found, each at its file, line (from ``positions``) and key.
    """
    cross = cross_checks(data)
    problems = [located(path, message, positions, file) for path, message in cross]
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        messages = {m for _, m in cross}
        for err in exc.errors():
            problem = problem_from_error(err, data, positions, file, Scenario)
            if not (problem.key == "" and problem.message in messages):
                problems.append(problem)
        raise ScenarioError(by_line(dedupe(problems))) from None
    if problems:  # pragma: no cover - the model runs the same checks
        raise ScenarioError(problems)
    return scenario
