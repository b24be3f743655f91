#!/usr/bin/env python3
"""Run scenario files and write results: ``python run_scenarios.py --help``."""

import sys

from sim.cli.run import main

if __name__ == "__main__":
    sys.exit(main())
