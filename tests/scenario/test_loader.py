"""Scenario files: strict loading, error reports (file, line, key path), ``extends``.

DESIGN section 4. Every error test writes a small YAML file into ``tmp_path`` and checks
the :class:`sim.common.errors.Problem` objects of the
:class:`sim.common.errors.ScenarioError`: the file,
the line number and the key path of each, and the gist of the message.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.scenario.loader import Problem, ScenarioError, format_key, is_partial, load_scenario
from sim.scenario.schema import MAX_CALLS_PER_DAY, Scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(p for p in SCENARIOS.glob("*.yaml") if not is_partial(p))

# A minimal valid scenario: every required key, every distribution form, one car.
# Tests perturb it with ``perturb(old, new)``; ``line_of`` finds where a key now is.
MINIMAL = """\
name: minimal
description: smallest valid scenario
run: {weeks: 2, warmup_weeks: 1, replications: 3, seed: 11}
demand:
  calls_per_day: 10
  hourly_profile: flat
  weekday_factors: [1, 1, 1, 1, 1.1, 1.2, 1.1]
  other_jobs_per_hour: 0.3
cars:
  - name: car1
    shifts:
      - days: [Mon, Tue]
        start: "09:00"
        end: "17:00"
      - {days: [Fri, Sat], start: "17:00", end: "01:00"}
    officers: 1
    clinicians: 1
dispatch:
  max_wait_minutes: 0
  takes_other_jobs: true
  end_of_shift: finish_job
response:
  standard:
    officers: 2
    travel_minutes: {dist: lognormal, mean: 20, sd: 10}
    on_scene_minutes: {dist: fixed, value: 60}
    p_s136: 0.2
    s136_hours: {dist: lognormal, median: 8, p95: 20}
    p_conveyed_ae: 0.3
    ae_wait_hours: {dist: uniform, low: 1, high: 5}
  car:
    travel_minutes: {dist: exponential, mean: 25}
    on_scene_minutes: {dist: gamma, mean: 75, sd: 30}
    p_s136: 0.08
    s136_handover_hours: {dist: triangular, low: 1, mode: 2, high: 6}
    p_conveyed_ae: 0.12
  other_job_minutes: {dist: empirical, values: [30, 45, 60]}
"""

# The body of MINIMAL without its name, for partial (_base) files.
BODY = MINIMAL.split("\n", 1)[1]


def perturb(text: str, old: str, new: str) -> str:
    """Replace the one occurrence of ``old`` in ``text`` (fails if not exactly one)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line number of the ``nth`` line of ``text`` that contains ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} found on {len(hits)} lines"
    return hits[nth - 1]


def write(directory: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert problems, "a ScenarioError must carry at least one problem"
    assert all(isinstance(p, Problem) for p in problems)
    return problems


def only_problem(path: Path) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]


def same_file(reported: str, path: Path) -> bool:
    return Path(reported).resolve() == path.resolve()


def check(problem: Problem, path: Path, line: int, key: str, *fragments: str) -> None:
    """Assert where a problem is and that its message contains each fragment."""
    assert same_file(problem.file, path), (problem.file, path)
    assert problem.line == line, str(problem)
    assert problem.key == key, str(problem)
    for fragment in fragments:
        assert fragment.lower() in problem.message.lower(), (fragment, str(problem))


# ------------------------------------------------------------------- valid files


def test_minimal_scenario_loads(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, MINIMAL))
    assert isinstance(s, Scenario)
    assert s.name == "minimal"
    assert s.demand.calls_per_day == 10
    assert s.run.weeks == 2 and s.run.seed == 11
    assert [c.name for c in s.cars] == ["car1"]
    assert s.cars[0].shifts[0].days == ["Mon", "Tue"]
    assert s.response.car.p_s136 == pytest.approx(0.08)
    assert s.response.other_job_minutes.dist == "empirical"


def test_load_accepts_a_string_path(tmp_path: Path) -> None:
    s = load_scenario(str(write(tmp_path, MINIMAL)))
    assert s.name == "minimal"


def test_days_all_means_every_day(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "days: [Mon, Tue]", "days: all")
    s = load_scenario(write(tmp_path, text))
    assert s.cars[0].shifts[0].days == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    # 09:00-17:00 on all 7 days, plus Fri and Sat 17:00-01:00 (touching, not overlapping)
    assert s.cars[0].pattern().minutes_per_week == (7 * 8 + 2 * 8) * 60


def test_end_2400_is_accepted(tmp_path: Path) -> None:
    text = perturb(MINIMAL, 'end: "17:00"', 'end: "24:00"')
    s = load_scenario(write(tmp_path, text))
    assert s.cars[0].shifts[0].end == "24:00"
    windows = s.cars[0].pattern().windows
    assert (540, 1440) in windows  # Monday 09:00 to midnight
    assert (1440 + 540, 2880) in windows  # Tuesday 09:00 to midnight


def test_name_defaults_to_file_stem(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "name: minimal\n", "")
    s = load_scenario(write(tmp_path, text, "evening_cover.yaml"))
    assert s.name == "evening_cover"


def test_empty_file_reports_missing_required_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    problems = problems_of(path)
    assert {p.key for p in problems} == {"demand", "response"}
    assert all("missing" in p.message for p in problems)
    assert all(same_file(p.file, path) for p in problems)


def test_is_partial() -> None:
    assert is_partial("_base.yaml")
    assert is_partial(Path("scenarios") / "_base.yaml")
    assert is_partial("/some/dir/_x.yaml")
    assert not is_partial("base.yaml")
    assert not is_partial("cpft_one_car.yaml")
    assert not is_partial("my_base.yaml")
    assert not is_partial(Path("_dir") / "scenario.yaml")  # the file name counts, not the dir


def test_there_are_shipped_scenarios() -> None:
    assert SHIPPED, f"no scenarios in {SCENARIOS}"
    assert (SCENARIOS / "_base.yaml").is_file()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_load(path: Path) -> None:
    s = load_scenario(path)
    assert isinstance(s, Scenario)
    assert s.name
    assert s.demand.calls_per_day > 0
    assert len({c.name for c in s.cars}) == len(s.cars)
    for car in s.cars:
        assert car.pattern().minutes_per_week > 0


def test_format_key() -> None:
    assert format_key(()) == ""
    assert format_key(("demand",)) == "demand"
    assert format_key(("cars", 0, "shifts", 1, "start")) == "cars[0].shifts[1].start"


def test_problem_str_names_file_line_and_key() -> None:
    p = Problem("a.yaml", 7, "demand.calls_per_day", "bad")
    assert str(p) == "a.yaml:7: demand.calls_per_day: bad"
    assert str(Problem("a.yaml", None, "", "cannot read")) == "a.yaml: cannot read"


def test_scenario_error_message_lists_every_problem(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "calls_per_day: 10", "calls_per_day: -1")
    text = perturb(text, "p_s136: 0.2", "p_s136: 2")
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert isinstance(info.value, ValueError)
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert lines == [str(p) for p in info.value.problems]
    assert f":{line_of(text, 'calls_per_day')}: demand.calls_per_day:" in lines[0]
    assert f":{line_of(text, 'p_s136: 2')}: response.standard.p_s136:" in lines[1]


# ------------------------------------------------------------------ unknown keys


def test_misspelt_top_level_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "dispatch:\n", "dispatsh:\n")
    path = write(tmp_path, text)
    problems = problems_of(path)
    unknown = [p for p in problems if p.key == "dispatsh"]
    assert len(unknown) == 1
    check(unknown[0], path, line_of(text, "dispatsh:"), "dispatsh", "unknown key",
          "did you mean 'dispatch'")


def test_misspelt_nested_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "p_conveyed_ae: 0.3", "p_conveyed_ae: 0.3\n    p_s163: 0.1")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "p_s163"), "response.standard.p_s163",
          "unknown key", "did you mean 'p_s136'")


def test_misspelt_key_in_a_shift_suggests_the_right_one(tmp_path: Path) -> None:
    text = perturb(MINIMAL, 'start: "09:00"', 'strat: "09:00"')
    path = write(tmp_path, text)
    problems = problems_of(path)
    unknown = [p for p in problems if "unknown key" in p.message]
    assert len(unknown) == 1
    check(unknown[0], path, line_of(text, "strat:"), "cars[0].shifts[0].strat",
          "did you mean 'start'")
    # and the now missing 'start' is reported at the shift
    missing = [p for p in problems if p.key == "cars[0].shifts[0].start"]
    assert len(missing) == 1
    assert "missing" in missing[0].message
    assert len(problems) == 2


def test_misspelt_key_in_a_distribution(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "{dist: lognormal, mean: 20, sd: 10}",
                   "{dist: lognormal, mean: 20, sdd: 10}")
    path = write(tmp_path, text)
    problems = problems_of(path)
    unknown = [p for p in problems if "unknown key" in p.message]
    assert len(unknown) == 1
    check(unknown[0], path, line_of(text, "sdd"), "response.standard.travel_minutes.sdd",
          "did you mean 'sd'")


def test_key_of_another_distribution_form_is_an_error(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "{dist: exponential, mean: 25}", "{dist: exponential, mean: 25, sd: 3}")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "sd: 3}"), "response.car.travel_minutes.sd",
          "unknown key")


def test_hint_for_a_key_of_another_distribution_form(tmp_path: Path) -> None:
    # the hint lists the keys of the form named by ``dist``, never the offending key itself
    text = perturb(MINIMAL, "{dist: exponential, mean: 25}", "{dist: exponential, mean: 25, sd: 3}")
    path = write(tmp_path, text)
    p = only_problem(path)
    assert "did you mean 'sd'" not in p.message
    assert "allowed here: dist, mean" in p.message


def test_unknown_key_lists_allowed_keys(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "  end_of_shift: finish_job",
                   "  end_of_shift: finish_job\n  zzzzzz: 1")
    path = write(tmp_path, text)
    p = only_problem(path)
    check(p, path, line_of(text, "zzzzzz"), "dispatch.zzzzzz", "unknown key", "allowed here")
    for allowed in ("end_of_shift", "max_wait_minutes", "takes_other_jobs"):
        assert allowed in p.message


# ------------------------------------------------------------------ duplicate keys


def test_duplicate_key(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "  other_jobs_per_hour: 0.3",
                   "  other_jobs_per_hour: 0.3\n  calls_per_day: 12")
    path = write(tmp_path, text)
    first = line_of(text, "calls_per_day")
    second = line_of(text, "calls_per_day", nth=2)
    check(only_problem(path), path, second, "demand.calls_per_day", "duplicate key",
          f"line {first}")


def test_duplicate_top_level_key(tmp_path: Path) -> None:
    text = MINIMAL + "run: {weeks: 5}\n"
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "run:", nth=2), "run", "duplicate key",
          f"line {line_of(text, 'run:')}")


def test_duplicate_key_in_a_flow_map(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "{dist: fixed, value: 60}", "{dist: fixed, value: 60, value: 70}")
    path = write(tmp_path, text)
    line = line_of(text, "value: 70")
    check(only_problem(path), path, line, "response.standard.on_scene_minutes.value",
          "duplicate key", f"line {line}")


# ------------------------------------------------------------------ unquoted times


def test_unquoted_time(tmp_path: Path) -> None:
    text = perturb(MINIMAL, 'start: "09:00"', "start: 9:00")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "start: 9:00"), "cars[0].shifts[0].start",
          "unquoted time", "540", "quotes", '"9:00"')


def test_one_problem_per_unquoted_time(tmp_path: Path) -> None:
    text = perturb(MINIMAL, 'end: "17:00"', "end: 17:00")
    text = perturb(text, '{days: [Fri, Sat], start: "17:00", end: "01:00"}',
                   "{days: [Fri, Sat], start: 17:00, end: 21:30}")
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert len(problems) == 3, "\n".join(map(str, problems))
    check(problems[0], path, line_of(text, "end: 17:00"), "cars[0].shifts[0].end",
          "1020", "quotes")
    flow = line_of(text, "start: 17:00,")
    check(problems[1], path, flow, "cars[0].shifts[1].start", "1020", "quotes", '"17:00"')
    check(problems[2], path, flow, "cars[0].shifts[1].end", "1290", "quotes", '"21:30"')


def test_unquoted_time_with_leading_zero_is_a_string(tmp_path: Path) -> None:
    # YAML 1.1 reads only times with a non-zero first digit as numbers: 01:00 stays "01:00"
    text = perturb(MINIMAL, 'end: "01:00"', "end: 01:00")
    s = load_scenario(write(tmp_path, text))
    assert s.cars[0].shifts[1].end == "01:00"


def test_unquoted_2400(tmp_path: Path) -> None:
    text = perturb(MINIMAL, 'end: "17:00"', "end: 24:00")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "end: 24:00"), "cars[0].shifts[0].end",
          "1440", "quotes")


def test_time_given_as_a_plain_number(tmp_path: Path) -> None:
    text = perturb(MINIMAL, 'start: "09:00"', "start: 900")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "start: 900"), "cars[0].shifts[0].start",
          "quoted")


@pytest.mark.parametrize("bad", ["25:00", "9h00", "17:60", "24:30", "1700"])
def test_invalid_quoted_time(tmp_path: Path, bad: str) -> None:
    text = perturb(MINIMAL, 'start: "09:00"', f'start: "{bad}"')
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, f'"{bad}"'), "cars[0].shifts[0].start",
          bad)


# ------------------------------------------------------------------ probabilities


@pytest.mark.parametrize(
    ("old", "new", "key", "bound"),
    [
        ("p_s136: 0.2", "p_s136: 1.5", "response.standard.p_s136", "less than or equal to 1"),
        ("p_conveyed_ae: 0.3", "p_conveyed_ae: -0.1", "response.standard.p_conveyed_ae",
         "greater than or equal to 0"),
        ("p_s136: 0.08", "p_s136: 2", "response.car.p_s136", "less than or equal to 1"),
        ("p_conveyed_ae: 0.12", "p_conveyed_ae: -0.01", "response.car.p_conveyed_ae",
         "greater than or equal to 0"),
    ],
)
def test_probability_outside_unit_interval(tmp_path: Path, old: str, new: str, key: str,
                                           bound: str) -> None:
    text = perturb(MINIMAL, old, new)
    path = write(tmp_path, text)
    value = new.split(": ")[1]
    check(only_problem(path), path, line_of(text, new), key, bound, value)


@pytest.mark.parametrize("p", [0, 1, 0.0, 1.0, 0.5])
def test_probability_bounds_are_inclusive(tmp_path: Path, p: float) -> None:
    text = perturb(MINIMAL, "p_s136: 0.2", f"p_s136: {p}")
    s = load_scenario(write(tmp_path, text))
    assert s.response.standard.p_s136 == p


def test_case_mix_probability_outside_unit_interval(tmp_path: Path) -> None:
    text = MINIMAL + (
        "case_mix:\n"
        "  - {type: risk, share: 0.3, standard: {p_s136: 0.45}, car: {p_s136: 1.2}}\n"
        "  - {type: welfare, share: 0.7}\n"
    )
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "type: risk"), "case_mix[0].car.p_s136",
          "less than or equal to 1")


# ---------------------------------------------------------- rates and durations


def test_negative_rate(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "calls_per_day: 10", "calls_per_day: -1")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "calls_per_day"), "demand.calls_per_day",
          "greater than or equal to 0", "-1")


def test_negative_other_jobs_rate(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "other_jobs_per_hour: 0.3", "other_jobs_per_hour: -0.3")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "other_jobs_per_hour"),
          "demand.other_jobs_per_hour", "greater than or equal to 0")


def test_negative_fixed_duration(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "{dist: fixed, value: 60}", "{dist: fixed, value: -5}")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "value: -5"),
          "response.standard.on_scene_minutes.value", "greater than or equal to 0", "-5")


def test_negative_uniform_low(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "{dist: uniform, low: 1, high: 5}",
                   "{dist: uniform, low: -1, high: 5}")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "low: -1"),
          "response.standard.ae_wait_hours.low", "greater than or equal to 0", "-1")


def test_negative_empirical_value(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "values: [30, 45, 60]", "values: [30, -45, 60]")
    path = write(tmp_path, text)
    p = only_problem(path)
    assert same_file(p.file, path)
    assert p.line == line_of(text, "values: [30, -45, 60]")
    assert p.key.startswith("response.other_job_minutes.values")
    assert "greater than or equal to 0" in p.message


def test_negative_max_wait(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "max_wait_minutes: 0", "max_wait_minutes: -10")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "max_wait_minutes"),
          "dispatch.max_wait_minutes", "greater than or equal to 0")


def test_zero_exponential_mean(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "{dist: exponential, mean: 25}", "{dist: exponential, mean: 0}")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "mean: 0}"),
          "response.car.travel_minutes.mean", "greater than 0")


# ------------------------------------------------------------------------ shifts


def test_start_equals_end(tmp_path: Path) -> None:
    text = perturb(MINIMAL, 'end: "17:00"', 'end: "09:00"')
    path = write(tmp_path, text)
    # the shift spans several lines; the problem is at the shift (its first line)
    check(only_problem(path), path, line_of(text, "days: [Mon, Tue]"), "cars[0].shifts[0]",
          "start equals end")


def test_start_equals_end_in_a_flow_shift(tmp_path: Path) -> None:
    text = perturb(MINIMAL, 'start: "17:00", end: "01:00"', 'start: "17:00", end: "17:00"')
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "days: [Fri, Sat]"), "cars[0].shifts[1]",
          "start equals end", "24:00")


@pytest.mark.parametrize("end", ["00:00", "06:00"])
def test_start_2400_is_rejected(tmp_path: Path, end: str) -> None:
    # "24:00" is allowed as an end only; with end "00:00" it would be a zero-length shift
    text = perturb(MINIMAL, 'start: "09:00"', 'start: "24:00"')
    text = perturb(text, 'end: "17:00"', f'end: "{end}"')
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, 'start: "24:00"'), "cars[0].shifts[0].start",
          "24:00")


def test_car_with_no_shifts(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "    officers: 1\n", "")
    start = text.index("    shifts:")
    end = text.index("    clinicians: 1")
    text = text[:start] + "    shifts: []\n" + text[end:]
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "shifts: []"), "cars[0].shifts",
          "at least 1")


def test_car_without_shifts_key(tmp_path: Path) -> None:
    text = MINIMAL.replace("cars:\n", "cars:\n  - {name: car0}\n")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "name: car0"), "cars[0].shifts", "missing")


def test_empty_days(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "days: [Mon, Tue]", "days: []")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "days: []"), "cars[0].shifts[0].days",
          "empty")


def test_unknown_day(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "days: [Mon, Tue]", "days: [Mon, Tues]")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "Tues"), "cars[0].shifts[0].days",
          "unknown day", "Tues")


def test_duplicate_car_names_are_an_error(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "dispatch:\n",
        "  - name: car1\n    shifts: [{days: all, start: \"20:00\", end: \"04:00\"}]\n"
        "dispatch:\n",
    )
    path = write(tmp_path, text)
    p = only_problem(path)
    assert same_file(p.file, path)
    assert "unique" in p.message and "car1" in p.message


def test_duplicate_car_names_name_the_line_and_key(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "dispatch:\n",
        "  - name: car1\n    shifts: [{days: all, start: \"20:00\", end: \"04:00\"}]\n"
        "dispatch:\n",
    )
    path = write(tmp_path, text)
    p = only_problem(path)
    second = line_of(text, "- name: car1", nth=2)
    assert (p.key, p.line) in {("cars[1].name", second), ("cars[1]", second),
                               ("cars", line_of(text, "cars:"))}


# --------------------------------------------------------------- distributions


def test_unknown_distribution_name(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "{dist: exponential, mean: 25}", "{dist: weibull, mean: 25}")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "weibull"), "response.car.travel_minutes",
          "unknown distribution", "lognormal", "empirical")


def test_distribution_without_dist_key(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "{dist: exponential, mean: 25}", "{mean: 25}")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "travel_minutes: {mean: 25}"),
          "response.car.travel_minutes", "distribution")


@pytest.mark.parametrize(
    ("dist", "fragment"),
    [
        ("{dist: lognormal, median: 8}", "both median and p95"),
        ("{dist: lognormal, p95: 20}", "both median and p95"),
        ("{dist: lognormal, mean: 8}", "both mean and sd"),
        ("{dist: lognormal, sd: 3}", "both mean and sd"),
        ("{dist: lognormal}", "mean and sd, or median and p95"),
        ("{dist: lognormal, mean: 8, sd: 2, median: 7, p95: 20}", "not both"),
        ("{dist: lognormal, median: 8, p95: 8}", "p95 must be greater than median"),
    ],
)
def test_lognormal_with_incomplete_or_bad_parameters(tmp_path: Path, dist: str,
                                                     fragment: str) -> None:
    text = perturb(MINIMAL, "{dist: lognormal, median: 8, p95: 20}", dist)
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "s136_hours"), "response.standard.s136_hours",
          fragment)


@pytest.mark.parametrize(
    ("dist", "fragment"),
    [
        ("{dist: uniform, low: 5, high: 1}", "high must be at least low"),
        ("{dist: triangular, low: 1, mode: 9, high: 6}", "low <= mode <= high"),
        ("{dist: triangular, low: 3, mode: 3, high: 3}", "low < high"),
    ],
)
def test_misordered_distribution_parameters(tmp_path: Path, dist: str, fragment: str) -> None:
    old = ("{dist: uniform, low: 1, high: 5}" if "uniform" in dist
           else "{dist: triangular, low: 1, mode: 2, high: 6}")
    key = ("response.standard.ae_wait_hours" if "uniform" in dist
           else "response.car.s136_handover_hours")
    text = perturb(MINIMAL, old, dist)
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, dist), key, fragment)


def test_empty_empirical(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "values: [30, 45, 60]", "values: []")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "values: []"),
          "response.other_job_minutes.values", "at least 1")


# ---------------------------------------------------------------------- demand


def test_unknown_hourly_profile_preset(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "hourly_profile: flat", "hourly_profile: uk_morning_peak")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "hourly_profile"), "demand.hourly_profile",
          "unknown hourly profile", "uk_morning_peak", "flat", "uk_evening_peak")


@pytest.mark.parametrize("n", [0, 1, 23, 25])
def test_wrong_number_of_hourly_weights(tmp_path: Path, n: int) -> None:
    weights = ", ".join(["1"] * n)
    text = perturb(MINIMAL, "hourly_profile: flat", f"hourly_profile: [{weights}]")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "hourly_profile"), "demand.hourly_profile",
          "24 weights", f"got {n}")


def test_24_hourly_weights_are_accepted(tmp_path: Path) -> None:
    weights = ", ".join(str(h + 1) for h in range(24))
    text = perturb(MINIMAL, "hourly_profile: flat", f"hourly_profile: [{weights}]")
    s = load_scenario(write(tmp_path, text))
    assert s.demand.profile_weights == tuple(float(h + 1) for h in range(24))


def test_all_zero_hourly_weights(tmp_path: Path) -> None:
    weights = ", ".join(["0"] * 24)
    text = perturb(MINIMAL, "hourly_profile: flat", f"hourly_profile: [{weights}]")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "hourly_profile"), "demand.hourly_profile",
          "zero")


@pytest.mark.parametrize("n", [0, 6, 8])
def test_wrong_number_of_weekday_factors(tmp_path: Path, n: int) -> None:
    factors = ", ".join(["1"] * n)
    text = perturb(MINIMAL, "weekday_factors: [1, 1, 1, 1, 1.1, 1.2, 1.1]",
                   f"weekday_factors: [{factors}]")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "weekday_factors"), "demand.weekday_factors",
          "7 values", f"got {n}")


def test_negative_weekday_factor(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "weekday_factors: [1, 1, 1, 1, 1.1, 1.2, 1.1]",
                   "weekday_factors: [1, 1, 1, 1, 1.1, -1.2, 1.1]")
    path = write(tmp_path, text)
    p = only_problem(path)
    assert p.line == line_of(text, "weekday_factors")
    assert p.key.startswith("demand.weekday_factors")
    assert "greater than or equal to 0" in p.message


# -------------------------------------------------------------------- case mix

CASE_MIX = """\
case_mix:
  - {type: self_harm_risk, share: 0.3, standard: {p_s136: 0.45}, car: {p_s136: 0.2}}
  - {type: welfare, share: 0.6, standard: {p_s136: 0.05}, car: {p_s136: 0.02}}
"""


def test_case_mix_adding_to_one_loads(tmp_path: Path) -> None:
    text = MINIMAL + perturb(CASE_MIX, "share: 0.6", "share: 0.7")
    s = load_scenario(write(tmp_path, text))
    types = s.call_types()
    assert [(t, share) for t, share, _, _ in types] == [("self_harm_risk", 0.3), ("welfare", 0.7)]
    # per-type values override, the rest come from response.standard / .car
    assert types[0][2].p_s136 == 0.45 and types[0][3].p_s136 == 0.2
    assert types[0][2].p_conveyed_ae == 0.3 and types[0][3].p_conveyed_ae == 0.12


def test_case_mix_shares_not_adding_to_one(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + CASE_MIX)
    p = only_problem(path)
    assert same_file(p.file, path)
    assert "add up to 1" in p.message and "0.9" in p.message


def test_case_mix_shares_name_the_line_and_key(tmp_path: Path) -> None:
    text = MINIMAL + CASE_MIX
    path = write(tmp_path, text)
    p = only_problem(path)
    assert p.key.startswith("case_mix")
    assert p.line is not None and p.line >= line_of(text, "case_mix:")


def test_case_mix_share_must_be_positive(tmp_path: Path) -> None:
    text = MINIMAL + perturb(CASE_MIX, "share: 0.3", "share: 0")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "self_harm_risk"), "case_mix[0].share",
          "greater than 0")


# ------------------------------------------------------------------ YAML syntax


def test_yaml_syntax_error_reports_its_line(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "hourly_profile: flat", "hourly_profile: flat: round")
    path = write(tmp_path, text)
    problems = problems_of(path)
    syntax = [p for p in problems if "syntax" in p.message.lower()]
    assert len(syntax) == 1
    check(syntax[0], path, line_of(text, "flat: round"), "", "YAML syntax error")


def test_yaml_syntax_error_unclosed_bracket(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "values: [30, 45, 60]}", "values: [30, 45, 60}")
    path = write(tmp_path, text)
    syntax = [p for p in problems_of(path) if "syntax" in p.message.lower()]
    assert len(syntax) == 1
    assert same_file(syntax[0].file, path)
    assert syntax[0].line == line_of(text, "values: [30, 45, 60}")


def test_yaml_syntax_error_is_the_only_problem(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "hourly_profile: flat", "hourly_profile: flat: round")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "flat: round"), "", "syntax")


def test_top_level_must_be_a_map(tmp_path: Path) -> None:
    path = write(tmp_path, "- a\n- b\n")
    problems = problems_of(path)
    assert any(p.line == 1 and "map" in p.message for p in problems)


# ---------------------------------------------------------- all errors together


def test_all_errors_of_a_file_are_reported_together_sorted_by_line(tmp_path: Path) -> None:
    # three kinds: an unquoted time (a parse problem, found before validation but in the
    # middle of the file), unknown keys and a bad probability (schema problems); the
    # report interleaves them in line order
    text = perturb(MINIMAL, "description: smallest", "descripton: smallest")
    text = perturb(text, "p_s136: 0.2", "p_s136: 7")
    text = perturb(text, 'start: "17:00", end: "01:00"', 'start: "17:00", end: 21:30')
    text = perturb(text, "values: [30, 45, 60]}", "values: [30, 45, 60]}\n  nonsense: 1")
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert len(problems) == 4, "\n".join(map(str, problems))
    lines = [p.line for p in problems]
    assert lines == sorted(lines)
    assert [(p.line, p.key) for p in problems] == [
        (line_of(text, "descripton"), "descripton"),
        (line_of(text, "end: 21:30"), "cars[0].shifts[1].end"),
        (line_of(text, "p_s136: 7"), "response.standard.p_s136"),
        (line_of(text, "nonsense"), "response.nonsense"),
    ]
    assert all(same_file(p.file, path) for p in problems)


def test_three_problems_give_exactly_three(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "calls_per_day: 10", "calls_per_day: -2")
    text = perturb(text, "clinicians: 1", "clinicans: 1")
    text = perturb(text, "p_conveyed_ae: 0.12", "p_conveyed_ae: 12")
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert [(p.line, p.key) for p in problems] == [
        (line_of(text, "calls_per_day"), "demand.calls_per_day"),
        (line_of(text, "clinicans"), "cars[0].clinicans"),
        (line_of(text, "p_conveyed_ae: 12"), "response.car.p_conveyed_ae"),
    ]
    assert "did you mean 'clinicians'" in problems[1].message


def test_scenario_level_errors_reported_with_field_errors(tmp_path: Path) -> None:
    text = perturb(MINIMAL, "calls_per_day: 10", "calls_per_day: -2")
    text = text.replace(
        "dispatch:\n",
        "  - name: car1\n    shifts: [{days: all, start: \"20:00\", end: \"04:00\"}]\n"
        "dispatch:\n",
    )
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert len(problems) == 2, "\n".join(map(str, problems))
    assert any("unique" in p.message for p in problems)


# -------------------------------------------------------------------- extends

PARENT = """\
name: parent_name
description: the parent
run: {weeks: 10, warmup_weeks: 2, replications: 5, seed: 99}
demand:
  calls_per_day: 8
  hourly_profile: uk_evening_peak
  other_jobs_per_hour: 0.5
cars:
  - name: p1
    shifts: [{days: all, start: "08:00", end: "16:00"}]
    officers: 3
  - name: p2
    shifts: [{days: [Sat, Sun], start: "20:00", end: "04:00"}]
dispatch: {max_wait_minutes: 15, takes_other_jobs: true}
response:
  standard:
    officers: 2
    travel_minutes: {dist: lognormal, mean: 20, sd: 10}
    on_scene_minutes: {dist: fixed, value: 60}
    p_s136: 0.2
    s136_hours: {dist: lognormal, median: 8, p95: 20}
    p_conveyed_ae: 0.3
    ae_wait_hours: {dist: uniform, low: 1, high: 5}
  car:
    travel_minutes: {dist: exponential, mean: 25}
    on_scene_minutes: {dist: gamma, mean: 75, sd: 30}
    p_s136: 0.08
    s136_handover_hours: {dist: triangular, low: 1, mode: 2, high: 6}
    p_conveyed_ae: 0.12
"""


def test_extends_deep_merge(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "_parent.yaml")
    child = """\
extends: _parent.yaml
run: {weeks: 3}
demand:
  calls_per_day: 4
cars:
  - name: c1
    shifts: [{days: [Mon], start: "10:00", end: "12:00"}]
response:
  standard:
    p_s136: 0.5
    travel_minutes: {mean: 30}
"""
    s = load_scenario(write(tmp_path, child, "child.yaml"))
    # maps merge: the child's scalars override, the parent's other keys remain
    assert s.run.weeks == 3
    assert (s.run.warmup_weeks, s.run.replications, s.run.seed) == (2, 5, 99)
    assert s.demand.calls_per_day == 4
    assert s.demand.hourly_profile == "uk_evening_peak"
    assert s.demand.other_jobs_per_hour == 0.5
    assert s.dispatch.max_wait_minutes == 15 and s.dispatch.takes_other_jobs
    assert s.response.standard.p_s136 == 0.5
    assert s.response.standard.p_conveyed_ae == 0.3
    assert s.response.standard.officers == 2
    # a distribution is a map too: the child's mean, the parent's form and sd
    assert s.response.standard.travel_minutes.dist == "lognormal"
    assert s.response.standard.travel_minutes.mean == 30
    assert s.response.standard.travel_minutes.sd == 10
    assert s.response.car.p_s136 == 0.08
    assert s.description == "the parent"
    # lists are replaced whole: only the child's car, with defaults, nothing from p1
    assert [c.name for c in s.cars] == ["c1"]
    assert s.cars[0].officers == 1
    # the name is not inherited: it defaults to the child's file stem
    assert s.name == "child"


def test_extends_child_can_change_a_distribution_form(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "_parent.yaml")
    child = ("extends: _parent.yaml\nresponse:\n  standard:\n"
             "    travel_minutes: {dist: fixed, value: 7}\n")
    s = load_scenario(write(tmp_path, child, "child.yaml"))
    assert s.response.standard.travel_minutes.dist == "fixed"
    assert s.response.standard.travel_minutes.value == 7


def test_extends_list_items_are_not_merged(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "_parent.yaml")
    child = "extends: _parent.yaml\ncars:\n  - {name: p1, officers: 2}\n"
    path = write(tmp_path, child, "child.yaml")
    # the parent's p1 shifts are not merged into the child's p1: shifts are missing
    check(only_problem(path), path, 3, "cars[0].shifts", "missing")


def test_extends_empty_list_replaces_parent_list(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "_parent.yaml")
    s = load_scenario(write(tmp_path, "extends: _parent.yaml\ncars: []\n", "none.yaml"))
    assert s.cars == []


def test_extends_child_name_wins(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "_parent.yaml")
    s = load_scenario(write(tmp_path, "name: mine\nextends: _parent.yaml\n", "other.yaml"))
    assert s.name == "mine"


def test_extends_is_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    (tmp_path / "runs").mkdir()
    write(tmp_path / "common", PARENT, "_parent.yaml")
    path = write(tmp_path / "runs", "extends: ../common/_parent.yaml\n", "a.yaml")
    s = load_scenario(path)
    assert s.demand.calls_per_day == 8
    assert s.name == "a"


def test_extends_chain_of_three(tmp_path: Path) -> None:
    write(tmp_path, PARENT, "_grand.yaml")
    write(tmp_path, "extends: _grand.yaml\ndemand: {calls_per_day: 6}\nrun: {seed: 1}\n",
          "_mid.yaml")
    s = load_scenario(write(tmp_path, "extends: _mid.yaml\nrun: {weeks: 4}\n", "leaf.yaml"))
    assert s.demand.calls_per_day == 6
    assert s.demand.hourly_profile == "uk_evening_peak"
    assert (s.run.weeks, s.run.seed, s.run.replications) == (4, 1, 5)
    assert s.name == "leaf"


def test_extends_cycle(tmp_path: Path) -> None:
    a_text = MINIMAL.replace("name: minimal\n", "name: a\nextends: b.yaml\n")
    b_text = "extends: a.yaml\ndescription: b\n"
    a = write(tmp_path, a_text, "a.yaml")
    b = write(tmp_path, b_text, "b.yaml")
    p = only_problem(a)
    assert p.key == "extends"
    assert "cycle" in p.message
    assert same_file(p.file, a) or same_file(p.file, b)
    expected_line = line_of(a_text, "extends") if same_file(p.file, a) else 1
    assert p.line == expected_line
    # loading the other file of the cycle fails too
    q = only_problem(b)
    assert q.key == "extends" and "cycle" in q.message


def test_extends_itself(tmp_path: Path) -> None:
    text = MINIMAL.replace("name: minimal\n", "name: minimal\nextends: self.yaml\n")
    path = write(tmp_path, text, "self.yaml")
    check(only_problem(path), path, 2, "extends", "cycle")


def test_extends_missing_file(tmp_path: Path) -> None:
    text = MINIMAL.replace("description:", "extends: _nowhere.yaml\ndescription:")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "extends"), "extends", "not found",
          "_nowhere.yaml")


def test_extends_must_be_a_string(tmp_path: Path) -> None:
    text = MINIMAL.replace("description:", "extends: [a.yaml]\ndescription:")
    path = write(tmp_path, text)
    check(only_problem(path), path, line_of(text, "extends"), "extends", "string")


def test_error_in_extended_partial_file_names_that_file(tmp_path: Path) -> None:
    base_text = perturb(BODY, "p_s136: 0.2", "p_s136: 1.7")
    base = write(tmp_path, base_text, "_base.yaml")
    child = write(tmp_path, "extends: _base.yaml\ndescription: child\n", "child.yaml")
    check(only_problem(child), base, line_of(base_text, "p_s136: 1.7"),
          "response.standard.p_s136", "less than or equal to 1")


def test_parse_problem_in_extended_partial_file_names_that_file(tmp_path: Path) -> None:
    base_text = perturb(BODY, 'end: "17:00"', "end: 17:00")
    base = write(tmp_path, base_text, "_base.yaml")
    child = write(tmp_path, "extends: _base.yaml\n", "child.yaml")
    check(only_problem(child), base, line_of(base_text, "end: 17:00"), "cars[0].shifts[0].end",
          "unquoted", "quotes")


def test_unknown_key_in_extended_partial_file_names_that_file(tmp_path: Path) -> None:
    base_text = perturb(BODY, "  hourly_profile: flat", "  hourly_profile: flat\n  hourly: 3")
    base = write(tmp_path, base_text, "_base.yaml")
    child = write(tmp_path, "extends: _base.yaml\n", "child.yaml")
    check(only_problem(child), base, line_of(base_text, "hourly: 3"), "demand.hourly",
          "unknown key")


def test_child_overriding_a_bad_parent_value_fixes_it(tmp_path: Path) -> None:
    write(tmp_path, perturb(BODY, "p_s136: 0.2", "p_s136: 1.7"), "_base.yaml")
    child = "extends: _base.yaml\nresponse:\n  standard:\n    p_s136: 0.25\n"
    s = load_scenario(write(tmp_path, child, "child.yaml"))
    assert s.response.standard.p_s136 == 0.25


def test_error_set_in_child_over_parent_names_the_child(tmp_path: Path) -> None:
    write(tmp_path, BODY, "_base.yaml")
    child_text = "extends: _base.yaml\nresponse:\n  standard:\n    p_s136: 3\n"
    child = write(tmp_path, child_text, "child.yaml")
    check(only_problem(child), child, 4, "response.standard.p_s136", "less than or equal to 1")


def test_errors_in_parent_and_child_are_reported_together(tmp_path: Path) -> None:
    base_text = perturb(BODY, "calls_per_day: 10", "calls_per_day: -4")
    base = write(tmp_path, base_text, "_base.yaml")
    child_text = "extends: _base.yaml\ndispatch:\n  max_wait: 5\n"
    child = write(tmp_path, child_text, "child.yaml")
    problems = problems_of(child)
    assert len(problems) == 2, "\n".join(map(str, problems))
    by_key = {p.key: p for p in problems}
    check(by_key["demand.calls_per_day"], base, line_of(base_text, "calls_per_day"),
          "demand.calls_per_day", "greater than or equal to 0")
    check(by_key["dispatch.max_wait"], child, 3, "dispatch.max_wait", "unknown key",
          "did you mean 'max_wait_minutes'")


def test_shipped_base_is_a_complete_partial(tmp_path: Path) -> None:
    base = SCENARIOS / "_base.yaml"
    assert is_partial(base)
    relative = os.path.relpath(base, tmp_path)
    s = load_scenario(write(tmp_path, f"extends: {relative}\n", "from_base.yaml"))
    assert s.name == "from_base"  # a partial's name (if any) is never inherited
    assert s.demand.calls_per_day > 0


# ---------------------------------------------------------------- with_overrides


@pytest.fixture
def one_car() -> Scenario:
    return load_scenario(SCENARIOS / "cpft_one_car.yaml")


def test_with_overrides_returns_new_scenario_and_leaves_original(one_car: Scenario) -> None:
    before = copy.deepcopy(one_car.to_dict())
    cars = [
        {"name": "a", "shifts": [{"days": "all", "start": "19:00", "end": "03:00"}]},
        {"name": "b", "shifts": [{"days": ["Sat"], "start": "12:00", "end": "24:00"}],
         "officers": 2},
    ]
    two = one_car.with_overrides({"demand.calls_per_day": 12,
                                  "dispatch.max_wait_minutes": 20,
                                  "cars": cars})
    assert isinstance(two, Scenario)
    assert two is not one_car
    assert two.demand.calls_per_day == 12
    assert two.dispatch.max_wait_minutes == 20
    assert [c.name for c in two.cars] == ["a", "b"]
    assert two.cars[1].officers == 2
    assert two.cars[0].pattern().minutes_per_week == 7 * 8 * 60  # validated into Car objects
    # untouched values survive; the name is kept
    assert two.name == one_car.name
    assert two.demand.hourly_profile == one_car.demand.hourly_profile
    assert two.dispatch.takes_other_jobs == one_car.dispatch.takes_other_jobs
    assert two.response == one_car.response
    # the original is unchanged
    assert one_car.to_dict() == before
    assert one_car.demand.calls_per_day == 10
    assert [c.name for c in one_car.cars] == ["car1"]
    # the caller's override value is copied, not shared
    cars[0]["name"] = "changed"
    assert two.cars[0].name == "a"


def test_with_overrides_list_index(one_car: Scenario) -> None:
    two = one_car.with_overrides({"cars.0.officers": 2, "cars.0.shifts.0.end": "24:00"})
    assert two.cars[0].officers == 2
    assert two.cars[0].shifts[0].end == "24:00"
    assert one_car.cars[0].officers == 1
    assert one_car.cars[0].shifts[0].end == "23:00"


def test_with_overrides_empty_is_equal(one_car: Scenario) -> None:
    assert one_car.with_overrides({}) == one_car


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        ({"demand.calls_per_day": -3}, "demand.calls_per_day", "greater than or equal to 0"),
        ({"dispatch.max_wait_minutes": -1}, "dispatch.max_wait_minutes", "greater than"),
        ({"response.standard.p_s136": 1.5}, "response.standard.p_s136", "less than or equal"),
        ({"demand.calls_per_dya": 3}, "demand.calls_per_dya", "did you mean 'calls_per_day'"),
        ({"cars": [{"name": "x", "shifts": []}]}, "cars[0].shifts", "at least 1"),
        ({"cars.0.shifts.0.end": "15:00"}, "cars[0].shifts[0]", "start equals end"),
        ({"dispatch.end_of_shift": "abandon"}, "dispatch.end_of_shift", "finish_job"),
    ],
)
def test_invalid_override_names_the_key(one_car: Scenario, overrides: dict, key: str,
                                        fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        one_car.with_overrides(overrides)
    problems = info.value.problems
    assert len(problems) == 1, "\n".join(map(str, problems))
    assert problems[0].key == key
    assert fragment in problems[0].message
    assert key in str(info.value)


@given(rate=st.floats(min_value=0, max_value=MAX_CALLS_PER_DAY, allow_nan=False))
def test_override_any_non_negative_rate(rate: float) -> None:
    base = load_scenario(SCENARIOS / "no_car.yaml")
    s = base.with_overrides({"demand.calls_per_day": rate})
    assert s.demand.calls_per_day == rate
    assert sum(s.demand.rates_per_hour()) == pytest.approx(7 * rate)
    assert base.demand.calls_per_day == 10


@given(rate=st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False)
       | st.floats(min_value=MAX_CALLS_PER_DAY, exclude_min=True)
       | st.just(float("nan")))
def test_override_any_rate_out_of_range_fails(rate: float) -> None:
    base = load_scenario(SCENARIOS / "no_car.yaml")
    with pytest.raises(ScenarioError) as info:
        base.with_overrides({"demand.calls_per_day": rate})
    assert [p.key for p in info.value.problems] == ["demand.calls_per_day"]
