"""The control room in the outputs: its hour-of-week columns add up to its metrics, its
heatmaps are drawn only for scenarios that have one, and the report shows its rota."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.model import ScenarioModel
from sim.reporting.plots import (
    HEATMAP_PANEL_INCHES,
    has_control_room,
    heatmap_figure,
    hour_of_week_grid,
    room_cover_grid,
    room_utilisation_grid,
)
from sim.reporting.results import write_results
from sim.run.runner import RunResult
from sim.scenario.calendar import DAY_NAMES
from tests.support.scenarios import control_room, make

ROOM = "room_and_car"
ROOM_SHIFTS = [{"days": "all", "start": "08:00", "end": "24:00"}]
CR_COLUMNS = ("cr_screened", "cr_resolved_by_phone", "cr_on_shift", "cr_busy")


def _room_scenario() -> sim.Scenario:
    return make({**control_room(ROOM_SHIFTS, practitioners=2, share=0.8,
                                handling={"dist": "lognormal", "mean": 45, "sd": 20}),
                 "name": ROOM})


@pytest.fixture(scope="module")
def result() -> RunResult:
    scenarios = [make(name="no_car", cars=[]), make(name="car"), _room_scenario()]
    return sim.compare(scenarios, baseline="no_car", reps=3, weeks=3, progress=False)


def _hours(result: RunResult, name: str) -> pd.DataFrame:
    df = result.by_hour_of_week
    return df[df["scenario"] == name]


# ------------------------------------------------------ by hour of week vs metrics


def test_each_replication_by_hour_adds_up_to_its_metrics() -> None:
    model = ScenarioModel(_room_scenario(), weeks=2, warmup_weeks=1)
    for r in range(3):
        res = model.run(7, r)
        m = res.metrics
        assert m["cr_busy_hours"] > 0 and m["cr_screened"] > 0
        assert res.by_hour["cr_busy_minutes"].sum() / 60 == pytest.approx(
            m["cr_busy_hours"], rel=1e-9, abs=1e-9)
        assert res.by_hour["cr_screened"].sum() == m["cr_screened"]
        assert res.by_hour["cr_resolved_by_phone"].sum() == m["cr_resolved_by_phone"]


def test_the_run_table_adds_up_to_the_metrics_per_replication_week(result: RunResult) -> None:
    weeks = result.settings[ROOM].weeks
    reps = result.replications[result.replications["scenario"] == ROOM]
    hours = _hours(result, ROOM)
    for column, metric in (("cr_busy", "cr_busy_hours"), ("cr_screened", "cr_screened"),
                           ("cr_resolved_by_phone", "cr_resolved_by_phone"),
                           ("cr_on_shift", "cr_shift_hours")):
        per_week = reps[metric].mean() / weeks
        assert per_week > 0, metric
        assert hours[column].sum() == pytest.approx(per_week, rel=1e-9), column
    # Two practitioners from 08:00 to 24:00 every day: 2 in those hours, 0 at night.
    cover = hour_of_week_grid(hours, "cr_on_shift")
    assert (cover[:, 8:] == 2).all() and (cover[:, :8] == 0).all()
    # A loss system: never more practitioner-hours busy than on shift, in any hour.
    assert (hours["cr_busy"] <= hours["cr_on_shift"] + 1e-9).all()
    assert (hours.loc[hours["cr_on_shift"] == 0, ["cr_busy", "cr_screened"]] == 0).all().all()
    # Every call once: attended, unmet, not for the car or resolved by phone (no waiting).
    paths = hours[["car_attended", "unmet_off_shift", "unmet_busy", "not_for_car",
                   "cr_resolved_by_phone"]].sum(axis=1)
    np.testing.assert_allclose(paths, hours["calls"], rtol=1e-12)


def test_scenarios_without_a_control_room_have_zero_columns(result: RunResult) -> None:
    for name in ("no_car", "car"):
        hours = _hours(result, name)
        assert len(hours) == 168
        assert (hours[list(CR_COLUMNS)] == 0).all().all(), name


# ---------------------------------------------------------------------- heatmaps


def _titles(fig) -> list[str]:
    return [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]


def test_room_grids_leave_closed_hours_blank() -> None:
    on = np.zeros((7, 24))
    on[:, 8:] = 2.0
    busy = np.where(on > 0, 0.5, 0.0)
    busy[0, 9] = 2.0
    df = pd.DataFrame([{"scenario": "s", "day": DAY_NAMES[d], "hour": h,
                        "cr_on_shift": on[d, h], "cr_busy": busy[d, h]}
                       for d in range(7) for h in range(24)])
    util = room_utilisation_grid(df)
    assert np.isnan(util[:, :8]).all()
    assert util[0, 9] == 1.0 and util[3, 20] == 0.25
    cover = room_cover_grid(df)
    assert np.isnan(cover[:, :8]).all() and (cover[:, 8:] == 2).all()


def test_heatmap_shows_the_control_room_only_where_there_is_one(result: RunResult) -> None:
    assert has_control_room(result, ROOM)
    assert not has_control_room(result, "car") and not has_control_room(result, "no_car")
    with_room = _titles(heatmap_figure(result, ROOM))
    without = _titles(heatmap_figure(result, "car"))
    assert len(with_room) == 5 and len(without) == 3
    assert with_room[:3] == without
    assert with_room[3].startswith("Control-room cover: practitioners on shift")
    assert with_room[4].startswith("Control-room utilisation: busy practitioner-hours")
    assert not any("Control-room" in t for t in without)


def test_heatmap_utilisation_panel_holds_the_room_grid(result: RunResult) -> None:
    fig = heatmap_figure(result, ROOM)
    panels = [ax for ax in fig.axes if ax.get_title(loc="left").startswith("Control-room")]
    shown = np.ma.filled(panels[1].images[0].get_array(), np.nan)
    expected = room_utilisation_grid(_hours(result, ROOM))
    np.testing.assert_allclose(shown, expected, equal_nan=True)
    assert np.isfinite(expected[:, 8:]).all() and np.isnan(expected[:, :8]).all()
    bar = panels[1].images[0].colorbar
    assert "utilisation" in bar.ax.get_ylabel()
    assert "practitioners on shift" in panels[0].images[0].colorbar.ax.get_ylabel()


# ------------------------------------------------------------------------ report


@pytest.fixture(scope="module")
def run_dir(result: RunResult, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("room_run")
    write_results(result, out, command=["test"], psa=None)
    return out


def test_report_shows_the_control_room_rota_and_change_in_detentions(run_dir: Path) -> None:
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "control room: rota, practitioners, share screened" in text
    assert "every day 08:00-24:00<br>2 practitioners on shift at once<br>" in text
    assert "80% of mental-health calls passed to it" in text
    # 2 practitioners x 16 hours x 7 days = 224 practitioner-hours a week.
    assert "<td>224</td>" in text
    assert "Change in Section 136 detentions" in text
    assert "Calls advised by the control room" in text
    # The question names the control room when the run has one.
    assert ("Should we fund a response car, a second car, control-room practitioners (alone "
            "or with\na car), or neither, and who gains?") in text
    assert "such as practitioners in the control" not in text
    # The car-only and no-car scenarios show no control room (rota "none", hours "-").
    assert text.count('<td class="l">none</td><td>-</td>') == 2


def test_the_control_room_heatmap_file_is_written(run_dir: Path) -> None:
    room = run_dir / "plots" / f"heatmap_{ROOM}.png"
    car = run_dir / "plots" / "heatmap_car.png"
    assert room.is_file() and car.is_file()
    # Five panels against three: the control room's map is taller at the same width.
    room_px, car_px = mpimg.imread(room).shape, mpimg.imread(car).shape
    assert room_px[1] == car_px[1]
    panel, margins = HEATMAP_PANEL_INCHES, 0.8  # inches: each panel, and the rest
    assert math.isclose(room_px[0] / car_px[0], (5 * panel + margins) / (3 * panel + margins),
                        rel_tol=0.02)
    by_hour = pd.read_csv(run_dir / "by_hour_of_week.csv")
    assert set(CR_COLUMNS) <= set(by_hour.columns)
