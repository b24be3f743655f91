"""``crisis-sim optimise`` (sim/cli/optimise.py) and ``sim.optimise`` (sim/api.py): files
written, exit statuses, identical results for any number of workers, resume after a crash.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

import sim
from sim.cli import crisis_sim
from sim.experiments.optimise.store import Store, running_folder
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


def tiny(tmp_path, text: str = TINY):
    path = tmp_path / "tiny.yaml"
    path.write_text(textwrap.dedent(text).format(base=SCENARIOS / "cpft_one_car.yaml"),
                    encoding="utf-8")
    return path


def test_cli_writes_the_results_folder(tmp_path, capsys):
    out = tmp_path / "out"
    code = crisis_sim.main(["optimise", str(tiny(tmp_path)), "--out", str(out), "--jobs", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    for name in ("optimise.csv", "best_rota.yaml", "comparison.csv", "compared.csv",
                 "by_hour_of_week.csv", "optimise.png", "summary.txt", "manifest.json"):
        assert (out / name).is_file(), name
    assert "Chosen rota:" in captured.out and "Selection (KN" in captured.out
    table = pd.read_csv(out / "optimise.csv")
    # 4 daily shifts + 12 Sun-Thu/Fri-Sat pairs; the 21:00-00:00 cover leaves starts 17-20
    # on every day: all 16 rotas qualify
    assert len(table) == 16 and table.candidate.tolist() == list(range(16))
    assert (table.stage == "best").sum() == 1
    assert set(table.stage) <= {"best", "eliminated", "not_separated", "screen_check",
                                "screened_out"}
    best = table[table.stage == "best"].iloc[0]
    chosen = sim.load_scenario(out / "best_rota.yaml")  # runnable as it stands
    assert chosen.name == "tiny_best" and len(chosen.cars) == 1
    hours = sum(w[1] - w[0] for w in chosen.cars[0].pattern().windows) / 60
    assert hours == 56 and best.rota in (out / "summary.txt").read_text()
    assert (out / "summary.txt").read_text() in captured.out
    assert not running_folder(out).exists() and (out / ".tasks").is_dir()


def test_bad_file_is_exit_2_with_file_line_key_and_nothing_written(tmp_path, capsys):
    path = tiny(tmp_path, TINY.replace("metric: s136_avoided", "metric: s136_avoid"
                                       ).replace("delta: 6", "delta: zero"))
    out = tmp_path / "out"
    assert crisis_sim.main(["optimise", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert (f"{path}:9: optimise.objective.metric: unknown metric 's136_avoid'; did you mean "
            "'s136_avoided'?") in err
    assert f"{path}:12: optimise.delta: must be a number, got 'zero'" in err
    assert "nothing was run or written" in err
    assert not out.exists() and not running_folder(out).exists()
    assert crisis_sim.main(["optimise", str(tmp_path / "missing.yaml")]) == 2
    assert crisis_sim.main(["optimise", str(path), "--jobs", "0"]) == 2
    assert "optimise" in crisis_sim.usage()


def test_validate_only_counts_candidates(tmp_path, capsys):
    assert crisis_sim.main(["optimise", str(tiny(tmp_path)), "--validate-only"]) == 0
    assert "16 candidate rotas" in capsys.readouterr().out


def test_same_results_for_any_jobs_and_after_a_crash(tmp_path, monkeypatch):
    path = tiny(tmp_path)
    whole = sim.optimise(path, out=tmp_path / "whole", jobs=2, plots=False)
    assert whole.replications_resumed == 0 and whole.best is not None

    calls = {"n": 0}
    record = Store.record

    def crash_after_five(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt
        return record(self, *args, **kwargs)

    out = tmp_path / "crashed"
    monkeypatch.setattr(Store, "record", crash_after_five)
    with pytest.raises(KeyboardInterrupt):
        sim.optimise(path, out=out, jobs=1, plots=False)
    monkeypatch.setattr(Store, "record", record)
    assert len(list(running_folder(out).glob("*.json"))) == 5 and not out.exists()
    resumed = sim.optimise(path, out=out, jobs=1, resume=True, plots=False)
    assert resumed.replications_resumed > 0
    assert resumed.replications == whole.replications
    for name in ("optimise.csv", "comparison.csv", "compared.csv", "by_hour_of_week.csv",
                 "best_rota.yaml", "summary.txt"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
