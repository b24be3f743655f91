"""The Section 136 pathway in the outputs: the beds occupied by hour of week add up to the
occupancy metric, the heatmap gains a beds panel only for scenarios with a pathway, and the
report has a pathway section (with the pathway's capacity in the scenarios table) only when
a scenario has one."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.common import formats
from sim.common.units import WEEKS_PER_YEAR
from sim.core.metrics import title
from sim.economics.funding import compute
from sim.reporting.plots import (
    has_pathway,
    heatmap_figure,
    hour_of_week_grid,
    pos_occupied_grid,
)
from sim.reporting.report import render_report
from sim.reporting.report.pathway_section import PATHWAY_ROWS
from sim.reporting.results import write_results
from sim.run.runner import RunResult
from tests.support.scenarios import control_room, make, pathway

WEEKS = 3
BEDS = 1  # one bed, so that it is often full: waits and diverts happen
PATHWAY_SECTION = '<section id="pathway"><h2>The Section 136 pathway</h2>'


@pytest.fixture(scope="module")
def result() -> RunResult:
    scenarios = [
        make(name="no_car", cars=[]),
        make({**pathway(beds=BEDS), "name": "beds_no_car", "cars": []}),
        make({**pathway(beds=BEDS), "name": "beds_car"}),
        make({**pathway(beds=BEDS), **control_room(), "name": "beds_room"}),
    ]
    return sim.compare(scenarios, baseline="no_car", reps=3, weeks=WEEKS, progress=False)


def _hours(result: RunResult, name: str) -> pd.DataFrame:
    df = result.by_hour_of_week
    return df[df["scenario"] == name]


def _reps(result: RunResult, name: str) -> pd.DataFrame:
    return result.replications[result.replications["scenario"] == name]


# ------------------------------------------------------------- by hour of week


def test_beds_occupied_by_hour_average_to_the_occupancy_metric(result: RunResult) -> None:
    for name in ("beds_no_car", "beds_car", "beds_room"):
        hours = _hours(result, name)
        assert len(hours) == 168
        occupancy = _reps(result, name)["pos_occupancy"].mean()
        assert occupancy > 0, name
        assert hours["pos_occupied"].sum() / 168 == pytest.approx(occupancy, rel=1e-9), name
        # Never more beds taken than there are, in any hour; some hours with a bed taken.
        assert (hours["pos_occupied"] <= BEDS + 1e-9).all(), name
        assert (hours["pos_occupied"] > 0).sum() > 24, name


def test_without_a_pathway_no_bed_is_occupied(result: RunResult) -> None:
    assert (_hours(result, "no_car")["pos_occupied"] == 0).all()
    reps = _reps(result, "no_car")
    assert (reps["pos_occupancy"] == 0).all()
    assert reps["officer_hours_per_s136"].isna().all()


# ---------------------------------------------------------------------- heatmaps


def _titles(fig) -> list[str]:
    return [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]


def test_heatmap_has_the_beds_panel_only_for_pathway_scenarios(result: RunResult) -> None:
    assert not has_pathway(result, "no_car")
    assert all(has_pathway(result, n) for n in ("beds_no_car", "beds_car", "beds_room"))
    without = _titles(heatmap_figure(result, "no_car"))
    with_beds = _titles(heatmap_figure(result, "beds_car"))
    with_both = _titles(heatmap_figure(result, "beds_room"))
    assert len(without) == 3 and len(with_beds) == 4 and len(with_both) == 6
    assert with_beds[:3] == without and with_both[:3] == without
    assert with_both[3].startswith("Control-room cover")  # the control room's, then beds
    for titles in (with_beds, with_both):
        assert titles[-1].startswith("Place-of-safety beds occupied (mean over the hour)")
        assert "against its 1 bed" in titles[-1]
    assert not any("Place-of-safety" in t for t in without)


def test_beds_panel_holds_the_grid_on_a_scale_up_to_the_beds(result: RunResult) -> None:
    fig = heatmap_figure(result, "beds_car")
    panel = next(ax for ax in fig.axes if ax.get_title(loc="left").startswith("Place-of"))
    image = panel.images[0]
    shown = np.ma.filled(image.get_array(), np.nan)
    expected = hour_of_week_grid(_hours(result, "beds_car"), "pos_occupied")
    np.testing.assert_allclose(shown, expected)
    np.testing.assert_allclose(pos_occupied_grid(_hours(result, "beds_car")), expected)
    assert image.get_clim() == (0.0, float(BEDS))
    assert image.colorbar.ax.get_ylabel() == "beds occupied (mean over the hour)"
    assert "1 bed in places of safety" in fig.get_suptitle()


def test_no_bed_limit_scales_to_the_busiest_hour() -> None:
    s = make({**pathway(beds="inf"), "name": "unlimited", "cars": []})
    res = sim.compare([s], reps=2, weeks=2, progress=False)
    fig = heatmap_figure(res, "unlimited")
    panel = next(ax for ax in fig.axes if ax.get_title(loc="left").startswith("Place-of"))
    peak = float(_hours(res, "unlimited")["pos_occupied"].max())
    assert peak > 0
    assert panel.images[0].get_clim() == (0.0, max(1.0, peak))
    assert "no bed limit" in panel.get_title(loc="left")


# ------------------------------------------------------------------------ report


@pytest.fixture(scope="module")
def run_dir(result: RunResult, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pathway_run")
    write_results(result, out, command=["test"], psa=None)
    return out


def _section(text: str) -> str:
    start = text.index(PATHWAY_SECTION)
    return text[start:text.index("</section>", start)]


def _row(section: str, metric: str) -> str:
    match = re.search(rf"<tr><td class=\"l\">{re.escape(title(metric))} <span.*?</tr>",
                      section.replace("&amp;", "&"))
    assert match, metric
    return match.group(0)


def test_report_has_the_pathway_section_with_every_row(run_dir: Path,
                                                       result: RunResult) -> None:
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert '<a href="#pathway">The Section 136 pathway</a>' in text
    section = _section(text)
    assert "measured against the\n<b>do-minimum world</b>" in section
    assert "same places of safety" in section
    # One column per scenario with a pathway; the one without is named below the table.
    assert ("<th><b>beds_no_car</b></th><th><b>beds_car</b></th><th><b>beds_room</b></th>"
            in section)
    assert "<th><b>no_car</b></th>" not in section
    assert "having no Section 136 pathway" in section and "<b>no_car</b>" in section
    for metric in PATHWAY_ROWS:
        _row(section, metric)
    # Numbers: rates as measured, counts a year, each the summary's mean.
    summary = result.summary().set_index(["scenario", "metric"])["mean"]
    per_hour = summary[("beds_car", "officer_hours_per_s136")]
    assert 0 < per_hour < 48
    assert f"<td>{formats.report(per_hour)} " in _row(section, "officer_hours_per_s136")
    waits = summary[("beds_car", "pos_waits")] * WEEKS_PER_YEAR / WEEKS
    assert waits > 0
    assert f"<td>{formats.report(waits)} " in _row(section, "pos_waits")
    assert "(detentions a year)" in _row(section, "pos_waits")
    assert "(hours per detention)" in _row(section, "officer_hours_per_s136")
    assert "of 1 bed" in _row(section, "pos_occupancy")
    # No car, no detention after a car attendance: "-" for the no-car scenario.
    assert _row(section, "car_officer_hours_per_s136").count("<td>-</td>") == 1


def test_scenarios_table_shows_the_pathway_capacity(run_dir: Path) -> None:
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "Section 136 pathway: beds, maximum wait for one, diverts" in text
    assert text.count("1 place-of-safety bed<br>officers wait up to 2 h for a bed, then "
                      "divert (97% to A&amp;E, 3% to custody)<br>35% conveyed by ambulance"
                      "<br>legal limit 24 h") == 3
    assert text.count("none: a detention holds officers for a drawn time") == 1


def test_other_jobs_car_hours_are_in_the_headline(run_dir: Path, result: RunResult) -> None:
    text = (run_dir / "report.html").read_text(encoding="utf-8")
    i = text.index('<section id="headline">')
    headline = text[i:text.index("</section>", i)]
    row = _row(headline, "other_jobs_car_hours")
    assert "(car-hours a year)" in row
    hours = result.summary().set_index(["scenario", "metric"])["mean"][
        ("beds_car", "other_jobs_car_hours")] * WEEKS_PER_YEAR / WEEKS
    assert hours > 0 and f"<td>{formats.report(hours)} " in row


def test_heatmap_files_and_csv_column_are_written(run_dir: Path) -> None:
    by_hour = pd.read_csv(run_dir / "by_hour_of_week.csv")
    assert "pos_occupied" in by_hour.columns
    assert (by_hour[by_hour.scenario == "beds_car"]["pos_occupied"] > 0).any()
    assert (run_dir / "plots" / "heatmap_beds_car.png").is_file()


def test_no_pathway_no_section() -> None:
    scenarios = [make(name="no_car", cars=[]), make(name="car")]
    res = sim.compare(scenarios, baseline="no_car", reps=2, weeks=2, progress=False)
    text = render_report(res, compute(res), figures={})
    assert "The Section 136 pathway" not in text and 'id="pathway"' not in text
    assert "place-of-safety" not in text and "do-minimum world" not in text
    assert title("other_jobs_car_hours") in text  # the cars' other jobs are always shown
    assert not math.isnan(res.summary().set_index(["scenario", "metric"])["mean"][
        ("car", "other_jobs_car_hours")])
