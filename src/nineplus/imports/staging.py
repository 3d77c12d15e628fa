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

import json
import queue
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from contextlib import closing, suppress
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
    # In memory up to the limit, spilling to the folder beyond it: no database file to keep consistent.
    con = duck.connect(":memory:", memory_limit="768MB", temp_directory=folder / "spill")
    staged = Staged(folder, con, Report())
    try:
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
    total = _read_natively(con, plan, source)
    if total is not None:
        if progress:
            progress(total)
        return total
    total = 0
    for lines, cells in source.batches(BATCH):
        size = len(lines)
        columns = list(zip(*cells, strict=False))  # stops at the header's width: every row is padded to it
        # Stripped here, as str.strip strips (the rules for a cell all start with that).
        stripped = {i: list(map(str.strip, columns[i])) for i in mapped}
        unnamed = (
            range(size) if id_column is None else [k for k, v in enumerate(stripped[id_column]) if not v]
        )
        content: list[str | None] = [None] * size
        for k in unnamed:  # the row's content decides the id of a row without one
            content[k] = "\x1f".join(cells[k])
        extra: list[str | None] = [None] * size
        for k in (k for k, n in enumerate(map(len, cells)) if n > width):
            extra[k] = cells[k][width]
        table = pa.table(
            {
                "line": pa.array(lines, pa.int32()),
                "ncells": pa.array(list(map(len, cells)), pa.int32()),
                "extra": pa.array(extra, pa.string()),
                "content": pa.array(content, pa.string()),
                **{f"c{i}": pa.array(stripped[i], pa.string()) for i in mapped},
            }
        )
        con.register("batch", table)
        con.execute("INSERT INTO raw SELECT * FROM batch")
        con.unregister("batch")
        total += size
        if progress:
            progress(total)
    return total


SURPLUS = 8  # cells beyond the header's width the native reader takes in (a row with more: Python reads)


def _read_natively(con: duckdb.DuckDBPyConnection, plan: responses.Plan, source: Source) -> int | None:
    """Fill ``raw`` with DuckDB's own CSV reader, ten times faster than Python's, where it reads the
    file exactly as ``Source.rows`` does; None (and ``raw`` left empty) where it might not: another
    encoding or quoting, a blank line (Python counts it as a row, DuckDB skips it, so the line numbers
    would differ), or a row DuckDB refuses (too wide, not UTF-8)."""
    dialect = source.dialect
    if (
        source.kind != "csv"
        or source.encoding != "utf-8-sig"
        or dialect.quotechar != '"'
        or not dialect.doublequote
        or dialect.escapechar is not None
        or dialect.skipinitialspace
        or not isinstance(dialect.delimiter, str)
        or _has_blank_line(source.path)
    ):
        return None
    width = len(plan.headers)
    cells = [f"c{i}" for i in range(width + SURPLUS)]
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cells) + "}"
    text = [f"coalesce({c}, '')" for c in cells]
    # Python keeps surplus cells up to the last one that is not blank; the row is that long, or as wide
    # as the header.
    surplus_cells = ", ".join(cells[width:])
    length = (
        f"CASE WHEN coalesce({surplus_cells}) IS NULL THEN {width} "  # the usual row: no surplus at all
        + " ".join(
            f"WHEN NOT {_blank(text[i])} THEN {i + 1}" for i in range(width + SURPLUS - 1, width - 1, -1)
        )
        + f" ELSE {width} END"
    )
    # Blank: the first cell says no at once for nearly every row.
    not_blank = f"(({cells[0]} <> '' AND NOT {_blank(cells[0])}) OR NOT {_blank(' || '.join(text))})"
    id_column = plan.column_of("client_id")
    no_id = "TRUE" if id_column is None else _blank(text[id_column])
    joined = " || chr(31) || ".join(text[:width])
    surplus = " ".join(
        f"|| CASE WHEN ncells > {i} THEN chr(31) || {text[i]} ELSE '' END"
        for i in range(width, width + SURPLUS)
    )
    mapped = ", ".join(f"{_py_strip(text[i])} AS c{i}" for i in sorted(plan.columns))
    first = 2 + source.skip
    try:
        con.execute(
            f"INSERT INTO raw SELECT line, ncells, CASE WHEN ncells > {width} THEN {text[width]} END, "
            f"CASE WHEN {no_id} THEN {joined} {surplus} END, {mapped} FROM ("
            f"SELECT *, {length} AS ncells FROM ("
            f"SELECT row_number() OVER () AS line, * FROM read_csv({_literal(str(source.path))}, "
            f"delim={_literal(dialect.delimiter)}, quote='\"', escape='\"', header=false, auto_detect=false, "
            f"null_padding=true, parallel=false, columns={columns})) "
            f"WHERE line >= {first} AND {not_blank})"
        )
    except duckdb.Error:
        con.execute("DELETE FROM raw")
        return None
    (count,) = con.execute("SELECT count(*) FROM raw").fetchone()  # type: ignore[misc]
    return int(count)


# A character class of what str.strip() strips, for RE2.
_WS_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _WHITESPACE) + "]"


def _blank(expr: str) -> str:
    """Whether ``expr`` is empty or white space only (most cells start with something else)."""
    ws = _literal(_WHITESPACE)
    return f"({expr} = '' OR (contains({ws}, {expr}[1]) AND regexp_full_match({expr}, '{_WS_CLASS}*')))"


def _py_strip(expr: str) -> str:
    """``expr`` stripped as str.strip strips; most cells neither start nor end with white space."""
    ws = _literal(_WHITESPACE)
    return (
        f"CASE WHEN {expr} = '' THEN {expr} WHEN contains({ws}, {expr}[1]) OR contains({ws}, {expr}[-1]) "
        f"THEN trim({expr}, {ws}) ELSE {expr} END"
    )


def _has_blank_line(path: Path) -> bool:
    """Whether the file holds an empty line (quoted text may hold one too: then Python reads the file)."""
    with path.open("rb") as file:
        tail = b""
        while chunk := file.read(1 << 22):
            block = tail + chunk
            if b"\n\n" in block or b"\n\r\n" in block or b"\r\r" in block:
                return True
            tail = block[-2:]
    return False


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
        values = con.execute(f"SELECT DISTINCT c{index} FROM raw WHERE c{index} <> ''").fetchall()
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
        f"FROM (SELECT DISTINCT c{index} AS v FROM raw WHERE c{index} <> '')"
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
    select = ["r.line", "r.ncells", "r.extra IS NOT NULL AS surplus"]
    joins: list[str] = []
    errors: list[tuple[int, str]] = []  # (column index, reason expression)
    skip = ["FALSE"]
    meta = {"source_id": "NULL", "submitted": "NULL::TIMESTAMP", "locale": "'nl'"}
    by_moment: dict[int, list[str]] = {}  # moment -> the values of its per-moment answers
    for index, target in sorted(plan.columns.items()):
        cell = f"r.c{index}"  # stripped as it was read
        if target.field == "client_id":
            meta["source_id"] = f"nullif({cell}, '')"
        elif target.field == "locale":
            meta["locale"] = f"CASE WHEN starts_with(lower({cell}), 'en') THEN 'en' ELSE 'nl' END"
        elif target.field == "finished":
            accepted = ", ".join(_literal(v) for v in sorted(responses.FINISHED))
            skip.append(f"lower({cell}) NOT IN ({accepted})")
        elif target.field == "submitted_at":
            joins.append(f"LEFT JOIN when_{index} w{index} ON w{index}.v = {cell}")
            meta["submitted"] = f"w{index}.utc"
            reason = _literal(_("Enter a date and time, e.g. 2026-03-31 14:05."))
            errors.append((index, f"CASE WHEN {cell} <> '' AND w{index}.utc IS NULL THEN {reason} END"))
            if plan.skip_unsubmitted:
                skip.append(f"{cell} = ''")
        elif target.field == "answer":
            value, reason = _answer(index, plan.questions[target.question_id], joins)  # type: ignore[index]
            select += [f"{cell} <> '' AS p{index}", f"{value} AS v{index}"]
            errors.append((index, reason))
            if target.moment_id is not None:
                by_moment.setdefault(target.moment_id, []).append(value)
    select += [f"{expr} AS {name}" for name, expr in meta.items()]
    # The moments the row went through (where it answers about them), as the JSON list the row store
    # keeps, sorted: written out per moment, which costs far less than sorting a list per row.
    went = [
        f"CASE WHEN {' OR '.join(f'{v} IS NOT NULL' for v in values)} THEN '{moment}' END"
        for moment, values in sorted(by_moment.items())
    ]
    select.append(f"'[' || concat_ws(', ', {', '.join(went) or 'NULL'}) || ']' AS experienced")
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
        f"SELECT r.line, -1 AS pos, '' AS header, r.extra AS value, "
        f"replace({surplus}, '@cells@', r.ncells::VARCHAR) AS reason FROM raw r WHERE r.extra IS NOT NULL"
    ]
    for index, reason in reasons:
        parts.append(
            f"SELECT c.line, {index} AS pos, {_literal(headers[index])} AS header, r.c{index} AS value, "
            f"c.{reason} AS reason FROM checked c JOIN raw r ON r.line = c.line "
            f"WHERE NOT c.surplus AND NOT c.skipped AND c.{reason} IS NOT NULL"
        )
    con.execute("CREATE TABLE errors AS " + " UNION ALL ".join(parts))
    answered = " OR ".join(f"p{i}" for i, t in plan.columns.items() if t.field == "answer") or "FALSE"
    nothing = _literal(_("The row answers no question."))
    con.execute(
        f"INSERT INTO errors SELECT line, {width}, '', '', {nothing} FROM checked "
        f"WHERE NOT surplus AND NOT skipped AND NOT ({answered}) AND line NOT IN (SELECT line FROM errors)"
    )


def _answer(index: int, question: fielding.QuestionView, joins: list[str]) -> tuple[str, str]:
    """The SQL for one answer column: its stored value (NULL: no answer, or a wrong one) and the reason
    it is wrong."""
    cell = f"r.c{index}"
    if question.type != "text":
        joins.append(f"LEFT JOIN lookup l{index} ON l{index}.col = {index} AND l{index}.v = {cell}")
        column = {"single": "value_choices", "multiple": "value_choices", "consent": "value_text"}
        return f"l{index}.{column.get(question.type, 'value_int')}", f"l{index}.reason"
    control = _literal(fielding.CONTROL_CHARACTERS)
    cleaned = (
        f"CASE WHEN {cell} = '' THEN NULL WHEN regexp_matches({cell}, {control}) "
        f"THEN trim(regexp_replace({cell}, {control}, '', 'g'), {_literal(_WHITESPACE)}) ELSE {cell} END"
    )
    too_long = _literal(_("Use at most %(max)s characters.", max=fielding.TEXT_LIMIT))
    limit = fielding.TEXT_LIMIT
    reason = f"CASE WHEN length({cell}) > {limit} AND length({cleaned}) > {limit} THEN {too_long} END"
    return cleaned, reason


def _routing(con: duckdb.DuckDBPyConnection, plan: responses.Plan) -> list[tuple[int, str]]:
    """The routing rule: a question that belongs to one moment is not asked of someone who went through
    other moments only. Returns the columns of ``checked`` that hold such an error, by column index."""
    not_asked = _literal(_("This question is not asked for that moment."))
    out = []
    for index, target in plan.columns.items():
        question = plan.questions.get(target.question_id or 0)
        if target.field == "answer" and question and not question.per_moment and question.moment_id:
            con.execute(f"ALTER TABLE checked ADD COLUMN route{index} VARCHAR")
            con.execute(
                f"UPDATE checked SET route{index} = {not_asked} WHERE p{index} AND experienced <> '[]' "
                f"AND NOT list_contains(experienced::INTEGER[], {question.moment_id})"
            )
            out.append((index, f"route{index}"))
    return out


def _fill_report(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    (report.skipped,) = con.execute("SELECT count(*) FROM checked WHERE NOT surplus AND skipped").fetchone()  # type: ignore[misc]
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
    """Table ``ready``: the rows to store in their stored shape, numbered 1..n in the order they were
    submitted; the rows stored before (by this file or an earlier one) counted as existing, ids of
    another survey refused.

    An imported response's id is ``imp-<submitted, UTC, yyyymmddhhmmss>-<key>``, where the key is a hash
    of the source's response id (or of the row's content and its rank among identical rows of the
    file). A second import recognises a response by its key alone. The time in front makes the ids of an
    import ascend as they are stored, so the unique index on ids is appended to instead of being
    rewritten all over at every transaction (that alone tripled the time of a million-row import).
    """
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
            {"key": [r[0][-40:] for r in stored], "same": [bool(r[1]) for r in stored]},
            schema=pa.schema([("key", pa.string()), ("same", pa.bool_())]),
        ),
    )
    survey = _literal(str(plan.survey.id))
    fingerprint = _literal(plan.fingerprint)
    con.execute(
        "CREATE TABLE ids AS WITH valid AS (SELECT line, source_id FROM checked "
        "WHERE NOT surplus AND NOT skipped AND line NOT IN (SELECT line FROM errors)) "
        f"SELECT line, left(sha256({survey} || ':id:' || source_id), 40) AS key "
        "FROM valid WHERE source_id IS NOT NULL UNION ALL "
        # A row without an id: the n-th row of this file with this content.
        f"SELECT v.line, left(sha256({survey} || ':file:' || {fingerprint} || ':row:' || "
        "row_number() OVER (PARTITION BY r.content ORDER BY v.line)::VARCHAR || ':' || r.content), 40) "
        "FROM valid v JOIN raw r ON r.line = v.line WHERE v.source_id IS NULL"
    )
    con.execute(
        "CREATE TABLE fate AS SELECT i.line, i.key, CASE WHEN s.key IS NOT NULL "
        "THEN (CASE WHEN s.same THEN 'existing' ELSE 'refused' END) "
        "WHEN i.line = min(i.line) OVER (PARTITION BY i.key) THEN 'new' ELSE 'existing' END AS fate "
        "FROM ids i LEFT JOIN stored_in s ON s.key = i.key"
    )
    con.unregister("stored_in")
    for fate, count in con.execute("SELECT fate, count(*) FROM fate GROUP BY fate").fetchall():
        if fate == "existing":
            written.existing = count
        elif fate == "refused":
            written.refused = count
    values = "".join(f", v{i}" for i in staged.answer_columns)
    now = _literal(utcnow().astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "))
    con.execute(
        "CREATE TABLE ready AS SELECT row_number() OVER (ORDER BY submitted, line) AS rn, "
        "'imp-' || strftime(submitted, '%Y%m%d%H%M%S') || '-' || key AS client_id, locale, moments, "
        f"submitted{values} FROM (SELECT c.line, f.key, c.locale, c.experienced AS moments, "
        f"coalesce(c.submitted, {now}::TIMESTAMP) AS submitted{values.replace(' v', ' c.v')} "
        "FROM checked c JOIN fate f ON f.line = c.line AND f.fate = 'new')"
    )
    (count,) = con.execute("SELECT count(*) FROM ready").fetchone()  # type: ignore[misc]
    return int(count)


def _answer_targets(staged: Staged, plan: responses.Plan) -> list[tuple[int, int, int, str]]:
    """(question, moment key, column, kind of value) per answer column, in the order of the answers' key."""
    out = []
    for index in staged.answer_columns:
        target = plan.columns[index]
        question = plan.questions[target.question_id]  # type: ignore[index]
        kind = {"single": "choices", "multiple": "choices", "consent": "text", "text": "text"}.get(
            question.type, "int"
        )
        out.append((question.id, target.moment_id or 0, index, kind))
    return sorted(out)


def _insert_sql(staged: Staged, plan: responses.Plan, table: str, postgres: bool) -> tuple[str, str]:
    """The two statements that copy rows :a..:b of the staging table into responses and answers. On
    SQLite the answer columns are table ``colsdb.cols`` (k, question_id, moment_key), which ``k`` orders as
    the answers' key, so the join needs no sort."""

    def cast(expr: str, kind: str) -> str:
        return f"CAST({expr} AS {kind})" if postgres else expr

    chunk = f"FROM {table} WHERE rn BETWEEN :a AND :b"
    into_responses = (
        "INSERT INTO responses (id, organisation_id, survey_id, version_id, client_id, locale, "
        "moments_experienced, pages_done, started_at, submitted_at) "
        f"SELECT :base + rn - :a, :org, :survey, :version, client_id, locale, {cast('moments', 'json')}, 1, "
        f"{cast('submitted', 'timestamptz')}, {cast('submitted', 'timestamptz')} {chunk}"
    )
    # Each staged row becomes one answer per answered column: the row is read once and joined with a
    # small list of its columns, in the order of the answers' key, so the answers are appended in order.
    columns = _answer_targets(staged, plan)
    listed = (
        "colsdb.cols"
        if not postgres
        else "("
        + " UNION ALL ".join(
            f"SELECT {k} AS k, {qid} AS question_id, {key} AS moment_key"
            for k, (qid, key, _index, _kind) in enumerate(columns)
        )
        + ")"
    )

    def pick(kinds: tuple[str, ...]) -> str:
        arms = " ".join(f"WHEN {k} THEN r.v{c[2]}" for k, c in enumerate(columns) if c[3] in kinds)
        return f"CASE c.k {arms} END" if arms else "NULL"

    into_answers = (
        "INSERT INTO answers (response_id, question_id, moment_key, moment_id, organisation_id, value_int, "
        "value_text, value_choices) "
        f"SELECT :base + r.rn - :a, c.question_id, c.moment_key, nullif(c.moment_key, 0), :org, "
        f"{cast(pick(('int',)), 'integer')}, {cast(pick(('text',)), 'text')}, "
        f"{cast(pick(('choices',)), 'json')} "
        f"FROM {table} AS r CROSS JOIN {listed} AS c WHERE r.rn BETWEEN :a AND :b "
        f"AND ({' OR '.join(f'{pick((kind,))} IS NOT NULL' for kind in ('int', 'text', 'choices'))}) "
        "ORDER BY r.rn, c.k"
    )
    return into_responses, into_answers


def _export(staged: Staged, postgres: bool, rows: tuple[int, int] | None = None) -> str:
    """The ready rows (``rows``: from, to) as the staging table's columns, timestamps as the database's
    text for them."""
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    suffix = " || '+00:00'" if postgres else ""
    values = "".join(f", v{i}" for i in staged.answer_columns)
    return (
        f"SELECT rn, client_id, locale, moments, strftime(submitted, '{stamp}'){suffix} AS submitted{values} "
        f"FROM ready {f'WHERE rn BETWEEN {rows[0]} AND {rows[1]} ' if rows else ''}ORDER BY rn"
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
    """Copy the ready rows into the database a chunk per transaction. A second thread has DuckDB write
    each chunk to a small SQLite file of its own while the database copies the chunk before it."""
    columns_file = staged.folder / "cols.sqlite"
    with closing(sqlite3.connect(columns_file)) as out, out:
        out.execute("CREATE TABLE cols (k INTEGER PRIMARY KEY, question_id INTEGER, moment_key INTEGER)")
        out.executemany(
            "INSERT INTO cols VALUES (?, ?, ?)",
            [(k, qid, key) for k, (qid, key, _index, _kind) in enumerate(_answer_targets(staged, plan))],
        )
    chunks = queue.Queue[tuple[int, int, Path] | BaseException | None](maxsize=2)
    stop = threading.Event()
    producer = threading.Thread(target=_export_chunks, args=(staged, plan, count, chunks, stop), daemon=True)
    producer.start()
    into_responses, into_answers = _insert_sql(staged, plan, "stage.ready", postgres=False)
    db = sqlite3.connect(engine.url.database or "", timeout=30, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "cache_size=-65536",
                       "foreign_keys=OFF"):  # fmt: skip
            # Foreign keys: the check above proved every reference (the survey's own questions and
            # moments, the responses stored in the same transaction); SQLite would look each up again.
            db.execute(f"PRAGMA {pragma}")
        db.execute("ATTACH DATABASE ? AS colsdb", (str(columns_file),))
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            a, b, chunk_file = item
            db.execute("ATTACH DATABASE ? AS stage", (str(chunk_file),))
            try:
                stored = _store_chunk_sqlite(db, plan, into_responses, into_answers, a, b)
            finally:
                db.execute("DETACH DATABASE stage")
                chunk_file.unlink(missing_ok=True)
            if not stored:
                written.refused += count - a + 1
                return
            written.stored += b - a + 1
            if progress:
                progress(written.rows * b // count)
    finally:
        stop.set()
        with suppress(queue.Empty):
            chunks.get_nowait()  # let a producer blocked on a full queue see the stop
        producer.join()
        db.close()


def _store_chunk_sqlite(
    db: sqlite3.Connection, plan: responses.Plan, into_responses: str, into_answers: str, a: int, b: int
) -> bool:
    db.execute("BEGIN IMMEDIATE")
    try:
        status = db.execute("SELECT status FROM surveys WHERE id = ?", (plan.survey.id,)).fetchone()
        if status is None or status[0] not in ("live", "closed"):
            db.execute("ROLLBACK")
            return False
        (base,) = db.execute("SELECT coalesce(max(id), 0) + 1 FROM responses").fetchone()
        params = _params(plan, base, a, b)
        db.execute(into_responses, params)
        db.execute(into_answers, params)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return True


def _export_chunks(
    staged: Staged,
    plan: responses.Plan,
    count: int,
    chunks: queue.Queue[tuple[int, int, Path] | BaseException | None],
    stop: threading.Event,
) -> None:
    """The producer: each chunk of ``ready`` into a SQLite file of its own, handed over by ``chunks``."""
    cursor = staged.con.cursor()
    try:
        for a in range(1, count + 1, CHUNK):
            if stop.is_set():
                return
            b = min(a + CHUNK - 1, count)
            chunk_file = staged.folder / f"ready-{a}.sqlite"
            with closing(sqlite3.connect(chunk_file)) as out, out:
                out.execute(f"CREATE TABLE ready (rn INTEGER PRIMARY KEY, {_staging_columns(staged, plan)})")
            cursor.execute(f"ATTACH {_literal(str(chunk_file))} AS out (TYPE sqlite)")
            cursor.execute(f"INSERT INTO out.ready {_export(staged, postgres=False, rows=(a, b))}")
            cursor.execute("DETACH out")
            while not stop.is_set():
                with suppress(queue.Full):
                    chunks.put((a, b, chunk_file), timeout=0.5)
                    break
        chunks.put(None)
    except BaseException as exc:  # handed to the consumer, which raises it
        chunks.put(exc)
    finally:
        cursor.close()


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
        f"COPY ({_export(staged, postgres=True)}) TO {_literal(str(csv_file))} (FORMAT csv, HEADER false)"
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
