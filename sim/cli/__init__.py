"""The command line: ``python run_scenarios.py`` (and, later, the ``crisis-sim`` console
script). The top layer: it may import every other layer, and nothing imports it."""

from sim.cli.run import main

__all__ = ["main"]
