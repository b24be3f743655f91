"""Units of time used everywhere: the clock is in minutes, time 0 is Monday 00:00.

One place for each conversion, so that "a year" or "a month" means the same in the
model, the metrics, the funding case and the sweeps.
"""

from __future__ import annotations

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
HOURS_PER_WEEK = 168

DAYS_PER_YEAR = 365.25
"""A Julian year: the funding case annualises with it (52.18 weeks a year)."""

WEEKS_PER_YEAR = DAYS_PER_YEAR / 7
"""Weeks in a year (52.18): totals over the measured weeks times ``WEEKS_PER_YEAR / weeks``
are per year."""

DAYS_PER_MONTH = 30.44
"""An average month (365.25 / 12, rounded as published): ``car_incidents_per_month``."""
