"""Checking a response file in bulk: every row read once into DuckDB and checked as whole columns.

A million-row history file must be checked in seconds, so no rule may be paid per cell in Python. The
rules stay the survey's own all the same:

- A scale, choice or consent column holds a handful of distinct values. Each distinct value goes once
  through the same code a public submission goes through (``responses.parse_cell`` and
  ``fielding.check_value``) and the verdict is joined back onto every row that holds it.
- Free text is checked by those rules written in SQL: control characters removed, surrounding white space
  trimmed exactly as ``str.strip`` trims it, at most ``fielding.TEXT_LIMIT`` characters.
- Timestamps in the common ``YYYY-MM-DD[ HH:MM[:SS]]`` form, on a day without a clock change in the
  column's time zone, are parsed in SQL and shifted by that day's offset; every other value (another
  format, an offset of its own, the day of a clock change) goes through ``responses.parse_when``.

The file is read by DuckDB's own CSV reader where that reads it exactly as ``Source.rows`` does (UTF-8,
quotes doubled as RFC 4180 has it, no blank line), else by ``Source.batches``; a test holds the two
equal. Nothing is written here: ``imports.storing`` stores the checked rows.
"""

# ruff: noqa: S608 - the SQL here is assembled from column numbers and from texts quoted by sql_text
from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

from nineplus.core import duck
from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.core.settings import get_settings
from nineplus.feedback import fielding
from nineplus.imports import responses
from nineplus.imports.report import MAX_REPORTED, Report, RowError
from nineplus.imports.sources import Source

BATCH = 50_000  # rows handed to DuckDB at a time
# What str.strip() strips, so that SQL trims a cell exactly as the row-by-row rules do.
_WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
_ISO_LOCAL = r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?"
_FORMATS = "['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d']"


def sql_text(value: str) -> str:
    """``value`` as a SQL string literal (a NUL, which no SQL text may hold, becomes U+FFFD)."""
    return "'" + value.replace("'", "''").replace("\x00", "\ufffd") + "'"


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
    plan.staged = stage(plan, source, progress)
    return plan.staged.report


def discard(plan: responses.Plan) -> None:
    """Remove the checked rows a plan kept (after a rejection, or when the import is abandoned)."""
    if plan.staged is not None:
        plan.staged.close()
        plan.staged = None


def stage(plan: responses.Plan, source: Source, progress: Callable[[int], None] | None) -> Staged:
    root = get_settings().data_dir / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob("import-*"):  # left by a process that was killed mid-import
        with suppress(OSError):  # another import may be sweeping it right now
            if datetime.now(UTC).timestamp() - stale.stat().st_mtime > 86_400:
                shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix="import-", dir=root))
    # In memory up to the limit, spilling to the folder beyond it: no database file to keep consistent.
    con = duck.connect(":memory:", memory_limit="768MB", temp_directory=folder / "spill")
    staged = Staged(folder, con, Report())
    try:
        staged.report.rows = _read(con, plan, source, progress)
        _lookups(con, plan)
        _people(con, plan)
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
    would differ), an odd number of quotes (an unterminated quote: Python reads the rest of the file as
    one cell, DuckDB drops it), a name DuckDB would take for a pattern of file names, or a row DuckDB
    refuses (too wide, not UTF-8)."""
    dialect = source.dialect
    if (
        source.kind != "csv"
        or source.encoding != "utf-8-sig"
        or dialect.quotechar != '"'
        or not dialect.doublequote
        or dialect.escapechar is not None
        or dialect.skipinitialspace
        or not isinstance(dialect.delimiter, str)
        or any(c in str(source.path) for c in "*?[{")
        or not _plainly_written(source.path)
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
            f"SELECT row_number() OVER () AS line, * FROM read_csv({sql_text(str(source.path))}, "
            f"delim={sql_text(dialect.delimiter)}, quote='\"', escape='\"', header=false, auto_detect=false, "
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
    ws, expr = sql_text(_WHITESPACE), f"({expr})"
    return f"({expr} = '' OR (contains({ws}, {expr}[1]) AND regexp_full_match({expr}, '{_WS_CLASS}*')))"


def _py_strip(expr: str) -> str:
    """``expr`` stripped as str.strip strips; most cells neither start nor end with white space."""
    ws, expr = sql_text(_WHITESPACE), f"({expr})"
    return (
        f"CASE WHEN {expr} = '' THEN {expr} WHEN contains({ws}, {expr}[1]) OR contains({ws}, {expr}[-1]) "
        f"THEN trim({expr}, {ws}) ELSE {expr} END"
    )


def _plainly_written(path: Path) -> bool:
    """No empty line and an even number of quotes (quoted text may hold an empty line too: then Python
    reads the file, which is slower, not wrong)."""
    quotes = 0
    with path.open("rb") as file:
        tail = b""
        while chunk := file.read(1 << 22):
            block = tail + chunk
            if b"\n\n" in block or b"\n\r\n" in block or b"\r\r" in block:
                return False
            quotes += chunk.count(b'"')
            tail = block[-2:]
    return quotes % 2 == 0


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
    con.execute(f"UPDATE local_{index} SET local = NULL WHERE year(local) NOT BETWEEN 1900 AND 2200")
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


def _people(con: duckdb.DuckDBPyConnection, plan: responses.Plan) -> None:
    """Table ``people``: the organisation's persons by lower-case external id and e-mail address, for a
    column that names the respondent."""
    keys = pa.table(
        {
            "k": list(plan.persons),
            "respondent": [respondent for respondent, _team in plan.persons.values()],
            "team_id": [team for _respondent, team in plan.persons.values()],
        },
        schema=pa.schema([("k", pa.string()), ("respondent", pa.int64()), ("team_id", pa.int32())]),
    )
    con.register("people_in", keys)
    con.execute("CREATE TABLE people AS SELECT * FROM people_in")
    con.unregister("people_in")


def _check_rows(con: duckdb.DuckDBPyConnection, plan: responses.Plan) -> None:
    """Table ``checked`` (a row per file row, its values and whether it is skipped) and table ``errors``
    (row, column position, column, value, reason), in the order the file gives them."""
    select = ["r.line", "r.ncells", "r.extra IS NOT NULL AS surplus"]
    joins: list[str] = []
    errors: list[tuple[int, str]] = []  # (column index, reason expression)
    skip = ["FALSE"]
    meta = {
        "source_id": "NULL",
        "submitted": "NULL::TIMESTAMP",
        "locale": "'nl'",
        "respondent": "NULL::BIGINT",
        "team_id": "NULL::INTEGER",
    }
    by_moment: dict[int, list[str]] = {}  # moment -> when a per-moment answer names it
    for index, target in sorted(plan.columns.items()):
        cell = f"r.c{index}"  # stripped as it was read
        if target.field == "client_id":
            meta["source_id"] = f"nullif({cell}, '')"
        elif target.field == "locale":
            meta["locale"] = f"CASE WHEN starts_with(lower({cell}), 'en') THEN 'en' ELSE 'nl' END"
        elif target.field == "person":
            joins.append(f"LEFT JOIN people pp{index} ON pp{index}.k = lower({cell})")
            meta["respondent"] = f"pp{index}.respondent"
            meta["team_id"] = f"pp{index}.team_id"
            reason = sql_text(_("No person of this organisation has this customer number or e-mail address."))
            errors.append(
                (index, f"CASE WHEN {cell} <> '' AND pp{index}.respondent IS NULL THEN {reason} END")
            )
        elif target.field == "finished":
            accepted = ", ".join(sql_text(v) for v in sorted(responses.FINISHED))
            skip.append(f"lower({cell}) NOT IN ({accepted})")
        elif target.field == "submitted_at":
            joins.append(f"LEFT JOIN when_{index} w{index} ON w{index}.v = {cell}")
            meta["submitted"] = f"w{index}.utc"
            reason = sql_text(_("Enter a date and time, e.g. 2026-03-31 14:05."))
            errors.append((index, f"CASE WHEN {cell} <> '' AND w{index}.utc IS NULL THEN {reason} END"))
            if plan.skip_unsubmitted:
                skip.append(f"{cell} = ''")
        elif target.field == "answer":
            value, reason, readable = _answer(index, plan.questions[target.question_id], joins)  # type: ignore[index]
            select += [f"{cell} <> '' AS p{index}", f"{value} AS v{index}"]
            errors.append((index, reason))
            if target.moment_id is not None:
                by_moment.setdefault(target.moment_id, []).append(readable)
    select += [f"{expr} AS {name}" for name, expr in meta.items()]
    # The moments the row went through (where it answers about them), as the JSON list the row store
    # keeps, sorted: written out per moment, which costs far less than sorting a list per row.
    went = [
        f"CASE WHEN {' OR '.join(f'({c})' for c in conditions)} THEN '{moment}' END"
        for moment, conditions in sorted(by_moment.items())
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
    surplus = sql_text(
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
            f"SELECT c.line, {index} AS pos, {sql_text(headers[index])} AS header, r.c{index} AS value, "
            f"c.{reason} AS reason FROM checked c JOIN raw r ON r.line = c.line "
            f"WHERE NOT c.surplus AND NOT c.skipped AND c.{reason} IS NOT NULL"
        )
    con.execute("CREATE TABLE errors AS " + " UNION ALL ".join(parts))
    answered = " OR ".join(f"p{i}" for i, t in plan.columns.items() if t.field == "answer") or "FALSE"
    nothing = sql_text(_("The row answers no question."))
    con.execute(
        f"INSERT INTO errors SELECT line, {width}, '', '', {nothing} FROM checked "
        f"WHERE NOT surplus AND NOT skipped AND NOT ({answered}) AND line NOT IN (SELECT line FROM errors)"
    )


def _answer(index: int, question: fielding.QuestionView, joins: list[str]) -> tuple[str, str, str]:
    """The SQL for one answer column: its stored value (NULL: no answer, or a wrong one), the reason it
    is wrong, and whether the cell is readable. A per-moment answer's readable cell says the respondent
    went through the moment, even when it holds no answer (a choice cell of separators only), as the
    row-by-row rules had it."""
    cell = f"r.c{index}"
    if question.type != "text":
        joins.append(f"LEFT JOIN lookup l{index} ON l{index}.col = {index} AND l{index}.v = {cell}")
        column = {"single": "value_choices", "multiple": "value_choices", "consent": "value_text"}
        value = f"l{index}.{column.get(question.type, 'value_int')}"
        return value, f"l{index}.reason", f"({cell} <> '' AND l{index}.reason IS NULL)"
    control = sql_text(fielding.CONTROL_CHARACTERS)
    cleaned = (
        f"CASE WHEN {cell} = '' THEN NULL WHEN regexp_matches({cell}, {control}) "
        f"THEN trim(regexp_replace({cell}, {control}, '', 'g'), {sql_text(_WHITESPACE)}) ELSE {cell} END"
    )
    too_long = sql_text(_("Use at most %(max)s characters.", max=fielding.TEXT_LIMIT))
    limit = fielding.TEXT_LIMIT
    reason = f"CASE WHEN length({cell}) > {limit} AND length({cleaned}) > {limit} THEN {too_long} END"
    return cleaned, reason, f"{cell} <> ''"


def _routing(con: duckdb.DuckDBPyConnection, plan: responses.Plan) -> list[tuple[int, str]]:
    """The routing rule: a question that belongs to one moment is not asked of someone who went through
    other moments only. Returns the columns of ``checked`` that hold such an error, by column index."""
    not_asked = sql_text(_("This question is not asked for that moment."))
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
