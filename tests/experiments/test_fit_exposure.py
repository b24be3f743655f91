"""Exposure: the hours of each hour-of-week cell observed, clock changes and part weeks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sim.experiments.fit.exposure import cells_and_weeks, counts_matrix, exposure_grid

LONDON = ZoneInfo("Europe/London")
SUNDAY_0100 = 6 * 24 + 1


def test_a_plain_week_observes_every_cell_once() -> None:
    grid = exposure_grid(dt.date(2024, 1, 8), dt.date(2024, 1, 15), LONDON)
    assert grid.hours.shape == (1, 168) and np.all(grid.hours == 1.0)


def test_the_october_hour_is_observed_twice() -> None:
    grid = exposure_grid(dt.date(2023, 10, 23), dt.date(2023, 10, 30), LONDON)
    assert grid.hours.sum() == 169
    assert grid.hours[0, SUNDAY_0100] == 2
    assert np.all(np.delete(grid.hours[0], SUNDAY_0100) == 1)


def test_the_march_hour_is_observed_zero_times() -> None:
    grid = exposure_grid(dt.date(2024, 3, 25), dt.date(2024, 4, 1), LONDON)
    assert grid.hours.sum() == 167
    assert grid.hours[0, SUNDAY_0100] == 0
    assert np.all(np.delete(grid.hours[0], SUNDAY_0100) == 1)


def test_part_weeks_at_both_ends() -> None:
    # Wednesday 3 January to Wednesday 17 January (excluded): weeks 0 and 2 are part weeks.
    grid = exposure_grid(dt.date(2024, 1, 3), dt.date(2024, 1, 17), LONDON)
    assert grid.monday0 == pd.Timestamp("2024-01-01")
    assert grid.week_hours.tolist() == [120, 168, 48]
    assert np.all(grid.hours[0, :48] == 0) and np.all(grid.hours[0, 48:] == 1)
    assert np.all(grid.hours[2, :48] == 1) and np.all(grid.hours[2, 48:] == 0)


def test_another_time_zone_changes_its_own_clock_hour() -> None:
    # New York: clocks go forward at 02:00 on Sunday 10 March 2024.
    grid = exposure_grid(dt.date(2024, 3, 4), dt.date(2024, 3, 11), ZoneInfo("America/New_York"))
    assert grid.hours[0, 6 * 24 + 2] == 0 and grid.hours.sum() == 167


def test_cells_and_weeks_of_wall_clock_times() -> None:
    times = pd.to_datetime(["2024-01-01 00:00", "2024-01-07 23:59", "2024-01-10 13:30",
                            "2023-12-31 12:00"])
    cell, week = cells_and_weeks(times, pd.Timestamp("2024-01-01"))
    assert cell.tolist() == [0, 167, 2 * 24 + 13, 6 * 24 + 12]
    assert week.tolist() == [0, 0, 1, -1]
    counts = counts_matrix(cell[:3], week[:3], 2)
    assert counts.shape == (2, 168) and counts.sum() == 3 and counts[1, 61] == 1
