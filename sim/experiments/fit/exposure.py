"""Exposure: how many hours of each hour-of-week cell, in each week, the export observed.

A rate is a count over the time it was counted in. Counting the hours from the clock of
the export's time zone (``Europe/London``: :mod:`zoneinfo`), the hour that repeats when
the clocks go back in October (Sunday 01:00-02:00) is observed twice that week and the
hour skipped when they go forward in March is observed zero times; a period that starts
or ends mid-week observes some cells one time fewer. So no clock change and no partial
week biases a rate (``docs/fit.md``, "Method").

Cells are numbered ``24 * day + hour`` with Monday 00:00-01:00 as 0 (the model's hour of
the week, :mod:`sim.core.demand`); weeks are numbered from the local Monday on or before
the start of the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sim.common.units import HOURS_PER_WEEK

STEP_MINUTES = 15
"""The exposure grid (every UTC offset in use is a whole number of quarter hours)."""


@dataclass(frozen=True)
class Grid:
    """Exposure of a period: hours observed per week and hour-of-week cell."""

    start: dt.date
    end: dt.date
    """The period: local midnight of ``start`` to local midnight of ``end`` (excluded)."""
    monday0: pd.Timestamp
    """Local Monday 00:00 that starts week 0 (no zone attached)."""
    hours: np.ndarray
    """``(weeks, 168)`` hours observed."""

    @property
    def n_weeks(self) -> int:
        return int(self.hours.shape[0])

    @property
    def week_hours(self) -> np.ndarray:
        return self.hours.sum(axis=1)

    def week_start(self, week: int | np.ndarray) -> pd.DatetimeIndex:
        """Local Monday 00:00 starting each of ``week`` (always an index)."""
        return pd.DatetimeIndex(self.monday0 + pd.to_timedelta(np.atleast_1d(week) * 7,
                                                               unit="D"))


def _utc(day: dt.date, zone: ZoneInfo) -> pd.Timestamp:
    return pd.Timestamp(day).tz_localize(zone, ambiguous=True, nonexistent="shift_forward"
                                         ).tz_convert("UTC")


def exposure_grid(start: dt.date, end: dt.date, zone: ZoneInfo) -> Grid:
    """Hours observed in each week and cell from local midnight ``start`` to ``end``."""
    monday0 = pd.Timestamp(start) - pd.Timedelta(days=start.weekday())
    steps = pd.date_range(_utc(start, zone), _utc(end, zone), freq=f"{STEP_MINUTES}min",
                          inclusive="left")
    local = steps.tz_convert(zone).tz_localize(None)
    cell, week = cells_and_weeks(local, monday0)
    n_weeks = int(week.max()) + 1 if week.size else 0
    hours = np.bincount(week * HOURS_PER_WEEK + cell, minlength=n_weeks * HOURS_PER_WEEK)
    hours = hours.reshape(n_weeks, HOURS_PER_WEEK) * (STEP_MINUTES / 60.0)
    return Grid(start=start, end=end, monday0=monday0, hours=hours)


def cells_and_weeks(local: pd.DatetimeIndex | pd.Series, monday0: pd.Timestamp
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Hour-of-week cell and week number of wall-clock times."""
    index = pd.DatetimeIndex(local)
    cell = (index.day_of_week * 24 + index.hour).to_numpy(dtype=np.int64)
    week = ((index - monday0) // pd.Timedelta(days=7)).to_numpy(dtype=np.int64)
    return cell, week


def counts_matrix(cell: np.ndarray, week: np.ndarray, n_weeks: int) -> np.ndarray:
    """``(weeks, 168)`` counts of events at ``cell`` in ``week``."""
    flat = np.bincount(week * HOURS_PER_WEEK + cell, minlength=n_weeks * HOURS_PER_WEEK)
    return flat[: n_weeks * HOURS_PER_WEEK].reshape(n_weeks, HOURS_PER_WEEK)
