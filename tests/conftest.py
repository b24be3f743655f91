"""Shared test settings (hypothesis profiles) and fixtures for every layer's tests.

Builders and paths live in ``tests/support/`` (a library for tests, not a test module).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.support.paths import SCENARIOS
from tests.support.scenarios import make

settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE",
                                                                         "dev"))


@pytest.fixture
def scenarios_dir():
    """The shipped ``scenarios/`` folder (read only)."""
    return SCENARIOS


@pytest.fixture
def make_scenario():
    """A builder of valid scenarios: ``make_scenario({"dotted.key": value})``."""
    return make
