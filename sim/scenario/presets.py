"""Named hourly demand profiles (relative weights for hours 00:00-01:00 ... 23:00-24:00).

``uk_evening_peak`` follows the hour-of-day shape of self-harm presentations in Oxford
(Bergen & Hawton, 9,101 episodes; see ``shared/reference/parameters.md``, grade V/D):
about 6.6% of the day's demand in each hour from 20:00 to 03:00, about 1.4% in each
hour from 04:00 to 10:00, and about 4.1% in each other hour. It is used as a proxy for
the hour-of-day shape of mental-health incidents needing a police deployment.
"""

from __future__ import annotations

_EVENING = 6.6  # % of daily demand per hour, 20:00-03:00
_MORNING = 1.4  # % per hour, 04:00-10:00
_OTHER = 4.1  # % per hour otherwise

UK_EVENING_PEAK: tuple[float, ...] = tuple(
    _EVENING if (h >= 20 or h < 3) else _MORNING if 4 <= h < 10 else _OTHER for h in range(24)
)

HOURLY_PROFILES: dict[str, tuple[float, ...]] = {
    "flat": (1.0,) * 24,
    "uk_evening_peak": UK_EVENING_PEAK,
}
