"""Every file path named in the docs and in module docstrings exists in the repository.

A path is a backticked token (or, in docstrings, a double-backticked one) that names a
file or folder of the project: ``sim/...``, ``tests/...``, ``docs/...`` and so on, or a
module path relative to ``sim/`` such as ``core/model.py`` (the architecture doc's form).
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.support.paths import ROOT

TOP = ("sim/", "tests/", "docs/", "scenarios/", "benchmarks/", "results/", "examples/",
       ".ci/")
LAYERS = ("common/", "scenario/", "core/", "run/", "economics/", "experiments/", "reporting/",
          "cli/", "validation/", "api.py")
TOKEN = re.compile(r"`{1,2}([A-Za-z0-9_./*-]+)`{1,2}")
GENERATED = ("results/",)  # folders written by runs


def _paths(text: str) -> list[str]:
    found = []
    for token in TOKEN.findall(text):
        named = token.startswith(TOP) or token.startswith(LAYERS)
        if named and ("." in token.rsplit("/", 1)[-1] or token.endswith("/")):
            found.append(token)
    return sorted(set(found))


def _exists(path: str) -> bool:
    if path.startswith(GENERATED) or "<" in path:
        return True
    for base in (ROOT, ROOT / "sim"):
        if any(ch in path for ch in "*?["):
            if list(base.glob(path)):
                return True
        elif (base / path).exists():
            return True
    return False


def _docstrings() -> dict[str, str]:
    out = {}
    for file in sorted((ROOT / "sim").rglob("*.py")):
        doc = ast.get_docstring(ast.parse(file.read_text(encoding="utf-8")))
        if doc:
            out[file.relative_to(ROOT).as_posix()] = doc
    return out


DOCS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))


@pytest.mark.parametrize("doc", DOCS)
def test_paths_in_docs_exist(doc):
    missing = [p for p in _paths((ROOT / doc).read_text(encoding="utf-8")) if not _exists(p)]
    assert not missing, f"{doc} names paths that do not exist: {missing}"


def test_paths_in_module_docstrings_exist():
    missing = {module: bad for module, text in _docstrings().items()
               if (bad := [p for p in _paths(text) if not _exists(p)])}
    assert not missing, f"module docstrings name paths that do not exist: {missing}"


def test_no_docstring_cites_design_sections():
    cites = [m for m, text in _docstrings().items() if re.search(r"DESIGN (section|§)", text)]
    assert not cites, f"cite a file in the repository instead of DESIGN sections: {cites}"


def test_the_architecture_doc_names_every_layer():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for layer in ("common", "scenario", "core", "run", "economics", "experiments", "reporting",
                  "cli", "validation"):
        assert f"sim/{layer}" in text, f"docs/architecture.md does not describe sim/{layer}"
    assert "```mermaid" in text and "How to add a resource" in text
