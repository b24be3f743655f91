"""The estimate of a run's time and memory printed before a large run (issue 10):
``sim/run/estimate.py``, calibrated on benchmarks/bench.py's figures."""

from __future__ import annotations

import pytest

import sim
from sim.run import estimate as est
from tests.support.paths import SCENARIOS


@pytest.fixture(scope="module")
def shipped() -> list[sim.Scenario]:
    return [sim.load_scenario(SCENARIOS / f"{n}.yaml")
            for n in ("no_car", "cpft_one_car", "cpft_two_cars")]


def test_one_replication_year_of_one_car_is_the_benchmark_figure(shipped):
    one = shipped[1]
    seconds, _ = est.estimate([one], reps=1, weeks=52, warmup_weeks=0)
    assert est.jobs_per_day(one) == pytest.approx(est.REFERENCE_JOBS_PER_DAY, rel=0.01)
    assert seconds == pytest.approx(est.SECONDS_PER_CAR_YEAR, rel=0.01)


def test_the_shipped_run_is_about_a_second_and_not_worth_a_warning(shipped):
    seconds, nbytes = est.estimate(shipped)  # 3 scenarios x 30 replications x 53 weeks
    assert 0.5 < seconds < 3  # README: about 1 s (measured on 2 cores)
    assert est.PROCESS_BYTES < nbytes < est.PROCESS_BYTES + 10 * 1024**2
    assert not est.worth_saying(seconds, nbytes)


def test_time_grows_with_replications_weeks_calls_and_cars(shipped):
    no_car, one, two = shipped
    base = est.estimate([one], reps=10, weeks=52)[0]
    assert est.estimate([one], reps=20, weeks=52)[0] == pytest.approx(2 * base)
    assert est.estimate([one], reps=10, weeks=105, warmup_weeks=1)[0] == pytest.approx(2 * base)
    busier = one.with_overrides({"demand.calls_per_day": 40})
    assert est.estimate([busier], reps=10, weeks=52)[0] > 2 * base
    assert est.estimate([two], reps=10, weeks=52)[0] == pytest.approx(1.5 * base)
    assert est.estimate([no_car], reps=10, weeks=52)[0] == pytest.approx(0.5 * base)
    assert est.estimate([no_car, one], reps=10, weeks=52)[0] == pytest.approx(1.5 * base)


def test_workers_cut_the_time_and_add_memory(shipped):
    one_worker = est.estimate(shipped, reps=100, jobs=1)
    four = est.estimate(shipped, reps=100, jobs=4)
    assert four[0] < one_worker[0] / 3
    assert four[1] == one_worker[1] + 3 * est.WORKER_BYTES
    assert est.estimate(shipped[:1], reps=1, jobs=16)[1] == est.estimate(shipped[:1], reps=1)[1]


def test_the_largest_legal_run_is_worth_a_warning(shipped, make_scenario):
    cars = [{"name": f"c{i}", "shifts": [{"days": "all", "start": "00:00", "end": "24:00"}]}
            for i in range(50)]
    biggest = make_scenario({"demand.calls_per_day": 2000, "demand.other_jobs_per_hour": 100,
                             "cars": cars})
    seconds, nbytes = est.estimate([biggest], reps=10_000, weeks=520, warmup_weeks=52)
    assert seconds > 30 * 86400  # months on one process: a user must be told
    assert est.worth_saying(seconds, nbytes)
    many = [biggest.with_overrides({"name": f"s{i}"}) for i in range(50)]
    assert est.estimate(many, reps=10_000, weeks=1)[1] > 5 * 1024**3  # results held in memory
    logged = est.estimate([shipped[1]], reps=30, event_log=True)[1]
    assert logged - est.estimate([shipped[1]], reps=30)[1] > 30 * 53 * 7 * 17 * 100


@pytest.mark.parametrize(("seconds", "nbytes", "text"), [
    (0.2, 300 * 1024**2, "estimate: about 1 s and 300 MB of memory"),
    (42, 300 * 1024**2, "estimate: about 42 s and 300 MB of memory"),
    (25 * 60, 3 * 1024**3, "estimate: about 25 min and 3.0 GB of memory"),
    (5 * 3600, 250 * 1024**2, "estimate: about 5.0 hours and 250 MB of memory"),
    (90 * 86400, 12 * 1024**3, "estimate: about 90 days and 12.0 GB of memory"),
])
def test_describe_is_one_line(seconds, nbytes, text):
    line = est.describe(seconds, nbytes)
    assert line.startswith(text + " ")
    assert "\n" not in line and "Ctrl-C" in line
