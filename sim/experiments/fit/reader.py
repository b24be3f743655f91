"""Reading and checking an incident export (``docs/fit.md``, "The export").

Everything is checked before anything is fitted or written: the file as a whole (empty,
wrong encoding, a workbook rather than CSV, the header row not where it should be, a
required column missing) and every row (an unreadable or impossible time, a duplicate id,
a flag that is not true/false, a negative, missing or absurd officer time, a missing
outcome). Each problem names the file, the CSV line and the column. With
``skip_bad_rows`` the bad rows are dropped and counted instead (problems with the file as
a whole still stop the fit).

Only the columns the fit needs are kept (:data:`sim.experiments.fit.mapping.REQUIRED`,
``car_attended``); free-text and every other column are dropped by the CSV parser, so
they never reach a table, a plot or a file the tool writes.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.common.errors import InputError, Problem
from sim.experiments.fit.mapping import BOOLEAN, OPTIONAL, OUTCOMES, REQUIRED, Mapping

MAX_LISTED = 200
"""Row problems listed one by one; the rest are counted in one line."""

HEADER_SEARCH_LINES = 50
"""Lines searched for a header row that is not where it should be."""

EARLIEST_YEAR = 1990
LATEST_YEAR = 2100

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_OFFSET = r"(?:Z|z|[+-]\d{2}(?::?\d{2})?)$"


@dataclass(frozen=True)
class Incidents:
    """A checked export: one row per incident kept, with what the fit needs.

    ``frame`` columns: ``line`` (the CSV line), ``local`` (wall-clock time in the
    export's time zone, no zone attached), ``included`` (mental health and deployed: the
    demand), ``officer_minutes`` (NaN where not included), ``outcome`` (``s136``, ``ae`` or
    ``none``), ``car_attended`` (False when the export has no such column).
    """

    file: str
    mapping: Mapping
    frame: pd.DataFrame
    has_car: bool
    period_start: dt.date
    period_end: dt.date
    rows_read: int
    skipped: dict[str, int] = field(default_factory=dict)
    """Bad rows skipped (``skip_bad_rows``), by the column of their first problem."""
    outside_period: int = 0
    other_outcome_codes: int = 0
    """Included incidents whose outcome code was not s136, ae or none (counted as none)."""

    @property
    def n_skipped(self) -> int:
        return int(sum(self.skipped.values()))


# ------------------------------------------------------------------ the file as a whole


def _decode(path: Path, mapping: Mapping) -> str:
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(file, None, "", f"cannot read file: "
                                                  f"{exc.strerror or exc}")]) from None
    if not raw.strip():
        raise InputError([Problem(file, None, "", "the file is empty: no header row and no "
                                                  "incidents")])
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError([Problem(file, None, "", "this is a spreadsheet workbook (.xlsx or "
                                  ".xls), not CSV: open it and save it as 'CSV UTF-8'")])
    default = mapping.encoding.lower().replace("_", "-") in ("utf-8-sig", "utf-8", "utf8")
    if default and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError([Problem(file, 1, "", "the file is UTF-16 text (a spreadsheet's "
                                  "'Unicode text'), not UTF-8: save it as 'CSV UTF-8', or set "
                                  "encoding: utf-16 in a mapping file")])
    try:
        return raw.decode(mapping.encoding)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        byte = raw[exc.start]
        hint = ("save it as 'CSV UTF-8', or set encoding: cp1252 in a mapping file "
                "(Excel's plain 'CSV' on Windows)") if default else "check encoding:"
        raise InputError([Problem(file, line, "", f"not {mapping.encoding} text: byte "
                                  f"0x{byte:02x} cannot be read; {hint}")]) from None


def _first_rows(text: str, n: int) -> list[list[str]]:
    stream = io.StringIO(text)
    head = "".join(stream.readline() for _ in range(n))
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(head))]


def _check_header(file: str, text: str, mapping: Mapping) -> list[str]:
    """The export's names of the columns to read; problems if the header is wrong."""
    rows = _first_rows(text, max(HEADER_SEARCH_LINES, mapping.header_line + 1))
    at = mapping.header_line
    if len(rows) < at:
        raise InputError([Problem(file, None, "", f"the file has fewer than {at} lines: no "
                                                  "header row")])
    header = rows[at - 1]
    need = [mapping.source_name(c) for c in REQUIRED]
    missing = [name for name in need if name not in header]
    if missing:
        for k, row in enumerate(rows, start=1):
            if k != at and all(name in row for name in need):
                raise InputError([Problem(file, at, "", f"the header row is on line {k}, not "
                                          f"line {at}: the lines above it look like a title "
                                          f"(a spreadsheet saved as CSV?); delete them, or "
                                          f"set header_line: {k} in a mapping file")])
        shown = ", ".join(h for h in header if h) or "(nothing)"
        problems = []
        for name in missing:
            close = difflib.get_close_matches(name, header, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            problems.append(Problem(file, at, name, f"required column missing{hint} (line {at} "
                                    f"has: {shown}; a mapping file can name your columns, "
                                    f"see docs/fit.md)"))
        raise InputError(problems)
    optional = [mapping.source_name(c) for c in OPTIONAL if mapping.source_name(c) in header]
    return need + optional


def _read_table(file: str, text: str, mapping: Mapping, names: Sequence[str]) -> pd.DataFrame:
    try:
        table = pd.read_csv(io.StringIO(text), skiprows=mapping.header_line - 1, header=0,
                            usecols=list(names), dtype=str, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, skipinitialspace=True)
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise InputError([Problem(file, line, "", f"not readable as CSV: {exc}")]) from None
    except pd.errors.EmptyDataError:
        raise InputError([Problem(file, None, "", "the file is empty")]) from None
    return table


def _record_lines(text: str, header_line: int, n: int) -> np.ndarray:
    """The CSV line on which each of ``n`` records starts (quoted line breaks counted)."""
    if '"' not in text:
        return np.arange(header_line + 1, header_line + 1 + n)
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO("".join(lines[header_line - 1:])))
    starts, last = [], 0
    for _ in reader:
        starts.append(header_line + last)
        last = reader.line_num
    starts = starts[1:]  # the header
    out = np.asarray(starts[:n], dtype=np.int64)
    if out.size < n:  # blank lines are not records to the csv module: pad (rare)
        out = np.concatenate([out, np.arange(n - out.size) + (out[-1] + 1 if out.size else
                                                               header_line + 1)])
    return out


# --------------------------------------------------------------------------- the rows


@dataclass
class _RowProblems:
    """Row problems found column by column: record index -> first (column, message)."""

    bad: np.ndarray
    found: list[tuple[np.ndarray, str, list[str]]] = field(default_factory=list)

    def add(self, mask: np.ndarray, column: str,
            messages: str | Callable[[np.ndarray], list[str]]) -> None:
        """Flag the rows of ``mask``; ``messages`` is one message or makes one per flagged
        row from their indices (only called when there are some)."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        msgs = [messages] * idx.size if isinstance(messages, str) else list(messages(idx))
        self.found.append((idx, column, msgs))
        self.bad[idx] = True


def _short(value: str, limit: int = 30) -> str:
    return value if len(value) <= limit else value[:limit - 3] + "..."


def _quoting(text: pd.Series, template: str) -> Callable[[np.ndarray], list[str]]:
    """Messages quoting each flagged row's value: ``template`` with ``{v}`` in it."""
    return lambda idx: [template.format(v=_short(str(v))) for v in text.iloc[idx]]


def _booleans(values: pd.Series, codes: dict, column: str, problems: _RowProblems,
              check: np.ndarray) -> np.ndarray:
    text = values.str.strip()
    lower = text.str.lower()
    yes = lower.isin(_TRUE).to_numpy()
    no = lower.isin(_FALSE).to_numpy()
    if codes:
        mapped = text.map({k: 1.0 if v else 0.0 for k, v in codes.items()}).to_numpy(
            dtype=float, na_value=np.nan)
        coded = ~np.isnan(mapped)
        coded_true = mapped == 1.0
        yes = np.where(coded, coded_true, yes)
        no = np.where(coded, ~coded_true, no)
    bad = check & ~yes & ~no
    empty = (text == "").to_numpy()
    problems.add(bad & empty, column, f"empty {column}; expected true or false")
    problems.add(bad & ~empty, column, _quoting(text, "expected true or false (or yes/no, "
                                                      "y/n, 1/0), got '{v}'; map codes in a "
                                                      "mapping file"))
    return yes


def _times(values: pd.Series, mapping: Mapping, check: np.ndarray,
           problems: _RowProblems) -> pd.Series:
    text = values.str.strip()
    zone = mapping.zone
    if mapping.timestamp_format:
        parsed = pd.to_datetime(text, format=mapping.timestamp_format, errors="coerce")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_convert(zone).dt.tz_localize(None)
        local = parsed
        expected = f"expected the mapping's timestamp_format {mapping.timestamp_format!r}"
    else:
        has_offset = text.str.contains(_OFFSET, regex=True).to_numpy()
        local = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        naive = ~has_offset
        if naive.any():
            local[naive] = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        if has_offset.any():
            aware = pd.to_datetime(text[has_offset], format="ISO8601", errors="coerce",
                                   utc=True)
            local[has_offset] = aware.dt.tz_convert(zone).dt.tz_localize(None)
        expected = ("expected ISO 8601 such as 2024-03-31 14:05 (or set timestamp_format in "
                    "a mapping file)")
        date_only = check & (text.str.len() <= 10).to_numpy() & local.notna().to_numpy()
        problems.add(date_only, "created_at", "has a date but no time of day; the fit needs "
                                              "the hour")
        local[date_only] = pd.NaT
    unread = check & local.isna().to_numpy() & ~problems.bad
    empty = (text == "").to_numpy()
    problems.add(unread & empty, "created_at", "empty created_at")
    problems.add(unread & ~empty, "created_at",
                 _quoting(text, "cannot read '{v}' as a date and time; " + expected))
    ok = check & local.notna().to_numpy()
    years = local.dt.year.to_numpy()
    implausible = ok & ((years < EARLIEST_YEAR) | (years > LATEST_YEAR))
    problems.add(implausible, "created_at",
                 _quoting(text, f"'{{v}}' is not a plausible incident date (before "
                                f"{EARLIEST_YEAR} or after {LATEST_YEAR})"))
    ok &= ~implausible
    if ok.any():
        flags = np.ones(int(ok.sum()), dtype=bool)
        placed = local[ok].dt.tz_localize(zone, ambiguous=flags, nonexistent="NaT")
        gap = np.zeros(ok.size, dtype=bool)
        gap[np.flatnonzero(ok)[placed.isna().to_numpy()]] = True
        problems.add(gap, "created_at",
                     _quoting(text, f"'{{v}}' does not exist in {mapping.timezone}: the "
                                    "clocks went forward over it (a time in UTC labelled "
                                    "local?)"))
    return local


def _numbers(values: pd.Series, mapping: Mapping, check: np.ndarray,
             problems: _RowProblems) -> np.ndarray:
    text = values.str.strip()
    number = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    if mapping.officer_time_unit == "hours":
        number = number * 60.0
    empty = check & (text == "").to_numpy()
    problems.add(empty, "officer_minutes", "empty officer_minutes; every deployed "
                                           "mental-health incident needs its officer time")
    unread = check & ~empty & ~np.isfinite(number)
    problems.add(unread, "officer_minutes", _quoting(text, "'{v}' is not a number"))
    fine = check & np.isfinite(number)
    problems.add(fine & (number < 0), "officer_minutes",
                 _quoting(text, "'{v}' is negative; officer time cannot be"))
    most = mapping.max_officer_minutes
    unit = mapping.officer_time_unit
    limit = most if unit == "minutes" else most / 60
    problems.add(fine & (number > most), "officer_minutes",
                 _quoting(text, f"'{{v}}' is absurd: more than {limit:,.0f} officer {unit} on "
                                "one incident (max_officer_minutes in a mapping file changes "
                                "the limit)"))
    return np.where(check, number, np.nan)


def _outcomes(values: pd.Series, codes: dict, check: np.ndarray,
              problems: _RowProblems) -> tuple[np.ndarray, np.ndarray]:
    text = values.str.strip()
    mapped = text.map(codes) if codes else pd.Series(np.nan, index=text.index, dtype=object)
    lower = text.str.lower()
    known = lower.where(lower.isin(OUTCOMES))
    code = mapped.where(mapped.notna(), known)
    empty = check & (text == "").to_numpy()
    problems.add(empty, "outcome", "empty outcome; expected s136, ae or none (or a code the "
                                   "mapping file maps)")
    other = check & ~empty & code.isna().to_numpy()
    return code.fillna("none").to_numpy(dtype=object), other


def _problems_list(file: str, problems: _RowProblems, lines: np.ndarray,
                   columns: dict[str, str]) -> list[Problem]:
    entries = []
    for idx, column, msgs in problems.found:
        entries.extend(zip(idx.tolist(), [column] * idx.size, msgs, strict=True))
    entries.sort(key=lambda e: e[0])
    out = [Problem(file, int(lines[i]), columns.get(col, col), msg)
           for i, col, msg in entries[:MAX_LISTED]]
    rest = len(entries) - MAX_LISTED
    if rest > 0:
        rows = int(problems.bad.sum())
        out.append(Problem(file, None, "", f"... and {rest:,} more problems ({rows:,} bad rows "
                                           "in all); --skip-bad-rows skips and counts them"))
    return out


def read_incidents(path: str | Path, mapping: Mapping | None = None, *,
                   skip_bad_rows: bool = False) -> Incidents:
    """Read and check an incident export.

    Raises
    ------
    InputError
        Every problem found (each with the file, CSV line and column), when the file as a
        whole is wrong, or a row is and ``skip_bad_rows`` is false.
    """
    mapping = mapping or Mapping()
    path = Path(path)
    file = str(path)
    text = _decode(path, mapping)
    names = _check_header(file, text, mapping)
    table = _read_table(file, text, mapping, names)
    canonical = {mapping.source_name(c): c for c in REQUIRED + OPTIONAL}
    table = table.rename(columns=canonical)
    shown = {c: mapping.source_name(c) for c in REQUIRED + OPTIONAL}
    blank = (table[list(REQUIRED)].apply(lambda s: s.str.strip() == "")).all(axis=1).to_numpy()
    if (~blank).sum() == 0:
        raise InputError([Problem(file, None, "", "no incidents: the file has a header row "
                                                  "and nothing else")])
    n = len(table)
    problems = _RowProblems(bad=np.zeros(n, dtype=bool))
    rows = ~blank

    ids = table["incident_id"].str.strip()
    problems.add(rows & (ids == "").to_numpy(), "incident_id", "empty incident_id")
    local = _times(table["created_at"], mapping, rows, problems)
    flags = {}
    for column in BOOLEAN:
        if column in table:
            check = rows.copy()
            if column == "car_attended":
                check &= flags["mental_health"] & flags["deployed"]
            flags[column] = _booleans(table[column], mapping.values.get(column, {}), column,
                                      problems, check)
    included = rows & flags["mental_health"] & flags["deployed"]
    minutes = _numbers(table["officer_minutes"], mapping, included, problems)
    outcome, other = _outcomes(table["outcome"], mapping.values.get("outcome", {}), included,
                               problems)
    filled = rows & (ids != "").to_numpy()
    dup = filled & ids.duplicated(keep="first").to_numpy()
    lines = None
    if dup.any() or problems.bad[rows].any():
        lines = _record_lines(text, mapping.header_line, n)
    if dup.any():
        first = ids[filled].drop_duplicates(keep="first")
        first_line = pd.Series(lines[first.index.to_numpy()], index=first.to_numpy())
        firsts = first_line.loc[ids[dup].to_numpy()].to_numpy()
        problems.add(dup, "incident_id",
                     lambda idx: [f"duplicate incident_id (first on line {int(v)})"
                                  for v in firsts])

    bad = problems.bad & rows
    skipped: dict[str, int] = {}
    if bad.any():
        if not skip_bad_rows:
            raise InputError(_problems_list(file, problems, lines, shown))
        first_column = np.full(n, "", dtype=object)
        for idx, column, _ in reversed(problems.found):
            first_column[idx] = column
        counts = pd.Series(first_column[bad]).value_counts()
        skipped = {str(k): int(v) for k, v in counts.items()}
    keep = rows & ~bad
    frame = pd.DataFrame({
        "line": (lines if lines is not None else
                 np.arange(mapping.header_line + 1, mapping.header_line + 1 + n))[keep],
        "local": local.to_numpy()[keep],
        "included": included[keep],
        "officer_minutes": minutes[keep],
        "outcome": pd.Categorical(outcome[keep], categories=list(OUTCOMES)),
        "car_attended": (flags["car_attended"][keep] if "car_attended" in flags
                         else np.zeros(int(keep.sum()), dtype=bool)),
    })
    if frame.empty:
        raise InputError([Problem(file, None, "", "no incidents left after skipping bad rows")])
    start = mapping.period_start or frame["local"].min().date()
    end = mapping.period_end or (frame["local"].max().date() + dt.timedelta(days=1))
    inside = ((frame["local"] >= pd.Timestamp(start)) & (frame["local"] < pd.Timestamp(end)))
    outside = int((~inside).sum())
    frame = frame[inside.to_numpy()].reset_index(drop=True)
    if not frame["included"].any():
        raise InputError([Problem(file, None, "", "no deployed mental-health incidents "
                                  "(mental_health and deployed both true) in the period")])
    if (end - start).days < 7:
        raise InputError([Problem(file, None, "", f"the export covers {(end - start).days} "
                                  "days; the fit needs at least a whole week, so that every "
                                  "hour of the week is observed")])
    return Incidents(file=file, mapping=mapping, frame=frame, has_car="car_attended" in flags,
                     period_start=start, period_end=end, rows_read=int(rows.sum()),
                     skipped=skipped, outside_period=outside,
                     other_outcome_codes=int(other[keep][inside.to_numpy()].sum()))
