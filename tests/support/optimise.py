"""The tiny optimiser file shared by the optimiser's tests (command line and page)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.support.paths import SCENARIOS

TINY = """\
    optimise:
      name: tiny
      base: {base}
      budget: {{cars: 1, car_hours_per_week: 56}}
      space:
        shift_lengths_hours: [8]
        start_hours: {{from: 17, to: 20}}
        day_patterns: [every_day, sun_thu_fri_sat]
      objective: {{metric: s136_avoided}}
      constraints:
        - cover: {{from: "21:00", to: "00:00", days: all}}
      delta: 6
      screen: {{keep: 5, check: 2}}
      reps: {{first_stage: 4, max: 12, compare: 3}}
      weeks: 2
      warmup_weeks: 0
      seed: 11
    """
"""A 16-rota optimiser file on ``scenarios/cpft_one_car.yaml`` (``{base}`` filled by
:func:`tiny`): one car, 8-hour shifts starting 17:00 to 20:00, two day patterns."""


def tiny(tmp_path: Path, text: str = TINY, name: str = "tiny") -> Path:
    """``text`` (default :data:`TINY`), its ``{base}`` set to ``scenarios/cpft_one_car.yaml``,
    written as ``<name>.yaml`` in ``tmp_path``."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text).format(base=SCENARIOS / "cpft_one_car.yaml"),
                    encoding="utf-8")
    return path
