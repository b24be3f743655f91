"""Fitting a scenario to a force's own incident export (``crisis-sim fit``; ``docs/fit.md``).

    from sim.experiments.fit import fit_incidents, write_fit_outputs

    result = fit_incidents("examples/incidents/synthetic_incidents.csv", holdout=0.25)
    result.rates            # 168 rates per hour with exact Poisson intervals
    result.holdout.table    # the hold-out tests, pass or fail
    write_fit_outputs(result, "results/fit")   # the scenario file and the tidy tables
"""

from sim.experiments.fit.api import FitResult, fit_incidents, write_fit_outputs
from sim.experiments.fit.mapping import Mapping, read_mapping
from sim.experiments.fit.reader import Incidents, read_incidents

__all__ = ["FitResult", "Incidents", "Mapping", "fit_incidents", "read_incidents",
           "read_mapping", "write_fit_outputs"]
