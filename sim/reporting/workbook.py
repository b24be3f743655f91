"""``economics.xlsx``: the appraisal for finance teams (openpyxl).

Sheets:

``Summary``
    The basis of every figure, then one block per comparison: per perspective the net
    benefit a year with its 95% range and the share of draws above 0, costs, savings, cash,
    net present value, benefit-cost ratio and payback.
``Economics``
    Every row of ``economics.csv``.
``Ledger``
    Each comparison's lines: payer, cash or not, value a year.
``Unit costs``
    Each scenario's unit costs: value, price year, payer, cash, and restated to the report's
    price year.
``Per replication``
    Each scenario's ledger a year, replication by replication, at the run's own inputs.
``Cost-consequence``, ``Frontier``, ``EVPI``, ``EVPPI``, ``Tornado``, ``Switching values``,
``Convergence``, ``CEAF`` (when the sensitivity analysis ran)
    The analysis's tables, as in the CSV files of the same names; ``PSA draws`` points to
    ``psa_draws.csv`` (thousands of rows).

Money cells carry a ``£#,##0`` format; ``inf`` (a payback that never comes) is written as
the text ``never``. Text that a spreadsheet would run as a formula is neutralised
(``sim/common/spreadsheet.py``). The file is written atomically.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.common.atomic import atomic_path
from sim.common.spreadsheet import neutralise
from sim.economics.funding import Economics, perspective_label, table_value
from sim.economics.verdicts import basis_line

MONEY_FORMAT = '£#,##0;[Red]-£#,##0'
SUMMARY_MEASURES = ("net_benefit", "costs", "benefits", "cash_net_benefit", "npv", "bcr",
                    "payback_years")
UNITS = {"net_benefit": "£ a year", "costs": "£ a year", "benefits": "£ a year",
         "cash_net_benefit": "£ a year", "npv": "£", "bcr": "ratio", "payback_years": "years"}


def _format_for(unit: str) -> str:
    if unit.startswith("£"):
        return MONEY_FORMAT
    if unit == "ratio":
        return "0.00"
    if unit == "years":
        return "0.0"
    return "#,##0.0"


def _cell_value(value: Any) -> Any:
    """A value for a cell: text that a spreadsheet would run is neutralised
    (:func:`sim.common.spreadsheet.neutralise`); NaN is empty, infinity a word."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "never" if value > 0 else "-inf"
    return value


def _header(ws, row: int, values: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill

    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EAF2F8")


def _frame_sheet(wb, title: str, frame: pd.DataFrame, formats: dict[str, str] | None = None
                 ) -> None:
    ws = wb.create_sheet(title)
    _header(ws, 1, [str(c) for c in frame.columns])
    for r, row in enumerate(frame.itertuples(index=False), start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=_cell_value(value))
            fmt = (formats or {}).get(str(frame.columns[c - 1]))
            if fmt and isinstance(cell.value, int | float):
                cell.number_format = fmt
    ws.freeze_panes = "A2"
    _widths(ws)


def _widths(ws) -> None:
    for column in ws.columns:
        letter = column[0].column_letter
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        ws.column_dimensions[letter].width = min(max(10, longest + 2), 60)


def write_workbook(path: str | Path, econ: Economics, psa=None, *,
                   title: str = "Response car appraisal") -> Path:
    """Write ``economics.xlsx`` atomically; returns the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=basis_line(econ, psa) + ".")
    ws.cell(row=3, column=1, value=(
        "Perspectives: each payer, and the public sector (every payer). Cash: money paid "
        "out, or savings that release money; police time released is never cash."))
    table, basis = (psa.table, "expected") if psa is not None else (econ.table, "run")
    row = 5
    for s, c in econ.pairs:
        ws.cell(row=row, column=1, value=f"{s} vs {c}").font = Font(bold=True, size=12)
        row += 1
        _header(ws, row, ["perspective", "measure", "unit", "mean", "95% low", "95% high",
                          "P(> 0)"])
        row += 1
        for p in econ.perspectives:
            for m in SUMMARY_MEASURES:
                values = [table_value(table, s, c, m, k, p, basis)
                          for k in ("mean", "low", "high", "prob_positive")]
                ws.cell(row=row, column=1, value=perspective_label(p))
                ws.cell(row=row, column=2, value=m)
                ws.cell(row=row, column=3, value=UNITS[m])
                for col, v in enumerate(values, start=4):
                    cell = ws.cell(row=row, column=col, value=_cell_value(v))
                    if isinstance(cell.value, int | float):
                        cell.number_format = "0%" if col == 7 else _format_for(UNITS[m])
                row += 1
        row += 1
    if psa is None:
        ws.cell(row=row, column=1, value="The probabilistic sensitivity analysis was not run.")
    for note in econ.notes:
        row += 1
        ws.cell(row=row, column=1, value=note)
    _widths(ws)
    ws.column_dimensions["A"].width = 30

    formats = {k: "#,##0.00" for k in ("mean", "low", "high", "se")}
    _frame_sheet(wb, "Economics", table, {**formats, "prob_positive": "0%"})
    lines = psa.lines if psa is not None else econ.lines
    _frame_sheet(wb, "Ledger", lines, {k: MONEY_FORMAT for k in ("mean", "low", "high")})
    costs_rows = []
    for name, costs in econ.costs.items():
        price = econ.prices.get(name)
        if costs is None or price is None:
            continue
        for item in price.value:
            costs_rows.append({"scenario": name, "item": item,
                               "value": costs.item(item).value,
                               "price_year": costs.year(item), "payer": costs.payer(item),
                               "cash": costs.cash(item),
                               f"value_at_{econ.price_year()}_prices": price.value[item]})
    if costs_rows:
        _frame_sheet(wb, "Unit costs", pd.DataFrame(costs_rows))
    per_rep = [led.assign(scenario=n).reset_index(names="replication")
               for n, led in econ.ledgers.items()]
    if per_rep:
        frame = pd.concat(per_rep, ignore_index=True)
        money_cols = [k for k in frame.columns if k not in ("scenario", "replication")]
        _frame_sheet(wb, "Per replication", frame, dict.fromkeys(money_cols, MONEY_FORMAT))
    if psa is not None:
        _frame_sheet(wb, "Cost-consequence", psa.cost_consequence)
        _frame_sheet(wb, "Frontier", psa.frontier, {"cost": MONEY_FORMAT, "icer": MONEY_FORMAT})
        _frame_sheet(wb, "EVPI", psa.evpi, {k: MONEY_FORMAT for k in ("evpi_a_year",
                                                                     "evpi_period")})
        _frame_sheet(wb, "EVPPI", psa.evppi, {k: MONEY_FORMAT for k in ("evppi_a_year",
                                                                       "evppi_period")})
        _frame_sheet(wb, "Tornado", psa.tornado,
                     {k: MONEY_FORMAT for k in ("net_benefit_base", "net_benefit_low",
                                                "net_benefit_high", "swing")})
        _frame_sheet(wb, "Switching values", psa.switching, {"net_benefit_base": MONEY_FORMAT})
        _frame_sheet(wb, "Convergence", psa.convergence)
        ws = wb.create_sheet("PSA draws")
        ws.cell(row=1, column=1, value=(
            f"The {psa.settings['draws']:,} draws (inputs and results per option) are in "
            "psa_draws.csv beside this workbook: too many rows to be useful here."))
        _frame_sheet(wb, "CEAF", psa.ceaf, {"probability_best": "0%", "wtp": MONEY_FORMAT})
    path = Path(path)
    for sheet in wb.worksheets:  # the workbook holds no formulas: titles and headers too
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.value = neutralise(str(cell.value))
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
