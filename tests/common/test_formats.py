"""Number formats (sim.common.formats) and located problems (sim.common.errors)."""

from __future__ import annotations

import math

import pytest

from sim.common import formats
from sim.common.errors import Problem, by_line, dedupe, format_key, located
from sim.common.units import DAYS_PER_MONTH, HOURS_PER_WEEK, MINUTES_PER_WEEK, WEEKS_PER_YEAR


@pytest.mark.parametrize(("fmt", "value", "text"), [
    (formats.console, 4129.4, "4,129"), (formats.console, 43.931, "43.93"),
    (formats.console, math.nan, "-"), (formats.console, None, "-"),
    (formats.figure, 4129.4, "4,129"), (formats.figure, 43.93, "43.9"),
    (formats.figure, 0.404, "0.40"), (formats.figure, math.inf, "n/a"),
    (formats.report, 43.93, "43.9"), (formats.report, 1.254, "1.25"),
    (formats.report, 0.019123, "0.0191"), (formats.report, -250.4, "-250"),
    (formats.significant, 0.191349, "0.1913"), (formats.significant, 123456.0, "1.235e+05"),
    (formats.significant, math.nan, "-"),
    (formats.benchmark, 219674.2, "219,674"), (formats.benchmark, 12.54, "12.5"),
    (formats.benchmark, 0.0161, "0.016"),
])
def test_number_formats(fmt, value, text):
    assert fmt(value) == text


def test_money_rounds_to_hundreds_from_a_thousand_and_signs():
    assert formats.money(47_849.0) == "£47,800"
    assert formats.money(-47_851.0) == "-£47,900"
    assert formats.money(999.4) == "£999"
    assert formats.money(1200.0, signed=True) == "+£1,200"
    assert formats.money(math.nan) == "n/a"


def test_interval_and_percent():
    assert formats.interval(100.2, 96.86, 104.1) == "100 [96.86, 104]"
    assert formats.interval(5.0, math.nan, math.nan) == "5.00"
    assert formats.percent(0.454) == "45%"
    assert formats.percent(math.nan) == "n/a"


def test_units_are_consistent():
    assert HOURS_PER_WEEK * 60 == MINUTES_PER_WEEK
    assert pytest.approx(52.178571, rel=1e-6) == WEEKS_PER_YEAR
    assert pytest.approx(365.25 / 12, abs=0.005) == DAYS_PER_MONTH


def test_problem_text_and_location():
    positions = {("cars",): ("a.yaml", 4), ("cars", 0): ("a.yaml", 5)}
    p = located(("cars", 0, "shifts", 1, "start"), "bad time", positions, "a.yaml")
    assert (p.line, p.key) == (5, "cars[0].shifts[1].start")
    assert str(p) == "a.yaml:5: cars[0].shifts[1].start: bad time"
    assert str(Problem("a.yaml", None, "", "unreadable")) == "a.yaml: unreadable"
    assert format_key(("demand", "calls_per_day")) == "demand.calls_per_day"


def test_problems_sorted_and_deduplicated():
    a, b, c = (Problem("f", 9, "k", "x"), Problem("f", 2, "k", "y"), Problem("e", None, "", "z"))
    assert by_line([a, b, c]) == [c, b, a]
    assert dedupe([a, b, a]) == [a, b]
