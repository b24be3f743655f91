"""``crisis-sim fit INCIDENTS.csv --out DIR``: a scenario fitted to a force's own export.

Writes into DIR the scenario file (``fitted_scenario.yaml``), ``fit_report.html`` and the
tidy tables (``rates_by_hour_of_week.csv``, ``durations.csv``, ``outcomes.csv``,
``trend.csv``, ``weekly_counts.csv``, and ``holdout.csv`` with ``--holdout``). Everything
is computed and the report rendered before the first file is written, so bad input (exit
status 2, one line per problem naming the file, line and column) and internal errors
(exit status 1) leave nothing behind. See ``docs/fit.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from sim.common import formats
from sim.common.counts import flag_type
from sim.common.errors import InputError, Problem
from sim.experiments.fit import fit_incidents, write_fit_outputs
from sim.experiments.fit.api import HOLDOUT_REPS, PROFILES, SCENARIO_FILE, WINDOWS, FitResult
from sim.reporting.fit_report import render_fit_report, write_fit_report


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (a fraction of the "
                                         f"period), got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="crisis-sim fit",
        description="Fit demand, officer time and outcomes to an incident export and write "
                    "a runnable scenario, a report and tidy tables (docs/fit.md).")
    p.add_argument("incidents", type=Path, help="the export (CSV)")
    p.add_argument("--out", type=Path, required=True, help="folder to write into")
    p.add_argument("--mapping", type=Path, help="mapping file (YAML): your column names and "
                                                "codes")
    p.add_argument("--base", type=Path, help="scenario the fitted one extends (default: the "
                                             "shipped scenarios/_base.yaml)")
    p.add_argument("--holdout", type=_fraction, metavar="FRACTION",
                   help="keep the last FRACTION of the period back and test the fitted "
                        "scenario against it")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="skip and count rows with problems instead of stopping")
    p.add_argument("--profile", choices=PROFILES, default="auto",
                   help="hour-of-week rates: each cell's own, a day x hour model, or auto "
                        "(the model when data are thin)")
    p.add_argument("--demand-window", choices=WINDOWS, default="auto",
                   help="fit demand on the whole fitting period, its last 52 weeks, or auto "
                        "(the last 52 weeks when there is a trend)")
    p.add_argument("--seed", type=flag_type(0),
                   help="seed of the hold-out simulation (default: the base's)")
    p.add_argument("--reps", type=flag_type(0), default=HOLDOUT_REPS,
                   help=f"replications of the hold-out simulation (default {HOLDOUT_REPS})")
    return p


def summary(result: FitResult) -> list[str]:
    """What the command prints on success."""
    num = formats.report
    c = result.counts
    lines = [f"Read {result.source}: {c['rows_read']:,} rows, {c['incidents']:,} deployed "
             f"mental-health incidents, {result.period[0]} to "
             f"{result.period[1] - dt.timedelta(days=1)} ({result.timezone})."]
    if c["skipped_bad_rows"]:
        reasons = ", ".join(f"{k}: {v:,}" for k, v in result.skipped.items())
        lines.append(f"Skipped {c['skipped_bad_rows']:,} bad rows ({reasons}).")
    lines.append(f"Demand: {num(result.calls_per_day)} a day (95% interval "
                 f"{num(result.calls_per_day_ci[0])} to {num(result.calls_per_day_ci[1])}) "
                 f"from {c['window_incidents']:,} incidents, {result.window[0]} to "
                 f"{result.window[1] - dt.timedelta(days=1)}; {result.profile_reason}.")
    lines += [f"  {s}" for s in result.trend.sentences()]
    if result.duration_fits:
        best = result.duration_fits[0]
        lines.append(f"Officer time (no detention or conveyance): {best.dist}, mean "
                     f"{num(best.mean)} min, sd {num(best.sd)} (lowest AIC; KS D = "
                     f"{best.ks_statistic:.3f}; n = {best.n:,}).")
    out = result.outcomes
    for pathway in out["pathway"].unique():
        rows = out[(out["pathway"] == pathway) & out["measure"].isin(["share_s136",
                                                                      "share_ae"])]
        parts = [f"{r.measure[6:]} {r.estimate:.1%} [{r.ci_low:.1%}, {r.ci_high:.1%}]"
                 for r in rows.itertuples()]
        lines.append(f"Outcomes ({pathway} response): {', '.join(parts)}.")
    lines += [f"Note: {n}" for n in result.notes]
    if result.holdout is not None:
        h = result.holdout
        verdict = "PASSED" if h.passed else "FAILED"
        lines.append(f"Hold-out test {verdict} ({len(h.table)} checks, each at level "
                     f"{h.level:.4g}; {h.reps} simulated replications of {h.weeks} weeks):")
        for r in h.table.itertuples():
            lines.append(f"  {r.check:<22} {r.statistic} = {r.value:.3g}, p = {r.p_value:.3g}"
                         f"  {r.result.upper()}  (observed {r.observed}; simulated "
                         f"{r.simulated})")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``crisis-sim fit``; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        result = fit_incidents(args.incidents, mapping=args.mapping, base=args.base,
                               holdout=args.holdout, skip_bad_rows=args.skip_bad_rows,
                               profile=args.profile, demand_window=args.demand_window,
                               seed=args.seed, holdout_reps=max(args.reps, 1))
        html = render_fit_report(result, SCENARIO_FILE)
    except InputError as exc:
        _problems(exc.problems)
        return 2
    except Exception:  # noqa: BLE001 - reported, exit status 1
        traceback.print_exc()
        print("crisis-sim fit: internal error (a bug: please report it with the lines above); "
              "nothing was written.", file=sys.stderr)
        return 1
    try:
        files = write_fit_outputs(result, args.out)
        files["report"] = write_fit_report(result, args.out, html)
    except OSError as exc:
        print(f"{args.out}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for line in summary(result):
        print(line)
    print(f"Wrote {len(files)} files to {args.out}: " + ", ".join(p.name for p in
                                                                    files.values()) + ".")
    print(f"Run it: crisis-sim run {files['scenario']}")
    return 0


def _problems(problems: list[Problem]) -> None:
    for p in problems:
        print(p, file=sys.stderr)
    listed = [p for p in problems if not p.message.startswith("... and")]
    n = len(listed)
    count = f"more than {n} problems" if len(listed) < len(problems) else (
        f"{n} problem{'s' if n != 1 else ''}")
    print(f"{count[0].upper()}{count[1:]} found; nothing was written.", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
