"""Reading an incident export: every problem names the line and column; nothing slips by.

Small CSVs are written at test time (``tests/support/fit.py``); line 1 is the header, so the
first incident is on line 2.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from sim.common.errors import InputError
from sim.experiments.fit.mapping import read_mapping
from sim.experiments.fit.reader import MAX_LISTED, read_incidents
from tests.support.fit import CANONICAL, small_rows, write_rows


def problems_of(path: Path, **kwargs) -> list:
    with pytest.raises(InputError) as info:
        read_incidents(path, **kwargs)
    return info.value.problems


def one_problem(path: Path, **kwargs):
    found = problems_of(path, **kwargs)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_a_valid_export_is_read_with_only_the_needed_columns(tmp_path: Path) -> None:
    rows = small_rows()
    for r in rows:
        r["notes"] = "caller ZZSECRET said"
    path = write_rows(tmp_path / "x.csv", rows, (*CANONICAL, "notes"))
    got = read_incidents(path)
    assert len(got.frame) == len(rows)
    assert "notes" not in got.frame.columns
    assert not got.frame.astype(str).apply(lambda c: c.str.contains("ZZSECRET")).any().any()
    assert got.frame["line"].tolist() == list(range(2, len(rows) + 2))
    assert got.period_start == dt.date(2024, 1, 1) and got.period_end == dt.date(2024, 1, 10)
    assert got.frame["officer_minutes"].iloc[1] == 77.0
    assert not got.has_car


def test_missing_column_names_the_column_and_line_1(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "x.csv", small_rows(),
                      tuple(c for c in CANONICAL if c != "officer_minutes"))
    p = one_problem(path)
    assert (p.line, p.key) == (1, "officer_minutes")
    assert "required column missing" in p.message and "mapping file" in p.message


def test_a_near_miss_column_name_gets_a_hint(tmp_path: Path) -> None:
    rows = [{**r, "officer_minute": r["officer_minutes"]} for r in small_rows()]
    columns = tuple("officer_minute" if c == "officer_minutes" else c for c in CANONICAL)
    p = one_problem(write_rows(tmp_path / "x.csv", rows, columns))
    assert "did you mean 'officer_minute'" in p.message


def test_header_row_below_a_title_is_detected(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "x.csv", small_rows(),
                      before="Mental health incidents,,,,,\nExported 2024-02-01,,,,,\n")
    p = one_problem(path)
    assert p.line == 1 and "header row is on line 3" in p.message
    assert "header_line: 3" in p.message


def test_header_line_in_a_mapping_file_reads_it(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "x.csv", small_rows(), before="Title\n\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("header_line: 3\n")
    got = read_incidents(path, read_mapping(mapping))
    assert got.frame["line"].iloc[0] == 4


def test_unparseable_timestamp_names_row_and_column(tmp_path: Path) -> None:
    rows = small_rows()
    rows[3]["created_at"] = "31/02/2024 25:00"
    p = one_problem(write_rows(tmp_path / "x.csv", rows))
    assert (p.line, p.key) == (5, "created_at")
    assert "cannot read '31/02/2024 25:00'" in p.message and str(p).startswith(
        f"{tmp_path / 'x.csv'}:5: created_at:")


@pytest.mark.parametrize(("value", "words"), [
    ("2024-01-03", "no time of day"),
    ("1899-12-31 00:00:00", "not a plausible incident date"),
    ("", "empty created_at"),
])
def test_other_bad_timestamps(tmp_path: Path, value: str, words: str) -> None:
    rows = small_rows()
    rows[0]["created_at"] = value
    p = one_problem(write_rows(tmp_path / "x.csv", rows))
    assert (p.line, p.key) == (2, "created_at") and words in p.message


def test_a_time_the_spring_clock_change_skips_is_an_error(tmp_path: Path) -> None:
    rows = small_rows(start=dt.date(2024, 3, 25))
    rows[2]["created_at"] = "2024-03-31 01:30:00"
    p = one_problem(write_rows(tmp_path / "x.csv", rows))
    assert p.line == 4 and "does not exist in Europe/London" in p.message


def test_offsets_are_converted_to_london_wall_clock(tmp_path: Path) -> None:
    rows = small_rows(start=dt.date(2023, 10, 23))
    rows[0]["created_at"] = "2023-10-29T01:30:00+01:00"   # first 01:30 (BST)
    rows[1]["created_at"] = "2023-10-29T01:30:00+00:00"   # second 01:30 (GMT)
    rows[2]["created_at"] = "2023-06-01T12:00:00Z"        # 13:00 BST
    got = read_incidents(write_rows(tmp_path / "x.csv", rows))
    local = got.frame.set_index("line")["local"]
    assert str(local[2]) == str(local[3]) == "2023-10-29 01:30:00"
    assert str(local[4]) == "2023-06-01 13:00:00"


def test_duplicate_id_points_at_the_first(tmp_path: Path) -> None:
    rows = small_rows()
    rows[7]["incident_id"] = rows[2]["incident_id"]
    p = one_problem(write_rows(tmp_path / "x.csv", rows))
    assert (p.line, p.key) == (9, "incident_id") and "first on line 4" in p.message


@pytest.mark.parametrize(("value", "words"), [
    ("-5", "negative"), ("20000", "absurd"), ("abc", "not a number"), ("", "empty")])
def test_bad_officer_minutes(tmp_path: Path, value: str, words: str) -> None:
    rows = small_rows()
    rows[5]["officer_minutes"] = value
    p = one_problem(write_rows(tmp_path / "x.csv", rows))
    assert (p.line, p.key) == (7, "officer_minutes") and words in p.message


def test_officer_minutes_may_be_empty_when_not_deployed(tmp_path: Path) -> None:
    rows = small_rows()
    rows[5].update(deployed="false", officer_minutes="", outcome="")
    got = read_incidents(write_rows(tmp_path / "x.csv", rows))
    assert int(got.frame["included"].sum()) == len(rows) - 1


def test_bad_flag_and_empty_outcome(tmp_path: Path) -> None:
    rows = small_rows()
    rows[1]["deployed"] = "maybe"
    rows[2]["outcome"] = ""
    found = problems_of(write_rows(tmp_path / "x.csv", rows))
    assert [(p.line, p.key) for p in found] == [(3, "deployed"), (4, "outcome")]
    assert "got 'maybe'" in found[0].message


@pytest.mark.parametrize(("content", "words"), [
    (b"", "empty"), (b"  \n\n", "empty"),
    (b"incident_id,created_at,mental_health,deployed,officer_minutes,outcome\n", "no incidents"),
    (b"PK\x03\x04rest of a zip", "workbook"),
    ("incident_id,created_at\n".encode("utf-16"), "UTF-16"),
])
def test_files_that_are_not_an_export(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert words in one_problem(path).message


def test_wrong_encoding_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    rows = small_rows()
    for r in rows:
        r["notes"] = "ok"
    rows[4]["notes"] = "Café"
    path = write_rows(tmp_path / "x.csv", rows, (*CANONICAL, "notes"), encoding="cp1252")
    p = one_problem(path)
    assert p.line == 6 and "0xe9" in p.message and "encoding: cp1252" in p.message
    mapping = tmp_path / "map.yaml"
    mapping.write_text("encoding: cp1252\n")
    assert len(read_incidents(path, read_mapping(mapping)).frame) == len(rows)


def test_skip_bad_rows_skips_and_counts(tmp_path: Path) -> None:
    rows = small_rows()
    rows[1]["created_at"] = "never"
    rows[3]["officer_minutes"] = "-1"
    rows[4]["officer_minutes"] = "-2"
    rows[9]["incident_id"] = rows[8]["incident_id"]
    got = read_incidents(write_rows(tmp_path / "x.csv", rows), skip_bad_rows=True)
    assert got.skipped == {"officer_minutes": 2, "created_at": 1, "incident_id": 1}
    assert len(got.frame) == len(rows) - 4
    assert set(got.frame["line"]).isdisjoint({3, 5, 6, 11})


def test_a_line_break_inside_quotes_keeps_line_numbers_right(tmp_path: Path) -> None:
    rows = small_rows()
    for r in rows:
        r["notes"] = ""
    rows[1]["notes"] = "two\nlines"
    rows[4]["created_at"] = "bad"
    p = one_problem(write_rows(tmp_path / "x.csv", rows, (*CANONICAL, "notes")))
    assert p.line == 7  # the record on lines 3-4 pushes the fifth record to line 7


def test_problems_are_listed_up_to_a_limit(tmp_path: Path) -> None:
    rows = small_rows(days=40, per_day=8)
    for r in rows[:MAX_LISTED + 50]:
        r["officer_minutes"] = "-1"
    found = problems_of(write_rows(tmp_path / "x.csv", rows))
    assert len(found) == MAX_LISTED + 1
    assert "50 more problems" in found[-1].message and "--skip-bad-rows" in found[-1].message


def test_mapping_renames_columns_and_maps_codes(tmp_path: Path) -> None:
    names = {"incident_id": "Ref", "created_at": "Created", "mental_health": "MH",
             "deployed": "Dep", "officer_minutes": "OffTime", "outcome": "Result",
             "car_attended": "Triage"}
    codes = {"s136": "S136", "ae": "A&E", "none": "NFA"}
    rows = []
    for r in small_rows():
        rows.append({names[k]: (codes[v] if k == "outcome" else
                                {"true": "Y", "false": "N"}.get(v, v)) for k, v in r.items()}
                    | {"Triage": "N"})
    for r in rows:
        r["OffTime"] = f"{int(r['OffTime']) / 60:.4f}"
    rows[0]["Triage"] = "Y"
    rows[0]["OffTime"] = "1.5"
    path = write_rows(tmp_path / "x.csv", rows, tuple(names.values()))
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns: {incident_id: Ref, created_at: Created, mental_health: MH, deployed: Dep,\n"
        "          officer_minutes: OffTime, outcome: Result, car_attended: Triage}\n"
        "values:\n"
        "  outcome: {S136: s136, \"A&E\": ae, NFA: none}\n"
        "  mental_health: {Y: true, N: false}\n"
        "  deployed: {Y: true, N: false}\n"
        "  car_attended: {Y: true, N: false}\n"
        "officer_time_unit: hours\n")
    got = read_incidents(path, read_mapping(mapping))
    assert got.has_car and got.frame["car_attended"].tolist()[:2] == [True, False]
    assert got.frame["officer_minutes"].iloc[0] == 90.0
    assert got.frame["outcome"].astype(str).value_counts().to_dict() == {
        "none": 36, "s136": 9, "ae": 9}


def test_timestamp_format_and_period_from_a_mapping(tmp_path: Path) -> None:
    rows = small_rows(days=20)
    for r in rows:
        r["created_at"] = dt.datetime.strptime(r["created_at"], "%Y-%m-%d %H:%M:%S").strftime(
            "%d/%m/%Y %H:%M")
    mapping = tmp_path / "map.yaml"
    mapping.write_text('timestamp_format: "%d/%m/%Y %H:%M"\n'
                       'period: {start: 2024-01-03, end: 2024-01-15}\n')
    got = read_incidents(write_rows(tmp_path / "x.csv", rows), read_mapping(mapping))
    assert got.period_start == dt.date(2024, 1, 3) and got.period_end == dt.date(2024, 1, 15)
    assert got.outside_period == 8 * 6
    assert np.all(got.frame["local"] >= np.datetime64("2024-01-03"))


def test_bad_mapping_file_names_line_and_key(tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  incident_id: Ref\n  officer_time: Mins\n"
                       "values:\n  outcome: {X: arrest}\ntimezone: Mars/Olympus\n")
    with pytest.raises(InputError) as info:
        read_mapping(mapping)
    got = {(p.line, p.key) for p in info.value.problems}
    assert got == {(3, "columns.officer_time"), (5, "values.outcome.X"), (6, "timezone")}


def test_other_outcome_codes_count_as_none_and_are_counted(tmp_path: Path) -> None:
    rows = small_rows()
    rows[0]["outcome"] = "arrest"
    rows[1]["outcome"] = "S136"   # known codes are read whatever their case
    got = read_incidents(write_rows(tmp_path / "x.csv", rows))
    assert got.other_outcome_codes == 1
    assert got.frame["outcome"].astype(str).tolist()[:2] == ["none", "s136"]


def test_an_export_shorter_than_a_week_is_refused(tmp_path: Path) -> None:
    assert "at least a whole week" in one_problem(
        write_rows(tmp_path / "x.csv", small_rows(days=5))).message
