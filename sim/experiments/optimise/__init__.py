"""The rota optimiser: the best hours for a budget of car-hours, with a guarantee.

``spec.py`` reads optimise files, ``space.py`` lists the candidate rotas, ``screen.py``
approximates them analytically, ``kn.py`` selects with Kim & Nelson's procedure,
``store.py`` records finished work for ``--resume`` and ``run.py`` puts it together. The
method and the file format: ``docs/optimise.md``.
"""

from sim.experiments.optimise.run import OptimiseResult, run_optimise
from sim.experiments.optimise.spec import (
    OptimiseError,
    OptimiseSpec,
    is_optimise_file,
    load_optimise,
    optimise_from_dict,
)

__all__ = ["OptimiseError", "OptimiseResult", "OptimiseSpec", "is_optimise_file",
           "load_optimise", "optimise_from_dict", "run_optimise"]
