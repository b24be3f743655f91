"""Paths of the repository that tests read (never write)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
DOCS = ROOT / "docs"
