"""The documentation stays in step with the code: metric headings, the flow diagram, streams."""

from __future__ import annotations

import re
from pathlib import Path

from sim.core.metrics import METRIC_NAMES
from sim.core.streams import STREAM_NAMES

DOCS = Path(__file__).resolve().parents[2] / "docs"
HEADING = re.compile(r"^### `([^`]+)`\s*$", re.MULTILINE)


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_every_metric_has_a_heading_in_metrics_md():
    headings = HEADING.findall(_read("metrics.md"))
    missing = [name for name in METRIC_NAMES if name not in headings]
    assert not missing, f"docs/metrics.md lacks a '### `name`' heading for: {missing}"


def test_metrics_md_headings_name_only_known_metrics():
    headings = HEADING.findall(_read("metrics.md"))
    unknown = [name for name in headings if name not in METRIC_NAMES]
    assert not unknown, f"docs/metrics.md has headings for unknown metrics: {unknown}"
    duplicated = sorted({name for name in headings if headings.count(name) > 1})
    assert not duplicated, f"docs/metrics.md repeats headings: {duplicated}"


def test_model_md_has_a_mermaid_flow_diagram():
    text = _read("model.md")
    match = re.search(r"^```mermaid\s*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert match, "docs/model.md needs a ```mermaid block"
    assert match.group(1).lstrip().startswith("flowchart")


def test_model_md_mentions_every_random_stream():
    text = _read("model.md")
    missing = [name for name in STREAM_NAMES if f"`{name}`" not in text]
    assert not missing, f"docs/model.md does not mention the streams: {missing}"
