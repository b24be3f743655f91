"""``economics.xlsx``: the funding case for finance teams (openpyxl).

Sheets:

``Summary``
    One block per comparison: the headline measures with mean, 95% interval and the share
    of simulated years (and of PSA draws) with a positive net benefit.
``Funding case``
    Every row of ``economics.csv`` (all measures, all comparisons).
``Unit costs``
    Each scenario's ``costs`` block, with its price year.
``Per replication``
    The annual figures of each comparison, replication by replication, so that any measure
    can be recomputed in the workbook.
``Sensitivity`` (when the analysis ran)
    Tornado and switching values.
``PSA draws`` (when the analysis drew inputs)
    Each draw's input values and outcomes.

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
from sim.economics.funding import BY_NAME, COMPONENTS, Economics

MONEY_FORMAT = '£#,##0;[Red]-£#,##0'
SUMMARY_MEASURES = ("scheme_cost", "savings_nhs", "savings_police", "net_benefit_cash",
                    "net_benefit_with_police", "benefit_cost_ratio_cash",
                    "benefit_cost_ratio_with_police", "roi_cash", "roi_with_police",
                    "detentions_avoided", "officer_hours_released", "cost_per_detention_avoided",
                    "net_cost_per_detention_avoided", "cost_per_officer_hour_released",
                    "payback_years_cash", "payback_years_with_police")


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
                   title: str = "Response car funding case") -> Path:
    """Write ``economics.xlsx`` atomically; returns the path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    year = econ.price_year()
    ws.cell(row=2, column=1, value=(
        f"£ a year at {year if year else 'each scenario’s'} prices (no uplift). Mean over "
        "replications with its 95% confidence interval; 'positive' = share of simulated "
        "years (and of PSA draws) with a value above 0."))
    ws.cell(row=3, column=1, value=(
        "Cash view: NHS costs avoided only. With police time: plus frontline officer time "
        "released, valued at the officer hour cost (not cash)."))
    row = 5
    for s, c in econ.pairs:
        ws.cell(row=row, column=1, value=f"{s} vs {c}").font = Font(bold=True, size=12)
        row += 1
        _header(ws, row, ["measure", "unit", "mean", "95% low", "95% high",
                          "positive (years)", "positive (PSA draws)"])
        row += 1
        psa_prob = psa.prob_positive(s, c) if psa is not None else {}
        for m in SUMMARY_MEASURES:
            unit = BY_NAME[m].unit
            values = [econ.value(s, c, m, k) for k in ("mean", "ci_low", "ci_high",
                                                       "prob_positive")]
            ws.cell(row=row, column=1, value=m)
            ws.cell(row=row, column=2, value=unit)
            for col, v in enumerate(values, start=3):
                cell = ws.cell(row=row, column=col, value=_cell_value(v))
                if isinstance(cell.value, int | float):
                    cell.number_format = "0%" if col == 6 else _format_for(unit)
            view = m[len("net_benefit_"):] if m.startswith("net_benefit_") else None
            if view in psa_prob:
                ws.cell(row=row, column=7, value=psa_prob[view]).number_format = "0%"
            row += 1
        row += 1
    if psa is None:
        ws.cell(row=row, column=1, value="The probabilistic sensitivity analysis was not run.")
    for note in econ.notes:
        row += 1
        ws.cell(row=row, column=1, value=note)
    _widths(ws)
    ws.column_dimensions["A"].width = 34

    formats = {k: "#,##0.00" for k in ("mean", "sd", "ci_low", "ci_high")}
    _frame_sheet(wb, "Funding case", econ.table, {**formats, "prob_positive": "0%"})

    costs_rows = []
    for name, costs in econ.costs.items():
        if costs is not None:
            costs_rows.append({"scenario": name, **costs.model_dump()})
    if costs_rows:
        frame = pd.DataFrame(costs_rows).set_index("scenario").T.reset_index()
        frame = frame.rename(columns={"index": "cost"})
        _frame_sheet(wb, "Unit costs", frame)

    per_rep = []
    for (s, c), diff in econ.per_replication.items():
        d = diff.reset_index().rename(columns={"index": "replication"})
        d.insert(0, "comparator", c)
        d.insert(0, "scenario", s)
        per_rep.append(d)
    if per_rep:
        frame = pd.concat(per_rep, ignore_index=True)
        money_cols = [k for k in frame.columns if k not in ("scenario", "comparator",
                                                            "replication", *COMPONENTS[:4])]
        _frame_sheet(wb, "Per replication", frame, dict.fromkeys(money_cols, MONEY_FORMAT))

    if psa is not None:
        _frame_sheet(wb, "Tornado", psa.tornado,
                     {k: MONEY_FORMAT for k in ("net_benefit_base", "net_benefit_low",
                                                "net_benefit_high", "swing")})
        _frame_sheet(wb, "Switching values", psa.switching, {"net_benefit_base": MONEY_FORMAT})
        if psa.settings["draws"] > 0:
            wide = psa.outcomes.merge(psa.draws, on="draw")
            _frame_sheet(wb, "PSA draws", wide)
            _frame_sheet(wb, "CEAC", psa.ceac, {"probability": "0%", "wtp": MONEY_FORMAT})
    path = Path(path)
    for sheet in wb.worksheets:  # the workbook holds no formulas: titles and headers too
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.value = neutralise(str(cell.value))
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
