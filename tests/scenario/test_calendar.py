"""Shift windows and the on-shift clock (sim/calendar.py, Car.pattern()).

DESIGN section 2: an end at or before the start ends on the next day; ``"24:00"`` is
allowed as an end; start equal to end is an error; windows of one car that touch or
overlap merge; different cars add up. Clock: minutes, 0 = Monday 00:00.

The properties compare against a brute-force model built independently of the code under
test: a boolean array of the 10,080 minutes of a week, set minute by minute from the raw
shift lines (``day * 1440 + start`` for the shift's length, taken modulo the week).
"""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.scenario.calendar import (
    DAY_NAMES,
    HOURS_PER_WEEK,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    OnShiftClock,
    WeeklyPattern,
    day_index,
    hour_of_week,
    merge_intervals,
    parse_hhmm,
    shift_intervals,
)
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Car, Shift

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"

DAY = MINUTES_PER_DAY
WEEK = MINUTES_PER_WEEK
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

CPFT_SHIFTS = [
    {"days": ["Sun", "Mon", "Tue", "Wed", "Thu"], "start": "15:00", "end": "23:00"},
    {"days": ["Fri", "Sat"], "start": "17:00", "end": "01:00"},
]


def car(*shifts: dict, name: str = "car") -> Car:
    return Car.model_validate({"name": name, "shifts": list(shifts)})


def at(day: int, hhmm: str) -> int:
    """Week minute of ``hhmm`` on ``day`` (0 = Monday)."""
    h, m = hhmm.split(":")
    return day * DAY + int(h) * 60 + int(m)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ------------------------------------------------------------ brute-force model


def brute_mask(shift_lines: list[dict]) -> np.ndarray:
    """On-shift minutes of a week, set minute by minute from the raw shift lines."""
    mask = np.zeros(WEEK, dtype=bool)
    for line in shift_lines:
        days = list(DAY_NAMES) if line["days"] == "all" else line["days"]
        sh, sm = map(int, line["start"].split(":"))
        eh, em = map(int, line["end"].split(":"))
        start, end = sh * 60 + sm, eh * 60 + em
        length = end - start if end > start else end + DAY - start
        for d in days:
            first = DAY_NAMES.index(d) * DAY + start
            mask[np.arange(first, first + length) % WEEK] = True
    return mask


def mask_of_windows(windows) -> np.ndarray:
    mask = np.zeros(WEEK, dtype=bool)
    for s, e in windows:
        assert float(s).is_integer() and float(e).is_integer()
        mask[int(s):int(e)] = True
    return mask


def brute_clock(mask: np.ndarray, t: float) -> float:
    """On-shift minutes in [0, t) for the weekly-periodic ``mask``."""
    weeks = math.ceil(t / WEEK) + 1
    tiled = np.tile(mask, weeks)
    cum = np.concatenate([[0], np.cumsum(tiled)])
    k = math.floor(t)
    return float(cum[k] + (t - k) * tiled[k])


# ------------------------------------------------------------ hypothesis strategies

minute_of_day = st.one_of(
    st.integers(0, 23).map(lambda h: h * 60),  # whole hours: shifts often touch
    st.integers(0, DAY - 1),
)


@st.composite
def shift_lines(draw) -> dict:
    days = draw(st.one_of(
        st.just("all"),
        st.lists(st.sampled_from(DAY_NAMES), min_size=1, max_size=7, unique=True),
    ))
    start = draw(minute_of_day)
    end = draw(st.one_of(minute_of_day, st.just(DAY)).filter(lambda e: e != start))
    return {"days": days, "start": hhmm(start), "end": hhmm(end)}


shift_lists = st.lists(shift_lines(), min_size=1, max_size=6)


def assert_well_formed(windows) -> None:
    for s, e in windows:
        assert 0 <= s < e <= WEEK
    for (_, e1), (s2, _) in pairwise(windows):
        assert e1 < s2, f"windows touch or overlap: {windows}"


# ------------------------------------------------------------------ parse_hhmm


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("00:00", 0), ("00:01", 1), ("09:30", 570), ("9:30", 570), ("17:00", 1020),
     ("23:59", 1439), ("24:00", 1440)],
)
def test_parse_hhmm(text: str, minutes: int) -> None:
    assert parse_hhmm(text) == minutes


@pytest.mark.parametrize(
    "text",
    ["", "17", "1700", "17:0", "17:000", "17:60", "24:01", "24:30", "25:00", "-1:00",
     "ab:cd", "17:00:00", " 17:00", "17:00 ", "17.00", "17h00", ":00", "17:"],
)
def test_parse_hhmm_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_hhmm(text)


@given(st.integers(0, 23), st.integers(0, 59))
def test_parse_hhmm_round_trip(h: int, m: int) -> None:
    assert parse_hhmm(f"{h:02d}:{m:02d}") == h * 60 + m


def test_day_index() -> None:
    assert [day_index(d) for d in DAY_NAMES] == list(range(7))
    for bad in ("mon", "Monday", "all", ""):
        with pytest.raises(ValueError, match="unknown day"):
            day_index(bad)


def test_hour_of_week() -> None:
    assert hour_of_week(0) == 0
    assert hour_of_week(59.99) == 0
    assert hour_of_week(60) == 1
    assert hour_of_week(WEEK - 1) == 167
    assert hour_of_week(WEEK) == 0
    assert hour_of_week(3 * WEEK + at(FRI, "17:30")) == 4 * 24 + 17


# -------------------------------------------------------------- shift intervals


def test_shift_intervals_day_shift() -> None:
    assert shift_intervals([MON, WED], 540, 1020) == [(540, 1020), (2 * DAY + 540, 2 * DAY + 1020)]


def test_shift_intervals_start_equals_end_is_an_error() -> None:
    with pytest.raises(ValueError):
        shift_intervals([MON], 600, 600)


def test_shift_start_equals_end_is_an_error() -> None:
    with pytest.raises(ValueError, match="start equals end"):
        Shift.model_validate({"days": ["Mon"], "start": "08:00", "end": "08:00"})


@pytest.mark.parametrize("end", ["00:00", "06:00", "24:00"])
def test_shift_cannot_start_at_2400(end: str) -> None:
    with pytest.raises(ValueError, match="24:00"):
        Shift.model_validate({"days": ["Mon"], "start": "24:00", "end": end})


def test_midnight_crossing_friday_ends_saturday_0100() -> None:
    c = car({"days": ["Fri"], "start": "17:00", "end": "01:00"})
    assert c.pattern().windows == ((at(FRI, "17:00"), at(SAT, "01:00")),)
    assert c.pattern().minutes_per_week == 8 * 60


def test_end_before_start_ends_next_day() -> None:
    c = car({"days": ["Tue"], "start": "22:30", "end": "06:15"})
    assert c.pattern().windows == ((at(TUE, "22:30"), at(WED, "06:15")),)


def test_end_2400_is_midnight_at_end_of_day() -> None:
    c = car({"days": ["Wed"], "start": "18:00", "end": "24:00"})
    assert c.pattern().windows == ((at(WED, "18:00"), at(THU, "00:00")),)


def test_whole_day_0000_to_2400() -> None:
    c = car({"days": ["Mon"], "start": "00:00", "end": "24:00"})
    assert c.pattern().windows == ((0, DAY),)


def test_always_on() -> None:
    p = car({"days": "all", "start": "00:00", "end": "24:00"}).pattern()
    assert p.windows == ((0, WEEK),)
    assert p.always_on
    assert p.minutes_per_week == WEEK
    assert not car({"days": "all", "start": "00:00", "end": "23:59"}).pattern().always_on
    assert list(p.iter_windows(3 * WEEK)) == [(0, 3 * WEEK)]
    assert p.cumulative()(2.5 * WEEK) == 2.5 * WEEK


def test_sunday_night_wraps_to_monday_morning() -> None:
    p = car({"days": ["Sun"], "start": "22:00", "end": "06:00"}).pattern()
    assert p.windows == ((0, at(MON, "06:00")), (at(SUN, "22:00"), WEEK))
    assert p.minutes_per_week == 8 * 60


def test_sunday_to_2400_does_not_wrap() -> None:
    p = car({"days": ["Sun"], "start": "20:00", "end": "24:00"}).pattern()
    assert p.windows == ((at(SUN, "20:00"), WEEK),)


def test_iter_windows_merges_across_the_week_boundary() -> None:
    p = car({"days": ["Sun"], "start": "22:00", "end": "06:00"}).pattern()
    windows = list(p.iter_windows(3 * WEEK))
    assert windows == [
        (0, 360),
        (at(SUN, "22:00"), WEEK + 360),
        (WEEK + at(SUN, "22:00"), 2 * WEEK + 360),
        (2 * WEEK + at(SUN, "22:00"), 3 * WEEK),  # clipped at ``until``
    ]


def test_iter_windows_merges_sunday_to_2400_with_monday_from_0000() -> None:
    p = car({"days": ["Sun"], "start": "20:00", "end": "24:00"},
            {"days": ["Mon"], "start": "00:00", "end": "02:00"}).pattern()
    assert p.windows == ((0, 120), (at(SUN, "20:00"), WEEK))  # within a week: apart
    assert list(p.iter_windows(2 * WEEK)) == [
        (0, 120), (at(SUN, "20:00"), WEEK + 120), (WEEK + at(SUN, "20:00"), 2 * WEEK),
    ]


def test_iter_windows_clips_and_stops_at_until() -> None:
    p = car({"days": ["Mon"], "start": "09:00", "end": "17:00"}).pattern()
    assert list(p.iter_windows(600)) == [(540, 600)]
    assert list(p.iter_windows(540)) == []
    assert list(p.iter_windows(0)) == []
    assert list(p.iter_windows(WEEK + 541)) == [(540, 1020), (WEEK + 540, WEEK + 541)]


def test_iter_windows_of_empty_pattern() -> None:
    p = WeeklyPattern.from_intervals([])
    assert p.windows == ()
    assert list(p.iter_windows(5 * WEEK)) == []
    assert p.minutes_per_week == 0
    assert p.cumulative()(3 * WEEK + 17) == 0
    assert p.minutes_by_hour_of_week() == [0] * HOURS_PER_WEEK


# ------------------------------------------------------------------- merging


def test_touching_windows_of_one_car_merge() -> None:
    p = car({"days": ["Mon"], "start": "08:00", "end": "16:00"},
            {"days": ["Mon"], "start": "16:00", "end": "23:00"}).pattern()
    assert p.windows == ((at(MON, "08:00"), at(MON, "23:00")),)


def test_touching_across_midnight_merge() -> None:
    p = car({"days": ["Mon"], "start": "18:00", "end": "24:00"},
            {"days": ["Tue"], "start": "00:00", "end": "06:00"}).pattern()
    assert p.windows == ((at(MON, "18:00"), at(TUE, "06:00")),)


def test_overlapping_windows_of_one_car_merge() -> None:
    p = car({"days": ["Mon"], "start": "09:00", "end": "17:00"},
            {"days": ["Mon"], "start": "12:00", "end": "20:00"},
            {"days": ["Mon"], "start": "10:00", "end": "11:00"}).pattern()
    assert p.windows == ((at(MON, "09:00"), at(MON, "20:00")),)
    assert p.minutes_per_week == 11 * 60


def test_overlapping_night_shifts_merge() -> None:
    # 19:00-03:00 every day and 17:00-01:00 Fri: Fri 17:00 to Sat 03:00 in one window
    p = car({"days": "all", "start": "19:00", "end": "03:00"},
            {"days": ["Fri"], "start": "17:00", "end": "01:00"}).pattern()
    assert (at(FRI, "17:00"), at(SAT, "03:00")) in p.windows
    assert len(p.windows) == 8  # Mon..Sat nights, Sun night split into head and tail
    assert p.minutes_per_week == 7 * 8 * 60 + 2 * 60


def test_gap_of_one_minute_does_not_merge() -> None:
    p = car({"days": ["Mon"], "start": "08:00", "end": "16:00"},
            {"days": ["Mon"], "start": "16:01", "end": "17:00"}).pattern()
    assert len(p.windows) == 2


def test_merge_intervals() -> None:
    assert merge_intervals([]) == []
    assert merge_intervals([(5, 9), (0, 2), (2, 4), (8, 12), (20, 21)]) == [
        (0, 4), (5, 12), (20, 21),
    ]
    assert merge_intervals([(0, 10), (2, 3)]) == [(0, 10)]


def test_two_cars_add_up_and_are_not_merged() -> None:
    shift = {"days": ["Mon"], "start": "09:00", "end": "17:00"}
    a, b = car(shift, name="a"), car(shift, name="b")
    assert a.pattern().windows == b.pattern().windows == ((540, 1020),)
    total = a.pattern().minutes_per_week + b.pattern().minutes_per_week
    assert total == 2 * 8 * 60  # not 8 hours: two cars on the same hours count twice
    by_hour = np.add(a.pattern().minutes_by_hour_of_week(), b.pattern().minutes_by_hour_of_week())
    assert by_hour[9] == 120
    assert by_hour.sum() == total


def test_cpft_rota_is_56_car_hours() -> None:
    p = car(*CPFT_SHIFTS).pattern()
    assert p.minutes_per_week == 56 * 60
    assert p.windows == (
        (at(MON, "15:00"), at(MON, "23:00")),
        (at(TUE, "15:00"), at(TUE, "23:00")),
        (at(WED, "15:00"), at(WED, "23:00")),
        (at(THU, "15:00"), at(THU, "23:00")),
        (at(FRI, "17:00"), at(SAT, "01:00")),
        (at(SAT, "17:00"), at(SUN, "01:00")),
        (at(SUN, "15:00"), at(SUN, "23:00")),
    )
    by_hour = p.minutes_by_hour_of_week()
    assert sum(by_hour) == 56 * 60
    assert by_hour[SAT * 24 + 0] == 60  # Friday's shift runs to Saturday 01:00
    assert by_hour[SAT * 24 + 1] == 0
    assert by_hour[MON * 24 + 0] == 0  # Sunday's shift ends at 23:00: no wrap
    assert by_hour[SUN * 24 + 22] == 60
    assert by_hour[SUN * 24 + 23] == 0


def test_shipped_cpft_scenarios_car_hours() -> None:
    one = load_scenario(SCENARIOS / "cpft_one_car.yaml")
    assert [c.pattern().minutes_per_week for c in one.cars] == [56 * 60]
    two = load_scenario(SCENARIOS / "cpft_two_cars.yaml")
    hours = [c.pattern().minutes_per_week / 60 for c in two.cars]
    assert hours == [56, 56]
    # overlapping hours count both cars: Monday 19:00-20:00 has car1 and car2 on shift
    by_hour = np.sum([c.pattern().minutes_by_hour_of_week() for c in two.cars], axis=0)
    assert by_hour[MON * 24 + 19] == 120
    assert by_hour[MON * 24 + 23] == 60  # car1 off at 23:00, car2 on to 03:00
    assert by_hour[MON * 24 + 2] == 60  # Sunday-night car2 shift wraps to Monday 02:00
    assert by_hour.sum() == 112 * 60


# ------------------------------------------------------------------ the clock


def test_clock_examples() -> None:
    p = car({"days": ["Mon"], "start": "09:00", "end": "17:00"}).pattern()
    clock = p.cumulative()
    assert isinstance(clock, OnShiftClock)
    assert clock(0) == 0
    assert clock(540) == 0
    assert clock(600) == 60
    assert clock(1020) == 480
    assert clock(WEEK - 1) == 480
    assert clock(WEEK) == 480
    assert clock(WEEK + 570) == 510
    assert clock(10 * WEEK + 1020.5) == 11 * 480
    assert clock(600.25) == pytest.approx(60.25)


def test_clock_with_wrapped_sunday_night() -> None:
    clock = car({"days": ["Sun"], "start": "22:00", "end": "06:00"}).pattern().cumulative()
    assert clock(360) == 360
    assert clock(at(SUN, "22:00")) == 360
    assert clock(WEEK) == 480
    assert clock(WEEK + 60) == 540


def test_minutes_by_hour_of_week_partial_hours() -> None:
    p = car({"days": ["Tue"], "start": "08:20", "end": "10:45"}).pattern()
    by_hour = p.minutes_by_hour_of_week()
    assert len(by_hour) == HOURS_PER_WEEK
    assert by_hour[TUE * 24 + 8] == 40
    assert by_hour[TUE * 24 + 9] == 60
    assert by_hour[TUE * 24 + 10] == 45
    assert sum(by_hour) == 145


# ---------------------------------------------------------------- properties


@given(shift_lists)
def test_pattern_windows_match_brute_force(lines: list[dict]) -> None:
    p = car(*lines).pattern()
    windows = list(p.windows)
    assert windows == sorted(windows)
    assert_well_formed(windows)
    expected = brute_mask(lines)
    assert np.array_equal(mask_of_windows(windows), expected)
    assert p.minutes_per_week == expected.sum()
    assert p.always_on == bool(expected.all())


@given(shift_lists)
def test_minutes_by_hour_of_week_match_brute_force(lines: list[dict]) -> None:
    p = car(*lines).pattern()
    by_hour = p.minutes_by_hour_of_week()
    assert len(by_hour) == HOURS_PER_WEEK
    assert sum(by_hour) == pytest.approx(p.minutes_per_week)
    expected = brute_mask(lines).reshape(HOURS_PER_WEEK, 60).sum(axis=1)
    assert np.allclose(by_hour, expected)
    assert all(0 <= m <= 60 for m in by_hour)


@given(shift_lists, st.floats(min_value=0, max_value=4 * WEEK, allow_nan=False))
def test_clock_matches_brute_force(lines: list[dict], t: float) -> None:
    p = car(*lines).pattern()
    assert p.cumulative()(t) == pytest.approx(brute_clock(brute_mask(lines), t), abs=1e-6)


@given(shift_lists, st.integers(0, 4 * WEEK))
def test_clock_matches_brute_force_at_whole_minutes(lines: list[dict], t: int) -> None:
    p = car(*lines).pattern()
    assert p.cumulative()(t) == brute_clock(brute_mask(lines), t)


@given(shift_lists, st.floats(0, 2 * WEEK), st.floats(0, 2 * WEEK))
def test_clock_is_monotone_and_bounded(lines: list[dict], t1: float, t2: float) -> None:
    lo, hi = sorted((t1, t2))
    clock = car(*lines).pattern().cumulative()
    assert 0 <= clock(hi) - clock(lo) <= hi - lo + 1e-9


@given(shift_lists, st.integers(1, 3 * WEEK))
def test_iter_windows_match_brute_force(lines: list[dict], until: int) -> None:
    p = car(*lines).pattern()
    windows = list(p.iter_windows(until))
    for s, e in windows:
        assert 0 <= s < e <= until
    for (_, e1), (s2, _) in pairwise(windows):
        assert e1 < s2, "absolute windows must be merged across week boundaries"
    tiled = np.tile(brute_mask(lines), 4)[:until]
    got = np.zeros(until, dtype=bool)
    for s, e in windows:
        got[int(s):int(e)] = True
    assert np.array_equal(got, tiled)


@given(shift_lists, st.integers(1, 3 * WEEK))
def test_iter_windows_total_agrees_with_clock(lines: list[dict], until: int) -> None:
    p = car(*lines).pattern()
    total = sum(e - s for s, e in p.iter_windows(until))
    assert total == pytest.approx(p.cumulative()(until))


@given(shift_lists, shift_lists)
def test_cars_add_up(lines_a: list[dict], lines_b: list[dict]) -> None:
    a, b = car(*lines_a, name="a").pattern(), car(*lines_b, name="b").pattern()
    both = car(*lines_a, *lines_b).pattern()  # one car with both rotas: merged
    union = brute_mask(lines_a) | brute_mask(lines_b)
    assert both.minutes_per_week == union.sum()
    # two cars: their minutes add, overlap counted twice
    overlap = (brute_mask(lines_a) & brute_mask(lines_b)).sum()
    assert a.minutes_per_week + b.minutes_per_week == union.sum() + overlap
    if overlap:
        assert a.minutes_per_week + b.minutes_per_week > both.minutes_per_week


@given(st.lists(
    st.tuples(st.integers(0, WEEK - 1), st.integers(1, DAY)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=8,
))
def test_from_intervals_raw(intervals: list[tuple[int, int]]) -> None:
    p = WeeklyPattern.from_intervals(intervals)
    assert_well_formed(list(p.windows))
    expected = np.zeros(WEEK, dtype=bool)
    for s, e in intervals:
        expected[np.arange(s, e) % WEEK] = True
    assert np.array_equal(mask_of_windows(p.windows), expected)
