"""Sweep files: design generation (variants x grid x samples), dotted keys, task keys."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.sweeps.design import latin_hypercube, load_sweep, sweep_from_dict
from sim.experiments.sweeps.store import make_tasks, task_key
from tests.support.paths import SCENARIOS
from tests.support.sweeps import BASE, write_sweep

GRID = """\
sweep:
  name: design
  base: {base}
  variants:
    one_car: {{}}
    two_cars:
      cars:
        - name: a
          shifts: [{{days: all, start: "15:00", end: "23:00"}}]
        - name: b
          shifts: [{{days: all, start: "19:00", end: "03:00"}}]
  grid:
    demand.calls_per_day: [6, 8, 10]
    cars.0.shifts.0.start: ["12:00", "14:00"]
  reps: 5
  batch: 2
  weeks: 2
  warmup_weeks: 0
  seed: 9
"""


def test_grid_crossed_with_variants_in_order(tmp_path):
    sw = load_sweep(write_sweep(tmp_path, GRID))
    assert len(sw.points) == 2 * 3 * 2
    assert sw.input_columns == ["variant", "demand.calls_per_day", "cars.0.shifts.0.start"]
    assert [p.index for p in sw.points] == list(range(12))
    first, last = sw.points[0], sw.points[-1]
    assert (first.variant, first.inputs) == (
        "one_car", {"demand.calls_per_day": 6, "cars.0.shifts.0.start": "12:00"})
    assert (last.variant, last.inputs) == (
        "two_cars", {"demand.calls_per_day": 10, "cars.0.shifts.0.start": "14:00"})
    # the variant's order is outermost, then the grid keys in file order
    assert [p.inputs["cars.0.shifts.0.start"] for p in sw.points[:4]] == [
        "12:00", "14:00", "12:00", "14:00"]
    # values really land in the scenarios, through list indices
    p = sw.points[7]
    assert p.variant == "two_cars"
    assert p.scenario.demand.calls_per_day == 6
    assert [c.name for c in p.scenario.cars] == ["a", "b"]
    assert p.scenario.cars[0].shifts[0].start == "14:00"
    assert p.scenario.cars[1].shifts[0].start == "19:00"
    one = sw.points[0].scenario
    assert len(one.cars[0].shifts) == 2  # the base's second shift line is kept
    assert one.cars[0].shifts[1].start == "17:00"
    # every point runs with the sweep's settings
    assert {(p.scenario.run.weeks, p.scenario.run.seed) for p in sw.points} == {(2, 9)}
    assert (sw.reps, sw.seed, sw.weeks, sw.warmup_weeks, sw.batch) == (5, 9, 2, 0, 2)


def test_flags_override_the_file(tmp_path):
    sw = load_sweep(write_sweep(tmp_path, GRID), reps=3, seed=1, weeks=4, warmup_weeks=1)
    assert (sw.reps, sw.seed, sw.weeks, sw.warmup_weeks) == (3, 1, 4, 1)
    assert sw.points[0].scenario.run.replications == 3


def test_variant_merges_deeply_and_takes_dotted_keys(tmp_path):
    path = write_sweep(tmp_path, """\
        sweep:
          base: {base}
          variants:
            quiet: {{demand: {{calls_per_day: 3}}}}
            late: {{cars.0.shifts: [{{days: all, start: "20:00", end: "04:00"}}]}}
            waits: {{dispatch.max_wait_minutes: 15}}
        """)
    sw = load_sweep(path)
    assert sw.name == "s"  # the file's stem when the sweep has no name
    quiet, late, waits = (p.scenario for p in sw.points)
    base = sw.base
    assert quiet.demand.calls_per_day == 3
    assert quiet.demand.hourly_profile == base.demand.hourly_profile  # merged, not replaced
    assert len(late.cars[0].shifts) == 1 and late.cars[0].shifts[0].end == "04:00"
    assert late.cars[0].name == "car1"
    assert waits.dispatch.max_wait_minutes == 15
    assert waits.dispatch.takes_other_jobs == base.dispatch.takes_other_jobs
    assert [p.inputs for p in sw.points] == [{}, {}, {}]


def test_latin_hypercube_in_ranges_stratified_and_reproducible():
    ranges = {"a": (0.04, 0.12), "b": (60.0, 90.0)}
    one = latin_hypercube(ranges, 10, seed=3)
    again = latin_hypercube(ranges, 10, seed=3)
    other = latin_hypercube(ranges, 10, seed=4)
    assert one == again
    assert one != other
    assert len(one) == 10
    for key, (low, high) in ranges.items():
        values = np.array([row[key] for row in one])
        assert ((values >= low) & (values <= high)).all()
        strata = np.floor((values - low) / (high - low) * 10).astype(int)
        assert sorted(np.clip(strata, 0, 9)) == list(range(10))  # one sample per stratum
        assert all(v == float(f"{v:.6g}") for v in values)  # 6 significant digits


def test_samples_crossed_with_grid_and_seeded(tmp_path):
    body = """\
        sweep:
          base: {base}
          grid: {{demand.calls_per_day: [8, 12]}}
          samples:
            n: 6
            seed: {seed}
            ranges:
              response.car.p_s136: [0.03, 0.09]
              response.car.on_scene_minutes.mean: [60, 90]
        """
    sw = load_sweep(write_sweep(tmp_path, body.replace("{seed}", "5")))
    assert len(sw.points) == 12
    assert sw.input_columns == ["variant", "demand.calls_per_day", "response.car.p_s136",
                                "response.car.on_scene_minutes.mean"]
    first = [{k: v for k, v in p.inputs.items() if k.startswith("response")}
             for p in sw.points[:6]]
    second = [{k: v for k, v in p.inputs.items() if k.startswith("response")}
              for p in sw.points[6:]]
    assert first == second  # the same samples in every grid cell
    for p in sw.points:
        assert 0.03 <= p.scenario.response.car.p_s136 <= 0.09
        assert p.scenario.response.car.on_scene_minutes.mean == p.inputs[
            "response.car.on_scene_minutes.mean"]
    again = load_sweep(write_sweep(tmp_path, body.replace("{seed}", "5"), "t.yaml"))
    assert [p.inputs for p in again.points] == [p.inputs for p in sw.points]
    changed = load_sweep(write_sweep(tmp_path, body.replace("{seed}", "6"), "u.yaml"))
    assert [p.inputs for p in changed.points] != [p.inputs for p in sw.points]


def test_sample_seed_defaults_to_the_sweep_seed():
    spec = {"base": str(BASE), "seed": 21,
            "samples": {"n": 4, "ranges": {"demand.calls_per_day": [5, 15]}}}
    sw = sweep_from_dict(spec)
    expected = latin_hypercube({"demand.calls_per_day": (5.0, 15.0)}, 4, seed=21)
    assert [p.inputs for p in sw.points] == expected


def test_api_accepts_a_scenario_as_base():
    import sim

    base = sim.load_scenario(BASE)
    sw = sweep_from_dict({"sweep": {"base": base, "grid": {"demand.calls_per_day": [1, 2]}}})
    assert [p.scenario.demand.calls_per_day for p in sw.points] == [1, 2]
    assert sw.reps == base.run.replications and sw.seed == base.run.seed


def test_tasks_cover_every_replication_and_keys_follow_content(tmp_path):
    sw = load_sweep(write_sweep(tmp_path, GRID))
    tasks = make_tasks(sw)
    assert len(tasks) == len(sw.points) * 3  # 5 replications in batches of 2, 2, 1
    for p in sw.points:
        reps = [r for t in tasks if t.point.index == p.index for r in t.reps]
        assert reps == list(range(5))
    assert len({t.key for t in tasks}) == len(tasks)
    # the key depends on what is simulated, not on the point's name or number
    p0 = sw.points[0]
    key = task_key(p0, 9, 2, 0, (0, 1))
    assert key == tasks[0].key
    assert task_key(p0, 10, 2, 0, (0, 1)) != key
    assert task_key(p0, 9, 3, 0, (0, 1)) != key
    assert task_key(p0, 9, 2, 0, (2, 3)) != key
    renamed = load_sweep(write_sweep(tmp_path, GRID.replace("name: design", "name: other"),
                                     "r.yaml"))
    assert [t.key for t in make_tasks(renamed)] == [t.key for t in tasks]
    assert renamed.fingerprint() != sw.fingerprint()


@pytest.mark.parametrize("path", sorted((SCENARIOS / "sweeps").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_sweeps_are_valid(path):
    sw = load_sweep(path)
    assert sw.points
    assert sw.name == path.stem


def test_rota_sweep_keeps_56_car_hours():
    sw = load_sweep(SCENARIOS / "sweeps" / "rota_start_hour.yaml")
    hours = {p.variant: sum(c.pattern().minutes_per_week for c in p.scenario.cars) / 60
             for p in sw.points}
    assert set(hours.values()) == {56}
    assert all(len(p.scenario.cars) == 1 for p in sw.points)
