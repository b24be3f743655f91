"""Price years: restating a cost from the prices of one year to those of another.

The index table is shipped with the package, ``sim/economics/data/gdp_deflator.csv``
(source and grade in its header): the GDP deflator at market prices, calendar years,
2024 = 100. A value at year ``y`` prices is restated to year ``t`` prices as
``value * index[t] / index[y]``.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

INDEX_FILES = {"gdp_deflator": "gdp_deflator.csv"}
"""Each price index (``appraisal.price_index``) and its file in ``sim/economics/data``."""


@cache
def index_table(name: str = "gdp_deflator") -> dict[int, float]:
    """Year -> index value of the price index ``name``."""
    text = (files("sim.economics") / "data" / INDEX_FILES[name]).read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {int(r["year"]): float(r[name]) for r in rows}


def latest_year(name: str = "gdp_deflator") -> int:
    """The latest full year of the index: the report's price year unless one is set."""
    return max(index_table(name))


def year_problem(year: int, name: str = "gdp_deflator") -> str | None:
    """Why ``year`` cannot be restated with index ``name`` (None when it can)."""
    table = index_table(name)
    if year in table:
        return None
    return (f"the price index {name} has no value for {year}: it covers {min(table)} to "
            f"{max(table)} (sim/economics/data/{INDEX_FILES[name]})")


def uplift(from_year: int, to_year: int, name: str = "gdp_deflator") -> float:
    """The factor that restates ``from_year`` prices in ``to_year`` prices."""
    for year in (from_year, to_year):
        problem = year_problem(year, name)
        if problem is not None:
            raise ValueError(problem)
    table = index_table(name)
    return table[to_year] / table[from_year]
