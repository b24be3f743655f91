"""``crisis-sim optimise FILE.yaml``: the best rota for a budget of car-hours, with a guarantee.

Reads an optimise file (``docs/optimise.md``; ``scenarios/optimise/*.yaml``), runs it through
:func:`sim.api.optimise` and prints what it found (``sim/reporting/optimise_results.py``,
``summary_text``). The results folder (default ``results/<name>``) holds ``optimise.csv``,
``best_rota.yaml`` (runnable), ``comparison.csv``, ``optimise.png`` and a manifest.

Exit status: 0 success, 2 bad input (one line per problem naming the file, line and key;
nothing is run or written), 1 an internal error, 130 interrupted (finished tasks are kept:
run the same command with ``--resume``).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from sim.api import optimise
from sim.common.counts import flag_type
from sim.common.errors import InputError, Problem, ScenarioError
from sim.experiments.optimise.space import generate
from sim.experiments.optimise.spec import load_optimise
from sim.reporting.optimise_results import summary_text
from sim.run.runner import default_jobs


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="crisis-sim optimise",
        description="Choose the rota (hours of the week each car works) that is best for "
                    "a budget of car-hours, with a statistical guarantee (docs/optimise.md).")
    p.add_argument("file", type=Path, help="an optimise file (scenarios/optimise/*.yaml)")
    p.add_argument("--out", type=Path, help="results folder (default: results/<name>)")
    p.add_argument("--jobs", type=flag_type(1), default=None,
                   help="worker processes (default: all cores); results are the same for any")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run into the same --out")
    p.add_argument("--seed", type=flag_type(0), default=None,
                   help="seed of the random numbers (default: the file's)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a Dask cluster (tcp://host:8786); default: "
                        "$DASK_SCHEDULER_ADDRESS, else local processes")
    p.add_argument("--no-plots", action="store_true", help="skip optimise.png")
    p.add_argument("--validate-only", action="store_true",
                   help="check the file and count the candidate rotas; run nothing")
    p.add_argument("--quiet", action="store_true", help="print nothing but problems")
    return p


def _problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    n = len(problems)
    print(f"{n} problem{'s' if n != 1 else ''} found; nothing was run or written.",
          file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``crisis-sim optimise``; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return _main(args, list(argv if argv is not None else sys.argv[1:]))
    except (InputError, ScenarioError) as exc:
        _problems(exc.problems)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished tasks are kept; run the same command with --resume to "
              "continue", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - reported, exit status 1
        traceback.print_exc()
        print("crisis-sim optimise: internal error (a bug: please report it with the lines "
              "above)", file=sys.stderr)
        return 1


def _main(args: argparse.Namespace, argv: list[str]) -> int:
    if not args.file.is_file():
        raise InputError([Problem(str(args.file), None, "", "file not found")])
    spec = load_optimise(args.file, seed=args.seed)
    if args.validate_only:
        candidates, notes = generate(spec)
        print(f"ok  {args.file}  (optimise {spec.name}: {len(candidates):,} candidate rotas)")
        for note in notes:
            print(f"note: {note}")
        return 0
    out = args.out or Path("results") / spec.name
    jobs = args.jobs if args.jobs is not None else default_jobs()

    def note(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr)

    started = time.perf_counter()
    result = optimise(args.file, seed=args.seed, jobs=jobs, scheduler=args.scheduler, out=out,
                      resume=args.resume, plots=not args.no_plots,
                      command=["crisis-sim", "optimise", *argv], log=note)
    if not args.quiet:
        print(summary_text(result), end="")
        print(f"\n{result.replications_run:,} replications simulated"
              + (f" ({result.replications_resumed:,} resumed)" if result.replications_resumed
                 else "")
              + f" on {result.backend} in {result.wall_seconds:.1f} s; {len(result.written)} "
                f"files written to {out}/ (total {time.perf_counter() - started:.1f} s)")
        if result.best is not None:
            print(f"Run the chosen rota: python run_scenarios.py {out}/best_rota.yaml")
    return 0
