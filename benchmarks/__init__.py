"""Performance benchmarks: ``python benchmarks/bench.py`` (see bench.py)."""
