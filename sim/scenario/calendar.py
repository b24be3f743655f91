"""Shift windows and the hour-of-week clock: the one place for both.

The simulation clock is in minutes; time 0 is Monday 00:00 of week 0. A car's
shifts (``{days, start, end}``) become a *weekly pattern*: sorted, disjoint
half-open intervals ``[start, end)`` in ``[0, MINUTES_PER_WEEK)``, where

* a shift whose end is at or before its start ends on the next day
  (17:00-01:00 on Friday ends Saturday 01:00); ``"24:00"`` is midnight at the end
  of the day;
* a shift crossing Sunday midnight wraps to the start of the week;
* windows of one car that touch or overlap are merged.

Windows of different cars are never merged: cars add up.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from sim.common.units import HOURS_PER_WEEK, MINUTES_PER_DAY, MINUTES_PER_HOUR, MINUTES_PER_WEEK

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_hhmm(text: str) -> int:
    """Minutes after midnight of ``"HH:MM"`` (``"24:00"`` gives 1440).

    Raises
    ------
    ValueError
        If the text is not a valid time of day.
    """
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[1]) != 2:
        raise ValueError(f"time {text!r} must be written as \"HH:MM\", for example \"17:00\"")
    hours, minutes = int(parts[0]), int(parts[1])
    if hours == 24 and minutes == 0:
        return MINUTES_PER_DAY
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"time {text!r} is not a time of day (00:00 to 24:00)")
    return hours * MINUTES_PER_HOUR + minutes


def day_index(name: str) -> int:
    """Index 0..6 of a day name ``Mon``..``Sun``."""
    try:
        return DAY_NAMES.index(name)
    except ValueError:
        raise ValueError(f"unknown day {name!r}; use {', '.join(DAY_NAMES)} or 'all'") from None


def merge_intervals(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sort intervals and merge those that touch or overlap."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def shift_intervals(days: Sequence[int], start_min: int, end_min: int) -> list[tuple[int, int]]:
    """Intervals in week minutes for one shift line, before wrapping and merging."""
    if start_min == end_min:
        raise ValueError("shift start equals end")
    length = end_min - start_min
    if length <= 0:  # ends at or before its start: ends on the next day
        length += MINUTES_PER_DAY
    starts = [d * MINUTES_PER_DAY + start_min for d in days]
    return [(s, s + length) for s in starts]


@dataclass(frozen=True)
class WeeklyPattern:
    """On-shift windows of one car within a week, merged and wrapped.

    Attributes
    ----------
    windows
        Sorted disjoint ``(start, end)`` minute intervals within ``[0, MINUTES_PER_WEEK]``.
    """

    windows: tuple[tuple[float, float], ...]

    @classmethod
    def from_intervals(cls, intervals: Sequence[tuple[float, float]]) -> WeeklyPattern:
        """Build a pattern from raw intervals that may run past the end of the week."""
        wrapped: list[tuple[float, float]] = []
        for start, end in intervals:
            if end <= MINUTES_PER_WEEK:
                wrapped.append((start, end))
            else:  # crosses Sunday midnight: split and wrap the tail to Monday
                wrapped.append((start, MINUTES_PER_WEEK))
                wrapped.append((0, end - MINUTES_PER_WEEK))
        return cls(tuple(merge_intervals(wrapped)))

    @property
    def minutes_per_week(self) -> float:
        """Minutes on shift in one week."""
        return float(sum(e - s for s, e in self.windows))

    @property
    def always_on(self) -> bool:
        return self.windows == ((0, MINUTES_PER_WEEK),)

    def iter_windows(self, until: float) -> Iterator[tuple[float, float]]:
        """Absolute on-shift windows in ``[0, until)``, merged across week boundaries."""
        if not self.windows:
            return
        current: tuple[float, float] | None = None
        week = 0
        while True:
            base = week * MINUTES_PER_WEEK
            for start, end in self.windows:
                s, e = start + base, end + base
                if s >= until:
                    if current is not None:
                        yield current[0], min(current[1], until)
                    return
                if current is not None and s <= current[1]:
                    current = (current[0], max(current[1], e))
                else:
                    if current is not None:
                        yield current[0], min(current[1], until)
                    current = (s, e)
            week += 1

    def cumulative(self) -> OnShiftClock:
        """A function giving on-shift minutes from time 0 to any time."""
        return OnShiftClock(self)

    def minutes_by_hour_of_week(self) -> list[float]:
        """On-shift minutes in each of the 168 hours of the week."""
        clock = self.cumulative()
        return [
            clock(h * MINUTES_PER_HOUR + MINUTES_PER_HOUR) - clock(h * MINUTES_PER_HOUR)
            for h in range(HOURS_PER_WEEK)
        ]


class OnShiftClock:
    """``clock(t)``: minutes on shift in ``[0, t)``, for a periodic weekly pattern.

    Used to split a car's busy time into on-shift time and overtime in O(log n).
    """

    __slots__ = ("_starts", "_ends", "_before", "_per_week")

    def __init__(self, pattern: WeeklyPattern) -> None:
        self._starts = [s for s, _ in pattern.windows]
        self._ends = [e for _, e in pattern.windows]
        before, total = [], 0.0
        for s, e in pattern.windows:
            before.append(total)
            total += e - s
        self._before = before
        self._per_week = total

    def __call__(self, t: float) -> float:
        weeks, offset = divmod(t, MINUTES_PER_WEEK)
        i = bisect.bisect_right(self._starts, offset) - 1
        within = 0.0
        if i >= 0:
            within = self._before[i] + min(offset, self._ends[i]) - self._starts[i]
        return weeks * self._per_week + within


def _minutes_before_by_hour(t: np.ndarray) -> np.ndarray:
    """Summed over times ``t``: the minutes of ``[0, t)`` in each hour of the week."""
    weeks, offset = np.divmod(t, MINUTES_PER_WEEK)
    hour = (offset // MINUTES_PER_HOUR).astype(np.int64)
    part = offset - hour * MINUTES_PER_HOUR
    # 60 for every whole hour of the week before t's own hour, then its part of that one
    later = np.bincount(hour, minlength=HOURS_PER_WEEK)[::-1].cumsum()[::-1]  # hour >= h
    whole = later - np.bincount(hour, minlength=HOURS_PER_WEEK)  # hour > h
    out = MINUTES_PER_HOUR * (whole + weeks.sum())
    return out + np.bincount(hour, weights=part, minlength=HOURS_PER_WEEK)


def intervals_by_hour(a: np.ndarray, b: np.ndarray,
                      clock: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Minutes of the intervals ``[a, b)`` in each of the 168 hours of the week, summed.

    Without ``clock``, as ``F(b) - F(a)`` where ``F(t)`` counts the minutes of
    ``[0, t)`` in each hour (O(n), however long the intervals). With ``clock`` (minutes
    on shift before each time, in bulk), each interval is cut at whole hours and a piece
    counts ``clock(end) - clock(start)``, its on-shift part (for short intervals).
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.size == 0:
        return np.zeros(HOURS_PER_WEEK)
    if clock is None:
        return _minutes_before_by_hour(b) - _minutes_before_by_hour(a)
    out = np.zeros(HOURS_PER_WEEK)
    first = a // MINUTES_PER_HOUR
    span = int((np.ceil(b / MINUTES_PER_HOUR) - first).max(initial=0))
    for k in range(span):
        start = (first + k) * MINUTES_PER_HOUR
        lo = np.maximum(a, start)
        hi = np.minimum(b, start + MINUTES_PER_HOUR)
        live = hi > lo
        if not live.any():
            continue
        lo, hi = lo[live], hi[live]
        part = clock(hi) - clock(lo)
        hours = (first[live] + k).astype(np.int64) % HOURS_PER_WEEK
        out += np.bincount(hours, weights=part, minlength=HOURS_PER_WEEK)
    return out


def shift_minutes_by_hour(patterns: Sequence[WeeklyPattern]) -> np.ndarray:
    """Car-minutes on shift in each of the 168 hours of one week, added up over cars."""
    total = np.zeros(HOURS_PER_WEEK)
    for pattern in patterns:
        total += pattern.minutes_by_hour_of_week()
    return total


def hour_of_week(t_minutes: float) -> int:
    """Hour of week 0..167 (0 = Monday 00:00-01:00) of a clock time."""
    return int(t_minutes // MINUTES_PER_HOUR) % HOURS_PER_WEEK
