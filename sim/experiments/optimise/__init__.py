"""The rota optimiser (docs/optimise.md)."""
