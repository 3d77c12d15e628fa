"""Response files in bulk: every row read once into DuckDB, checked as whole columns, stored in short
transactions by the database itself.

A million-row history file is checked and stored in seconds, so no rule may be paid per cell in
Python. The rules stay the survey's own all the same:

- A scale, choice or consent column holds a handful of distinct values. Each distinct value goes once
  through the same code a public submission goes through (``responses.parse_cell`` and
  ``fielding.check_value``) and the verdict is joined back onto every row that holds it.
- Free text is checked by those rules written in SQL: control characters removed, surrounding white space
  trimmed exactly as ``str.strip`` trims it, at most ``fielding.TEXT_LIMIT`` characters.
- Timestamps in the common ``YYYY-MM-DD[ HH:MM[:SS]]`` form, on a day without a clock change in the
  column's time zone, are parsed in SQL and shifted by that day's offset; every other value (another
  format, an offset of its own, the day of a clock change) goes through ``responses.parse_when``.

Nothing is written until every row is checked. Then the rows to store go to a SQLite file (or a
PostgreSQL temporary table) in the final shape, and the database copies them into ``responses`` and
``answers`` with ``INSERT ... SELECT``, 20,000 responses per transaction, so public submissions get
their turn between two transactions.
"""

# ruff: noqa: S608 - the SQL here is assembled from column numbers and from texts quoted by _literal
from __future__ import annotations

import itertools
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from nineplus.core import duck
from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.core.models import utcnow
from nineplus.core.settings import get_settings
from nineplus.feedback import fielding
from nineplus.imports import responses
from nineplus.imports.report import MAX_REPORTED, Report, RowError
from nineplus.imports.sources import Source

BATCH = 50_000  # rows handed to DuckDB at a time
CHUNK = 20_000  # responses per write transaction
# What str.strip() strips, so that SQL trims a cell exactly as the row-by-row rules do.
_WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
_ISO_LOCAL = r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?"
_FORMATS = "['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d']"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class Staged:
    """A file's rows in a DuckDB database of their own, checked; removed by ``close``."""

    folder: Path
    con: duckdb.DuckDBPyConnection
    report: Report
    answer_columns: list[int] = field(default_factory=list)

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# Checking ------------------------------------------------------------------------------------------------


def check(plan: responses.Plan, source: Source, progress: Callable[[int], None] | None = None) -> Report:
    """Read and check every row; write nothing. The checked rows stay with the plan for ``write``."""
    discard(plan)
    plan.staged = _stage(plan, source, progress)
    return plan.staged.report


def discard(plan: responses.Plan) -> None:
    """Remove the checked rows a plan kept (after a rejection, or when the import is abandoned)."""
    if plan.staged is not None:
        plan.staged.close()
        plan.staged = None


def _stage(plan: responses.Plan, source: Source, progress: Callable[[int], None] | None) -> Staged:
    root = get_settings().data_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="import-", dir=root))
    con = duck.connect(folder / "stage.duckdb", memory_limit="768MB", temp_directory=folder / "spill")
    staged = Staged(folder, con, Report())
    try:
        con.execute(f"CREATE MACRO tr(s) AS trim(s, {_literal(_WHITESPACE)})")
        staged.report.rows = _read(con, plan, source, progress)
        _lookups(con, plan)
        for index, target in plan.columns.items():
            if target.field == "submitted_at":
                _timestamps(con, index, plan.timezones.get(index, plan.timezone))
        staged.answer_columns = [i for i, t in sorted(plan.columns.items()) if t.field == "answer"]
        _check_rows(con, plan)
        _fill_report(con, staged.report)
    except BaseException:
        staged.close()
        raise
    return staged


def _read(
    con: duckdb.DuckDBPyConnection,
    plan: responses.Plan,
    source: Source,
    progress: Callable[[int], None] | None,
) -> int:
    """The file's rows into table ``raw``: line, cell count, first surplus cell, the row's content (for
    rows without a response id: it decides their id) and the mapped cells as text."""
    width = len(plan.headers)
    mapped = sorted(plan.columns)
    id_column = plan.column_of("client_id")
    names = [f"c{i}" for i in mapped]
    con.execute(
        "CREATE TABLE raw (line INTEGER, ncells INTEGER, extra VARCHAR, content VARCHAR, "
        + ", ".join(f"{n} VARCHAR" for n in names)
        + ")"
    )
    rows = source.rows()
    total = 0
    while batch := list(itertools.islice(rows, BATCH)):
        lines, cells = zip(*batch, strict=True)
        columns = list(zip(*cells, strict=False))  # stops at the header's width: every row is padded to it
        if id_column is None:
            content = ["\x1f".join(c) for c in cells]
        else:
            content = [None if c[id_column].strip() else "\x1f".join(c) for c in cells]
        table = pa.table(
            {
                "line": pa.array(lines, pa.int32()),
                "ncells": pa.array(list(map(len, cells)), pa.int32()),
                "extra": pa.array([c[width] if len(c) > width else None for c in cells], pa.string()),
                "content": pa.array(content, pa.string()),
                **{n: pa.array(columns[i], pa.string()) for n, i in zip(names, mapped, strict=True)},
            }
        )
        con.register("batch", table)
        con.execute("INSERT INTO raw SELECT * FROM batch")
        con.unregister("batch")
        total += len(batch)
        if progress:
            progress(total)
    return total


def _lookups(con: duckdb.DuckDBPyConnection, plan: responses.Plan) -> None:
    """Table ``lookup``: per answer column other than free text, each distinct value with what it stores
    or why it is wrong, from the same rules a public submission goes through."""
    out: dict[str, list[Any]] = {
        k: [] for k in ("col", "v", "value_int", "value_text", "value_choices", "reason")
    }
    for index, target in sorted(plan.columns.items()):
        if target.field != "answer":
            continue
        question = plan.questions[target.question_id]  # type: ignore[index]
        if question.type == "text":
            continue
        values = con.execute(f"SELECT DISTINCT tr(c{index}) FROM raw WHERE tr(c{index}) <> ''").fetchall()
        for (value,) in values:
            stored: dict[str, Any] = {}
            reason = None
            try:
                stored = fielding.check_value(question, responses.parse_cell(question, value))  # type: ignore[arg-type]
            except ValueError as exc:
                reason = str(exc)
            except Invalid as exc:
                reason = next(iter(exc.errors.values()))
            choices = stored.get("value_choices")
            row = (index, value, stored.get("value_int"), stored.get("value_text"), choices, reason)
            for name, item in zip(out, row, strict=True):
                out[name].append(json.dumps(item) if name == "value_choices" and item is not None else item)
    table = pa.table(
        out,
        schema=pa.schema(
            [
                ("col", pa.int32()),
                ("v", pa.string()),
                ("value_int", pa.int64()),
                ("value_text", pa.string()),
                ("value_choices", pa.string()),
                ("reason", pa.string()),
            ]
        ),
    )
    con.register("lookup_in", table)
    con.execute("CREATE TABLE lookup AS SELECT * FROM lookup_in")
    con.unregister("lookup_in")


def _timestamps(con: duckdb.DuckDBPyConnection, index: int, zone: ZoneInfo) -> None:
    """Table ``when_<index>``: each distinct timestamp of the column as UTC (NULL: not a time we read)."""
    con.execute(
        f"CREATE TABLE local_{index} AS SELECT v, CASE WHEN regexp_full_match(v, '{_ISO_LOCAL}') "
        f"THEN try_strptime(replace(v, 'T', ' '), {_FORMATS}) END AS local "
        f"FROM (SELECT DISTINCT tr(c{index}) AS v FROM raw WHERE tr(c{index}) <> '')"
    )
    days = [
        d
        for (d,) in con.execute(
            f"SELECT DISTINCT CAST(local AS DATE) FROM local_{index} WHERE local IS NOT NULL"
        ).fetchall()
    ]
    steady = {"day": [], "seconds": []}  # type: dict[str, list[Any]]
    for day in days:
        offset = _steady_offset(day, zone)
        if offset is not None:
            steady["day"].append(day)
            steady["seconds"].append(offset)
    con.register(
        "steady_in", pa.table(steady, schema=pa.schema([("day", pa.date32()), ("seconds", pa.int32())]))
    )
    con.execute(
        f"CREATE TABLE when_{index} AS SELECT l.v, l.local - to_seconds(s.seconds) AS utc "
        f"FROM local_{index} l JOIN steady_in s ON s.day = CAST(l.local AS DATE)"
    )
    con.unregister("steady_in")
    others = [v for (v,) in con.execute(
        f"SELECT v FROM local_{index} WHERE v NOT IN (SELECT v FROM when_{index})"
    ).fetchall()]  # fmt: skip
    parsed = [responses.parse_when(v, zone) for v in others]
    utc = [p.astimezone(UTC).replace(tzinfo=None) if p is not None else None for p in parsed]
    con.register(
        "others_in", pa.table({"v": pa.array(others, pa.string()), "utc": pa.array(utc, pa.timestamp("us"))})
    )
    con.execute(f"INSERT INTO when_{index} SELECT v, utc FROM others_in")
    con.unregister("others_in")
    # The row-by-row rule's range, on the UTC time as there.
    con.execute(f"UPDATE when_{index} SET utc = NULL WHERE year(utc) NOT BETWEEN 1990 AND 2100")


def _steady_offset(day: date, zone: ZoneInfo) -> int | None:
    """The zone's UTC offset in seconds on ``day``, or None when the clock changes that day."""
    first = datetime.combine(day, time(0, 0), zone).utcoffset()
    last = datetime.combine(day, time(23, 59, 59), zone).utcoffset()
    if first is None or first != last:
        return None
    return int(first.total_seconds())


def _check_rows(con: duckdb.DuckDBPyConnection, plan: responses.Plan) -> None:
    """Table ``checked`` (a row per file row, its values and whether it is skipped) and table ``errors``
    (row, column position, column, value, reason), in the order the file gives them."""
    select = ["r.line", "r.ncells", "r.extra", "r.content"]
    joins: list[str] = []
    errors: list[tuple[int, str]] = []  # (column index, reason expression)
    skip = ["FALSE"]
    select.append("NULL AS source_id")
    select.append("NULL::TIMESTAMP AS submitted")
    select.append("'nl' AS locale")
    for index, target in sorted(plan.columns.items()):
        cell = f"tr(r.c{index})"
        select.append(f"r.c{index}")
        if target.field == "client_id":
            select[select.index("NULL AS source_id")] = f"nullif({cell}, '') AS source_id"
        elif target.field == "locale":
            select[select.index("'nl' AS locale")] = (
                f"CASE WHEN starts_with(lower({cell}), 'en') THEN 'en' ELSE 'nl' END AS locale"
            )
        elif target.field == "finished":
            accepted = ", ".join(_literal(v) for v in sorted(responses.FINISHED))
            skip.append(f"lower({cell}) NOT IN ({accepted})")
        elif target.field == "submitted_at":
            joins.append(f"LEFT JOIN when_{index} w{index} ON w{index}.v = {cell}")
            select[select.index("NULL::TIMESTAMP AS submitted")] = f"w{index}.utc AS submitted"
            reason = _literal(_("Enter a date and time, e.g. 2026-03-31 14:05."))
            errors.append((index, f"CASE WHEN {cell} <> '' AND w{index}.utc IS NULL THEN {reason} END"))
            if plan.skip_unsubmitted:
                skip.append(f"{cell} = ''")
        elif target.field == "answer":
            question = plan.questions[target.question_id]  # type: ignore[index]
            select.append(f"{cell} <> '' AS p{index}")
            if question.type == "text":
                value = f"tr(regexp_replace({cell}, {_literal(fielding.CONTROL_CHARACTERS)}, '', 'g'))"
                select.append(f"CASE WHEN {cell} <> '' THEN {value} END AS v{index}")
                too_long = _literal(_("Use at most %(max)s characters.", max=fielding.TEXT_LIMIT))
                errors.append(
                    (index, f"CASE WHEN length({value}) > {fielding.TEXT_LIMIT} THEN {too_long} END")
                )
            else:
                joins.append(f"LEFT JOIN lookup l{index} ON l{index}.col = {index} AND l{index}.v = {cell}")
                column = {"single": "value_choices", "multiple": "value_choices", "consent": "value_text"}
                select.append(f"l{index}.{column.get(question.type, 'value_int')} AS v{index}")
                errors.append((index, f"l{index}.reason"))
    select += [f"{reason} AS e{index}" for index, reason in errors]
    con.execute(
        f"CREATE TABLE checked AS SELECT {', '.join(select)}, ({' OR '.join(skip)}) AS skipped "
        f"FROM raw r {' '.join(joins)}"
    )
    reasons = [(index, f"e{index}") for index, _reason in errors] + _routing(con, plan)
    reasons.sort(key=lambda item: item[0])  # stable: a column's own value before its routing
    headers = plan.headers
    width = len(headers)
    surplus = _literal(
        _(
            "This row has %(cells)s cells; the header names %(columns)s columns.",
            cells="@cells@",
            columns=width,
        )
    )
    parts = [
        f"SELECT line, -1 AS pos, '' AS header, extra AS value, "
        f"replace({surplus}, '@cells@', ncells::VARCHAR) AS reason FROM checked WHERE extra IS NOT NULL"
    ]
    for index, reason in reasons:
        parts.append(
            f"SELECT line, {index} AS pos, {_literal(headers[index])} AS header, c{index} AS value, reason "
            "FROM "
            f"(SELECT line, c{index}, {reason} AS reason FROM checked WHERE extra IS NULL AND NOT skipped) "
            "WHERE reason IS NOT NULL"
        )
    con.execute("CREATE TABLE errors AS " + " UNION ALL ".join(parts))
    answered = " OR ".join(f"p{i}" for i, t in plan.columns.items() if t.field == "answer") or "FALSE"
    nothing = _literal(_("The row answers no question."))
    con.execute(
        f"INSERT INTO errors SELECT line, {width}, '', '', {nothing} FROM checked "
        f"WHERE extra IS NULL AND NOT skipped AND NOT ({answered}) AND line NOT IN (SELECT line FROM errors)"
    )


def _routing(con: duckdb.DuckDBPyConnection, plan: responses.Plan) -> list[tuple[int, str]]:
    """The moments a row went through (those its per-moment answers name), and the routing rule: a
    question that belongs to one moment is not asked of someone who went through others only. Returns
    the columns of ``checked`` that hold a routing error, by column index."""
    per_moment = [(i, t.moment_id) for i, t in plan.columns.items() if t.field == "answer" and t.moment_id]
    con.execute("ALTER TABLE checked ADD COLUMN experienced INTEGER[] DEFAULT []")
    if per_moment:
        items = ", ".join(f"CASE WHEN p{i} AND v{i} IS NOT NULL THEN {m} END" for i, m in per_moment)
        con.execute(f"UPDATE checked SET experienced = list_sort(list_distinct([{items}]))")
    not_asked = _literal(_("This question is not asked for that moment."))
    out = []
    for index, target in plan.columns.items():
        question = plan.questions.get(target.question_id or 0)
        if target.field == "answer" and question and not question.per_moment and question.moment_id:
            con.execute(f"ALTER TABLE checked ADD COLUMN route{index} VARCHAR")
            con.execute(
                f"UPDATE checked SET route{index} = {not_asked} WHERE p{index} AND len(experienced) > 0 "
                f"AND NOT list_contains(experienced, {question.moment_id})"
            )
            out.append((index, f"route{index}"))
    return out


def _fill_report(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    (report.skipped,) = con.execute("SELECT count(*) FROM checked WHERE extra IS NULL AND skipped").fetchone()  # type: ignore[misc]
    (report.invalid,) = con.execute("SELECT count(DISTINCT line) FROM errors").fetchone()  # type: ignore[misc]
    report.valid = report.rows - report.skipped - report.invalid
    rows = con.execute(
        f"SELECT line, header, value, reason FROM errors ORDER BY line, pos LIMIT {MAX_REPORTED}"
    ).fetchall()
    for line, header, value, reason in rows:
        report.add_error(RowError(line, header, value or "", reason))


# Writing -------------------------------------------------------------------------------------------------


def write(
    plan: responses.Plan,
    source: Source,
    open_session: Callable[[], Session],
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Store the valid rows (checking them first unless ``check`` did), 20,000 responses per transaction.
    Rows whose response id is stored already are counted, not stored again."""
    staged = plan.staged or _stage(plan, source, None)
    plan.staged = None
    try:
        session = open_session()
        try:
            engine = session.get_bind()
        finally:
            session.close()
        assert isinstance(engine, Engine)
        checked = staged.report
        written = Report(
            checked.rows, checked.valid, checked.invalid, checked.skipped, errors=list(checked.errors)
        )
        count = _ready(staged, plan, engine, written)
        if count:
            loader = _load_sqlite if engine.dialect.name == "sqlite" else _load_postgresql
            loader(staged, plan, engine, count, written, progress)
        return written
    finally:
        staged.close()


def _ready(staged: Staged, plan: responses.Plan, engine: Engine, written: Report) -> int:
    """Table ``ready``: the rows to store, numbered 1..n in file order, in their stored shape; the rows
    stored before (by this file or an earlier one) counted as existing, ids of another survey refused."""
    con = staged.con
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT client_id, survey_id = :survey AND submitted_at IS NOT NULL AS same FROM responses "
                "WHERE organisation_id = :org AND client_id LIKE 'imp-%'"
            ),
            {"survey": plan.survey.id, "org": plan.survey.organisation_id},
        ).all()
    con.register(
        "stored_in",
        pa.table(
            {"client_id": [r[0] for r in stored], "same": [bool(r[1]) for r in stored]},
            schema=pa.schema([("client_id", pa.string()), ("same", pa.bool_())]),
        ),
    )
    survey = _literal(str(plan.survey.id))
    con.execute(
        "CREATE TABLE ids AS SELECT line, CASE WHEN source_id IS NOT NULL "
        f"THEN 'imp-' || left(sha256({survey} || ':id:' || source_id), 40) "
        f"ELSE 'imp-' || left(sha256({survey} || ':file:' || {_literal(plan.fingerprint)} || ':row:' || "
        "row_number() OVER (PARTITION BY source_id IS NULL, content ORDER BY line)::VARCHAR "
        "|| ':' || content), 40) "
        "END AS client_id FROM checked "
        "WHERE extra IS NULL AND NOT skipped AND line NOT IN (SELECT line FROM errors)"
    )
    con.execute(
        "CREATE TABLE fate AS SELECT i.line, i.client_id, CASE WHEN s.client_id IS NOT NULL "
        "THEN (CASE WHEN s.same THEN 'existing' ELSE 'refused' END) "
        "WHEN i.line = min(i.line) OVER (PARTITION BY i.client_id) THEN 'new' ELSE 'existing' END AS fate "
        "FROM ids i LEFT JOIN stored_in s ON s.client_id = i.client_id"
    )
    con.unregister("stored_in")
    for fate, count in con.execute("SELECT fate, count(*) FROM fate GROUP BY fate").fetchall():
        if fate == "existing":
            written.existing = count
        elif fate == "refused":
            written.refused = count
    values = ", ".join(f"c.v{i}" for i in staged.answer_columns)
    con.execute(
        "CREATE TABLE ready AS SELECT row_number() OVER (ORDER BY c.line) AS rn, f.client_id, c.locale, "
        "'[' || coalesce(array_to_string(c.experienced, ', '), '') || ']' AS moments, c.submitted"
        + (f", {values}" if values else "")
        + " FROM checked c JOIN fate f ON f.line = c.line AND f.fate = 'new'"
    )
    (count,) = con.execute("SELECT count(*) FROM ready").fetchone()  # type: ignore[misc]
    return int(count)


def _insert_sql(staged: Staged, plan: responses.Plan, table: str, postgres: bool) -> tuple[str, str]:
    """The two statements that copy rows :a..:b of the staging table into responses and answers."""

    def cast(expr: str, kind: str) -> str:
        return f"CAST({expr} AS {kind})" if postgres else expr

    chunk = f"FROM {table} WHERE rn BETWEEN :a AND :b"
    into_responses = (
        "INSERT INTO responses (id, organisation_id, survey_id, version_id, client_id, locale, "
        "moments_experienced, pages_done, started_at, submitted_at) "
        f"SELECT :base + rn - :a, :org, :survey, :version, client_id, locale, {cast('moments', 'json')}, 1, "
        f"{cast('submitted', 'timestamptz')}, {cast('submitted', 'timestamptz')} {chunk}"
    )
    parts = []
    for index in staged.answer_columns:
        target = plan.columns[index]
        question = plan.questions[target.question_id]  # type: ignore[index]
        kind = {"single": "choices", "multiple": "choices", "consent": "text", "text": "text"}.get(
            question.type, "int"
        )
        none_int, none_text, none_json = cast("NULL", "integer"), cast("NULL", "text"), cast("NULL", "json")
        value = {
            "int": f"v{index}, {none_text}, {none_json}",
            "text": f"{none_int}, v{index}, {none_json}",
            "choices": f"{none_int}, {none_text}, {cast(f'v{index}', 'json')}",
        }[kind]
        moment = target.moment_id
        parts.append(
            f"SELECT :base + rn - :a, {question.id}, {moment or 0}, {moment or none_int}, :org, {value} "
            f"{chunk} AND v{index} IS NOT NULL"
        )
    into_answers = (
        "INSERT INTO answers (response_id, question_id, moment_key, moment_id, organisation_id, value_int, "
        "value_text, value_choices) " + " UNION ALL ".join(parts)
    )
    return into_responses, into_answers


def _export(staged: Staged, now: datetime, postgres: bool) -> str:
    """The ready rows as the staging table's columns, timestamps as the database's text for them."""
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    suffix = " || '+00:00'" if postgres else ""
    values = "".join(f", v{i}" for i in staged.answer_columns)
    fallback = _literal(now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "))
    return (
        f"SELECT rn, client_id, locale, moments, strftime(coalesce(submitted, {fallback}::TIMESTAMP), "
        f"'{stamp}'){suffix} AS submitted{values} FROM ready ORDER BY rn"
    )


def _staging_columns(staged: Staged, plan: responses.Plan) -> str:
    types = []
    for index in staged.answer_columns:
        question = plan.questions[plan.columns[index].question_id]  # type: ignore[index]
        types.append(f"v{index} {'INTEGER' if question.type in fielding.SCALES else 'TEXT'}")
    return ", ".join(["client_id TEXT", "locale TEXT", "moments TEXT", "submitted TEXT", *types])


def _load_sqlite(
    staged: Staged,
    plan: responses.Plan,
    engine: Engine,
    count: int,
    written: Report,
    progress: Callable[[int], None] | None,
) -> None:
    stage_file = staged.folder / "ready.sqlite"
    with sqlite3.connect(stage_file) as out:
        out.execute(f"CREATE TABLE ready (rn INTEGER PRIMARY KEY, {_staging_columns(staged, plan)})")
    staged.con.execute(f"ATTACH {_literal(str(stage_file))} AS out (TYPE sqlite)")
    staged.con.execute(f"INSERT INTO out.ready {_export(staged, utcnow(), postgres=False)}")
    staged.con.execute("DETACH out")
    into_responses, into_answers = _insert_sql(staged, plan, "stage.ready", postgres=False)
    db = sqlite3.connect(engine.url.database or "", timeout=30, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "cache_size=-65536",
                       "foreign_keys=OFF"):  # fmt: skip
            # Foreign keys: the check above proved every reference (the survey's own questions and
            # moments, the responses stored in the same transaction); SQLite would look each up again.
            db.execute(f"PRAGMA {pragma}")
        db.execute("ATTACH DATABASE ? AS stage", (str(stage_file),))
        for a in range(1, count + 1, CHUNK):
            b = min(a + CHUNK - 1, count)
            db.execute("BEGIN IMMEDIATE")
            try:
                status = db.execute("SELECT status FROM surveys WHERE id = ?", (plan.survey.id,)).fetchone()
                if status is None or status[0] not in ("live", "closed"):
                    db.execute("ROLLBACK")
                    written.refused += count - a + 1
                    return
                (base,) = db.execute("SELECT coalesce(max(id), 0) + 1 FROM responses").fetchone()
                params = _params(plan, base, a, b)
                db.execute(into_responses, params)
                db.execute(into_answers, params)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            written.stored += b - a + 1
            if progress:
                progress(written.rows * b // count)
        db.execute("DETACH DATABASE stage")
    finally:
        db.close()


def _load_postgresql(
    staged: Staged,
    plan: responses.Plan,
    engine: Engine,
    count: int,
    written: Report,
    progress: Callable[[int], None] | None,
) -> None:
    csv_file = staged.folder / "ready.csv"
    staged.con.execute(
        f"COPY ({_export(staged, utcnow(), postgres=True)}) TO {_literal(str(csv_file))} "
        "(FORMAT csv, HEADER false)"
    )
    into_responses, into_answers = _insert_sql(staged, plan, "nineplus_ready", postgres=True)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        conn.exec_driver_sql(
            "CREATE TEMPORARY TABLE nineplus_ready "
            f"(rn INTEGER PRIMARY KEY, {_staging_columns(staged, plan)})"
        )
        with (
            raw.cursor() as cursor,
            cursor.copy("COPY nineplus_ready FROM STDIN (FORMAT csv)") as copy,
            csv_file.open("rb") as file,
        ):
            while data := file.read(1 << 20):
                copy.write(data)
        conn.exec_driver_sql("ANALYZE nineplus_ready")
        conn.commit()
        try:
            for a in range(1, count + 1, CHUNK):
                b = min(a + CHUNK - 1, count)
                if not _store_chunk_postgresql(conn, plan, into_responses, into_answers, a, b):
                    written.refused += count - a + 1
                    return
                written.stored += b - a + 1
                if progress:
                    progress(written.rows * b // count)
        finally:
            conn.rollback()
            conn.exec_driver_sql("DROP TABLE IF EXISTS nineplus_ready")
            conn.commit()


def _store_chunk_postgresql(
    conn: Connection, plan: responses.Plan, into_responses: str, into_answers: str, a: int, b: int
) -> bool:
    # The lock keeps other writers from drawing ids out of the block this chunk takes.
    conn.exec_driver_sql("LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE")
    status = conn.execute(text("SELECT status FROM surveys WHERE id = :id"), {"id": plan.survey.id}).scalar()
    if status not in ("live", "closed"):
        conn.rollback()
        return False
    base = conn.execute(text("SELECT nextval(pg_get_serial_sequence('responses', 'id'))")).scalar_one()
    conn.execute(
        text("SELECT setval(pg_get_serial_sequence('responses', 'id'), :last)"), {"last": base + b - a}
    )
    params = _params(plan, base, a, b)
    conn.execute(text(into_responses), params)
    conn.execute(text(into_answers), params)
    conn.commit()
    return True


def _params(plan: responses.Plan, base: int, a: int, b: int) -> dict[str, int]:
    return {
        "base": base,
        "a": a,
        "b": b,
        "org": plan.survey.organisation_id,
        "survey": plan.survey.id,
        "version": plan.version_id,
    }
