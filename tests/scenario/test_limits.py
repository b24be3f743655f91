"""Issue 10, the input side: names are data, files are read within limits, numbers are finite
and below their ceilings; every limit is a problem at FILE:LINE: KEY (docs/scenarios.md,
section 14, "Limits").
"""

from __future__ import annotations

import math
import re
import time
import tracemalloc
from pathlib import Path

import pytest

import sim
from sim.common import yamlio
from sim.common.names import MAX_NAME_LENGTH, NAME_RULE, check_name, name_problem
from sim.scenario import schema
from sim.scenario.loader import MAX_EXTENDS, PARTIAL, load_scenario
from tests.support.paths import SCENARIOS

BASE = SCENARIOS / "_base.yaml"
PARTIAL_LOAD = re.compile(r"load_scenario\(.*['\"/]_\w*\.yaml")
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]"
       for a, b in zip("abcdefgh", "bcdefghi", strict=True)]) + "\n"


def scenario_file(folder: Path, body: str, name: str = "s.yaml") -> Path:
    """A scenario file extending the shipped ``_base.yaml``, then ``body``."""
    path = folder / name
    path.write_text(f"extends: {BASE}\n{body}", encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(sim.ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems
    return [str(p) for p in info.value.problems]


# ------------------------------------------------------------------------ names


@pytest.mark.parametrize("name", ["cpft_one_car", "car-2", "rota.v2", "2026_plan", "_x", "a",
                                  "x" * MAX_NAME_LENGTH, "a..b"])
def test_good_names(name):
    assert name_problem(name) is None
    assert check_name(name) == name


@pytest.mark.parametrize(("name", "fragment"), [
    ("../../../tmp/x", "'../../../tmp/x' contains '/'"),
    ("/tmp/x", "'/tmp/x' contains '/'"),
    ("..", "'..' starts with '.'"),
    (".hidden", "'.hidden' starts with '.'"),
    ("-rf", "'-rf' starts with '-'"),
    ("my rota", "'my rota' contains ' '"),
    ("a\\b", "contains '\\\\'"),
    ("=HYPERLINK(\"http://x\",\"y\")", "contains '\"' '(' ')' ',' '/' ..."),
    ("café", "contains 'é'"),
    ("a\x00b", "contains '\\x00'"),
    ("a\n", "contains '\\n'"),
    ("", "must not be empty"),
    ("x" * 300, "is 300 characters long"),
    ("x" * (MAX_NAME_LENGTH + 1), f"is {MAX_NAME_LENGTH + 1} characters long"),
    (5, "must be text, got 5"),
])
def test_bad_names_say_why_and_state_the_rule(name, fragment):
    message = name_problem(name)
    assert message is not None and fragment in message, message
    assert message.endswith(NAME_RULE)
    assert "\n" not in message and len(message) < 300  # one line, the name cut short
    with pytest.raises(ValueError, match="a name holds only"):
        check_name(name)  # type: ignore[arg-type]


@pytest.mark.parametrize(("body", "where"), [
    ("name: ../../../tmp/x\n", ":2: name: '../../../tmp/x' contains '/'"),
    ("name: /tmp/x\n", ":2: name: '/tmp/x' contains '/'"),
    (f"name: {'n' * 300}\n", ":2: name: 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' is 300"),
    ("name: '=HYPERLINK(\"http://x\")'\n", ":2: name: '=HYPERLINK(\"http://x\")' contains"),
    ("cars:\n  - name: car/1\n    shifts: [{days: all, start: '08:00', end: '16:00'}]\n",
     ":3: cars[0].name: 'car/1' contains '/'"),
    ("case_mix:\n  - {type: ../t, share: 1}\n", ":3: case_mix[0].type: '../t' contains '/'"),
])
def test_schema_names_are_checked_at_file_line_key(tmp_path, body, where):
    path = scenario_file(tmp_path, body)
    lines = problems(path)
    assert lines[0].startswith(f"{path}{where}"), lines
    assert NAME_RULE in lines[0]


def test_overrides_and_dicts_follow_the_name_rule(make_scenario):
    scenario = make_scenario()
    with pytest.raises(sim.ScenarioError) as info:
        scenario.with_overrides({"name": "../x"})
    assert [p.key for p in info.value.problems] == ["name"]
    with pytest.raises(sim.ScenarioError):
        scenario.with_overrides({"cars.0.name": "a b"})


def test_file_stem_must_be_a_name_when_there_is_no_name_key(tmp_path):
    path = scenario_file(tmp_path, "", name="my rota.yaml")
    (line,) = problems(path)
    assert line.startswith(f"{path}: name: the scenario is named after its file, and the file "
                           "name 'my rota.yaml' is not a valid name ('my rota' contains ' '")
    assert line.endswith("add a 'name:' key, or rename the file")
    fixed = scenario_file(tmp_path, "name: my_rota\n", name="my rota.yaml")
    assert load_scenario(fixed).name == "my_rota"


def test_shipped_scenarios_and_sweeps_still_load():
    from sim.experiments.sweeps.design import load_sweep

    folders = (SCENARIOS, *(SCENARIOS / d for d in ("benchmarks", "sweeps", "validation")))
    files = [p for f in folders for p in f.glob("*.yaml") if not p.name.startswith("_")]
    sweeps = [p for p in files if p.parent.name == "sweeps"]
    assert len(files) >= 10 and len(sweeps) >= 3
    for path in files:
        if path in sweeps:
            assert name_problem(load_sweep(path).name) is None
        else:
            scenario = load_scenario(path)
            names = [scenario.name, *(c.name for c in scenario.cars),
                     *(t.type for t in scenario.case_mix or [])]
            assert all(name_problem(n) is None for n in names), path


# ------------------------------------------------------------------ partial files


def test_a_partial_file_is_not_runnable():
    with pytest.raises(sim.ScenarioError) as info:
        load_scenario(BASE)
    assert [str(p) for p in info.value.problems] == [f"{BASE}: {PARTIAL}"]
    with pytest.raises(sim.ScenarioError):
        sim.load_scenario(str(BASE))


def test_a_partial_file_is_still_extended(tmp_path):
    assert load_scenario(scenario_file(tmp_path, "name: x\n")).demand.calls_per_day > 0


def test_nothing_loads_a_partial_file_directly():
    """Every load_scenario call in sim/ and tests/ names a runnable file (grep, issue 10)."""
    root = SCENARIOS.parent
    for path in [*root.joinpath("sim").rglob("*.py"), *root.joinpath("tests").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if PARTIAL_LOAD.search(line) and path.name != Path(__file__).name:
                pytest.fail(f"{path}: loads a partial file directly: {line.strip()}")


# ------------------------------------------------------------ reading a file


def _measured(path: Path) -> tuple[list[str], float, int]:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        lines = problems(path)
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return lines, seconds, peak


def test_alias_bomb_fails_fast_at_its_line(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    assert path.stat().st_size < 500
    lines, seconds, peak = _measured(path)
    assert lines == [f"{path}:5: e[1]: the alias *d takes the file past 20,000 keys and "
                     "values (aliases counted in full), the most a file may have"]
    assert seconds < 1.0, seconds
    assert peak < 8 * 1024**2, peak


def test_small_aliases_are_still_allowed(tmp_path):
    path = scenario_file(tmp_path, "name: aliased\ncars:\n"
                                   "  - {name: a, shifts: &rota [{days: all, start: '08:00', "
                                   "end: '16:00'}]}\n"
                                   "  - {name: b, shifts: *rota}\n")
    scenario = load_scenario(path)
    assert scenario.cars[0].shifts == scenario.cars[1].shifts


def test_an_alias_inside_what_it_names_is_refused(tmp_path):
    path = scenario_file(tmp_path, "description: &d [1, *d]\n")
    assert problems(path) == [f"{path}:2: description[1]: the alias *d is inside the map or "
                              "list it names (an endless structure); write the values out "
                              "instead"]


def test_deep_nesting_is_refused_at_its_line(tmp_path):
    path = scenario_file(tmp_path, "description:\n  " + "[" * 200 + "]" * 200 + "\n")
    (line,) = problems(path)
    assert line.startswith(f"{path}:3: description[0][0][0][0][0][0][0]: maps and lists nested "
                           f"more than {yamlio.MAX_DEPTH} levels deep")


def test_deep_nesting_through_aliases_is_refused(tmp_path):
    deep = "[" * 20 + "]" * 20
    path = scenario_file(tmp_path, f"a: &a {deep}\nb: &b {'[' * 20}*a{']' * 20}\n")
    (line,) = problems(path)
    assert f"{path}:3: b" in line and "the alias *a nests maps and lists more than 32" in line


def test_nesting_up_to_the_limit_is_read(tmp_path):
    depth = yamlio.MAX_DEPTH
    path = tmp_path / "d.yaml"
    path.write_text("x: " + "[" * (depth - 1) + "1" + "]" * (depth - 1) + "\n")
    data, _, found = yamlio.read_yaml(path)
    assert found == [] and data is not None
    path.write_text("x: " + "[" * depth + "1" + "]" * depth + "\n")
    data, _, found = yamlio.read_yaml(path)
    assert data is None and "nested more than 32" in found[0].message


def test_a_file_over_1_mib_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    line = "# " + "x" * 97 + "\n"
    path.write_text(line * (yamlio.MAX_FILE_BYTES // len(line) + 1), encoding="utf-8")
    lines, seconds, _ = _measured(path)
    assert lines == [f"{path}:10486: file too large: 1,048,600 bytes, more than the 1 MiB "
                     "(1,048,576 bytes) that a scenario file may have (the limit is passed on "
                     "this line)"]
    assert seconds < 1.0


def test_a_file_of_exactly_1_mib_is_read(tmp_path):
    path = tmp_path / "big.yaml"
    body = "name: big\n"
    path.write_text(body + "#" * (yamlio.MAX_FILE_BYTES - len(body) - 1) + "\n")
    assert path.stat().st_size == yamlio.MAX_FILE_BYTES
    data, _, found = yamlio.read_yaml(path)
    assert found == [] and data == {"name": "big"}


@pytest.mark.parametrize(("content", "expected"), [
    (b"name: caf\xe9\n", ":1: not UTF-8 text: byte 0xe9 at column 10 (a Latin-1 or Windows "
                         "file?); save the file as UTF-8"),
    (b"name: a\n\x89PNG\r\n\x1a\n\x00\x00", ":4: binary file (it holds NUL bytes, first on "
                                            "this line), not a scenario file"),
    ("name: x\n".encode("utf-16"), ":1: the file is UTF-16 text; a scenario file must be "
                                   "UTF-8: save it as UTF-8"),
    (b"name: a\x01b\n", ":1: character U+0001 is not allowed in YAML (a control character)"),
    (b"x: !!python/object/apply:os.system [echo hi]\n", ":1: x: the YAML tag "
                                                        "'!!python/object/apply:os.system' is not "
                                                        "allowed here; write plain maps and lists"),
    (b"x: !!python/name:os.system ''\n", ":1: x: cannot read the value '': could not "
                                          "determine a constructor"),
    (b"x: " + b"9" * 5000 + b"\n", ":1: x: cannot read the value '9999999999999999999999999"
                                   "999999999999999': a number with this many digits is too "
                                   "long"),
    (b"x: 2001-13-45\n", ":1: x: cannot read the value '2001-13-45': month must be in 1..12"),
])
def test_bad_bytes_are_one_located_problem(tmp_path, content, expected):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    lines = problems(path)
    assert lines[0].startswith(f"{path}{expected}"), lines


def test_a_utf8_byte_order_mark_is_allowed(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: x\n")
    assert yamlio.read_yaml(path)[0] == {"name": "x"}


def test_a_folder_is_not_a_scenario_file(tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert problems(folder) == [f"{folder}: is a folder, not a scenario file"]
    child = scenario_file(tmp_path, "", name="child.yaml")
    child.write_text("extends: folder.yaml\n")
    assert problems(child) == [f"{child}:1: extends: folder.yaml is a folder, not a scenario "
                               "file"]


def test_a_device_is_not_a_scenario_file():
    devnull = Path("/dev/null")
    if not devnull.exists():  # pragma: no cover - not on this platform
        pytest.skip("no /dev/null")
    assert problems(devnull) == ["/dev/null: is not a regular file, so not a scenario file"]


def test_a_long_chain_of_extends_is_refused(tmp_path):
    (tmp_path / "f0.yaml").write_text(f"extends: {BASE}\n")
    for i in range(1, MAX_EXTENDS + 2):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\n")
    assert load_scenario(tmp_path / f"f{MAX_EXTENDS - 2}.yaml").name == f"f{MAX_EXTENDS - 2}"
    lines = problems(tmp_path / f"f{MAX_EXTENDS + 1}.yaml")
    assert lines[0].endswith(f"extends: a chain of extends longer than {MAX_EXTENDS} files")


# ------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(("body", "expected"), [
    ("demand: {calls_per_day: .inf}\n", ":2: demand.calls_per_day: Input should be a finite "
                                        "number"),
    ("demand: {calls_per_day: .nan}\n", ":2: demand.calls_per_day: Input should be a finite "
                                        "number"),
    ("demand: {calls_per_day: -.inf}\n", ":2: demand.calls_per_day: Input should be a finite "
                                         "number"),
    ("demand: {other_jobs_per_hour: .inf}\n", ":2: demand.other_jobs_per_hour: Input should "
                                              "be a finite number"),
    ("demand: {weekday_factors: [1, 1, 1, 1, 1, 1, .nan]}\n",
     ":2: demand.weekday_factors[6]: Input should be a finite number"),
    ("dispatch: {max_wait_minutes: .inf}\n", ":2: dispatch.max_wait_minutes: Input should be "
                                             "a finite number"),
    ("response:\n  car:\n    on_scene_minutes: {dist: lognormal, mean: .inf, sd: 1}\n",
     ":4: response.car.on_scene_minutes.mean: Input should be a finite number"),
    ("response:\n  car:\n    on_scene_minutes: {dist: empirical, values: [1, .nan]}\n",
     ":4: response.car.on_scene_minutes.values[1]: Input should be a finite number"),
    ("response:\n  car:\n    p_s136: .nan\n", ":4: response.car.p_s136: Input should be a "
                                              "finite number"),
    ("costs: {s136_detention: .inf}\n", ":2: costs.s136_detention: Input should be a finite "
                                        "number"),
    ("uncertainty: {inputs: {costs.s136_detention: {dist: uniform, low: 1, high: .inf}}}\n",
     ":2: uncertainty.inputs"),
    ("run: {weeks: .inf}\n", ":2: run.weeks: Input should be a finite number"),
])
def test_infinity_and_nan_are_refused_everywhere(tmp_path, body, expected):
    path = scenario_file(tmp_path, body)
    lines = [line for line in problems(path) if line.startswith(f"{path}{expected}")]
    assert lines and "Input should be a finite number" in lines[0], lines


@pytest.mark.parametrize(("body", "expected"), [
    ("demand: {calls_per_day: 1e9}\n", ":2: demand.calls_per_day: Input should be less than or "
                                       "equal to 2000 (got '1e9')"),
    ("demand: {calls_per_day: 2000.5}\n", ":2: demand.calls_per_day: Input should be less "
                                          "than or equal to 2000 (got 2000.5)"),
    ("demand: {other_jobs_per_hour: 101}\n", ":2: demand.other_jobs_per_hour: Input should be "
                                             "less than or equal to 100 (got 101)"),
    ("demand: {weekday_factors: [1, 1, 1, 1, 1, 1, 11]}\n",
     ":2: demand.weekday_factors[6]: Input should be less than or equal to 10 (got 11)"),
    ("run: {replications: 1000000000}\n", ":2: run.replications: Input should be less than or "
                                          "equal to 10000 (got 1000000000)"),
    ("run: {weeks: 521}\n", ":2: run.weeks: Input should be less than or equal to 520"),
    ("run: {warmup_weeks: 53}\n", ":2: run.warmup_weeks: Input should be less than or equal "
                                  "to 52"),
    ("response:\n  standard:\n    officers: 101\n", ":4: response.standard.officers: Input "
                                                    "should be less than or equal to 100"),
    ("response:\n  car:\n    on_scene_minutes: {dist: exponential, mean: 10081}\n",
     ":4: response.car.on_scene_minutes: mean of 10,081 minutes is more than a week (10,080 "
     "minutes), the longest a duration's mean may be"),
    ("response:\n  standard:\n    s136_hours: {dist: lognormal, median: 8, p95: 1e300}\n",
     ":4: response.standard.s136_hours: mean of inf hours is more than a week (168 hours)"),
    ("case_mix:\n  - type: a\n    share: 1\n    car: {ae_handover_hours: {dist: fixed, "
     "value: 169}}\n", ":5: case_mix[0].car.ae_handover_hours: mean of 169 hours is more than "
                       "a week"),
    ("costs: {s136_detention: 10000000000.0}\n", ":2: costs.s136_detention: Input should be "
                                                 "less than or equal to 1000000000"),
    ("uncertainty: {draws: 100001}\n", ":2: uncertainty.draws: Input should be less than or "
                                       "equal to 100000"),
    ("uncertainty: {wtp_step: 0.001}\n", ":2: uncertainty.wtp_step: the acceptability @"
                                         "grid would have 10,000,000 points"),
])
def test_numbers_have_documented_ceilings(tmp_path, body, expected):
    path = scenario_file(tmp_path, body)
    lines = problems(path)
    prefix, _, fragment = expected.partition("@")  # "@": any words between
    assert any(line.startswith(f"{path}{prefix}") and fragment in line for line in lines), lines


def test_counts_of_cars_shifts_and_call_types_have_ceilings(make_scenario):
    shift = {"days": "all", "start": "08:00", "end": "09:00"}
    cars = [{"name": f"c{i}", "shifts": [shift]} for i in range(schema.MAX_CARS + 1)]
    with pytest.raises(sim.ScenarioError) as info:
        make_scenario({"cars": cars})
    assert [p.key for p in info.value.problems] == ["cars"]
    assert "at most 50 items" in info.value.problems[0].message
    assert len(make_scenario({"cars": cars[:-1]}).cars) == schema.MAX_CARS
    with pytest.raises(sim.ScenarioError) as info:
        make_scenario({"cars.0.shifts": [shift] * (schema.MAX_SHIFTS + 1)})
    assert [p.key for p in info.value.problems] == ["cars[0].shifts"]
    mix = [{"type": f"t{i}", "share": 1 / 51} for i in range(schema.MAX_CALL_TYPES + 1)]
    with pytest.raises(sim.ScenarioError) as info:
        make_scenario({"case_mix": mix})
    assert "case_mix" in [p.key for p in info.value.problems]


def test_ceilings_are_legal_values(make_scenario):
    big = make_scenario({"demand.calls_per_day": schema.MAX_CALLS_PER_DAY,
                         "demand.other_jobs_per_hour": schema.MAX_OTHER_JOBS_PER_HOUR,
                         "run.weeks": schema.MAX_WEEKS, "run.warmup_weeks": 52,
                         "run.replications": schema.MAX_REPLICATIONS,
                         "response.car.on_scene_minutes": {"dist": "fixed", "value": 10080},
                         "response.standard.s136_hours": {"dist": "fixed", "value": 168}})
    assert big.demand.calls_per_day == 2000 and big.run.weeks == 520
    assert math.isfinite(big.response.car.on_scene_minutes.mean_value)


def test_every_ceiling_is_in_the_limits_section_of_the_doc():
    doc = (SCENARIOS.parent / "docs" / "scenarios.md").read_text(encoding="utf-8")
    limits = doc[doc.index("## 14. Limits"):]
    for figure in ("1 MiB", "32 levels", "20,000 keys and values", "| 520", "| 52 |",
                   "| 10,000 |", "| 2,000 |", "| 100 |", "| 10 each", "50 cars",
                   "50 shift lines", "50 call types", "10,080 minutes", "168 hours",
                   "£1,000,000,000", "100,000", "100 inputs", "10,000 steps", "64 characters",
                   "10 files long"):
        assert figure in limits, figure
    assert f"{yamlio.MAX_FILE_BYTES:,}" in limits
    assert yamlio.MAX_DEPTH == 32 and yamlio.MAX_NODES == 20_000 and MAX_EXTENDS == 10
