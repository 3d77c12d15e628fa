"""Storing a checked response file: the rows to store in their final shape, copied into ``responses``
and ``answers`` by the database itself with ``INSERT ... SELECT``, 20,000 responses per transaction, so
public submissions get their turn between two transactions.

On SQLite a second thread has DuckDB write each chunk to a small SQLite file while the database copies
the chunk before it, on a connection of the importer's own; on PostgreSQL the rows are copied (COPY)
into a temporary table first. An imported response's id ascends with its submit time (see ``_ready``).
"""

# ruff: noqa: S608 - the SQL here is assembled from column numbers and from texts quoted by sql_text
from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from datetime import UTC
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from nineplus.core import metrics
from nineplus.core.models import utcnow
from nineplus.core.tenancy import system
from nineplus.feedback import fielding
from nineplus.imports import responses
from nineplus.imports.report import Report
from nineplus.imports.sources import Source
from nineplus.imports.staging import Staged, sql_text, stage
from nineplus.privacy import pseudonyms

CHUNK = 20_000  # responses per write transaction


def write(
    plan: responses.Plan,
    source: Source,
    open_session: Callable[[], Session],
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Store the valid rows (checking them first unless ``check`` did), 20,000 responses per transaction.
    Rows whose response id is stored already are counted, not stored again."""
    staged = plan.staged or stage(plan, source, None)
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
        # One import at a time: what the next one finds stored must include what this one stores.
        with _one_import_at_a_time(engine):
            count = _ready(staged, plan, engine, written)
            count = _without_the_erased(staged, open_session, count, written)
            if count:
                loader = _load_sqlite if engine.dialect.name == "sqlite" else _load_postgresql
                try:
                    loader(staged, plan, engine, count, written, progress)
                finally:
                    metrics.responses_stored(written.stored, "import")  # the committed chunks
        return written
    finally:
        staged.close()


@contextmanager
def _one_import_at_a_time(engine: Engine) -> Iterator[None]:
    """Hold the database's import lock: on SQLite an exclusive lock on a file beside the database (every
    process that writes the file can take it), on PostgreSQL a session-level advisory lock."""
    if engine.dialect.name == "sqlite":
        import fcntl

        with open(f"{engine.url.database}-imports.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            yield
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_lock(hashtext('nineplus.imports'))")
        conn.commit()
        try:
            yield
        finally:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(hashtext('nineplus.imports'))")
            conn.commit()


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
    survey = sql_text(str(plan.survey.id))
    fingerprint = sql_text(plan.fingerprint)
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
    now = sql_text(utcnow().astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "))
    when = f"coalesce(c.submitted, {now}::TIMESTAMP)"
    if plan.anonymous:  # an anonymous survey keeps the day only: the start of its day in the import's zone
        zone = sql_text(str(plan.timezone))
        local = f"timezone({zone}, timezone('UTC', {when}))"
        when = f"timezone('UTC', timezone({zone}, date_trunc('day', {local})))"
    con.execute(
        "CREATE TABLE ready AS SELECT row_number() OVER (ORDER BY submitted, line) AS rn, "
        "'imp-' || strftime(submitted, '%Y%m%d%H%M%S') || '-' || key AS client_id, locale, moments, "
        f"respondent, team_id, submitted{values} FROM (SELECT c.line, f.key, c.locale, "
        f"c.experienced AS moments, {_linked(plan)} AS respondent, c.team_id, "
        f"{when} AS submitted{values.replace(' v', ' c.v')} "
        "FROM checked c JOIN fate f ON f.line = c.line AND f.fate = 'new')"
    )
    (count,) = con.execute("SELECT count(*) FROM ready").fetchone()  # type: ignore[misc]
    return int(count)


def _without_the_erased(
    staged: Staged, open_session: Callable[[], Session], count: int, written: Report
) -> int:
    """Leave out the ready rows of persons erased since the file was checked (their pseudonym leads to
    no one now: their answers must not come back); return how many rows are left."""
    named = [
        r
        for (r,) in staged.con.execute(
            "SELECT DISTINCT respondent FROM ready WHERE respondent IS NOT NULL"
        ).fetchall()
    ]
    if not named:
        return count
    session = open_session()
    try:
        system(session)
        gone = pseudonyms.unkeyed(session, named)
    finally:
        session.close()
    if not gone:
        return count
    listed = ", ".join(str(int(r)) for r in sorted(gone))
    staged.con.execute(
        "CREATE OR REPLACE TABLE ready AS SELECT row_number() OVER (ORDER BY rn) AS rn, * EXCLUDE (rn) "
        f"FROM ready WHERE respondent IS NULL OR respondent NOT IN ({listed})"
    )
    (left,) = staged.con.execute("SELECT count(*) FROM ready").fetchone()  # type: ignore[misc]
    written.refused += count - int(left)
    return int(left)


def _linked(plan: responses.Plan) -> str:
    """The respondent's pseudonym as a row keeps it: only where the version's consent questions that ask
    to keep the answers linked were answered yes in the row (a column left unmapped is no answer)."""
    asking = {q.id for q in plan.questions.values() if q.type == "consent" and q.purpose == "link"}
    if not asking:
        return "c.respondent"
    given = {t.question_id: index for index, t in plan.columns.items() if t.field == "answer"}
    if not asking <= set(given):
        return "NULL::BIGINT"
    agreed = " AND ".join(f"c.v{given[q]} = 'yes'" for q in sorted(asking))
    return f"CASE WHEN {agreed} THEN c.respondent END"


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
        "moments_experienced, respondent, team_id, pages_done, started_at, submitted_at) "
        f"SELECT :base + rn - :a, :org, :survey, :version, client_id, locale, {cast('moments', 'json')}, "
        "respondent, team_id, 1, "
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
        "SELECT rn, client_id, locale, moments, respondent, team_id, "
        f"strftime(submitted, '{stamp}'){suffix} AS submitted{values} "
        f"FROM ready {f'WHERE rn BETWEEN {rows[0]} AND {rows[1]} ' if rows else ''}ORDER BY rn"
    )


def _staging_columns(staged: Staged, plan: responses.Plan) -> str:
    types = []
    for index in staged.answer_columns:
        question = plan.questions[plan.columns[index].question_id]  # type: ignore[index]
        types.append(f"v{index} {'INTEGER' if question.type in fielding.SCALES else 'TEXT'}")
    return ", ".join(
        [
            "client_id TEXT",
            "locale TEXT",
            "moments TEXT",
            "respondent BIGINT",
            "team_id INTEGER",
            "submitted TEXT",
            *types,
        ]
    )


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
                       "foreign_keys=OFF", "secure_delete=ON"):  # fmt: skip
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
            cursor.execute(f"ATTACH {sql_text(str(chunk_file))} AS out (TYPE sqlite)")
            cursor.execute(f"INSERT INTO out.ready {_export(staged, postgres=False, rows=(a, b))}")
            cursor.execute("DETACH out")
            _hand_over(chunks, (a, b, chunk_file), stop)
        _hand_over(chunks, None, stop)
    except BaseException as exc:  # handed to the consumer, which raises it
        _hand_over(chunks, exc, stop)
    finally:
        cursor.close()


def _hand_over(
    chunks: queue.Queue[tuple[int, int, Path] | BaseException | None],
    item: tuple[int, int, Path] | BaseException | None,
    stop: threading.Event,
) -> None:
    """Put ``item`` in the queue, unless the consumer stopped taking (it failed, or the survey closed)."""
    while not stop.is_set():
        with suppress(queue.Full):
            chunks.put(item, timeout=0.5)
            return


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
        f"COPY ({_export(staged, postgres=True)}) TO {sql_text(str(csv_file))} (FORMAT csv, HEADER false)"
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
