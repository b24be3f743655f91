"""What the fast paths rely on, and what keeps the benchmark honest (issue 6)."""

from __future__ import annotations

import tracemalloc

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks import bench
from sim.common.units import HOURS_PER_WEEK, MINUTES_PER_HOUR, MINUTES_PER_WEEK
from sim.core.model import ScenarioModel, _Car
from sim.run.runner import BATCHES_PER_WORKER, _batches
from sim.scenario.calendar import WeeklyPattern
from tests.support.scenarios import make

WEEKS = (0, 1, 2, 51, 520, 2600)


def _check_hour_table(pattern: WeeklyPattern) -> None:
    clock = pattern.cumulative()
    car = _Car("c", 0, True, pattern, clock)
    for week in WEEKS:
        for hour in range(HOURS_PER_WEEK):
            t = week * MINUTES_PER_WEEK + hour * MINUTES_PER_HOUR
            # Bit for bit: the model adds these numbers in place of clock(t).
            assert week * car.per_week + car.hour_clock[hour] == clock(t), (week, hour)


@pytest.mark.parametrize("name", ["cpft_one_car", "cpft_two_cars", "heavy"])
def test_hour_table_is_the_clock_at_whole_hours(name):
    for car in bench.load(name).cars:
        _check_hour_table(car.pattern())


@given(st.lists(st.tuples(st.integers(0, MINUTES_PER_WEEK - 1), st.integers(1, 2000)),
                min_size=1, max_size=6))
def test_hour_table_for_any_pattern(windows):
    _check_hour_table(WeeklyPattern.from_intervals([(s, s + n) for s, n in windows]))


def _peak_mib(model: ScenarioModel) -> float:
    tracemalloc.start()
    try:
        model.run(3, 0)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_memory_flat_in_the_horizon():
    """No per-call records: ten years need about the peak memory of one (target <= 1.5x)."""
    scenario = make({"dispatch.max_wait_minutes": 30})
    one = _peak_mib(ScenarioModel(scenario, weeks=52))
    ten = _peak_mib(ScenarioModel(scenario, weeks=520))
    assert ten <= 1.5 * one, (one, ten)


@pytest.mark.parametrize("n", [1, 3, 40, 64])
@pytest.mark.parametrize("jobs", [1, 2, 16])
@pytest.mark.parametrize("total", [None, 1000])
def test_batches_cover_each_replication_once(n, jobs, total):
    batches = _batches(n, jobs, total)
    assert [r for b in batches for r in b] == list(range(n))
    assert all(b for b in batches)


def test_sweep_batches_are_not_one_replication_each():
    """16 points x 64 replications on 16 workers: a few batches per worker, not 1024."""
    tasks = sum(len(_batches(64, 16, 16 * 64)) for _ in range(16))
    assert tasks == 16 * BATCHES_PER_WORKER


def test_bench_smoke(tmp_path, capsys):
    status = bench.main(["--quick", "--scenarios", "cpft_one_car", "--reps", "1",
                         "--horizons", "1", "--jobs-reps", "2", "--out", str(tmp_path)])
    assert status == 0
    table = pd.read_csv(tmp_path / "bench.csv")
    assert list(table.columns) == bench.COLUMNS
    assert {"speed", "horizon", "workers"} <= set(table.section)
    ratio = table[(table.section == "speed") & (table.measure == "ours / reference")].value
    assert len(ratio) == 1 and ratio.iloc[0] > 0
    assert "ours / reference" in capsys.readouterr().out
