"""Plots: files written atomically as valid, non-blank PNGs; hour-of-week grids placed right."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

import sim
import sim.reporting.plots
from sim.reporting.plots import hour_of_week_grid, safe_file_name, utilisation_grid, write_plots
from sim.run.runner import RunResult
from sim.scenario.calendar import DAY_NAMES
from tests.support.paths import SCENARIOS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NAMES = ("no_car", "cpft_one_car", "cpft_two_cars")


@pytest.fixture
def low_dpi(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render at a low resolution: for tests about which files are written, not how."""
    monkeypatch.setattr("sim.reporting.plots.DPI", 50)


@pytest.fixture(scope="module")
def result() -> RunResult:
    scenarios = [sim.load_scenario(SCENARIOS / f"{n}.yaml") for n in NAMES]
    return sim.compare(scenarios, baseline="no_car", reps=3, weeks=4, progress=False)


def assert_real_png(path: Path) -> None:
    """A PNG file that decodes to an image with more than one colour."""
    assert path.read_bytes()[:8] == PNG_MAGIC
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    # Pack each pixel's channels into one integer to count distinct colours quickly.
    channels = np.round(image * 255).astype(np.uint32)
    packed = np.zeros(image.shape[:2], dtype=np.uint32)
    for c in range(image.shape[2]):
        packed = (packed << 8) | channels[..., c]
    assert len(np.unique(packed)) > 10


def subset(result: RunResult, names: list[str]) -> RunResult:
    """The run restricted to some of its scenarios (fewer figures: quicker tests)."""
    return dataclasses.replace(
        result, scenarios=[s for s in result.scenarios if s.name in names],
        replications=result.replications[result.replications["scenario"].isin(names)],
        by_hour_of_week=result.by_hour_of_week[result.by_hour_of_week["scenario"].isin(names)])


def week_table(values: dict[str, np.ndarray]) -> pd.DataFrame:
    """A by-hour-of-week table of one scenario from 7 x 24 arrays."""
    rows = [{"scenario": "s", "day": DAY_NAMES[d], "hour": h,
             **{k: float(v[d, h]) for k, v in values.items()}}
            for d in range(7) for h in range(24)]
    return pd.DataFrame(rows)


def test_write_plots_writes_expected_pngs(result: RunResult, tmp_path: Path) -> None:
    out = tmp_path / "plots"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = write_plots(result, out)
    expected = ["key_metrics.png", "differences.png", *(f"heatmap_{n}.png" for n in NAMES)]
    assert [p.name for p in paths] == expected
    assert all(p.parent == out for p in paths)
    # Nothing else in the folder: no temporary files left behind.
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)
    for p in paths:
        assert_real_png(p)


def test_rewriting_replaces_files(result: RunResult, tmp_path: Path, low_dpi: None) -> None:
    small = subset(result, ["no_car", "cpft_one_car"])
    first = write_plots(small, tmp_path)
    second = write_plots(small, tmp_path)
    assert first == second
    assert sorted(tmp_path.iterdir()) == sorted(first)


def test_no_differences_without_baseline(result: RunResult, tmp_path: Path,
                                         low_dpi: None) -> None:
    small = dataclasses.replace(subset(result, ["no_car", "cpft_one_car"]), baseline=None)
    paths = write_plots(small, tmp_path)
    assert [p.name for p in paths] == ["key_metrics.png", "heatmap_no_car.png",
                                       "heatmap_cpft_one_car.png"]
    assert not (tmp_path / "differences.png").exists()


def test_no_differences_with_only_the_baseline(result: RunResult, tmp_path: Path,
                                               low_dpi: None) -> None:
    paths = write_plots(subset(result, ["no_car"]), tmp_path)
    assert [p.name for p in paths] == ["key_metrics.png", "heatmap_no_car.png"]


def test_single_replication_has_no_intervals_but_plots(result: RunResult,
                                                       tmp_path: Path) -> None:
    small = subset(result, ["no_car", "cpft_two_cars"])
    one = dataclasses.replace(
        small, replications=small.replications[small.replications["replication"] == 0])
    assert one.summary()["ci_low"].isna().all()
    assert one.comparison()["ci_low"].isna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = write_plots(one, tmp_path)
    assert len(paths) == 4
    for p in paths:
        assert_real_png(p)


def test_file_names_are_sanitised(result: RunResult, tmp_path: Path, low_dpi: None) -> None:
    renamed = ["two cars / late (19:00)", "two_cars_late_19_00_", "ok-name_1"]
    scenarios = [s.model_copy(update={"name": n}) for s, n in zip(result.scenarios, renamed,
                                                                 strict=True)]
    mapping = dict(zip(NAMES, renamed, strict=True))
    renamed_result = dataclasses.replace(
        result, scenarios=scenarios, baseline=None,
        replications=result.replications.assign(
            scenario=result.replications["scenario"].map(mapping)),
        by_hour_of_week=result.by_hour_of_week.assign(
            scenario=result.by_hour_of_week["scenario"].map(mapping)))
    names = [p.name for p in write_plots(renamed_result, tmp_path)]
    assert names == ["key_metrics.png", "heatmap_two_cars_late_19_00_.png",
                     "heatmap_two_cars_late_19_00_-2.png", "heatmap_ok-name_1.png"]


def test_safe_file_name() -> None:
    assert safe_file_name("cpft_two-cars") == "cpft_two-cars"
    assert safe_file_name("a b/c..d") == "a_b_c_d"
    assert safe_file_name("") == "scenario"


def test_hour_of_week_grid_places_days_and_hours() -> None:
    code = np.arange(7)[:, None] * 100 + np.arange(24)[None, :]
    df = week_table({"x": code.astype(float)}).sample(frac=1, random_state=1)
    grid = hour_of_week_grid(df, "x")
    assert grid.shape == (7, 24)
    np.testing.assert_array_equal(grid, code)
    assert grid[0, 0] == 0  # Monday 00:00
    assert grid[6, 23] == 623  # Sunday 23:00


def test_hour_of_week_grid_accepts_day_numbers_and_leaves_gaps() -> None:
    df = pd.DataFrame({"day": [0, 6], "hour": [0, 23], "x": [1.5, 2.5]})
    grid = hour_of_week_grid(df, "x")
    assert grid[0, 0] == 1.5 and grid[6, 23] == 2.5
    assert np.isnan(grid).sum() == 7 * 24 - 2


def test_hour_of_week_grid_rejects_several_scenarios(result: RunResult) -> None:
    with pytest.raises(ValueError, match="more than once"):
        hour_of_week_grid(result.by_hour_of_week, "calls")


def test_utilisation_grid_masks_hours_without_a_car() -> None:
    rng = np.random.default_rng(3)
    on_shift = rng.choice([0.0, 0.5, 1.0, 2.0], size=(7, 24))
    busy = on_shift * rng.uniform(0, 1, size=(7, 24))
    grid = utilisation_grid(week_table({"car_on_shift": on_shift, "car_busy": busy}))
    assert grid.shape == (7, 24)
    np.testing.assert_array_equal(np.isnan(grid), on_shift == 0)
    on = on_shift > 0
    np.testing.assert_allclose(grid[on], busy[on] / on_shift[on])


def test_utilisation_grid_of_a_real_run(result: RunResult) -> None:
    df = result.by_hour_of_week
    for name in NAMES:
        rows = df[df["scenario"] == name]
        grid = utilisation_grid(rows)
        on_shift = hour_of_week_grid(rows, "car_on_shift")
        busy = hour_of_week_grid(rows, "car_busy")
        np.testing.assert_array_equal(np.isnan(grid), on_shift == 0)
        on = on_shift > 0
        np.testing.assert_allclose(grid[on], busy[on] / on_shift[on])
        assert np.all((grid[on] >= 0) & (grid[on] <= 1 + 1e-9))
    no_car = utilisation_grid(df[df["scenario"] == "no_car"])
    assert np.isnan(no_car).all()
