"""Sweep plots: the figures chosen by the design are written as PNG files."""

from __future__ import annotations

import json

import pytest

import sim
from sim.experiments.sweeps.design import load_sweep
from tests.support.sweeps import write_sweep

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("body", "expected"), [
    ("""\
     sweep:
       name: two_keys
       base: {base}
       grid:
         demand.calls_per_day: [6, 12]
         cars.0.shifts.0.start: ["14:00", "16:00"]
       reps: 2
       weeks: 1
     """, ["heatmap_base.png", "sweep_cars_0_shifts_0_start.png",
           "sweep_demand_calls_per_day.png"]),
    ("""\
     sweep:
       name: sampled
       base: {base}
       variants: {{a: {{}}, b: {{dispatch.max_wait_minutes: 10}}}}
       samples: {{n: 3, ranges: {{response.car.p_s136: [0.03, 0.09]}}}}
       reps: 2
       weeks: 1
     """, ["samples_response_car_p_s136.png"]),
    ("""\
     sweep:
       name: rotas
       base: {base}
       variants: {{early: {{cars.0.shifts.0.start: "12:00"}}, late: {{}}}}
       reps: 2
       weeks: 1
     """, ["variants.png"]),
], ids=["grid", "samples", "variants"])
def test_plots_follow_the_design(tmp_path, body, expected):
    sw = load_sweep(write_sweep(tmp_path, body))
    out = tmp_path / "out"
    sim.sweep(sw, out=out)
    plots = sorted(p.name for p in (out / "plots").iterdir())
    assert plots == expected
    for name in plots:
        assert (out / "plots" / name).read_bytes().startswith(PNG)
    files = json.loads((out / "manifest.json").read_text())["files"]
    assert set(files) >= {f"plots/{n}" for n in plots}
