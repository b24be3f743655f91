"""The columns of an incident export, and the mapping file that renames them.

Canonical columns (``../shared/DESIGN.md`` section 11; ``docs/fit.md``):

``incident_id``
    Unique per row.
``created_at``
    When the incident was created, local time (``Europe/London`` unless the mapping file
    says ``timezone:``), ISO 8601 with or without a UTC offset (``2024-03-31 14:05``,
    ``2024-03-31T14:05:00+01:00``), or in the mapping file's ``timestamp_format``.
``mental_health``, ``deployed``
    true/false (also yes/no, y/n, 1/0, t/f). Only rows with both true are demand.
``officer_minutes``
    Police officer time on the incident, in minutes (all officers together).
``outcome``
    ``s136`` (a Section 136 detention), ``ae`` (taken to A&E), ``none``; any other code
    counts as neither.
``car_attended`` (optional)
    Whether a street-triage car attended.

Other columns (``grade``, ``area``, free text) are never read.

A mapping file (YAML, read with :func:`sim.common.yamlio.read_yaml`) says which column of
the export holds each canonical column and how its codes map::

    columns: {incident_id: IncidentNo, created_at: Created, ...}
    values:
      outcome: {"S136": s136, "A&E": ae, "NFA": none}
      mental_health: {"Y": true, "N": false}
    timestamp_format: "%d/%m/%Y %H:%M"   # optional; default ISO 8601
    timezone: Europe/London              # optional
    officer_time_unit: minutes           # or hours
    encoding: utf-8                      # or cp1252, utf-16 ...
    header_line: 1                       # the line of the header row
    max_officer_minutes: 10080           # longer is an error ("absurd")
    period: {start: "2023-01-04", end: "2024-07-01"}   # optional; default: the data's days
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from sim.common.errors import InputError, Problem, format_key
from sim.common.yamlio import read_yaml

REQUIRED: tuple[str, ...] = ("incident_id", "created_at", "mental_health", "deployed",
                             "officer_minutes", "outcome")
"""Columns every export needs."""

OPTIONAL: tuple[str, ...] = ("car_attended",)
"""Columns read when present."""

BOOLEAN: tuple[str, ...] = ("mental_health", "deployed", "car_attended")

OUTCOMES: tuple[str, ...] = ("s136", "ae", "none")
"""Outcome codes the model distinguishes; any other code counts as ``none``."""

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_MAX_OFFICER_MINUTES = 7 * 24 * 60.0
"""A week of officer time: anything longer on one incident is treated as a data error."""

_TOP_KEYS = ("columns", "values", "timestamp_format", "timezone", "officer_time_unit",
             "encoding", "header_line", "max_officer_minutes", "period")


@dataclass(frozen=True)
class Mapping:
    """How to read one export: column names, value codes and reading options."""

    columns: dict[str, str] = field(default_factory=dict)
    """Canonical name -> the export's column name (identity when absent)."""
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Canonical name -> {export code: canonical value}."""
    timestamp_format: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    officer_time_unit: str = "minutes"
    encoding: str = "utf-8-sig"
    header_line: int = 1
    max_officer_minutes: float = DEFAULT_MAX_OFFICER_MINUTES
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    source: str | None = None
    """The mapping file, when there is one."""

    def source_name(self, canonical: str) -> str:
        """The export's name of a canonical column."""
        return self.columns.get(canonical, canonical)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _problem(file: str, positions: dict, path: tuple, message: str) -> Problem:
    where = path
    while where and where not in positions:
        where = where[:-1]
    line = positions.get(where, (file, None))[1]
    return Problem(file, line, format_key(path), message)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _raw_keys(path: Path, where: tuple[str, ...]) -> dict[str, str]:
    """Keys of the map at ``where`` as written (YAML 1.1 reads a bare ``Y`` or ``no`` key
    as a bool; a code is the text the export holds): read key -> written text."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return {}
    for part in where:
        if not isinstance(node, yaml.MappingNode):
            return {}
        node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
    if not isinstance(node, yaml.MappingNode):
        return {}
    constructor = yaml.SafeLoader("")
    out = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            out[str(constructor.construct_object(key_node))] = key_node.value
    return out


def read_mapping(path: str | Path | None) -> Mapping:
    """The mapping in ``path`` (the canonical columns when ``None``).

    Raises
    ------
    InputError
        With every problem of the file, each at its line and key.
    """
    if path is None:
        return Mapping()
    path = Path(path)
    file = str(path)
    data, positions, problems = read_yaml(path, "a mapping file")
    if data is None:
        raise InputError(problems)
    kwargs: dict[str, Any] = {"source": file}
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(_problem(file, positions, (key,),
                                     f"unknown key; allowed: {', '.join(_TOP_KEYS)}"))
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        problems.append(_problem(file, positions, ("columns",),
                                 "must be a map: canonical name -> your column's name"))
        columns = {}
    for canonical, name in columns.items():
        if canonical not in REQUIRED + OPTIONAL:
            problems.append(_problem(file, positions, ("columns", canonical),
                                     f"not a column the fit reads; columns are: "
                                     f"{', '.join(REQUIRED + OPTIONAL)}"))
        elif not isinstance(name, str) or not name.strip():
            problems.append(_problem(file, positions, ("columns", canonical),
                                     "must be the name of a column of the export (text)"))
    kwargs["columns"] = {k: str(v).strip() for k, v in columns.items()
                         if k in REQUIRED + OPTIONAL and isinstance(v, str)}
    values = data.get("values", {})
    if not isinstance(values, dict):
        problems.append(_problem(file, positions, ("values",),
                                 "must be a map: column -> {your code: canonical value}"))
        values = {}
    clean_values: dict[str, dict[str, Any]] = {}
    for canonical, codes in values.items():
        where = ("values", canonical)
        if canonical not in ("outcome", *BOOLEAN):
            problems.append(_problem(file, positions, where, "codes can be mapped for "
                                     "outcome, mental_health, deployed and car_attended"))
            continue
        if not isinstance(codes, dict):
            problems.append(_problem(file, positions, where, "must be a map of codes"))
            continue
        for code, target in codes.items():
            ok = (target in OUTCOMES if canonical == "outcome" else isinstance(target, bool))
            if not ok:
                want = (", ".join(OUTCOMES) if canonical == "outcome" else "true or false")
                problems.append(_problem(file, positions, (*where, code),
                                         f"maps to {target!r}; must be one of: {want}"))
        raw = _raw_keys(path, ("values", canonical))
        clean_values[canonical] = {raw.get(str(k), str(k)).strip(): v for k, v in codes.items()}
    kwargs["values"] = clean_values
    for key in ("timestamp_format", "timezone", "officer_time_unit", "encoding"):
        if key in data:
            if not isinstance(data[key], str) or not data[key]:
                problems.append(_problem(file, positions, (key,), "must be text"))
            else:
                kwargs[key] = data[key]
    if "timezone" in kwargs:
        try:
            ZoneInfo(kwargs["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(_problem(file, positions, ("timezone",),
                                     f"unknown time zone {kwargs['timezone']!r}; use an IANA "
                                     "name such as Europe/London"))
    if kwargs.get("officer_time_unit", "minutes") not in ("minutes", "hours"):
        problems.append(_problem(file, positions, ("officer_time_unit",),
                                 "must be minutes or hours"))
    if "encoding" in kwargs:
        try:
            "".encode(kwargs["encoding"])
        except LookupError:
            problems.append(_problem(file, positions, ("encoding",),
                                     f"unknown encoding {kwargs['encoding']!r}"))
    if "header_line" in data:
        line = data["header_line"]
        if isinstance(line, bool) or not isinstance(line, int) or line < 1:
            problems.append(_problem(file, positions, ("header_line",),
                                     "must be a whole number, 1 or more"))
        else:
            kwargs["header_line"] = line
    if "max_officer_minutes" in data:
        most = data["max_officer_minutes"]
        if isinstance(most, bool) or not isinstance(most, int | float) or most <= 0:
            problems.append(_problem(file, positions, ("max_officer_minutes",),
                                     "must be a number above 0"))
        else:
            kwargs["max_officer_minutes"] = float(most)
    if "period" in data:
        period = data["period"]
        if not isinstance(period, dict) or set(period) - {"start", "end"}:
            problems.append(_problem(file, positions, ("period",),
                                     "must be a map with start and/or end dates"))
        else:
            for end in ("start", "end"):
                if end in period:
                    try:
                        kwargs[f"period_{end}"] = _date(period[end])
                    except ValueError:
                        problems.append(_problem(file, positions, ("period", end),
                                                 "must be a date, YYYY-MM-DD"))
            start, stop = kwargs.get("period_start"), kwargs.get("period_end")
            if start and stop and stop <= start:
                problems.append(_problem(file, positions, ("period", "end"),
                                         "must be after period.start"))
    if problems:
        raise InputError(problems)
    return Mapping(**kwargs)
