"""Verification and validation: ``python -m sim.validation``.

* :mod:`sim.validation.verification` checks the model against queueing theory (Erlang B
  and its insensitivity, Erlang C / M/M/c, Little's law) and exact identities;
* :mod:`sim.validation.published` checks simulated outputs against what real services
  published (``scenarios/validation/``).

:func:`run_all` runs both and returns one row per check; ``docs/validation.md`` explains
every check and shows the latest figures, written by ``python -m sim.validation
--update-docs``.
"""

from __future__ import annotations

import pandas as pd

from sim.validation import published, verification
from sim.validation.checks import CheckResult

COLUMNS = ["group", "check", "criterion", "expected", "simulated", "ci_low", "ci_high", "n",
           "passed", "status", "source", "note"]


def run_all(fast: bool = False, jobs: int = 1) -> list[CheckResult]:
    """Every check; ``fast`` runs a smaller subset with less simulation (for the tests)."""
    v_effort = verification.FAST if fast else verification.FULL
    p_effort = published.FAST if fast else published.FULL
    return verification.run(v_effort, jobs) + published.run(p_effort, jobs)


def status(result: CheckResult) -> str:
    """``pass``, ``FAIL``, or ``missed (explained: ...)`` for a documented miss."""
    if result.passed:
        return "pass"
    where = published.KNOWN_MISSES.get(result.check)
    return f"missed (explained: {where})" if where else "FAIL"


def to_frame(results: list[CheckResult]) -> pd.DataFrame:
    """The checks as a table (the columns of ``validation.csv``)."""
    rows = [{**r.row(), "status": status(r)} for r in results]
    return pd.DataFrame(rows, columns=COLUMNS)


def unexplained_failures(results: list[CheckResult]) -> list[CheckResult]:
    """Checks that failed and are not documented misses."""
    return [r for r in results if status(r) == "FAIL"]
