"""The bulk importer keeps the row-by-row rules: DuckDB's CSV reader reads a file exactly as Python's
csv module does, timestamps parsed in SQL equal ``responses.parse_when``, and an imported response is
recognised again whatever time a second import reads for it."""

from __future__ import annotations

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
