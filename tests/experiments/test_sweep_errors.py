"""Bad sweep files: every problem named by file, line and key; exit 2; nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim import cli
from sim.experiments.sweeps.design import SweepError, load_sweep
from tests.support.paths import ROOT
from tests.support.sweeps import write_sweep


def problems(path) -> list[str]:
    with pytest.raises(SweepError) as exc:
        load_sweep(path)
    return [str(p) for p in exc.value.problems]


def test_bad_grid_value_names_the_value_and_the_points(tmp_path):
    path = write_sweep(tmp_path, """\
        sweep:
          base: {base}
          variants: {{a: {{}}, b: {{dispatch.max_wait_minutes: 5}}}}
          grid:
            demand.calls_per_day: [6, 8, -1]
        """)
    (line,) = problems(path)
    assert line.startswith(f"{path}:5: sweep.grid.demand.calls_per_day[2]: makes an invalid "
                           "scenario: demand.calls_per_day: Input should be greater than or "
                           "equal to 0")
    assert "[point 2 (variant=a, demand.calls_per_day=-1); and 1 more point]" in line


def test_bad_variant_names_the_line_inside_the_variant(tmp_path):
    path = write_sweep(tmp_path, """\
        sweep:
          base: {base}
          variants:
            ok: {{}}
            two:
              cars:
                - name: a
                  shifts: [{{days: all, start: "15:00", end: "23:00"}}]
                - name: b
                  shifts:
                    - {{days: all, start: "19:00", end: "19:00"}}
        """)
    (line,) = problems(path)
    assert line.startswith(f"{path}:11: sweep.variants.two.cars[1].shifts[0]: makes an "
                           "invalid scenario: cars[1].shifts[0]: start equals end")
    assert "[point 1 (variant=two)]" in line


def test_misspelt_keys_and_unquoted_times_are_all_reported(tmp_path):
    path = write_sweep(tmp_path, """\
        sweep:
          base: {base}
          bacth: 3
          grid:
            demand.calls_per_dya: [1, 2]
            cars.0.shifts.0.start: [12:00, "14:00"]
            cars.3.name: [x]
          samples: {{n: 4, ranges: {{response.car.p_s136: [0.09, 0.03]}}}}
        other: 1
        """)
    lines = problems(path)
    text = "\n".join(lines)
    assert f"{path}:3: sweep.bacth: unknown key; did you mean 'batch'?" in text
    assert (f"{path}:5: sweep.grid.demand.calls_per_dya: makes an invalid scenario: "
            "demand.calls_per_dya: unknown key; did you mean 'calls_per_day'?") in text
    assert f"{path}:6: sweep.grid.cars.0.shifts.0.start[0]: unquoted time 12:00" in text
    assert (f"{path}:7: sweep.grid.cars.3.name: index 3 is out of range: cars has 1 item"
            in text)
    assert f"{path}:8: sweep.samples.ranges.response.car.p_s136: low must be below high" in text
    assert f"{path}:9: other: unknown top-level key" in text
    assert [line.split(":")[1] for line in lines] == sorted(
        (line.split(":")[1] for line in lines), key=int)  # in file order


def test_base_problems_name_the_base_file(tmp_path):
    bad_base = tmp_path / "base.yaml"
    bad_base.write_text("demand: {calls_per_day: 10}\nresponse: {}\ncarz: []\n")
    path = write_sweep(tmp_path, """\
        sweep:
          base: base.yaml
          grid: {{demand.calls_per_day: [1]}}
        """)
    lines = problems(path)
    assert any(line.startswith(f"{bad_base}:3: carz: unknown key") for line in lines), lines


@pytest.mark.parametrize(("body", "expected"), [
    ("sweep:\n  base: nowhere.yaml\n  grid: {{demand.calls_per_day: [1]}}\n",
     ":2: sweep.base: file not found: nowhere.yaml"),
    ("sweep:\n  grid: {{demand.calls_per_day: [1]}}\n",
     ":1: sweep.base: required key is missing"),
    ("sweep:\n  base: {base}\n",
     ":1: sweep: a sweep needs at least one of variants, grid or samples"),
    ("sweep:\n  base: {base}\n  grid: {{demand.calls_per_day: 5}}\n",
     ":3: sweep.grid.demand.calls_per_day: needs a non-empty list"),
    ("sweep:\n  base: {base}\n  grid: {{run.weeks: [1, 2]}}\n",
     ":3: sweep.grid.run.weeks: run settings are the sweep's own"),
    ("sweep:\n  base: {base}\n  grid: {{demand.calls_per_day: [1, 1]}}\n",
     ":3: sweep.grid.demand.calls_per_day[1]: value 1 is repeated"),
    ("sweep:\n  base: {base}\n  reps: 0\n  grid: {{demand.calls_per_day: [1]}}\n",
     ":3: sweep.reps: must be at least 1, got 0"),
    ("sweep:\n  base: {base}\n  variants: [a, b]\n",
     ":3: sweep.variants: must be a map of variant names"),
    ("sweep:\n  base: {base}\n  grid: {{demand.calls_per_day.x: [1]}}\n",
     "demand.calls_per_day is 10.0, not a map or a list"),
])
def test_structural_problems(tmp_path, body, expected):
    path = write_sweep(tmp_path, body)
    text = "\n".join(problems(path))
    assert expected in text, text


def test_cli_reports_and_writes_nothing(tmp_path, capsys):
    path = write_sweep(tmp_path, """\
        sweep:
          base: {base}
          grid:
            demand.calls_per_day: [6, -8]
        """)
    out = tmp_path / "out"
    assert cli.main([str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:4: sweep.grid.demand.calls_per_day[1]: makes an invalid scenario" in err
    assert "1 problem found; nothing was run or written." in err
    assert "Traceback" not in err
    assert not out.exists()


def test_cli_in_a_real_process_has_no_traceback(tmp_path):
    path = write_sweep(tmp_path, "sweep:\n  base: {base}\n  grid: {{demand.calls_per_dya: [1]}}\n")
    proc = subprocess.run([sys.executable, str(ROOT / "run_scenarios.py"), str(path),
                           "--out", str(tmp_path / "o")], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    assert proc.returncode == 2
    assert "did you mean 'calls_per_day'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "o").exists()


def test_cli_flag_misuse(tmp_path, capsys):
    from tests.support.paths import SCENARIOS

    sweep = write_sweep(tmp_path, "sweep:\n  base: {base}\n  grid: {{demand.calls_per_day: [1]}}\n")
    assert cli.main([str(SCENARIOS / "no_car.yaml"), "--resume"]) == 2
    assert "--resume: applies to sweep files only" in capsys.readouterr().err
    assert cli.main([str(sweep), str(SCENARIOS / "no_car.yaml")]) == 2
    assert "a sweep file runs on its own" in capsys.readouterr().err
    assert cli.main([str(sweep), "--baseline", "x"]) == 2
    assert "--baseline: applies to scenario files" in capsys.readouterr().err


def test_validate_only_on_a_sweep(tmp_path, capsys, monkeypatch):
    path = write_sweep(tmp_path, """\
        sweep:
          name: v
          base: {base}
          variants: {{a: {{}}, b: {{}}}}
          grid: {{demand.calls_per_day: [4, 6, 8]}}
          reps: 7
          batch: 3
        """)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--validate-only", str(path)]) == 0
    out = capsys.readouterr().out
    assert "sweep v: 6 points x 7 replications = 42 replications in 18 tasks" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


# ------------------------------------------------------------------ limits (issue 10)

_RULE = "a name holds only letters, digits, '_', '-' and '.'"


@pytest.mark.parametrize(("name", "fragment"), [
    ('"../../../tmp/x"', "'../../../tmp/x' contains '/'"),
    ('"/tmp/x"', "'/tmp/x' contains '/'"),
    ('".hidden"', "'.hidden' starts with '.'"),
    ('"a+b"', "'a+b' contains '+'"),
    ("x" * 65, "is 65 characters long"),
    ('"=HYPERLINK(1)"', "contains '(' ')' '='"),
])
def test_sweep_name_follows_the_name_rule(tmp_path, name, fragment):
    path = write_sweep(tmp_path, f"sweep:\n  name: {name}\n  base: {{base}}\n"
                                 "  grid: {{demand.calls_per_day: [1]}}\n")
    (line,) = problems(path)
    assert line.startswith(f"{path}:2: sweep.name: ")
    assert fragment in line and _RULE in line


def test_sweep_named_after_a_bad_file_name_says_so(tmp_path):
    path = write_sweep(tmp_path, "sweep:\n  base: {base}\n  grid: {{demand.calls_per_day: [1]}}\n",
                       name="my sweep.yaml")
    (line,) = problems(path)
    assert line.startswith(f"{path}:1: sweep: the sweep is named after its file, and the file "
                           "name 'my sweep.yaml' is not a valid name ('my sweep' contains ' '")
    assert "add a 'name:' key under sweep, or rename the file" in line


def test_bad_variant_name_is_located(tmp_path):
    path = write_sweep(tmp_path, "sweep:\n  base: {base}\n  variants:\n    ok: {{}}\n"
                                 "    \"../x\": {{}}\n")
    (line,) = problems(path)
    assert line.startswith(f"{path}:5: sweep.variants.../x: bad variant name: '../x' contains")


def test_longest_sweep_name_still_names_its_points(tmp_path):
    name = "s" * 64
    path = write_sweep(tmp_path, f"sweep:\n  name: {name}\n  base: {{base}}\n"
                                 "  grid: {{demand.calls_per_day: [1, 2]}}\n")
    sweep = load_sweep(path)
    assert sweep.name == name
    assert [p.scenario.name for p in sweep.points] == ["s" * 62 + ".0", "s" * 62 + ".1"]


def test_ten_million_points_are_refused_at_once(tmp_path):
    import time

    values = ", ".join(str(i) for i in range(100))
    grid = "\n".join(f"    response.car.p_s136.{k}: [{values}]" for k in ("a", "b", "c", "d"))
    path = write_sweep(tmp_path, f"sweep:\n  base: {{base}}\n  variants: {{{{a: {{{{}}}}, "
                                 f"b: {{{{}}}}}}}}\n  grid:\n{grid}\n")
    start = time.perf_counter()
    lines = problems(path)
    assert time.perf_counter() - start < 10  # counted, never built (building takes hours)
    assert f"{path}:4: sweep.grid: the sweep has 200,000,000 points (2 variant(s) x " \
           "100,000,000 grid combination(s) x 1 sample(s)), more than the 20,000 a sweep may " \
           "have; split it into smaller sweeps" in lines


def test_twenty_thousand_points_is_the_limit(tmp_path):
    from sim.experiments.sweeps.design import MAX_POINTS

    assert MAX_POINTS == 20_000
    many = "sweep:\n  base: {base}\n  samples: {{n: 20000, ranges: {{demand.calls_per_day: " \
           "[1, 2]}}}}\n  variants: {{a: {{}}, b: {{}}}}\n"
    text = "\n".join(problems(write_sweep(tmp_path, many)))
    assert ":3: sweep.samples.n: the sweep has 40,000 points (2 variant(s) x 1 grid " \
           "combination(s) x 20,000 sample(s))" in text


@pytest.mark.parametrize(("setting", "expected"), [
    ("reps: 10001", ":3: sweep.reps: must be at most 10,000, got 10,001"),
    ("weeks: 521", ":3: sweep.weeks: must be at most 520, got 521"),
    ("warmup_weeks: 53", ":3: sweep.warmup_weeks: must be at most 52, got 53"),
    ("batch: 1000000", ":3: sweep.batch: must be at most 10,000, got 1,000,000"),
    ("reps: .inf", ":3: sweep.reps: must be a whole number, got inf"),
    ("samples: {{n: 20001, ranges: {{demand.calls_per_day: [1, 2]}}}}",
     ":3: sweep.samples.n: must be a whole number of samples, from 1 to 20,000, got 20001"),
])
def test_sweep_settings_have_ceilings(tmp_path, setting, expected):
    path = write_sweep(tmp_path, f"sweep:\n  base: {{base}}\n  {setting}\n"
                                 "  grid: {{demand.calls_per_day: [1]}}\n")
    text = "\n".join(problems(path))
    assert expected in text, text


def test_flags_have_the_same_ceilings(tmp_path):
    path = write_sweep(tmp_path, "sweep:\n  base: {base}\n  grid: {{demand.calls_per_day: [1]}}\n")
    with pytest.raises(SweepError) as exc:
        load_sweep(path, reps=10**9)
    assert [str(p) for p in exc.value.problems] == [
        "--reps: must be a whole number, at least 1 and at most 10,000, got 1000000000"]


@pytest.mark.parametrize("value", [".inf", ".nan", "1e9", "2001"])
def test_grid_values_meet_the_scenario_ceilings(tmp_path, value):
    path = write_sweep(tmp_path, "sweep:\n  base: {base}\n  grid:\n"
                                 f"    demand.calls_per_day: [6, {value}]\n")
    (line,) = problems(path)
    assert line.startswith(f"{path}:4: sweep.grid.demand.calls_per_day[1]: makes an invalid "
                           "scenario: demand.calls_per_day: Input should be ")
    assert ("finite number" in line) == (value in (".inf", ".nan"))


def test_alias_bomb_in_a_sweep_file_is_refused(tmp_path):
    rows = ['  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    rows += [f"  {b}: &{b} [{', '.join([f'*{a}'] * 9)}]"
             for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    path = write_sweep(tmp_path, "sweep:\n" + "\n".join(rows).replace("{", "{{").replace(
        "}", "}}") + "\n")
    (line,) = problems(path)
    assert "takes the file past 20,000 keys and values" in line
    assert line.startswith(f"{path}:6: sweep.e[")
