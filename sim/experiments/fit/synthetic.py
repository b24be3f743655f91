"""A synthetic incident export from a known process (SYNTHETIC: no real incident in it).

The shipped example, ``examples/incidents/synthetic_incidents.csv``, is this module's output
with the defaults; regenerate it byte for byte with::

    python -m sim.experiments.fit.synthetic examples/incidents/synthetic_incidents.csv

The process (every figure is a constant below, so tests can compare a fit with the truth):

* Deployed mental-health incidents arrive as a Poisson process whose rate in each hour of
  the week is ``calls_per_day x weekday_factor[day] x profile[hour] / sum(profile)``, with
  the shipped ``uk_evening_peak`` profile (:mod:`sim.scenario.presets`); the clock is
  ``Europe/London`` local time, so the October hour that repeats has its calls twice and
  the skipped March hour has none. Another 25% of mental-health incidents are not deployed.
* Times are written as local wall-clock time without an offset (``2023-10-29 01:30:12``),
  as most command-and-control exports write them.
* A street-triage car attends half the deployed incidents that arise while it is on shift
  (15:00-23:00 Sun-Thu, 17:00-01:00 Fri-Sat).
* Outcomes: standard response: a Section 136 detention with probability 0.14, else A&E with
  0.15; car: 0.03, else 0.08.
* Officer minutes (all officers together), whole minutes: with no detention or conveyance,
  lognormal with mean 150 and sd 90 (standard) or mean 90 and sd 40 (car); a detention or a
  conveyance adds the officers' wait (at most 36 and 24 hours).
* ``--double-halfway``: the arrival rate doubles from the middle of the period (the export
  the hold-out test must reject).

Random numbers are uniforms from NumPy's PCG64 turned into counts and times by inverse
CDFs, each quantity from its own stream of the seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from scipy import special, stats

from sim.common.atomic import write_csv
from sim.scenario.presets import HOURLY_PROFILES

SEED = 20240701
START = dt.date(2023, 1, 4)   # a Wednesday: the first week is a part week
END = dt.date(2024, 7, 1)     # excluded; three clock changes in between
TIMEZONE = "Europe/London"
CALLS_PER_DAY = 10.0
PROFILE = "uk_evening_peak"
WEEKDAY_FACTORS = (1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.1)
DEPLOYED_SHARE = 0.8
CAR_SHARE_ON_SHIFT = 0.5
CAR_SHIFTS = (((6, 0, 1, 2, 3), 15, 23), ((4, 5), 17, 25))  # (days, start hour, end hour)
P_S136 = {"standard": 0.14, "car": 0.03}
P_AE_GIVEN_NO_S136 = {"standard": 0.15, "car": 0.08}
MINUTES_NONE = {"standard": (150.0, 90.0), "car": (90.0, 40.0)}   # lognormal mean, sd
OFFICERS = {"standard": 2, "car": 1}
S136_WAIT_HOURS = (8.0, 20.0)   # lognormal median, 95th percentile (per officer)
AE_WAIT_HOURS = (4.0, 2.0)      # lognormal mean, sd (per officer)
S136_MAX_HOURS = 36.0           # the legal limit: 24 hours, extendable by 12
AE_MAX_HOURS = 24.0
COLUMNS = ("incident_id", "created_at", "mental_health", "deployed", "officer_minutes",
           "outcome", "car_attended")
DEFAULT_OUT = Path("examples") / "incidents" / "synthetic_incidents.csv"


def true_rates_per_hour(calls_per_day: float = CALLS_PER_DAY) -> np.ndarray:
    """The 168 true rates of deployed incidents per hour (Monday 00:00 first)."""
    weights = np.asarray(HOURLY_PROFILES[PROFILE], dtype=float)
    return np.array([calls_per_day * WEEKDAY_FACTORS[d] * weights[h] / weights.sum()
                     for d in range(7) for h in range(24)])


def true_share(pathway: str) -> dict[str, float]:
    """True outcome shares (s136, ae, none) of one pathway."""
    s136 = P_S136[pathway]
    ae = (1 - s136) * P_AE_GIVEN_NO_S136[pathway]
    return {"s136": s136, "ae": ae, "none": 1 - s136 - ae}


def _car_on_shift(cell: np.ndarray) -> np.ndarray:
    day, hour = cell // 24, cell % 24
    on = np.zeros(cell.shape, dtype=bool)
    for days, start, end in CAR_SHIFTS:
        for d in days:
            on |= (day == d) & (hour >= start) & (hour < min(end, 24))
            if end > 24:
                on |= (day == (d + 1) % 7) & (hour < end - 24)
    return on


def _lognormal(u: np.ndarray, mean: float, sd: float) -> np.ndarray:
    sigma2 = np.log1p((sd / mean) ** 2)
    return np.exp(np.log(mean) - sigma2 / 2 + np.sqrt(sigma2) * special.ndtri(u))


def generate(seed: int = SEED, *, start: dt.date = START, end: dt.date = END,
             double_halfway: bool = False, calls_per_day: float = CALLS_PER_DAY
             ) -> pd.DataFrame:
    """The synthetic export as a table of text columns (see the module's docstring)."""
    zone = ZoneInfo(TIMEZONE)
    streams = [np.random.Generator(np.random.PCG64(s))
               for s in np.random.SeedSequence(seed).spawn(8)]
    counts_u, offsets_u, deployed_u, car_u, s136_u, ae_u, minutes_u, wait_u = streams
    first = pd.Timestamp(start).tz_localize(zone).tz_convert("UTC")
    last = pd.Timestamp(end).tz_localize(zone).tz_convert("UTC")
    hours = pd.date_range(first, last, freq="h", inclusive="left")
    local = hours.tz_convert(zone)
    cell = (local.day_of_week * 24 + local.hour).to_numpy()
    rate = true_rates_per_hour(calls_per_day)[cell] / DEPLOYED_SHARE
    if double_halfway:
        rate = rate * np.where(np.arange(len(hours)) >= len(hours) // 2, 2.0, 1.0)
    counts = stats.poisson.ppf(counts_u.random(len(hours)), rate).astype(np.int64)
    hour_of = np.repeat(np.arange(len(hours)), counts)
    n = hour_of.size
    seconds = np.floor(offsets_u.random(n) * 3600).astype(np.int64)
    instants = hours[hour_of] + pd.to_timedelta(seconds, unit="s")
    order = np.argsort(instants.asi8, kind="stable")
    instants, hour_of = instants[order], hour_of[order]

    deployed = deployed_u.random(n) < DEPLOYED_SHARE
    car = deployed & _car_on_shift(cell[hour_of]) & (car_u.random(n) < CAR_SHARE_ON_SHIFT)
    p_s136 = np.where(car, P_S136["car"], P_S136["standard"])
    p_ae = np.where(car, P_AE_GIVEN_NO_S136["car"], P_AE_GIVEN_NO_S136["standard"])
    s136 = s136_u.random(n) < p_s136
    ae = ~s136 & (ae_u.random(n) < p_ae)
    u_min = minutes_u.random(n)
    minutes = np.where(car, _lognormal(u_min, *MINUTES_NONE["car"]),
                       _lognormal(u_min, *MINUTES_NONE["standard"]))
    u_wait = wait_u.random(n)
    median, p95 = S136_WAIT_HOURS
    s136_wait = np.minimum(np.exp(np.log(median) + np.log(p95 / median) / 1.6448536269514722
                                  * special.ndtri(u_wait)), S136_MAX_HOURS)
    ae_wait = np.minimum(_lognormal(u_wait, *AE_WAIT_HOURS), AE_MAX_HOURS)
    officers = np.where(car, OFFICERS["car"], OFFICERS["standard"])
    minutes = minutes + 60.0 * officers * (s136 * s136_wait + ae * ae_wait)
    minutes = np.maximum(1, np.round(minutes)).astype(np.int64)

    outcome = np.where(s136, "s136", np.where(ae, "ae", "none"))
    local_text = instants.tz_convert(zone).strftime("%Y-%m-%d %H:%M:%S")
    return pd.DataFrame({
        "incident_id": [f"SYN{i:06d}" for i in range(1, n + 1)],
        "created_at": np.asarray(local_text),
        "mental_health": "true",
        "deployed": np.where(deployed, "true", "false"),
        "officer_minutes": np.where(deployed, minutes.astype(str), ""),
        "outcome": np.where(deployed, outcome, "none"),
        "car_attended": np.where(car, "true", "false"),
    }, columns=list(COLUMNS))


def write_synthetic(path: str | Path, seed: int = SEED, *, double_halfway: bool = False,
                    start: dt.date = START, end: dt.date = END,
                    calls_per_day: float = CALLS_PER_DAY) -> Path:
    """Write the synthetic export to ``path`` (atomically); return the path."""
    write_csv(path, generate(seed, start=start, end=end, double_halfway=double_halfway,
                             calls_per_day=calls_per_day))
    return Path(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.experiments.fit.synthetic",
        description="Write a SYNTHETIC incident export from a known process (docs/fit.md).")
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT,
                        help=f"the CSV to write (default: {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--double-halfway", action="store_true",
                        help="double the arrival rate from the middle of the period")
    args = parser.parse_args(argv)
    path = write_synthetic(args.out, args.seed, double_halfway=args.double_halfway)
    print(f"wrote {path} (synthetic)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
