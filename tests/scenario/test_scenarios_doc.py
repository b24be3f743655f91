"""docs/scenarios.md stays in step with the schema and the loader.

* Every field of every model reachable from :class:`sim.scenario.schema.Scenario` (distributions
  included) is named in the reference, in backticks.
* Every ```yaml block that starts with ``# example: valid`` loads; every one that starts with
  ``# example: invalid`` raises :class:`sim.ScenarioError`. Blocks are written next to a copy
  of ``scenarios/_base.yaml``, so ``extends: _base.yaml`` works as in ``scenarios/``.
* Error output pasted after an invalid example is what the loader reports for it.
"""

from __future__ import annotations

import re
import shutil
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

import sim
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "scenarios.md"
BASE = ROOT / "scenarios" / "_base.yaml"

FENCE = re.compile(r"^```(?P<lang>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
VALID = "# example: valid"
INVALID = "# example: invalid"
SUMMARY = re.compile(r"^\d+ problems? found; nothing was run or written\.$")


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _fences() -> list[tuple[str, str]]:
    """Every fenced block of the doc as ``(language, body)``, in order."""
    return [(m.group("lang").strip(), m.group("body")) for m in FENCE.finditer(_doc())]


def _examples(marker: str) -> list[str]:
    return [body for lang, body in _fences()
            if lang == "yaml" and body.splitlines()[:1] == [marker]]


def _ids(blocks: list[str]) -> list[str]:
    ids = []
    for i, body in enumerate(blocks):
        name = re.search(r"^name:\s*(\S+)", body, re.MULTILINE)
        ids.append(f"{i}-{name.group(1)}" if name else str(i))
    return ids


VALID_BLOCKS = _examples(VALID)
INVALID_BLOCKS = _examples(INVALID)


# ------------------------------------------------------------------------- schema walk


def _unwrap(tp: typing.Any) -> typing.Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _models(tp: typing.Any, found: dict[str, type[BaseModel]]) -> None:
    """Collect every pydantic model reachable from ``tp`` (through unions, lists, Annotated)."""
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp.__name__ in found:
            return
        found[tp.__name__] = tp
        for field in tp.model_fields.values():
            _models(field.annotation, found)
        return
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType, list, tuple, dict, set, frozenset):
        for arg in typing.get_args(tp):
            _models(arg, found)


def _schema_models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    _models(Scenario, found)
    return found


def test_schema_walk_reaches_nested_models_and_distributions():
    names = set(_schema_models())
    expected = {"Scenario", "RunSettings", "Demand", "Car", "Shift", "Dispatch", "Response",
                "StandardResponse", "CarResponse", "CallType", "StandardOverride",
                "CarOverride", "Fixed", "Exponential", "Lognormal", "Gamma", "Uniform",
                "Triangular", "Empirical"}
    assert expected <= names, f"schema walk missed: {sorted(expected - names)}"


def test_every_schema_field_is_documented_in_backticks():
    text = _doc()
    missing = sorted({f"{model_name}.{field}"
                      for model_name, model in _schema_models().items()
                      for field in model.model_fields
                      if f"`{field}`" not in text})
    assert not missing, f"docs/scenarios.md does not mention, in backticks: {missing}"


def test_doc_names_the_presets_and_distribution_forms():
    from sim.scenario.presets import HOURLY_PROFILES

    text = _doc()
    for name in HOURLY_PROFILES:
        assert f"`{name}`" in text, f"hourly profile preset {name!r} is not documented"
    for model in _schema_models().values():
        if "dist" in model.model_fields:
            for form in typing.get_args(model.model_fields["dist"].annotation):
                assert f"`{form}`" in text, f"distribution form {form!r} is not documented"


# -------------------------------------------------------------------------- examples


def _write(tmp_path: Path, body: str, name: str) -> Path:
    shutil.copyfile(BASE, tmp_path / BASE.name)
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_doc_marks_enough_examples():
    assert len(VALID_BLOCKS) >= 2, f"mark at least two ```yaml blocks '{VALID}'"
    assert len(INVALID_BLOCKS) >= 1, f"mark at least one ```yaml block '{INVALID}'"


@pytest.mark.parametrize("body", VALID_BLOCKS, ids=_ids(VALID_BLOCKS))
def test_valid_example_loads(tmp_path: Path, body: str):
    path = _write(tmp_path, body, "doc_example.yaml")
    try:
        scenario = sim.load_scenario(path)
    except sim.ScenarioError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"a '{VALID}' block in docs/scenarios.md does not load:\n{exc}\n\n{body}")
    name = re.search(r"^name:\s*(\S+)", body, re.MULTILINE)
    assert scenario.name == (name.group(1) if name else path.stem)


@pytest.mark.parametrize("body", INVALID_BLOCKS, ids=_ids(INVALID_BLOCKS))
def test_invalid_example_is_rejected(tmp_path: Path, body: str):
    path = _write(tmp_path, body, "doc_example.yaml")
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(path)
    assert info.value.problems


def _pasted_outputs() -> list[tuple[str, list[str]]]:
    """``(invalid yaml block, pasted error lines)`` where a plain block of errors follows."""
    fences = _fences()
    pairs = []
    for (lang, body), (next_lang, next_body) in zip(fences, fences[1:], strict=False):
        lines = next_body.rstrip("\n").splitlines()
        if (lang == "yaml" and body.startswith(INVALID + "\n") and next_lang == ""
                and lines and SUMMARY.match(lines[-1])):
            pairs.append((body, lines))
    return pairs


PASTED = _pasted_outputs()


def test_doc_pastes_real_error_output():
    assert PASTED, "docs/scenarios.md should show the error output of an invalid example"


@pytest.mark.parametrize(("body", "lines"), PASTED, ids=[str(i) for i in range(len(PASTED))])
def test_pasted_error_output_matches_loader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            body: str, lines: list[str]):
    file_name = lines[0].split(":", 1)[0]
    _write(tmp_path, body, file_name)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(Path(file_name))
    got = [str(p) for p in info.value.problems]
    n = len(got)
    got.append(f"{n} problem{'s' if n != 1 else ''} found; nothing was run or written.")
    assert got == lines, "the error output pasted in docs/scenarios.md is out of date"
