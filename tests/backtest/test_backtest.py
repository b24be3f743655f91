"""Back test: small pinned runs must reproduce the stored CSVs byte for byte.

When a change is meant to move the numbers, regenerate them with
``python tests/backtest/regenerate.py`` and say why in the CHANGELOG.
"""

from __future__ import annotations

import pytest

from tests.backtest.regenerate import EXPECTED, JOBS, run_job


@pytest.mark.parametrize("job", sorted(JOBS))
def test_outputs_match_the_stored_results(job, tmp_path):
    got = run_job(JOBS[job], tmp_path / job)
    expected = {p.relative_to(EXPECTED / job).as_posix(): p.read_bytes()
                for p in sorted((EXPECTED / job).rglob("*.csv"))}
    assert sorted(got) == sorted(expected), "a different set of CSV files"
    changed = [name for name in expected if got[name] != expected[name]]
    assert not changed, (f"{job}: {changed} differ from tests/backtest/expected/{job}/; if the "
                         "change is intended, run tests/backtest/regenerate.py and say why in "
                         "the CHANGELOG")
