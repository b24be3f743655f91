"""The validation command: formulas, criteria, and the fast subset passing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.validation import run_all, status, to_frame, unexplained_failures
from sim.validation.__main__ import BEGIN, DOCS, END, markdown_table
from sim.validation.checks import against_theory, exact, in_range
from sim.validation.published import KNOWN_MISSES, poisson_interval, wilson_interval
from sim.validation.theory import erlang_b, erlang_c, mmc_mean_wait


def test_erlang_formulas_by_hand():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.5) == pytest.approx(1.125 / 3.625)
    # M/M/1: P(wait) = rho, Wq = rho / (1 - rho) x mean job
    assert erlang_c(1, 0.8) == pytest.approx(0.8)
    assert mmc_mean_wait(1, 0.8, 60) == pytest.approx(0.8 / 0.2 * 60)
    # M/M/2 at A = 1: C = 1/3
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert math.isinf(mmc_mean_wait(2, 2.0, 60))


def test_published_intervals_by_hand():
    low, high = poisson_interval(84)
    assert low == pytest.approx(stats.chi2.ppf(0.025, 168) / 2)
    assert high == pytest.approx(stats.chi2.ppf(0.975, 170) / 2)
    assert low < 84 < high
    lo, hi = wilson_interval(17, 84)
    assert lo == pytest.approx(0.1304, abs=1e-3) and hi == pytest.approx(0.3004, abs=1e-3)


def test_criteria():
    rng = np.random.default_rng(1)
    values = rng.normal(10, 1, size=30)
    assert against_theory("g", "c", values, 10.0, "s").passed
    assert not against_theory("g", "c", values, 11.0, "s").passed
    assert in_range("g", "c", values, 9, 11, "s").passed
    assert not in_range("g", "c", values, 10.5, 12, "s").passed
    assert exact("g", "c", True, 1.0, "1", "s").passed


def test_known_miss_is_reported_as_missed_not_failed():
    name = next(iter(KNOWN_MISSES))
    missed = in_range("validation", name, [1.0, 1.0], 5, 6, "s")
    assert status(missed).startswith("missed (explained:")
    assert unexplained_failures([missed]) == []
    other = in_range("validation", "something else", [1.0, 1.0], 5, 6, "s")
    assert status(other) == "FAIL" and unexplained_failures([other]) == [other]


def test_fast_subset_passes():
    results = run_all(fast=True, jobs=1)
    frame = to_frame(results)
    assert len(frame) >= 20
    assert set(frame.group) == {"verification", "validation"}
    failed = unexplained_failures(results)
    assert failed == [], "\n".join(f"{r.check}: {r.simulated} vs {r.expected}" for r in failed)
    table = markdown_table(frame)
    assert table.count("\n") == len(frame) + 1


def test_docs_have_the_generated_section_and_explain_every_known_miss():
    text = DOCS.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    for where in KNOWN_MISSES.values():
        anchor = where.split("#", 1)[1]
        headings = [line.lstrip("#").strip().lower().replace(" ", "-").replace(":", "")
                    for line in text.splitlines() if line.startswith("#")]
        assert anchor in headings, anchor


def test_rare_count_criterion():
    from sim.validation.checks import against_rare_count

    # 10,000 trials at p = 0.0003: 3 expected; 0 to about 10 are plausible at 99.9%
    assert against_rare_count("g", "c", 3, 10_000, 0.0003, "s").passed
    assert against_rare_count("g", "c", 0, 10_000, 0.0003, "s").passed
    assert not against_rare_count("g", "c", 30, 10_000, 0.0003, "s").passed
    r = against_rare_count("g", "c", 0, 10_000, 0.0003, "s")
    assert r.ci_low == 0 and r.ci_high == pytest.approx(3.689 / 10_000, rel=1e-3)
