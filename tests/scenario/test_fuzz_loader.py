"""Fuzzing the loader (issue 10): random bytes and mutated shipped scenario files.

Whatever the file holds, loading it ends in one of two ways only: a :class:`sim.Scenario`,
or a :class:`sim.ScenarioError` whose every problem is one line naming the file (or the
shipped ``_base.yaml`` it extends), within a time bound; never another exception, a hang
or a memory blow-up. Mutations: keys and values changed, lines dropped, repeated and
swapped, truncation, aliases (also bombs and aliases inside what they name), deep
nesting, huge and non-finite numbers, odd unicode.
"""

from __future__ import annotations

import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.common.names import MAX_NAME_LENGTH, NAME_PATTERN, name_problem
from sim.experiments.sweeps.design import load_sweep
from tests.support.paths import SCENARIOS

SHIPPED = {p.name: p.read_bytes() for p in sorted(SCENARIOS.glob("*.yaml"))}
SECONDS = 10.0
"""Per example, on a slow shared machine: a correct loader takes milliseconds here (the
files are a few KB), a hang or an expansion takes minutes."""
PEAK_BYTES = 64 * 1024**2
"""Peak memory of one load of a few-KB file (tracemalloc): an alias bomb takes gigabytes."""

ODD_VALUES = [
    ".inf", "-.inf", ".nan", "1e400", "-1e400", "1e9", "9" * 5000, "-1", "0", "1.5", "true",
    "null", "~", "''", '""', "[]", "{}", "[" * 40 + "]" * 40,
    "*undefined", "&a [*a]", "!!binary 'AAAA'", "!!python/name:os.system ''", "!!set {a, b}",
    "2001-13-45", "0x1F", "0o17", "1_000", "17:00", "190:20:30", "'../../../tmp/x'", "/tmp/x",
    "'=HYPERLINK(\"http://x\")'", "\u202etxt.exe", "\ufeffname", "名前", "💥", "a\u0085b",
    "\u00e9", "'\\x00'", "\"\\u0000\"", "n" * 300, "{dist: lognormal, median: 8, p95: 1e300}",
    "{dist: fixed, value: .inf}", "[1, 2, 3, 4, 5, 6, .nan]", "<<: *x",
]

odd_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                   max_size=12)


def _allowed_files(path: Path) -> set[str]:
    return {str(path), str(path.parent / "_base.yaml"), str((path.parent / "_base.yaml")
                                                             .resolve())}


def _outcome(path: Path) -> None:
    """Load ``path``: a scenario, or a ScenarioError of one-line problems naming the file."""
    start = time.perf_counter()
    try:
        scenario = sim.load_scenario(path)
    except sim.ScenarioError as exc:
        assert exc.problems, "a ScenarioError must say what is wrong"
        allowed = _allowed_files(path)
        for problem in exc.problems:
            assert problem.file in allowed, str(problem)
            assert "\n" not in str(problem) and "\r" not in str(problem), repr(str(problem))
            assert problem.line is None or problem.line >= 1
    else:
        assert isinstance(scenario, sim.Scenario)
        assert name_problem(scenario.name) is None
    assert time.perf_counter() - start < SECONDS


def _folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(SCENARIOS / "_base.yaml", folder / "_base.yaml")
    return folder


# ------------------------------------------------------------------ random bytes


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=2000))
def test_random_bytes(tmp_path_factory, content):
    path = _folder(tmp_path_factory) / "random.yaml"
    path.write_bytes(content)
    _outcome(path)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.text(max_size=500))
def test_random_text(tmp_path_factory, content):
    path = _folder(tmp_path_factory) / "random.yaml"
    path.write_text(content, encoding="utf-8", errors="surrogatepass")
    _outcome(path)


# ------------------------------------------------------------- mutated files


@st.composite
def mutants(draw: st.DrawFn) -> bytes:
    """A shipped scenario file with a few random edits."""
    text = SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))].decode("utf-8")
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = [""]
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "key", "drop", "repeat", "swap", "unicode",
                                     "alias", "deep", "number"]))
        line = lines[i]
        head, colon, _ = line.partition(":")
        if kind == "value" and colon:
            lines[i] = f"{head}: {draw(st.sampled_from(ODD_VALUES))}"
        elif kind == "key" and colon:
            indent = head[:len(head) - len(head.lstrip())]
            lines[i] = f"{indent}{draw(odd_text)}:{line.partition(':')[2]}"
        elif kind == "drop":
            del lines[i]
        elif kind == "repeat":
            lines.insert(i, line)
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], line
        elif kind == "unicode":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(odd_text) + line[at:]
        elif kind == "alias" and colon:
            lines[i] = f"{head}: &x {line.partition(':')[2].strip() or '{}'}"
            lines.append(f"extra_{i}: [{', '.join(['*x'] * draw(st.integers(1, 20)))}]")
        elif kind == "deep" and colon:
            depth = draw(st.integers(1, 200))
            lines[i] = f"{head}: {'[' * depth}1{']' * depth}"
        elif kind == "number" and colon:
            number = draw(st.floats() | st.integers(-10**30, 10**30))
            lines[i] = f"{head}: {number}"
    body = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        body = body[:draw(st.integers(0, len(body)))]
    return body.encode("utf-8", errors="surrogatepass")


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=mutants())
def test_mutated_shipped_files(tmp_path_factory, content):
    path = _folder(tmp_path_factory) / "mutant.yaml"
    path.write_bytes(content)
    _outcome(path)


@st.composite
def alias_structures(draw: st.DrawFn) -> str:
    """Chains of anchors and aliases, wide and deep (bombs among them), and self-reference."""
    width = draw(st.integers(1, 12))
    levels = draw(st.integers(1, 10))
    rows = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    for level in range(1, levels):
        nest = draw(st.integers(0, 3))
        items = ", ".join([f"*a{level - 1}"] * width)
        rows.append(f"a{level}: &a{level} {'[' * nest}[{items}]{']' * nest}")
    if draw(st.booleans()):
        rows.append("loop: &loop {self: *loop}" if draw(st.booleans())
                    else "loop: &loop [*loop]")
    if draw(st.booleans()):
        rows.append(f"merged: {{<<: *a{levels - 1}}}")
    return "\n".join(rows) + "\n"


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=alias_structures())
def test_alias_structures_are_bounded_in_time_and_memory(tmp_path_factory, content):
    path = _folder(tmp_path_factory) / "aliases.yaml"
    path.write_text(content, encoding="utf-8")
    tracemalloc.start()
    try:
        _outcome(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES, peak


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=1000) | mutants())
def test_sweep_loader_takes_the_same_bytes(tmp_path_factory, content):
    path = _folder(tmp_path_factory) / "sweep.yaml"
    path.write_bytes(b"sweep:\n  base: _base.yaml\n" + content)
    start = time.perf_counter()
    try:
        load_sweep(path)
    except sim.ScenarioError as exc:  # SweepError is one
        assert exc.problems
        for problem in exc.problems:
            assert problem.file in _allowed_files(path) or problem.file.startswith("--")
    assert time.perf_counter() - start < SECONDS


# ------------------------------------------------------------------------ names


@given(name=st.text(max_size=80) | st.from_regex(NAME_PATTERN, fullmatch=True))
def test_a_good_name_is_one_plain_file_name_inside_its_folder(tmp_path_factory, name):
    ok = name_problem(name) is None
    expected = (bool(NAME_PATTERN.fullmatch(name)) and len(name) <= MAX_NAME_LENGTH
                and name.isascii())
    assert ok == expected
    if ok:
        folder = tmp_path_factory.getbasetemp().resolve()
        target = (folder / f"{name}.yaml").resolve()
        assert target.parent == folder and target.name == f"{name}.yaml"
        assert not name.startswith((".", "-", "=", "+", "@")) and "/" not in name
