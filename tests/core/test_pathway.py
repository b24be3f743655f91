"""The Section 136 pathway (``sim/core/pathway.py``): verification and accounting.

* Queueing theory on the place of safety alone: every call detained at once (no time
  before the place of safety), so detentions reach it as a Poisson stream. With
  ``max_wait_hours: 0`` the share diverted is Erlang B for the beds' offered load
  (whatever the bed-time distribution); with a long wait and exponential bed hours the
  share that waits is Erlang C; the mean occupancy obeys Little's law.
* With unlimited beds the do-minimum world reduces to the per-call counterfactual:
  officer hours recomputed call by call from the calls' own draws match to rounding.
* The do-minimum world is the same for every scenario of a run; every detention ends in
  a bed, at A&E first (medical need), or in a divert to A&E or custody (event log). With
  ``p_ae_first: 1`` no bed is used and officers are held conveyance + the A&E hold.

Statistical checks use fixed seeds and 99.9% t-intervals over replications: a correct
model fails one with probability 0.001 at a given seed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import sim
from sim.core.demand import DemandModel
from sim.core.model import ScenarioModel
from sim.core.streams import Streams
from sim.scenario.loader import load_scenario
from sim.validation.theory import erlang_b
from tests.support.scenarios import ALWAYS_ON, control_room, make, pathway

ZERO = {"dist": "fixed", "value": 0}


def _erlang_c(servers: int, load: float) -> float:
    """Probability of waiting in M/M/c (Erlang C), from Erlang B."""
    b = erlang_b(servers, load)
    return servers * b / (servers - load * (1 - b))


def place_of_safety_alone(beds: int | float, detentions_per_hour: float,
                          bed_hours: dict, *, max_wait_hours: float, weeks: int = 20):
    """No car; every call detained at its arrival and at the place of safety at once."""
    return make({
        "name": "pos_alone",
        "run.weeks": weeks,
        "demand.calls_per_day": detentions_per_hour * 24,
        "demand.hourly_profile": "flat",
        "demand.weekday_factors": [1] * 7,
        "demand.other_jobs_per_hour": 0.0,
        "cars": [],
        "response.standard.travel_minutes": ZERO,
        "response.standard.on_scene_minutes": ZERO,
        "response.standard.p_s136": 1.0,
        **pathway(beds, max_wait_hours=max_wait_hours, p_ambulance=0.0,
                  bed_hours=bed_hours),
        "pathway.conveyance.travel_minutes": ZERO,
    })


def _within(values, expected: float, reps: int) -> tuple[float, float]:
    mean, sd = float(np.mean(values)), float(np.std(values, ddof=1))
    half = stats.t.ppf(0.9995, reps - 1) * sd / reps**0.5
    assert abs(mean - expected) <= half, (mean, expected, half)
    return mean, half


BED_HOURS = {
    "exponential": {"dist": "exponential", "mean": 5},
    "lognormal": {"dist": "lognormal", "mean": 5, "sd": 8},
}


@pytest.mark.parametrize("shape", BED_HOURS)
@pytest.mark.parametrize(("beds", "load"), [(1, 0.5), (2, 1.4)])
def test_diverts_match_erlang_b(shape, beds, load):
    scenario = place_of_safety_alone(beds, load / 5, BED_HOURS[shape], max_wait_hours=0)
    reps = 20
    r = sim.simulate(scenario, reps=reps, seed=2026).replications
    assert (r["s136"] == r["mh_calls"]).all()
    diverted = (r["pos_diverted_ae"] + r["pos_diverted_custody"]) / r["s136"]
    assert (r["pos_wait_hours"] == 0).all()  # no wait is allowed: a divert at once
    _within(diverted, erlang_b(beds, load), reps)


@pytest.mark.parametrize(("beds", "load"), [(1, 0.5), (2, 1.2)])
def test_waits_match_erlang_c(beds, load):
    scenario = place_of_safety_alone(beds, load / 5, BED_HOURS["exponential"],
                                     max_wait_hours=72)
    reps = 20
    r = sim.simulate(scenario, reps=reps, seed=2027).replications
    waited = r["pos_waits"] / r["s136"]
    _within(waited, _erlang_c(beds, load), reps)
    # A 72-hour patience almost never runs out at these loads: P(wait > 72 h) is
    # C * exp(-(c/5 - lambda) * 72) < 0.002.
    assert (r["pos_diverted_ae"] + r["pos_diverted_custody"]).sum() <= 0.01 * r["s136"].sum()


def test_occupancy_obeys_littles_law():
    # Unlimited beds: mean beds occupied = arrival rate x mean bed time.
    scenario = place_of_safety_alone(math.inf, 0.3, BED_HOURS["lognormal"],
                                     max_wait_hours=2)
    reps = 20
    r = sim.simulate(scenario, reps=reps, seed=2028).replications
    _within(r["pos_occupancy"], 0.3 * 5, reps)
    # Finite beds: occupancy = admitted a week x mean bed hours / hours a week (Little),
    # here with diverts, checked against the admitted count of each replication.
    finite = scenario.with_overrides({"pathway.place_of_safety.beds": 1})
    r1 = sim.simulate(finite, reps=reps, seed=2028).replications
    admitted = r1["s136"] - r1["pos_diverted_ae"] - r1["pos_diverted_custody"]
    expected = admitted * 5 / (finite.run.weeks * 168)
    _within(r1["pos_occupancy"] - expected, 0.0, reps)
    assert (r1["pos_occupancy"] <= 1).all()


# --------------------------------------------------------------- do-minimum world

def _per_call_hours(scenario: sim.Scenario, seed: int, rep: int, model: ScenarioModel):
    """Each call's frontline hours with no scheme and after advice, with no bed wait.

    Recomputed from the calls' own draws, independently of the model's pathway code:
    time up to the end of the scene (and any A&E hold) plus, if detained, the officers
    held for conveyance and handover.
    """
    officers = scenario.response.standard.officers
    std, adv, arrival = [], [], []
    for ch in DemandModel(scenario).chunks(Streams(seed, rep), model.t_end):
        d = ch.pathway
        journey = officers * (np.asarray(d.conveyance) + np.asarray(d.handover)) / 60
        std.append(ch.standard_officer_hours + ch.s136_standard * journey)
        adv.append(ch.advised_officer_hours + ch.s136_advised * journey)
        arrival.append(ch.arrival)
    return np.concatenate(std), np.concatenate(adv), np.concatenate(arrival)


@pytest.mark.parametrize("room", [False, True])
def test_unlimited_beds_equal_the_per_call_counterfactual(room):
    overrides = {**pathway(math.inf), "run.weeks": 6}
    if room:
        overrides.update(control_room())
    scenario = make(overrides)
    model = ScenarioModel(scenario)
    seed = scenario.run.seed
    for rep in range(2):
        res = model.run(seed, rep, event_log=True)
        m, ev = res.metrics, res.events
        calls = ev[ev["kind"] == "call"].sort_values("id")
        std, adv, arrival = _per_call_hours(scenario, seed, rep, model)
        n = len(calls)
        std, adv = std[:n], adv[:n]
        measured = calls["measured"].to_numpy()
        car = calls["pathway"].to_numpy() == "car"
        resolved = calls["outcome"].to_numpy() == "resolved_by_phone"
        advised = calls["advised"].to_numpy(dtype=bool) & ~resolved & ~car
        baseline = std[measured].sum()
        saved = (std[measured & car].sum() + std[measured & resolved].sum()
                 + (std - adv)[measured & advised].sum())
        assert m["officer_hours_baseline"] == pytest.approx(baseline, rel=1e-12)
        assert m["officer_hours_saved"] == pytest.approx(saved, rel=1e-10, abs=1e-9)
        assert (calls["bed_wait_minutes"].dropna() == 0).all()


def test_the_do_minimum_world_is_the_same_in_every_scenario():
    base = {**pathway(1, max_wait_hours=0.5), "run.weeks": 6}
    scenarios = [
        make({**base, "name": "no_car", "cars": []}),
        make({**base, "name": "one_car"}),
        make({**base, "name": "busy", "cars": [
            {"name": "a", "shifts": ALWAYS_ON}, {"name": "b", "shifts": ALWAYS_ON}]}),
        make({**base, **control_room(), "name": "room"}),
    ]
    r = sim.compare(scenarios, reps=3, seed=5).replications
    for column in ("officer_hours_baseline", "s136_baseline", "s136_breaches_baseline",
                   "pos_diverted_baseline", "officer_hours_per_s136_baseline"):
        table = r.pivot(index="replication", columns="scenario", values=column)
        assert (table.nunique(axis=1) == 1).all(), column
    # and in the no-scheme scenario the do-minimum world is its own world
    none = r[r["scenario"] == "no_car"]
    assert (none["officer_hours"] == none["officer_hours_baseline"]).all()
    assert (none["s136_breaches_24h"] == none["s136_breaches_baseline"]).all()
    assert ((none["pos_diverted_ae"] + none["pos_diverted_custody"])
            == none["pos_diverted_baseline"]).all()
    # a car that takes detentions off the beds lowers the diverts
    busy = r[r["scenario"] == "busy"]
    assert (busy["pos_diverted_ae"] + busy["pos_diverted_custody"]).sum() < \
        none["pos_diverted_baseline"].sum()


def test_every_detention_ends_in_a_bed_or_a_divert():
    scenario = make({**pathway(1, max_wait_hours=0.5, divert={"ae": 0.6, "custody": 0.4}),
                     **control_room(), "run.weeks": 6,
                     "pathway.place_of_safety.p_ae_first": 0.3,
                     "dispatch.max_wait_minutes": 30, "dispatch.end_of_shift": "hand_over"})
    res = ScenarioModel(scenario).run(3, 0, event_log=True)
    m, ev = res.metrics, res.events
    calls = ev[(ev["kind"] == "call") & ev["measured"]]
    detained = calls["s136"].fillna(False).to_numpy(dtype=bool)
    assert detained.sum() == m["s136"]
    place = calls["place_of_safety"].astype(object)
    assert place[detained].notna().all() and place[~detained].isna().all()
    counts = place[detained].value_counts()
    assert set(counts.index) == {"bed", "ae_first", "ae", "custody"}
    assert counts.get("ae_first", 0) == m["pos_ae_first"] > 0
    assert counts.get("ae", 0) == m["pos_diverted_ae"] > 0
    assert counts.get("custody", 0) == m["pos_diverted_custody"] > 0
    assert counts.get("bed", 0) == (m["s136"] - m["pos_ae_first"] - m["pos_diverted_ae"]
                                    - m["pos_diverted_custody"])
    waits = calls.loc[detained, "bed_wait_minutes"]
    assert (waits >= 0).all() and (waits <= 30 + 1e-9).all()
    assert (waits[place[detained] == "ae_first"] == 0).all()  # A&E first never queues
    assert (calls.loc[detained, "released"] > calls.loc[detained, "arrival"]).all()
    assert (waits > 0).sum() == m["pos_waits"]


def _no_car_with_ae_first(p_ae_first: float, beds: int | float = 1):
    return make({**pathway(beds, max_wait_hours=0.5), "name": "ae_first", "cars": [],
                 "run.weeks": 6, "demand.calls_per_day": 20.0,
                 "pathway.place_of_safety.p_ae_first": p_ae_first})


def test_every_detention_taken_to_ae_first_uses_no_bed_and_holds_officers_for_the_ae_hold():
    """p_ae_first = 1: no bed is ever occupied, nobody waits or diverts, and each
    detention's officers are released at arrival + time on scene + conveyance + the A&E
    hold, recomputed from the call's own draws (no car: dispatch at arrival)."""
    scenario = _no_car_with_ae_first(1.0)
    model = ScenarioModel(scenario)
    seed = scenario.run.seed
    res = model.run(seed, 0, event_log=True)
    m, ev = res.metrics, res.events
    assert m["s136"] > 50 and m["pos_ae_first"] == m["s136"]
    assert m["pos_occupancy"] == m["pos_waits"] == m["pos_wait_hours"] == 0
    assert m["pos_diverted_ae"] == m["pos_diverted_custody"] == m["pos_diverted_baseline"] == 0
    calls = ev[ev["kind"] == "call"].sort_values("id")
    detained = calls["s136"].fillna(False).to_numpy(dtype=bool)
    assert (calls.loc[detained, "place_of_safety"].astype(object) == "ae_first").all()
    chunks = list(DemandModel(scenario).chunks(Streams(seed, 0), model.t_end))
    n = len(calls)

    def column(f):
        return np.concatenate([np.asarray(f(ch)) for ch in chunks])[:n]

    scene = column(lambda ch: ch.pathway.std_scene_end)
    conveyance = column(lambda ch: ch.pathway.conveyance)
    ae_hold = column(lambda ch: ch.pathway.ae_hold)
    handover = column(lambda ch: ch.pathway.handover)
    arrival = calls["arrival"].to_numpy()
    released = calls["released"].to_numpy(dtype=float)
    expected = arrival + scene + conveyance + ae_hold
    np.testing.assert_allclose(released[detained], expected[detained], rtol=0, atol=1e-6)
    # the A&E hold, not the bed route's handover (which would be far shorter)
    assert not np.allclose(released[detained],
                           (arrival + scene + conveyance + handover)[detained])
    # police hours per detention: 2 officers from dispatch to release
    officers = scenario.response.standard.officers
    measured = calls["measured"].to_numpy() & detained
    per = officers * (scene + conveyance + ae_hold)[measured] / 60
    assert m["officer_hours_per_s136"] == pytest.approx(per.mean(), rel=1e-9)


def test_ae_first_at_zero_changes_nothing_and_leaves_the_other_draws_alone():
    """p_ae_first = 0 gives the same numbers as a scenario without the key; a share
    above 0 draws the other parts of every journey unchanged (its own stream) and takes
    detentions off the beds."""
    without = make({**pathway(1, max_wait_hours=0.5), "name": "ae_first", "cars": [],
                    "run.weeks": 6, "demand.calls_per_day": 20.0})
    zero, some = _no_car_with_ae_first(0.0), _no_car_with_ae_first(0.5)
    r0 = sim.simulate(without, reps=2, seed=5).replications
    rz = sim.simulate(zero, reps=2, seed=5).replications
    assert r0.drop(columns="scenario").equals(rz.drop(columns="scenario"))
    assert (rz["pos_ae_first"] == 0).all()
    t_end = ScenarioModel(zero).t_end
    a = next(DemandModel(zero).chunks(Streams(5, 0), t_end)).pathway
    b = next(DemandModel(some).chunks(Streams(5, 0), t_end)).pathway
    for part in ("conveyance", "handover", "bed", "custody", "divert_hold", "ae_hold"):
        assert getattr(a, part) == getattr(b, part), part
    assert not any(a.ae_first) and 0.4 < np.mean(b.ae_first) < 0.6
    rs = sim.simulate(some, reps=2, seed=5).replications
    assert (rs["s136"] == rz["s136"]).all()  # the same detentions
    assert (rs["pos_occupancy"] < rz["pos_occupancy"]).all()
    assert (rs["pos_diverted_ae"] + rs["pos_diverted_custody"]
            < rz["pos_diverted_ae"] + rz["pos_diverted_custody"]).all()


def test_results_do_not_depend_on_jobs():
    scenarios = [make({**pathway(2), "name": "one_car", "run.weeks": 4}),
                 make({**pathway(2), "name": "no_car", "cars": [], "run.weeks": 4})]
    one = sim.compare(scenarios, reps=4, seed=9, jobs=1).replications
    two = sim.compare(scenarios, reps=4, seed=9, jobs=2).replications
    assert one.equals(two)


# ------------------------------------------------------------------ the schema

def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {Path('scenarios/_base.yaml').resolve()}\nname: t\n{body}",
                    encoding="utf-8")
    return path


BLOCK = """pathway:
  conveyance:
    ambulance_wait_hours: {dist: lognormal, mean: 1.5, sd: 1.0}
    travel_minutes: {dist: lognormal, mean: 30, sd: 15}
  place_of_safety:
    beds: BEDS
    handover_minutes: {dist: lognormal, mean: 45, sd: 20}
    bed_hours: {dist: lognormal, median: 10, p95: 24}
    divert: DIVERT
  ae_as_place_of_safety_hours: {dist: lognormal, mean: 6, sd: 3}
"""


def test_unlimited_beds_can_be_written_inf(tmp_path):
    for beds in (".inf", "inf"):
        path = _write(tmp_path, BLOCK.replace("BEDS", beds).replace(
            "DIVERT", "{ae: 0.97, custody: 0.03}"))
        scenario = load_scenario(path)
        assert scenario.pathway.place_of_safety.bed_count == math.inf
        # and it survives the round trip through the merged scenario file
        again = sim.scenario_from_dict(scenario.to_dict())
        assert again.pathway.place_of_safety.beds == "inf"


@pytest.mark.parametrize(("beds", "divert", "key", "words"), [
    ("0", "{ae: 0.97, custody: 0.03}", "pathway.place_of_safety.beds", "between 1 and"),
    ("2.5", "{ae: 0.97, custody: 0.03}", "pathway.place_of_safety.beds", ""),
    ("-.inf", "{ae: 0.97, custody: 0.03}", "pathway.place_of_safety.beds", ""),
    ("2", "{ae: 0.9, custody: 0.3}", "pathway.place_of_safety.divert", "add up to 1"),
    ("2", "{ae: 0.97, custody: 0.03, police: 0}", "pathway.place_of_safety.divert.police",
     ""),
])
def test_bad_pathway_values_are_errors_at_their_key(tmp_path, beds, divert, key, words):
    path = _write(tmp_path, BLOCK.replace("BEDS", beds).replace("DIVERT", divert))
    with pytest.raises(sim.ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert key in text and words in text, text
    assert "s.yaml:" in text  # the file and line
