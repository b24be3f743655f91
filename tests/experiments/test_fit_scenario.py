"""The fitted scenario file: it runs, every fitted value has its basis, the PSA gets the
sampling distributions, and a base without a case mix gets the shares directly."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

import sim
from sim.common.errors import InputError
from sim.experiments.fit import fit_incidents, write_fit_outputs
from tests.support.fit import small_rows, synthetic_fit, write_rows
from tests.support.paths import SCENARIOS
from tests.support.scenarios import BASE


def test_written_scenario_extends_the_base_by_a_relative_path_and_runs(tmp_path: Path) -> None:
    result = synthetic_fit(None)
    files = write_fit_outputs(result, tmp_path / "out")
    text = files["scenario"].read_text()
    extends = yaml.safe_load(text)["extends"]
    assert not Path(extends).is_absolute()
    assert (files["scenario"].parent / extends).resolve() == (SCENARIOS / "_base.yaml").resolve()
    scenario = sim.load_scenario(files["scenario"])
    assert scenario.name == "fitted_synthetic_incidents"
    run = sim.simulate(scenario, reps=2, weeks=2, warmup_weeks=0, seed=3)
    weekly = run.replications["mh_calls"].mean() / 2
    expected = 7 * result.calls_per_day
    assert abs(weekly - expected) < 4 * np.sqrt(expected / 2)   # Poisson, 4 sd


def test_every_fitted_value_carries_its_basis(tmp_path: Path) -> None:
    text = write_fit_outputs(synthetic_fit(None), tmp_path)["scenario"].read_text()
    lines = text.splitlines()

    def comment_near(key: str) -> str:
        i = next(k for k, line in enumerate(lines) if line.strip().startswith(f"{key}:"))
        return lines[i] + lines[i - 1]

    assert "incidents" in comment_near("calls_per_day") or "incidents" in "".join(
        lines[: lines.index("demand:") + 4])
    assert "exposure" in text and "Garwood" in text
    for key in ("on_scene_minutes", "p_s136", "p_conveyed_ae"):
        assert "incidents" in comment_near(key), key
    assert "maximum likelihood" in comment_near("on_scene_minutes")
    assert "AIC" in comment_near("on_scene_minutes")


def test_the_psa_gets_sampling_distributions() -> None:
    result = synthetic_fit(None)
    block = result.fitted.uncertainty
    inputs = block.inputs
    cpd = inputs["demand.calls_per_day"].distribution
    assert cpd.dist == "gamma"
    assert cpd.mean == pytest.approx(result.calls_per_day, rel=1e-4)
    assert cpd.sd == pytest.approx(result.calls_per_day_sd, rel=1e-3)
    # The detention share of the standard response: the base's case mix sends it through
    # its first call type (share 0.6); the implied overall share varies as its beta does.
    share = inputs["case_mix.0.standard.p_s136"].distribution
    assert share.dist == "empirical" and len(share.values) == 100
    assert min(share.values) >= 0 and max(share.values) <= 1
    row = result.outcomes.set_index(["pathway", "measure"]).loc[("standard", "share_s136")]
    beta = stats.beta(row["count"] + 0.5, row["denominator"] - row["count"] + 0.5)
    overall_sd = 0.6 * np.std(share.values)
    assert overall_sd == pytest.approx(beta.std(), rel=0.05)
    # ... centred on the point value the scenario uses.
    assert np.median(share.values) == pytest.approx(result.fitted.case_mix[0].standard.p_s136,
                                                    abs=5e-4)
    # The base's own uncertain inputs stay (merged, not replaced).
    assert "costs.s136_detention" in inputs


def test_a_base_without_a_case_mix_gets_the_shares_directly(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["name"] = "plain"
    base = tmp_path / "plain_base.yaml"
    base.write_text(yaml.safe_dump(data))
    rows = small_rows(days=21, per_day=8)
    result = fit_incidents(write_rows(tmp_path / "x.csv", rows), base=base)
    standard = result.fitted.response.standard
    out = result.outcomes.set_index(["pathway", "measure"])["estimate"]
    assert standard.p_s136 == pytest.approx(out[("standard", "share_s136")], abs=1e-4)
    assert standard.p_conveyed_ae == pytest.approx(
        out[("standard", "p_conveyed_ae_given_no_s136")], abs=1e-4)
    assert "response.standard.p_s136" in result.fitted.uncertainty.inputs
    assert result.scenario.case_mix is None
    # Thin data: 168 incidents over 3 weeks -> the day x hour model, and it says why.
    assert result.profile_model == "day_hour" and "fewer than 10" in result.profile_reason
    assert np.isclose(result.rates["rate_used"].sum(), 7 * result.calls_per_day)


def test_a_bad_base_is_reported_as_input(tmp_path: Path) -> None:
    base = tmp_path / "bad.yaml"
    base.write_text("demand: {calls_per_dya: 3}\n")
    with pytest.raises(InputError) as info:
        fit_incidents(write_rows(tmp_path / "x.csv", small_rows()), base=base)
    assert any("calls_per_dya" in p.key for p in info.value.problems)
