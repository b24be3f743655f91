"""The ``crisis-sim`` console script: one command with subcommands.

``crisis-sim run ...`` is exactly ``python run_scenarios.py ...`` (:mod:`sim.cli.run`);
``crisis-sim validate ...`` is ``python -m sim.validation ...``. Other subcommands are
added to :data:`COMMANDS` as their features land. Exit status: 0 success, 2 bad input,
1 an internal error, 130 interrupted.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from sim.cli import app, fit, optimise, run
from sim.validation import __main__ as validation

Command = Callable[[list[str]], int]

COMMANDS: dict[str, tuple[Command, str]] = {
    "run": (run.main, "simulate scenario files (or one sweep file) and write a results folder"),
    "validate": (validation.main, "check the model against theory and published figures"),
    "fit": (fit.main, "fit a scenario to an incident export and test it against hold-out data"),
    "app": (app.main, "serve the planner app in a browser, on this computer only by default"),
    "optimise": (optimise.main, "choose the best rota for a budget of car-hours, with a "
                                "statistical guarantee"),
}
"""Subcommand name -> (entry point taking the remaining arguments, one-line help)."""


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["usage: crisis-sim COMMAND [options]   (crisis-sim COMMAND --help for more)", "",
             "commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``crisis-sim``; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage(), file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"crisis-sim: unknown command {name!r}; choose from {', '.join(COMMANDS)}",
              file=sys.stderr)
        return 2
    return COMMANDS[name][0](rest)


if __name__ == "__main__":
    raise SystemExit(main())
