"""Command line: ``python run_scenarios.py [FILES...] [options]``.

Exit status: 0 success; 2 bad input or an output place that cannot or must not be written
(one line per problem, naming it; the results folder is left as it was); 1 an internal
error (our bug); 130 interrupted by Ctrl-C (the results folder is left as it was).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import textwrap
import traceback
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.cli.sweep import main_sweep
from sim.common import formats
from sim.common.counts import flag_type
from sim.common.errors import InputError, Problem, ScenarioError
from sim.common.folders import USER_ERRNOS, check_output_folder, file_problem
from sim.core.metrics import HEADLINE
from sim.economics.funding import PUBLIC, compute, price_problems, reference_scenario, table_value
from sim.economics.psa import run_psa
from sim.economics.verdicts import basis_line, evpi_line, frontier_line, verdicts
from sim.experiments.base import experiment_key
from sim.experiments.sweeps.design import is_sweep_file
from sim.reporting.results import write_results
from sim.run.estimate import describe, estimate, worth_saying
from sim.run.executors import scheduler_address
from sim.run.runner import RunResult, default_jobs, run_scenarios
from sim.scenario.loader import is_partial, load_scenario
from sim.scenario.schema import Scenario

DEFAULT_SCENARIOS = Path("scenarios")
DEFAULT_OUT = Path("results") / "latest"
DEFAULT_BASELINE = "no_car"


_positive = flag_type(1)  # the API's rule too (sim/common/counts.py)
_non_negative = flag_type(0)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="run_scenarios.py",
        description="Simulate police and mental-health response cars and compare scenarios.",
        epilog="With no files, runs every scenarios/*.yaml (except partial _*.yaml files) "
               "and compares them against no_car.",
    )
    p.add_argument("files", nargs="*", type=Path,
                   help="scenario files (YAML), or one sweep file (top-level sweep: key)")
    p.add_argument("--reps", type=_positive, help="replications (overrides the files)")
    p.add_argument("--weeks", type=_positive, help="measured weeks (overrides the files)")
    p.add_argument("--warmup-weeks", type=_non_negative, help="warm-up weeks (overrides)")
    p.add_argument("--seed", type=_non_negative, help="random seed (overrides the files)")
    p.add_argument("--jobs", type=_positive, default=None,
                   help="worker processes (default: all cores); results do not depend on it")
    p.add_argument("--out", type=Path, default=None,
                   help=f"results folder (default: {DEFAULT_OUT}; for a sweep file, "
                        "results/<sweep name>)")
    p.add_argument("--baseline", help="scenario name to compare against "
                                      f"(default: {DEFAULT_BASELINE} if present, else the first)")
    p.add_argument("--validate-only", action="store_true",
                   help="check the files and report problems; run nothing, write nothing")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--quiet", action="store_true", help="print only problems")
    p.add_argument("--resume", action="store_true",
                   help="sweep files: skip the tasks an interrupted run into --out finished")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                   help="sweep files, and the sensitivity analysis of scenario files: run "
                        "on this Dask scheduler (default: "
                        "$DASK_SCHEDULER_ADDRESS if set, else local worker processes)")
    p.add_argument("--event-log", metavar="PATH", type=Path, default=None,
                   help="also write one row per call and per other job (times, car, pathway, "
                        "outcome) to PATH: Parquet if pyarrow is installed, else CSV")
    p.add_argument("--psa", type=_non_negative, default=None, metavar="N",
                   help="sensitivity analysis with N draws of the uncertain inputs (default: "
                        "the do-minimum's uncertainty: block, 1000 for the shipped ones); 0 "
                        "skips it (no expected values, tornado or value of information)")
    p.add_argument("--psa-reps", type=_positive, default=None, metavar="R",
                   help="replications per draw of the sensitivity analysis (default: the "
                        "uncertainty: block's, 1 for the shipped ones)")
    return p


def _scenario_files(files: Sequence[Path]) -> list[Path]:
    if files:
        return list(files)
    if not DEFAULT_SCENARIOS.is_dir():
        raise InputError([Problem(str(DEFAULT_SCENARIOS), None, "",
                                  "no scenario files given and no scenarios/ folder here; "
                                  "run from the project folder or name the files")])
    return sorted(p for p in DEFAULT_SCENARIOS.glob("*.yaml") if not is_partial(p))


def load_all(files: Sequence[Path]) -> tuple[list[Scenario], dict[str, str]]:
    """Load every file; raise :class:`InputError` with all problems of all files."""
    problems: list[Problem] = []
    scenarios: list[Scenario] = []
    sources: dict[str, str] = {}
    for path in files:
        if not path.exists():  # a folder or a device: load_scenario says what it is
            problems.append(Problem(str(path), None, "", "file not found"))
            continue
        if is_partial(path):
            problems.append(Problem(str(path), None, "", "a partial file (name starts with _) "
                                    "is only extended by other files, never run"))
            continue
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        if scenario.name in sources:
            problems.append(Problem(str(path), None, "name", f"scenario name {scenario.name!r} "
                                    f"is also used by {sources[scenario.name]}"))
            continue
        scenarios.append(scenario)
        sources[scenario.name] = str(path)
    if problems:
        raise InputError(problems)
    return scenarios, sources


def _print_summary(result: RunResult) -> None:
    summary = result.summary()
    rows = []
    for metric in HEADLINE:
        row = {"metric": metric}
        for s in result.scenarios:
            r = summary[(summary.scenario == s.name) & (summary.metric == metric)].iloc[0]
            cell = formats.console(r["mean"])
            if not math.isnan(r["ci_low"]):
                cell += f" [{formats.console(r['ci_low'])}, {formats.console(r['ci_high'])}]"
            row[s.name] = cell
        rows.append(row)
    table = pd.DataFrame(rows).set_index("metric")
    print("Means per replication with 95% intervals:")
    print(table.to_string())
    if result.baseline and len(result.scenarios) > 1:
        diff = result.comparison()
        print(f"\nPaired differences against {result.baseline} (95% interval):")
        for s in result.scenarios:
            if s.name == result.baseline:
                continue
            parts = []
            for metric in ("s136_avoided", "officer_hours_saved", "car_attended"):
                d = diff[(diff.scenario == s.name) & (diff.metric == metric)].iloc[0]
                parts.append(f"{metric} {formats.console(d['mean_difference'])} "
                             f"[{formats.console(d['ci_low'])}, {formats.console(d['ci_high'])}]")
            pct = diff[(diff.scenario == s.name) & (diff.metric == "s136_change_pct")]
            if not pct.empty:
                p = pct.iloc[0]
                parts.append(f"s136_change_pct {p['mean_difference']:+.1f}% "
                             f"[{p['ci_low']:+.1f}%, {p['ci_high']:+.1f}%]")
            print(f"  {s.name}: " + "; ".join(parts))


def _sensitivity(result: RunResult, args: argparse.Namespace):
    """The sensitivity analysis of the run (None when skipped or there is nothing to do)."""
    if args.psa == 0:
        return None
    return run_psa(result, compute(result), draws=args.psa, reps=args.psa_reps,
                   jobs=args.jobs or default_jobs(),
                   scheduler=scheduler_address(args.scheduler),
                   progress=False if args.quiet else None)


def _print_funding_case(result: RunResult, psa) -> None:
    """One plain-language verdict per comparison (sim/economics/verdicts.py), then the
    frontier, the value of information and the appraisal at the inputs' means."""
    econ = compute(result)
    if not econ.pairs:
        return
    print(f"\nThe appraisal ({basis_line(econ, psa)}):")
    for v in verdicts(econ, psa, result.scenarios):
        print(textwrap.fill(v.sentence, width=100, initial_indent="  ",
                            subsequent_indent="    "))
    for note in econ.notes:
        print(f"  note: {note}")
    if psa is None:
        print("  (sensitivity analysis not run: no expected values; see report.html)")
        return
    for line in (frontier_line(psa), evpi_line(psa, econ)):
        print(textwrap.fill(line, width=100, initial_indent="  ", subsequent_indent="    "))
    means = [f"{s} vs {c} {formats.money(v)}" for s, c in econ.pairs
             if math.isfinite(v := table_value(psa.table, s, c, "net_benefit", "mean", PUBLIC,
                                               "at_means"))]
    if means:
        print(textwrap.fill("Secondary, one deterministic run at the inputs' means (not an "
                            "expected value), public sector a year: " + "; ".join(means),
                            width=100, initial_indent="  ", subsequent_indent="    "))
    st = psa.settings
    rate = psa.simulated_replications / psa.wall_seconds if psa.wall_seconds else math.nan
    print(f"  sensitivity analysis: {st['draws']:,} draws x {st['replications_per_draw']} "
          f"replication(s), {psa.simulated_replications:,} scenario-replications in "
          f"{psa.wall_seconds:.1f} s ({rate:,.0f} a second); {st['rejected']:,} of "
          f"{st['candidates_examined']:,} candidate draws rejected by the calibration; see "
          "report.html")


def _check_prices(scenarios: Sequence[Scenario], sources: dict[str, str], baseline: str
                  ) -> None:
    """Refuse (exit status 2), before anything runs, costs whose price years the price
    index cannot restate to the report's (sim/economics/prices.py)."""
    appraisal = reference_scenario(scenarios, baseline).appraisal
    problems = [Problem(sources[s.name], None, "costs", text) for s in scenarios
                for text in price_problems(s, appraisal)]
    if problems:
        raise InputError(problems)


def _check_outputs(out: Path, event_log: Path | None, files: Sequence[Path]) -> bool:
    """Refuse (exit status 2) an ``--out`` or ``--event-log`` that cannot or must not be
    written (``sim/common/folders.py``); True when the event log goes inside ``--out``."""
    check_output_folder(out, files)
    if event_log is None:
        return False
    problem = file_problem(event_log)
    if problem is not None:
        raise InputError([Problem("--event-log", None, "", f"{event_log} {problem}")])
    return Path(out).expanduser().resolve() in Path(event_log).expanduser().resolve().parents


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        return _main(args, argv)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        n = len(exc.problems)
        print(f"{n} problem{'s' if n != 1 else ''} found; nothing was run or written.",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the results folder was left as it was (a run replaces it only "
              "when every file is complete)", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno not in USER_ERRNOS:
            return _internal_error(exc)
        where = exc.filename or (args.out or DEFAULT_OUT)
        print(f"{where}: {exc.strerror or exc}; the results folder was left as it was",
              file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - last-resort report, exit status 1
        return _internal_error(exc)


def _internal_error(exc: BaseException) -> int:
    """Report one of our own bugs: exit status 1."""
    if os.environ.get("SIM_DEBUG"):
        traceback.print_exception(exc)
    print(f"internal error: {type(exc).__name__}: {exc}\n(set SIM_DEBUG=1 for the "
          "traceback, and please report it)", file=sys.stderr)
    return 1


def _main(args: argparse.Namespace, argv: list[str]) -> int:
    files = _scenario_files(args.files)
    if not files:
        raise InputError([Problem(str(DEFAULT_SCENARIOS), None, "", "no scenario files found")])
    optimise_files = [f for f in files if experiment_key(f) == "optimise"]
    if optimise_files:
        raise InputError([Problem(str(f), None, "", "is an optimise file: run it with "
                                  f"crisis-sim optimise {f}") for f in optimise_files])
    if any(is_sweep_file(f) for f in files):  # a sweep file: top-level 'sweep:' key
        if args.event_log is not None:
            raise InputError([Problem("--event-log", None, "", "applies to scenario files "
                                      "only, not to sweep files")])
        if args.psa is not None or args.psa_reps is not None:
            raise InputError([Problem("--psa", None, "", "applies to scenario files only, "
                                      "not to sweep files")])
        return main_sweep(args, argv, files)
    if args.resume:
        raise InputError([Problem("--resume", None, "", "applies to sweep files only")])
    scenarios, sources = load_all(files)
    names = [s.name for s in scenarios]
    if args.baseline is not None and args.baseline not in names:
        raise InputError([Problem("--baseline", None, "", f"{args.baseline!r} is not one of "
                                  f"the scenarios: {', '.join(names)}")])
    if args.validate_only:
        for s in scenarios:
            hours = sum(c.pattern().minutes_per_week for c in s.cars) / 60
            print(f"ok  {sources[s.name]}  (scenario {s.name}: {len(s.cars)} car(s), "
                  f"{hours:g} car-hours a week)")
        return 0
    baseline = args.baseline or (DEFAULT_BASELINE if DEFAULT_BASELINE in names else names[0])
    _check_prices(scenarios, sources, baseline)
    scenarios.sort(key=lambda s: s.name != baseline)  # baseline first, others as given
    out = args.out or DEFAULT_OUT
    log_inside = _check_outputs(out, args.event_log, files)  # before anything runs
    seconds, nbytes = estimate(scenarios, args.reps, args.weeks, warmup_weeks=args.warmup_weeks,
                               jobs=args.jobs or default_jobs(), event_log=bool(args.event_log))
    if worth_saying(seconds, nbytes):
        print(describe(seconds, nbytes), file=sys.stderr)
    result = run_scenarios(scenarios, reps=args.reps, seed=args.seed, weeks=args.weeks,
                           warmup_weeks=args.warmup_weeks, jobs=args.jobs or default_jobs(),
                           baseline=baseline if len(scenarios) > 1 else None,
                           event_log=True if log_inside else args.event_log)
    psa = _sensitivity(result, args)
    written = write_results(result, out, sources=sources, command=["run_scenarios.py", *argv],
                            psa=psa, plots=not args.no_plots,
                            event_log=args.event_log if log_inside else None)
    if not args.quiet:
        _print_summary(result)
        _print_funding_case(result, psa)
        reps = sum(st.replications for st in result.settings.values())
        print(f"\n{len(scenarios)} scenario(s), {reps} replications in "
              f"{result.wall_seconds:.1f} s with {result.jobs} worker(s); "
              f"{len(written)} files written to {out}/")
        if args.event_log is not None:
            print(f"event log ({len(result.events):,} rows) written to "
                  f"{result.extra['event_log_path']}")
    return 0
