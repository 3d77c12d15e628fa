# ruff: noqa: S608  (the SQL built here holds integers and fixed names only, never user input)
"""Feeding the analytic store from the row store, incrementally, by one writer.

The store remembers the highest response id it has seen (the watermark) and the responses below it that
were started but not yet submitted (``pending``: a respondent may finish the next day). A refresh copies
the submitted responses above the watermark and the pending ones that have been submitted since, in one
DuckDB transaction, together with the new dimensions. When the row store holds fewer submitted responses
than the store (a survey was deleted, a person erased) the ids that went are removed and the counts are
rebuilt. A full refresh from SQLite lets DuckDB read the database file itself, in a child process
(``sqlite_copy``).
"""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, Engine, text

from nineplus.analytics import rowstore, schema, sqlite_copy
from nineplus.core.models import utcnow
from nineplus.core.settings import get_settings

COMPACT_GROWTH, COMPACT_SLACK = 1.25, 1000  # a counts table is compacted beyond GROWTH x its rows + SLACK


@dataclass(frozen=True)
class RefreshReport:
    added: int  # submitted responses copied in
    removed: int  # responses no longer in the row store
    pending: int  # started responses waiting to be submitted
    persons: bool  # whether persons were copied again
    outcomes: bool  # whether the customer outcomes were copied again
    full: bool
    seconds: float


class Refresh:
    """One refresh: read a consistent snapshot of the row store, write one DuckDB transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, engine: Engine, *, full: bool) -> None:
        self.con = con
        self.engine = engine
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        self.full = full or meta.get("schema") != schema.SCHEMA_VERSION
        self.watermark = 0 if self.full else int(meta.get("watermark", "0"))
        self.batch = int(meta.get("batch", "0")) + 1
        self.generation = int(meta.get("generation", "0")) + (1 if self.full else 0)
        self.persons_mark = "" if self.full else meta.get("persons", "")
        self.outcomes_mark = "" if self.full else meta.get("outcomes", "")
        self.top_client = meta.get("top_client", "")
        self.meta = meta

    def _rebuild_when_ids_were_reused(self, rs: Connection) -> None:
        """SQLite hands out the id of a deleted newest row again: when the response at the watermark is
        not the one seen there last time, ids below the watermark may name other responses now, so the
        store is rebuilt (rare: it takes the newest response being deleted)."""
        if self.full or not self.watermark:
            return
        if rowstore.client_at(rs, self.watermark) != self.top_client:
            self.full, self.watermark, self.persons_mark, self.outcomes_mark = True, 0, "", ""
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
            outcomes_mark = str(tuple(rs.execute(text(rowstore.OUTCOMES_MARK)).one()))
            outcomes = None if outcomes_mark == self.outcomes_mark else rowstore.read_outcomes(rs)
            top = int(rs.execute(text("SELECT coalesce(max(id), 0) FROM responses")).scalar_one())
            old = (
                [] if self.full else [r for (r,) in con.execute("SELECT response_id FROM pending").fetchall()]
            )
            wheres = [f"r.id > {lo} AND r.id <= {hi}" for lo, hi in rowstore.ranges(self.watermark, top)]
            wheres += [rowstore.in_list(chunk) for chunk in rowstore.chunks(old)]
            con.execute("BEGIN TRANSACTION")
            try:
                for name, table in dims.items():
                    schema.replace_table(con, name, table)
                if persons is not None:
                    schema.replace_table(con, schema.PERSONS[0], persons[0])
                    schema.replace_table(con, schema.ATTRIBUTES[0], persons[1])
                if outcomes is not None:
                    schema.replace_table(con, schema.OUTCOMES[0], outcomes)
                if self.full:  # dropped, not emptied: deleting millions of rows in the transaction that
                    # writes them again would hold both in memory
                    for table in ("responses", *schema.ANSWER_TABLES, *schema.COUNT_TABLES):
                        con.execute(f"DROP TABLE {table}")
                    schema.create_schema(con)
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
                schema.replace_table(con, "pending", pending)
                meta = {
                    **compacted,
                    "instance": self.meta.get("instance") or uuid.uuid4().hex,  # names this store
                    "schema": schema.SCHEMA_VERSION,
                    "watermark": str(top),
                    "batch": str(self.batch),
                    "generation": str(self.generation + (1 if removed else 0)),
                    "persons": persons_mark,
                    "outcomes": outcomes_mark,
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
            "outcomes": outcomes is not None,
            "full": self.full,
        }

    def _copy_from_sqlite(self, top: int) -> tuple[int, pa.Table]:
        """A full refresh from a SQLite row store: DuckDB reads the database file itself, many times faster
        than rows handed through Python, in a child process (``sqlite_copy``: never in this one, whose
        SQLite locks it would drop). Every response up to ``top`` is read once, submitted or not, so each
        lands either in the store or in the pending list however the row store changes meanwhile.
        Returns how many responses were copied and the pending ones."""
        con = self.con
        cutoff = rowstore.as_datetime(utcnow() - timedelta(days=rowstore.PENDING_DAYS)).isoformat(sep=" ")
        database = rowstore.sqlite_file(self.engine)
        if database is None:
            raise RuntimeError("the row store is no SQLite file")
        root = get_settings().data_dir / "tmp"  # beside the data, as the imports' staging: not /tmp
        root.mkdir(parents=True, exist_ok=True)
        memory = str(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])  # type: ignore[index]
        with tempfile.TemporaryDirectory(prefix="refresh-", dir=root) as folder:
            sqlite_copy.read_apart(database, top, Path(folder), memory_limit=memory)
            incoming = sqlite_copy.quoted(Path(folder) / sqlite_copy.RESPONSES)
            answers = sqlite_copy.quoted(Path(folder) / sqlite_copy.ANSWERS)
            con.execute(
                f"CREATE OR REPLACE TEMPORARY TABLE incoming AS SELECT * FROM read_parquet({incoming})"
            )
            con.execute(
                f"""INSERT INTO responses
                SELECT id, organisation_id, survey_id, version_id, respondent, team_id, submitted_at,
                       CAST(timezone(timezone, submitted_at AT TIME ZONE 'UTC') AS DATE), {self.batch}
                FROM incoming WHERE submitted_at IS NOT NULL ORDER BY id"""
            )
            for table, where in schema.ANSWER_TABLES.items():  # two passes over the answers: one table each
                con.execute(
                    f"""INSERT INTO {table}
                    SELECT a.response_id, r.organisation_id, r.survey_id, r.version_id, a.question_id,
                           a.type, a.moment_id, r.team_id, r.respondent, r.day, a.value_int, {self.batch}
                    FROM read_parquet({answers}) a
                    JOIN responses r ON r.response_id = a.response_id
                    WHERE a.moment_id {where}"""
                )
        added = con.execute("SELECT count(*) FROM responses").fetchone()[0]  # type: ignore[index]
        pending = con.execute(
            "SELECT id::BIGINT AS response_id, started_at FROM incoming "
            f"WHERE submitted_at IS NULL AND started_at >= TIMESTAMP '{cutoff}' ORDER BY id"
        ).fetch_arrow_table()
        con.execute("DROP TABLE IF EXISTS incoming")
        return int(added), pending

    def _append_responses(self, rows: pa.Table) -> int:
        con = self.con
        con.register("new_responses", rows)
        con.execute(
            f"""INSERT INTO responses
            SELECT r.id, r.organisation_id, r.survey_id, r.version_id, r.respondent, coalesce(r.team_id, 0),
                   r.submitted_at, CAST(timezone(o.timezone, r.submitted_at AT TIME ZONE 'UTC') AS DATE),
                   {self.batch}
            FROM new_responses r
            JOIN organisations o ON o.id = r.organisation_id"""
        )
        con.unregister("new_responses")
        return rows.num_rows

    def _append_scores(self, rows: pa.Table) -> None:
        con = self.con
        con.register("new_scores", rows)
        for table, where in schema.ANSWER_TABLES.items():
            con.execute(
                f"""INSERT INTO {table}
                SELECT s.response_id, r.organisation_id, r.survey_id, r.version_id, s.question_id, q.type,
                       s.moment_id, r.team_id, r.respondent, r.day, s.value, {self.batch}
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
        for table, (_measures, order) in schema.COUNT_TABLES.items():
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            if (
                not self.full
                and rows <= COMPACT_GROWTH * int(self.meta.get(f"compacted_{table}", "0")) + COMPACT_SLACK
            ):
                continue
            sorted_by = ", ".join(order)
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {schema.summed(table)} ORDER BY {sorted_by}")
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
        for table in (*schema.ANSWER_TABLES, "responses"):
            con.execute(f"DELETE FROM {table} WHERE {gone}")
        con.unregister("known_ids")
        for table in schema.COUNT_TABLES:
            con.execute(f"DELETE FROM {table}")
        self._append_counts("true")
        return int(held - submitted)
