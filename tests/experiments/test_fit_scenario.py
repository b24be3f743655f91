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

    def comment_above(key: str) -> str:
        i = next(k for k, line in enumerate(lines) if line.strip().startswith(f"{key}:"))
        block = []
        while lines[i - 1].strip().startswith("#"):
            i -= 1
            block.insert(0, lines[i].strip("# "))
        return " ".join(block) + " " + lines[next(k for k, line in enumerate(lines)
                                                  if line.strip().startswith(f"{key}:"))]

    assert "incidents" in comment_above("calls_per_day") and "exposure" in comment_above(
        "calls_per_day")
    assert "Garwood" in comment_above("calls_per_day")
    assert "Monday 00:00 first" in comment_above("hour_of_week_profile")
    for key in ("on_scene_minutes", "p_s136", "p_conveyed_ae"):
        assert "incidents" in comment_above(key) and "2023-" in comment_above(key), key
    assert "maximum likelihood" in comment_above("on_scene_minutes")
    assert "AIC" in comment_above("on_scene_minutes")
    assert max(len(line) for line in lines if line.lstrip().startswith("#")) <= 100


def _beta_sd(row) -> float:
    return float(stats.beta(row["count"] + 0.5, row["denominator"] - row["count"] + 0.5).std())


def test_the_psa_gets_sampling_distributions() -> None:
    result = synthetic_fit(None)
    block = result.fitted.uncertainty
    inputs = block.inputs
    cpd = inputs["demand.calls_per_day"].distribution
    assert cpd.dist == "gamma"
    assert cpd.mean == pytest.approx(result.calls_per_day, rel=1e-4)
    assert cpd.sd == pytest.approx(result.calls_per_day_sd, rel=1e-3)
    out = result.outcomes.set_index(["pathway", "measure"])
    # A share without a case-mix override goes straight onto its key: the beta's quantiles.
    ae = inputs["response.standard.p_conveyed_ae"].distribution
    assert ae.dist == "empirical" and len(ae.values) == 100
    row = out.loc[("standard", "p_conveyed_ae_given_no_s136")]
    assert np.std(ae.values) == pytest.approx(_beta_sd(out.loc[("standard", "share_ae")])
                                              / (1 - out.loc[("standard", "share_s136"),
                                                             "estimate"]), rel=0.05)
    assert np.median(ae.values) == pytest.approx(row["estimate"], abs=5e-4)
    # The shipped base derives detention risks by its calibration: block; the fit makes the
    # force's own detentions a year its target, with their sampling error.
    cal = block.calibration
    assert cal is not None and cal.population == 100000
    s136 = out.loc[("standard", "share_s136")]
    per_year = s136["estimate"] * result.calls_per_day * 365.25
    assert cal.s136_per_100k.distribution.mean == pytest.approx(per_year, rel=1e-3)
    assert cal.s136_per_100k.distribution.sd == pytest.approx(per_year / np.sqrt(s136["count"]),
                                                              rel=1e-3)
    assert not any(key.endswith("p_s136") for key in inputs)
    # The base's own uncertain inputs stay (merged, not replaced).
    assert "pathway.place_of_safety.beds" in inputs


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
    share = result.fitted.uncertainty.inputs["response.standard.p_s136"].distribution
    row = result.outcomes.set_index(["pathway", "measure"]).loc[("standard", "share_s136")]
    assert np.std(share.values) == pytest.approx(_beta_sd(row), rel=0.05)
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
