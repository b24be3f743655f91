"""docs/stress-des.md covers every STRESS-DES item, points at where each is answered, and
names only files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "stress-des.md"

# STRESS-DES (Monks et al. 2019), in the checklist's order.
ITEMS: dict[str, str] = {
    "1.1": "Purpose of the model",
    "1.2": "Model outputs",
    "1.3": "Experimentation aims",
    "2.1": "Base model overview diagram",
    "2.2": "Base model logic",
    "2.3": "Scenario logic",
    "2.4": "Algorithms",
    "2.5.1": "Entities",
    "2.5.2": "Activities",
    "2.5.3": "Resources",
    "2.5.4": "Queues",
    "2.5.5": "Entry/Exit",
    "3.1": "Data sources",
    "3.2": "Pre-processing",
    "3.3": "Input parameters",
    "3.4": "Assumptions",
    "4.1": "Initialisation",
    "4.2": "Run length",
    "4.3": "Estimation approach",
    "5.1": "Software or programming language",
    "5.2": "Random sampling",
    "5.3": "Model execution",
    "5.4": "System specification",
    "6.1": "Computer model sharing statement",
}

# Backticked paths with these beginnings must exist in the repository.
REPO_PREFIXES = ("docs/", "sim/", "scenarios/", "tests/", "benchmarks/")
REPO_FILES = ("results/README.md", "README.md", "CHANGELOG.md")
# Written elsewhere, possibly not yet present.
MAY_BE_MISSING = {"docs/validation.md"}

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$", re.MULTILINE)
TABLE_ROW = re.compile(r"^\|\s*(\d+(?:\.\d+)+)\b.*$", re.MULTILINE)
BACKTICKED = re.compile(r"`([^`\n]+)`")


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _item_number(title: str) -> str | None:
    match = re.match(r"(\d+(?:\.\d+)+)\b", title)
    return match.group(1) if match else None


def _sections(text: str) -> dict[str, tuple[int, str, str]]:
    """Item number -> (position, title, body up to the next heading) for headed items, and
    item number -> (position, row, row) for items given as table rows."""
    found: dict[str, tuple[int, str, str]] = {}
    headings = list(HEADING.finditer(text))
    for i, match in enumerate(headings):
        number = _item_number(match.group(2))
        if number is None or number in found:
            continue
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        found[number] = (match.start(), match.group(2), text[match.end():end])
    for match in TABLE_ROW.finditer(text):
        number = match.group(1)
        if number not in found:
            found[number] = (match.start(), match.group(0), match.group(0))
    return found


def test_the_checklist_file_exists():
    assert DOC.is_file(), "docs/stress-des.md is missing"


@pytest.mark.parametrize("number", list(ITEMS))
def test_every_item_is_listed_with_its_name(number: str):
    sections = _sections(_text())
    assert number in sections, f"STRESS-DES item {number} ({ITEMS[number]}) is not a heading " \
                               "or table row of docs/stress-des.md"
    _, title, _ = sections[number]
    assert ITEMS[number].lower() in title.lower(), (
        f"item {number} should be named {ITEMS[number]!r}, found {title!r}")


def test_items_are_in_checklist_order():
    sections = _sections(_text())
    present = [n for n in ITEMS if n in sections]
    positions = [sections[n][0] for n in present]
    assert positions == sorted(positions), (
        "items are out of order: " + ", ".join(sorted(present, key=lambda n: sections[n][0])))


@pytest.mark.parametrize("number", list(ITEMS))
def test_every_item_has_a_where_pointer(number: str):
    sections = _sections(_text())
    assert number in sections, f"item {number} missing"
    _, _, body = sections[number]
    assert "Where:" in body, f"item {number} ({ITEMS[number]}) has no 'Where:' pointer"
    answer = body.split("Where:", 1)[0]
    assert len(answer.split()) >= 10, f"item {number} has no answer before its 'Where:'"


def _repo_paths(text: str) -> list[str]:
    paths = []
    for token in BACKTICKED.findall(text):
        token = token.strip()
        if token.startswith(REPO_PREFIXES) or token in REPO_FILES:
            paths.append(token)
    return sorted(set(paths))


def test_mentions_repository_paths():
    assert _repo_paths(_text()), "no repository paths found in backticks"


def test_every_repository_path_exists():
    missing = []
    for path in _repo_paths(_text()):
        if path in MAY_BE_MISSING:
            continue
        if any(ch in path for ch in "*?["):
            if not list(ROOT.glob(path)):
                missing.append(path)
        elif not (ROOT / path).exists():
            missing.append(path)
    assert not missing, f"docs/stress-des.md names paths that do not exist: {missing}"
