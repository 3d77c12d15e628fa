"""The bulk importer keeps the row-by-row rules: DuckDB's CSV reader reads a file exactly as Python's
csv module does, timestamps parsed in SQL equal ``responses.parse_when``, and an imported response is
recognised again whatever time a second import reads for it."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core import duck
from nineplus.core.db import new_session
from nineplus.feedback.models import Response
from nineplus.imports import responses, staging, storing
from nineplus.imports.sources import open_source
from tests.imports.conftest import FIXTURES, Target


def plan_for(
    db: Session, target: Target, path: Path, mapping: dict[str, str] | None = None
) -> responses.Plan:
    source = open_source(path)
    suggested = responses.suggest(source, list(target.questions.values()), target.moments)
    return responses.plan(db, target.survey.id, source, {**suggested, **(mapping or {})}, "Europe/Amsterdam")


def raw_rows(
    db: Session, target: Target, path: Path, *, natively: bool
) -> tuple[bool, list[tuple[object, ...]]]:
    """The ``raw`` table the check builds, read by DuckDB's reader or (``natively=False``) by Python's."""
    plan = plan_for(db, target, path)
    original = staging._read_natively
    used: list[bool] = []

    def spy(con, plan, source):  # type: ignore[no-untyped-def]
        result = original(con, plan, source) if natively else None
        used.append(result is not None)
        return result

    staging._read_natively = spy  # type: ignore[assignment]
    try:
        staging.check(plan, open_source(path))
        assert plan.staged is not None
        rows = plan.staged.con.execute("SELECT * FROM raw ORDER BY line").fetchall()
    finally:
        staging._read_natively = original  # type: ignore[assignment]
        staging.discard(plan)
    return used[0], rows


TRICKY = (
    "respondent;datum;nps;kanaal;waarom\n"
    'A-1;2026-01-05 10:00;9;telefoon;"Prima, echt"\n'
    '  A-2 ;2026-01-05 11:00; 8\u00a0;website;"Twee\nregels, met ""quotes"""\n'
    ";;;;\n"  # blank: delimiters only
    "A-3;2026-01-06;7;kantoor\n"  # a cell short
    "A-4;2026-01-06;6;kantoor;Goed;;\n"  # trailing empty cells
    "A-5;2026-01-06;5;kantoor;Goed;extra;\n"  # a surplus cell
    ";2026-01-07;4;;zonder id\n"
    ";2026-01-07;4;;zonder id\n"  # the same row again: the second of its kind
    "A-6;2026-01-08;10;kantoor;\tcontrol\x07 chars\t\n"
)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param((FIXTURES / "qualtrics_export.csv").read_bytes(), id="qualtrics"),
        pytest.param((FIXTURES / "limesurvey_export.csv").read_bytes(), id="limesurvey"),
        pytest.param(TRICKY.encode(), id="tricky"),
        pytest.param(b"\xef\xbb\xbf" + TRICKY.replace("\n", "\r\n").encode(), id="bom-crlf"),
    ],
)
def test_duckdb_reads_a_file_as_python_does(
    db: Session, target: Target, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    native, by_duckdb = raw_rows(db, target, path, natively=True)
    assert native, "DuckDB's reader should take this file"
    python, by_python = raw_rows(db, target, path, natively=False)
    assert not python
    assert by_duckdb == by_python
    assert len(by_python) > 2


def test_a_file_with_a_blank_line_is_left_to_python(db: Session, target: Target, tmp_path: Path) -> None:
    path = tmp_path / "gap.csv"
    path.write_text("respondent;nps\nA-1;9\n\nA-2;8\n", encoding="utf-8")
    native, rows = raw_rows(db, target, path, natively=True)
    assert not native  # DuckDB would skip the empty line and number the rows after it one lower
    assert [row[0] for row in rows] == [2, 4]


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/Denver", "Asia/Kolkata"])
def test_timestamps_parsed_in_sql_equal_the_python_rule(zone: str) -> None:
    values = [
        "2026-03-29 01:59:59", "2026-03-29 02:30", "2026-03-29 03:00",  # the clock goes forward here
        "2026-10-25 02:30:00", "2026-10-25T01:15", "2026-10-25",  # and back here
        "2026-03-08 02:30", "2026-11-01 01:30",  # America's changes
        "2026-06-15", "2026-06-15 12:00", "2026-06-15T23:59:59", "2026-02-30 10:00", "1980-01-01",
        "15-06-2026 08:00", "2026-06-15T12:00:00+02:00", "2026-06-15 12:00:00Z", "morgen",
    ]  # fmt: skip
    con = duck.connect()
    con.execute("CREATE TABLE raw (c0 VARCHAR)")
    con.executemany("INSERT INTO raw VALUES (?)", [[v] for v in values])
    staging._timestamps(con, 0, ZoneInfo(zone))
    by_sql = dict(con.execute("SELECT v, utc FROM when_0").fetchall())
    for value in values:
        expected = responses.parse_when(value, ZoneInfo(zone))
        wanted = expected.replace(tzinfo=None) if expected is not None else None
        assert by_sql[value] == wanted, value


def test_ids_ascend_with_time_and_a_second_import_knows_them_by_their_key(
    db: Session, target: Target
) -> None:
    path = FIXTURES / "qualtrics_export.csv"
    plan = plan_for(db, target, path)
    db.commit()
    assert storing.write(plan, open_source(path), lambda: new_session(write=True)).stored == 3
    db.commit()
    stored = db.scalars(
        select(Response).where(Response.survey_id == target.survey.id).order_by(Response.id)
    ).all()
    assert [r.submitted_at for r in stored] == sorted(r.submitted_at for r in stored)
    assert all(r.client_id.startswith("imp-" + r.submitted_at.strftime("%Y%m%d%H%M%S") + "-") for r in stored)
    # Another date column read as the submit time gives other prefixes, and still nothing is doubled.
    other = plan_for(db, target, path, {"EndDate": "", "StartDate": "submitted_at"})
    db.commit()
    again = storing.write(other, open_source(path), lambda: new_session(write=True))
    assert (again.stored, again.existing) == (0, 3)


ODD_FILES = {  # each read the same by both readers, or left to Python (found by a review)
    "unterminated quote mid-file": b'respondent;nps;waarom\nA-1;9;"open\nA-2;8;z\nA-3;7;w\n',
    "unterminated quote at the end": b'respondent;nps;waarom\nA-1;9;z\nA-2;8;"open\n',
    "white space only line": b"respondent;nps;waarom\nA-1;9;z\n\t \nA-2;8;z\n",
    "spaces and delimiters line": b"respondent;nps;waarom\nA-1;9;z\n ; ; \nA-2;8;z\n",
    "quote after text": b'respondent;nps;waarom\nA-1;9;"ab"cd\nA-2;8;z\n',
    "quote inside unquoted text": b'respondent;nps;waarom\nA-1;9;a"b\nA-2;8;z\n',
    "space before a quote": b'respondent;nps;waarom\nA-1;9; "a;b"\nA-2;8;z\n',
    "carriage returns only": b"respondent;nps;waarom\rA-1;9;x\rA-2;8;y\r",
    "blank line inside quotes": b'respondent;nps;waarom\r\nA-1;9;"a\r\n\r\nb"\r\nA-2;8;z\r\n',
    "no final newline": b"respondent;nps;waarom\nA-1;9;z\nA-2;8;",
}


@pytest.mark.parametrize("content", [pytest.param(v, id=k) for k, v in ODD_FILES.items()])
def test_odd_files_are_read_as_python_reads_them(
    db: Session, target: Target, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    _native, by_duckdb = raw_rows(db, target, path, natively=True)
    _python, by_python = raw_rows(db, target, path, natively=False)
    assert by_duckdb == by_python


def test_a_file_name_is_not_taken_for_a_pattern(db: Session, target: Target, tmp_path: Path) -> None:
    (tmp_path / "x1.csv").write_text("respondent;nps\nOTHER-1;3\nOTHER-2;4\n", encoding="utf-8")
    path = tmp_path / "x[12].csv"
    path.write_text("respondent;nps\nA-1;9\n", encoding="utf-8")
    _native, rows = raw_rows(db, target, path, natively=True)
    assert len(rows) == 1
    assert "A-1" in rows[0]


@pytest.mark.parametrize("value", ["0000-01-01 10:00", "0001-01-01", "9999-12-31 23:00"])
def test_an_impossible_year_is_a_row_error(db: Session, target: Target, tmp_path: Path, value: str) -> None:
    path = tmp_path / "years.csv"
    path.write_text(f"respondent;datum;nps\nA-1;{value};9\nA-2;2026-01-01;8\n", encoding="utf-8")
    plan = plan_for(db, target, path)
    try:
        report = staging.check(plan, open_source(path))
    finally:
        staging.discard(plan)
    assert (report.valid, report.invalid) == (1, 1)
    assert [(e.row, e.column) for e in report.errors] == [(2, "datum")]


def test_a_nul_in_a_column_name_is_reported_not_a_crash(db: Session, target: Target, tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"respondent;nps;waarom\x00x\nA-1;9;z\nA-2;11;z\n")
    plan = plan_for(db, target, path, {"waarom\x00x": f"q:{target.questions['waarom'].id}"})
    try:
        report = staging.check(plan, open_source(path))
    finally:
        staging.discard(plan)
    assert (report.valid, report.invalid) == (1, 1)


def test_a_failing_chunk_ends_the_import_without_hanging(
    db: Session, target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite a producer thread hands the chunks over; on PostgreSQL the loader holds a temporary table
    # and the import lock: either way a failing chunk must end the import and give everything back.
    path = tmp_path / "four.csv"
    path.write_text("respondent;nps\n" + "".join(f"A-{i};9\n" for i in range(4)), encoding="utf-8")
    plan = plan_for(db, target, path)
    db.commit()
    monkeypatch.setattr(storing, "CHUNK", 1)

    def failing(*_args: object) -> bool:
        time.sleep(0.5)  # the producer has filled the queue meanwhile
        raise RuntimeError("the disk is full")

    sqlite = db.get_bind().dialect.name == "sqlite"
    monkeypatch.setattr(storing, "_store_chunk_sqlite" if sqlite else "_store_chunk_postgresql", failing)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            storing.write(plan, open_source(path), lambda: new_session(write=True))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "the import hung"
    assert "disk is full" in str(outcome[0])
    monkeypatch.undo()
    again = storing.write(plan_for(db, target, path), open_source(path), lambda: new_session(write=True))
    assert again.stored == 4  # the lock was given back and nothing half-stored is in the way


def test_two_imports_at_once_store_each_response_once(
    db: Session, target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(
        "respondent;datum;begin;nps\nA-1;2026-01-05 10:00;2026-01-05 09:00;9\n"
        "A-2;2026-01-05 11:00;2026-01-05 10:30;8\n",
        encoding="utf-8",
    )
    first = plan_for(db, target, path)
    second = plan_for(db, target, path, {"datum": "", "begin": "submitted_at"})  # other times, same keys
    db.commit()
    name = "_load_sqlite" if db.get_bind().dialect.name == "sqlite" else "_load_postgresql"
    load = getattr(storing, name)
    results: dict[str, object] = {}

    def run_second() -> None:
        results["second"] = storing.write(second, open_source(path), lambda: new_session(write=True))

    def first_loads(*args: object) -> None:
        other = threading.Thread(target=run_second)
        other.start()
        other.join(1.0)
        results["second waited"] = other.is_alive()  # for the first import's lock
        load(*args)  # type: ignore[arg-type]
        results["thread"] = other

    monkeypatch.setattr(storing, name, first_loads)
    written = storing.write(first, open_source(path), lambda: new_session(write=True))
    monkeypatch.setattr(storing, name, load)
    results["thread"].join(20)  # type: ignore[attr-defined]
    assert results["second waited"]
    assert written.stored == 2
    assert (results["second"].stored, results["second"].existing) == (0, 2)  # type: ignore[attr-defined]
    db.commit()
    assert len(db.scalars(select(Response).where(Response.survey_id == target.survey.id)).all()) == 2
