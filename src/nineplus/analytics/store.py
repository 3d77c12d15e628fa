# ruff: noqa: S608  (the SQL built here holds integers and fixed names only, never user input)
"""The analytic store: an embedded DuckDB file fed from the row store, incrementally, by one writer.

The row store (SQLite or PostgreSQL) is built for many small writes; the questions analytics asks (every
score of a year, per team and month) read whole columns. So submitted responses are copied into a
column store beside it, in the shape the analytics layer reads:

- ``responses``: one row per submitted response, with its organisation, survey, version, person, the
  person's team, the moment of submission (UTC) and its day in the organisation's time zone;
- ``scores``: one row per numeric answer (NPS, CSAT, effort, emotion, start feeling), carrying the same
  keys, so that a group-by needs no join with ``responses``. It is a view over two tables: the answers
  asked once per response (``answers_once``, moment 0: NPS, CSAT, CES, the start feeling) and those asked
  per moment (``answers_per_moment``), so that a question about the once-asked scores (the NPS of the
  customers in one region) scans a ninth of the answers, not all of them;
- ``counts``: how many answers gave each value, per survey version, question, moment, person's team and
  day: the sufficient statistics of every bounded-scale score. New refreshes append rows, so a key can
  occur more than once: readers sum ``n``. ``counts_month`` holds the same per month: about thirty
  times fewer rows, which is what keeps a dashboard at a few milliseconds with millions of responses;
  ``counts_total`` holds them over all time (per team, without the day), for the figures that span the
  whole history (the overview, the curves, the distributions); ``nps_month`` the NPS counts (answers,
  promoters, detractors) per month, the team-by-month tables. Every counts table is compacted (the rows
  of a key summed, sorted by organisation, kind and moment) after a full refresh and once it has grown.
- dimensions copied whole on every refresh: organisations, journeys, moments, teams, surveys, versions,
  questions; persons and their attributes when they changed (the nightly full refresh catches edits).

Incremental feeding: the store remembers the highest response id it has seen (the watermark) and the
responses below it that were started but not yet submitted (``pending``: a respondent may finish the
next day). A refresh copies the submitted responses above the watermark and the pending ones that have
been submitted since, in one DuckDB transaction, together with the new dimensions. When the row store
holds fewer submitted responses than the store (a survey was deleted, a person erased) the ids that
went are removed and ``counts`` is rebuilt.

One writer, consistent readers: DuckDB lets one process open the file for writing. The process that
runs the jobs (the web server with its in-process runner) owns it; a refresh holds a lock so that two
refreshes never interleave, and a reader works on a cursor inside a read transaction, so every query
of one page sees the same snapshot even while a refresh commits.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, Engine, text

from nineplus.analytics import rowstore
from nineplus.core import duck
from nineplus.core.models import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
FILL_RETRY_SECONDS = 60  # after a failed first fill, pages wait this long before trying again
SCHEMA_VERSION = "4"  # a store written by another version is rebuilt whole
_FACTS = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS responses (
    response_id BIGINT, organisation_id INTEGER, survey_id INTEGER, version_id INTEGER,
    person_id INTEGER, team_id INTEGER, submitted_at TIMESTAMP, day DATE, batch INTEGER);
CREATE TABLE IF NOT EXISTS answers_once ({answer_columns});
CREATE TABLE IF NOT EXISTS answers_per_moment ({answer_columns});
CREATE OR REPLACE VIEW scores AS
    SELECT * FROM answers_once UNION ALL SELECT * FROM answers_per_moment;
CREATE TABLE IF NOT EXISTS counts (
    organisation_id INTEGER, survey_id INTEGER, version_id INTEGER, question_id INTEGER, kind VARCHAR,
    moment_id INTEGER, team_id INTEGER, day DATE, value SMALLINT, n BIGINT);
CREATE TABLE IF NOT EXISTS counts_month (
    organisation_id INTEGER, survey_id INTEGER, version_id INTEGER, question_id INTEGER, kind VARCHAR,
    moment_id INTEGER, team_id INTEGER, month DATE, value SMALLINT, n BIGINT);
CREATE TABLE IF NOT EXISTS counts_total (
    organisation_id INTEGER, survey_id INTEGER, version_id INTEGER, question_id INTEGER, kind VARCHAR,
    moment_id INTEGER, team_id INTEGER, value SMALLINT, n BIGINT);
CREATE TABLE IF NOT EXISTS nps_month (
    organisation_id INTEGER, survey_id INTEGER, version_id INTEGER, question_id INTEGER, moment_id INTEGER,
    team_id INTEGER, month DATE, n BIGINT, promoters BIGINT, detractors BIGINT);
CREATE TABLE IF NOT EXISTS pending (response_id BIGINT, started_at TIMESTAMP);
""".replace(
    "{answer_columns}",
    "response_id BIGINT, organisation_id INTEGER, survey_id INTEGER, version_id INTEGER, "
    "question_id INTEGER, kind VARCHAR, moment_id INTEGER, team_id INTEGER, person_id INTEGER, day DATE, "
    "value SMALLINT, batch INTEGER",
)
ANSWER_TABLES = {"answers_once": "= 0", "answers_per_moment": "<> 0"}  # table: which moment ids it holds
# The counts tables, each with the columns it sums (the others are its keys) and its time column.
COUNT_TABLES = {
    "counts": (("n",), "day"),
    "counts_month": (("n",), "month"),
    "counts_total": (("n",), None),
    "nps_month": (("n", "promoters", "detractors"), "month"),
}
_COUNTS = tuple(COUNT_TABLES)


def summed(table: str) -> str:
    """A counts table with the rows of each key summed (refreshes append a row per key and batch)."""
    measures, _when = COUNT_TABLES[table]
    sums = ", ".join(f"sum({m})::BIGINT AS {m}" for m in measures)
    return f"SELECT * EXCLUDE ({', '.join(measures)}), {sums} FROM {table} GROUP BY ALL"


COMPACT_GROWTH, COMPACT_SLACK = 1.25, 1000  # a counts table is compacted beyond GROWTH x its rows + SLACK
# How a compacted counts table is sorted (then by its day or month, and the value).
_COUNT_ORDER = ("organisation_id", "kind", "moment_id", "survey_id", "version_id", "question_id", "team_id")

_PERSONS = (
    "persons",
    "id INTEGER, organisation_id INTEGER, kind VARCHAR, team_id INTEGER",
)
_ATTRIBUTES = ("person_attributes", "person_id INTEGER, organisation_id INTEGER, key VARCHAR, value VARCHAR")


@dataclass(frozen=True)
class RefreshReport:
    added: int  # submitted responses copied in
    removed: int  # responses no longer in the row store
    pending: int  # started responses waiting to be submitted
    persons: bool  # whether persons were copied again
    full: bool
    seconds: float


class StoreBusy(RuntimeError):
    """Another process holds the analytic store for writing."""


class AnalyticStore:
    """The DuckDB file and the one connection this process holds on it."""

    def __init__(self, path: Path, *, memory_limit: str = "1GB") -> None:
        self.path = path
        self.memory_limit = memory_limit
        self._con: duckdb.DuckDBPyConnection | None = None
        self._open_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._readers = threading.local()  # each thread's reading cursor, kept between snapshots
        self._fill_failed_at = -FILL_RETRY_SECONDS

    # -- connections -------------------------------------------------------------------------------
    def connection(self) -> duckdb.DuckDBPyConnection:
        with self._open_lock:
            if self._con is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    con = duck.connect(self.path, memory_limit=self.memory_limit)
                except duckdb.IOException as exc:  # the file lock of another process
                    raise StoreBusy(
                        f"the analytic store {self.path} is held by another process: {exc}"
                    ) from exc
                _session(con)
                # Dashboards ask many small questions: compressing the columns of a few thousand rows
                # before sorting them cost about a tenth of a dashboard's time and saved nothing.
                con.execute("SET disabled_optimizers = 'compressed_materialization'")
                _create_schema(con)
                self._con = con
            return self._con

    def close(self) -> None:
        with self._open_lock:
            if self._con is not None:
                self._con.close()  # closes its cursors too
                self._con = None

    @contextmanager
    def snapshot(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor in a read transaction: every query in the block sees the same committed state.

        Each thread keeps its cursor for its next snapshot (opening one costs a page about as much as a
        query); a snapshot opened inside another one gets a cursor of its own."""
        con, readers = self.connection(), self._readers
        nested = getattr(readers, "busy", False)
        if nested:
            cursor = _session(con.cursor())
        else:
            kept = getattr(readers, "kept", None)
            if kept is None or kept[0] is not con:  # the thread's first snapshot, or the store reopened
                kept = readers.kept = (con, _session(con.cursor()))
            cursor = kept[1]
            readers.busy = True
        try:
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
            finally:
                cursor.execute("ROLLBACK")
        except BaseException:
            if not nested:
                readers.kept = None  # a cursor that failed is not kept
                cursor.close()
            raise
        finally:
            if nested:
                cursor.close()
            else:
                readers.busy = False

    def state(self) -> dict[str, str]:
        with self.snapshot() as cur:
            return dict(cur.execute("SELECT key, value FROM meta").fetchall())

    # -- feeding -----------------------------------------------------------------------------------
    def fill_once(self, engine: Engine) -> None:
        """Refresh now if the store was never refreshed (an empty store on a first start). After a failed
        attempt the next waits FILL_RETRY_SECONDS: pages do not each start a refresh that fails again."""
        if "refreshed_at" in self.state() or time.monotonic() - self._fill_failed_at < FILL_RETRY_SECONDS:
            return
        try:
            self.refresh(engine)
        except StoreBusy:
            raise
        except Exception:
            self._fill_failed_at = time.monotonic()
            raise

    def refresh(self, engine: Engine, *, full: bool = False) -> RefreshReport:
        """Copy what changed in the row store since the last refresh (everything with ``full``)."""
        started = time.perf_counter()
        with self._write_lock:
            con = self.connection().cursor()
            try:
                report = _Refresh(con, engine, full=full).run()
            finally:
                con.close()
        return RefreshReport(**report, seconds=time.perf_counter() - started)


class _Refresh:
    """One refresh: read a consistent snapshot of the row store, write one DuckDB transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, engine: Engine, *, full: bool) -> None:
        self.con = con
        self.engine = engine
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        self.full = full or meta.get("schema") != SCHEMA_VERSION
        self.watermark = 0 if self.full else int(meta.get("watermark", "0"))
        self.batch = int(meta.get("batch", "0")) + 1
        self.generation = int(meta.get("generation", "0")) + (1 if self.full else 0)
        self.persons_mark = "" if self.full else meta.get("persons", "")
        self.top_client = meta.get("top_client", "")
        self.meta = meta

    def _rebuild_when_ids_were_reused(self, rs: Connection) -> None:
        """SQLite hands out the id of a deleted newest row again: when the response at the watermark is
        not the one seen there last time, ids below the watermark may name other responses now, so the
        store is rebuilt (rare: it takes the newest response being deleted)."""
        if self.full or not self.watermark:
            return
        if rowstore.client_at(rs, self.watermark) != self.top_client:
            self.full, self.watermark, self.persons_mark = True, 0, ""
            self.generation += 1

    def run(self) -> dict[str, Any]:
        con = self.con
        with rowstore.row_store(self.engine) as rs:
            self._rebuild_when_ids_were_reused(rs)
            dims = {
                name: rowstore.read_dimension(rs, name, query)
                for name, (_, query) in rowstore.DIMENSIONS.items()
            }
            # Persons are copied when their number or newest id changed, and once a day (edits).
            persons_mark = str(
                (*rs.execute(text("SELECT count(*), max(id) FROM persons")).one(), utcnow().date())
            )
            persons = None if persons_mark == self.persons_mark else rowstore.read_persons(rs)
            top = int(rs.execute(text("SELECT coalesce(max(id), 0) FROM responses")).scalar_one())
            old = (
                [] if self.full else [r for (r,) in con.execute("SELECT response_id FROM pending").fetchall()]
            )
            wheres = [f"r.id > {lo} AND r.id <= {hi}" for lo, hi in rowstore.ranges(self.watermark, top)]
            wheres += [rowstore.in_list(chunk) for chunk in rowstore.chunks(old)]
            con.execute("BEGIN TRANSACTION")
            try:
                for name, table in dims.items():
                    _replace(con, name, table)
                if persons is not None:
                    _replace(con, _PERSONS[0], persons[0])
                    _replace(con, _ATTRIBUTES[0], persons[1])
                if self.full:  # dropped, not emptied: deleting millions of rows in the transaction that
                    # writes them again would hold both in memory
                    for table in ("responses", *ANSWER_TABLES, *_COUNTS):
                        con.execute(f"DROP TABLE {table}")
                    _create_schema(con)
                if self.full and rowstore.sqlite_file(self.engine) is not None:
                    added, pending = self._copy_from_sqlite(top)
                else:
                    added = 0
                    for where in wheres:  # read and write range by range: memory stays bounded
                        added += self._append_responses(rowstore.read_responses(rs, where))
                        self._append_scores(rowstore.read_scores(rs, where))
                    pending = rowstore.read_pending(rs, self.watermark, top, old)
                removed = 0 if self.full else self._remove_missing(rs, top)
                if not removed:  # (a removal rebuilt them whole)
                    self._append_counts(f"batch = {self.batch}")
                compacted = self._compact_counts()
                _replace(con, "pending", pending)
                meta = {
                    **compacted,
                    "instance": self.meta.get("instance") or uuid.uuid4().hex,  # names this store
                    "schema": SCHEMA_VERSION,
                    "watermark": str(top),
                    "batch": str(self.batch),
                    "generation": str(self.generation + (1 if removed else 0)),
                    "persons": persons_mark,
                    "top_client": rowstore.client_at(rs, top),
                    "refreshed_at": utcnow().isoformat(timespec="seconds"),
                }
                con.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return {
            "added": added,
            "removed": removed,
            "pending": pending.num_rows,
            "persons": persons is not None,
            "full": self.full,
        }

    def _copy_from_sqlite(self, top: int) -> tuple[int, pa.Table]:
        """A full refresh from a SQLite row store: DuckDB reads the database file itself (its sqlite
        extension, read-only), many times faster than rows handed through Python. Every response up to
        ``top`` is read once, submitted or not, so each lands either in the store or in the pending list
        however the row store changes meanwhile; the joins read the row store's own tables in the same
        pass. Returns how many responses were copied and the pending ones."""
        con = self.con
        path = str(rowstore.sqlite_file(self.engine)).replace("'", "''")
        types = ", ".join(f"'{t}'" for t in rowstore.SCORE_TYPES)
        cutoff = rowstore.as_datetime(utcnow() - timedelta(days=rowstore.PENDING_DAYS)).isoformat(sep=" ")
        con.execute("DETACH DATABASE IF EXISTS rowstore")  # left by a refresh that failed
        con.execute(f"ATTACH '{path}' AS rowstore (TYPE sqlite, READ_ONLY)")
        con.execute(
            f"""CREATE OR REPLACE TEMPORARY TABLE incoming AS
            SELECT r.id, r.organisation_id::INTEGER AS organisation_id, r.survey_id::INTEGER AS survey_id,
                   r.version_id::INTEGER AS version_id, r.person_id::INTEGER AS person_id,
                   coalesce(p.team_id, 0)::INTEGER AS team_id, r.submitted_at, r.started_at, o.timezone
            FROM rowstore.responses r
            JOIN rowstore.organisations o ON o.id = r.organisation_id
            LEFT JOIN rowstore.persons p ON p.id = r.person_id
            WHERE r.id <= {top}"""
        )
        con.execute(
            f"""INSERT INTO responses
            SELECT id, organisation_id, survey_id, version_id, person_id, team_id, submitted_at,
                   CAST(timezone(timezone, submitted_at AT TIME ZONE 'UTC') AS DATE), {self.batch}
            FROM incoming WHERE submitted_at IS NOT NULL ORDER BY id"""
        )
        for table, where in ANSWER_TABLES.items():  # two passes over the answers: one table each
            con.execute(
                f"""INSERT INTO {table}
                SELECT a.response_id, r.organisation_id, r.survey_id, r.version_id, a.question_id::INTEGER,
                       q.type, a.moment_key::INTEGER AS moment_id, r.team_id, r.person_id, r.day,
                       a.value_int::SMALLINT, {self.batch}
                FROM rowstore.answers a
                JOIN responses r ON r.response_id = a.response_id
                JOIN rowstore.questions q ON q.id = a.question_id
                WHERE a.value_int IS NOT NULL AND q.type IN ({types}) AND a.moment_key {where}"""
            )
        added = con.execute("SELECT count(*) FROM responses").fetchone()[0]  # type: ignore[index]
        pending = con.execute(
            "SELECT id::BIGINT AS response_id, started_at FROM incoming "
            f"WHERE submitted_at IS NULL AND started_at >= TIMESTAMP '{cutoff}' ORDER BY id"
        ).fetch_arrow_table()
        con.execute("DROP TABLE IF EXISTS incoming")
        con.execute("DETACH DATABASE IF EXISTS rowstore")
        return int(added), pending

    def _append_responses(self, rows: pa.Table) -> int:
        con = self.con
        con.register("new_responses", rows)
        con.execute(
            f"""INSERT INTO responses
            SELECT r.id, r.organisation_id, r.survey_id, r.version_id, r.person_id, coalesce(p.team_id, 0),
                   r.submitted_at, CAST(timezone(o.timezone, r.submitted_at AT TIME ZONE 'UTC') AS DATE),
                   {self.batch}
            FROM new_responses r
            JOIN organisations o ON o.id = r.organisation_id
            LEFT JOIN persons p ON p.id = r.person_id"""
        )
        con.unregister("new_responses")
        return rows.num_rows

    def _append_scores(self, rows: pa.Table) -> None:
        con = self.con
        con.register("new_scores", rows)
        for table, where in ANSWER_TABLES.items():
            con.execute(
                f"""INSERT INTO {table}
                SELECT s.response_id, r.organisation_id, r.survey_id, r.version_id, s.question_id, q.type,
                       s.moment_id, r.team_id, r.person_id, r.day, s.value, {self.batch}
                FROM new_scores s
                JOIN responses r ON r.response_id = s.response_id AND r.batch = {self.batch}
                JOIN questions q ON q.id = s.question_id
                WHERE s.moment_id {where}"""
            )
        con.unregister("new_scores")

    def _append_counts(self, where: str) -> None:
        """Add the value counts of the scores that match ``where`` (this batch, or all of them), per day,
        per month and over all time, and the NPS counts (answers, promoters, detractors) per month."""
        con = self.con
        con.execute(
            f"""CREATE OR REPLACE TEMPORARY TABLE new_counts AS
            SELECT organisation_id, survey_id, version_id, question_id, kind, moment_id, team_id, day, value,
                   count(*) AS n
            FROM scores WHERE {where}
            GROUP BY ALL"""
        )
        con.execute("INSERT INTO counts SELECT * FROM new_counts")
        con.execute(
            """INSERT INTO counts_month
            SELECT organisation_id, survey_id, version_id, question_id, kind, moment_id, team_id,
                   date_trunc('month', day)::DATE, value, sum(n)::BIGINT
            FROM new_counts GROUP BY ALL"""
        )
        con.execute(
            """INSERT INTO counts_total
            SELECT organisation_id, survey_id, version_id, question_id, kind, moment_id, team_id, value,
                   sum(n)::BIGINT
            FROM new_counts GROUP BY ALL"""
        )
        con.execute(
            """INSERT INTO nps_month
            SELECT organisation_id, survey_id, version_id, question_id, moment_id, team_id,
                   date_trunc('month', day)::DATE, sum(n)::BIGINT,
                   sum(CASE WHEN value >= 9 THEN n ELSE 0 END)::BIGINT,
                   sum(CASE WHEN value <= 6 THEN n ELSE 0 END)::BIGINT
            FROM new_counts WHERE kind = 'nps' GROUP BY ALL"""
        )
        con.execute("DROP TABLE new_counts")

    def _compact_counts(self) -> dict[str, str]:
        """Sum the rows of a key that refreshes appended one by one, and store each counts table sorted by
        organisation, kind and moment (so that a question about the NPS skips the blocks of feelings):
        after a full refresh, and once a table has grown by a quarter since it was last compacted. Returns
        the rows each compacted table kept (for the meta table)."""
        con, done = self.con, {}
        for table, (_measures, when) in COUNT_TABLES.items():
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            if (
                not self.full
                and rows <= COMPACT_GROWTH * int(self.meta.get(f"compacted_{table}", "0")) + COMPACT_SLACK
            ):
                continue
            order = [c for c in _COUNT_ORDER if table != "nps_month" or c != "kind"]
            order += [*([when] if when else []), *(["value"] if table != "nps_month" else [])]
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {summed(table)} ORDER BY {', '.join(order)}")
            kept = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            done[f"compacted_{table}"] = str(kept)
        return done

    def _remove_missing(self, rs: Connection, top: int) -> int:
        """Remove the responses that left the row store (a deleted survey, an erased person); return how
        many. Counting is cheap; the ids are read only when the counts differ."""
        con = self.con
        submitted = rs.execute(
            text("SELECT count(*) FROM responses WHERE submitted_at IS NOT NULL AND id <= :top"), {"top": top}
        ).scalar_one()
        held = con.execute("SELECT count(*) FROM responses").fetchone()[0]  # type: ignore[index]
        if held <= submitted:
            return 0
        ids = rs.execute(
            text("SELECT id FROM responses WHERE submitted_at IS NOT NULL AND id <= :top"), {"top": top}
        )
        con.register("known_ids", pa.table({"id": pa.array([i for (i,) in ids], type=pa.int64())}))
        gone = "response_id NOT IN (SELECT id FROM known_ids)"
        for table in (*ANSWER_TABLES, "responses"):
            con.execute(f"DELETE FROM {table} WHERE {gone}")
        con.unregister("known_ids")
        for table in _COUNTS:
            con.execute(f"DELETE FROM {table}")
        self._append_counts("true")
        return int(held - submitted)


# -- the DuckDB side ------------------------------------------------------------------------------------


def _session(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """What Ibis's compiled SQL assumes of a session (it sets the same on connections it makes); DuckDB
    keeps these per connection, so each cursor is set too."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET python_enable_replacements = false")
    return con


def _create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables; those of a store written by another schema version are dropped first (the
    next refresh fills them again, whole)."""
    tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "meta" in tables:
        held = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if held is not None and held[0] != SCHEMA_VERSION:
            for name in tables:
                con.execute(f"DROP TABLE {name}")
    for statement in _FACTS.split(";"):
        if statement.strip():
            con.execute(statement)
    for name, (columns, _) in {
        **rowstore.DIMENSIONS,
        _PERSONS[0]: (_PERSONS[1], ""),
        _ATTRIBUTES[0]: (_ATTRIBUTES[1], ""),
    }.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")


def _replace(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.register("incoming", table)
    con.execute(f"DELETE FROM {name}")
    if table.num_rows:
        con.execute(f"INSERT INTO {name} SELECT * FROM incoming")
    con.unregister("incoming")


_stores: dict[Path, AnalyticStore] = {}
_stores_lock = threading.Lock()


def read_store(question: Callable[[AnalyticStore], T]) -> T | None:
    """Ask the process's store (filled first on a first start, so that it need not wait for the job);
    None when another process holds it."""
    from nineplus.core import db

    store = get_store()
    try:
        try:
            store.fill_once(db.get_engine())
        except StoreBusy:
            raise
        except Exception:  # a page shows what the store holds (nothing yet) rather than an error
            log.exception("the first refresh of the analytic store failed; the job runner will retry")
        return question(store)
    except StoreBusy:
        log.warning("the analytic store is held by another process; the figures cannot be read")
        return None


def get_store(path: Path | None = None) -> AnalyticStore:
    """The process's store for ``path`` (default: the configured one)."""
    if path is None:
        from nineplus.core.settings import get_settings

        path = get_settings().resolved_analytics_path()
    with _stores_lock:
        if path not in _stores:
            _stores[path] = AnalyticStore(path)
        return _stores[path]
