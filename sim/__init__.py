"""Crisis response capacity simulator: police and mental-health response cars.

The public API (``README.md``, "Python API"; ``docs/architecture.md``)::

    import sim
    scenario = sim.load_scenario("scenarios/cpft_one_car.yaml")
    result = sim.simulate(scenario, reps=50, seed=7, jobs=2)  # or a path: "scenarios/....yaml"
    result.replications          # one row per replication
    result.summary()             # metric, mean, sd, ci_low, ci_high, n
    two = scenario.with_overrides({"name": "busier", "demand.calls_per_day": 12})
    sim.compare([scenario, two], baseline=scenario.name, reps=50).comparison()
    table = sim.sweep("scenarios/sweeps/cars_by_demand.yaml", jobs=2)  # one row per point x rep
    best = sim.optimise("scenarios/optimise/cpft_56_hours.yaml", jobs=2).best  # docs/optimise.md
"""

from sim.api import optimise, sweep
from sim.core.metrics import METRIC_NAMES, METRICS
from sim.run.result import RunResult
from sim.run.runner import compare, simulate
from sim.scenario.loader import ScenarioError, load_scenario, scenario_from_dict
from sim.scenario.schema import Scenario

__version__ = "0.1.0"

__all__ = [
    "METRICS",
    "METRIC_NAMES",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "compare",
    "load_scenario",
    "optimise",
    "scenario_from_dict",
    "simulate",
    "sweep",
]
