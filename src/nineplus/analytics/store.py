"""The analytic store: an embedded DuckDB file beside the row store, in the shape the analytics layer reads
(``analytics.schema``), fed by ``analytics.refresh``.

The row store (SQLite or PostgreSQL) is built for many small writes; the questions analytics asks (every
score of a year, per team and month) read whole columns, so submitted responses are copied into a column
store beside it.

One writer, consistent readers: DuckDB lets one process open the file for writing. The process that
runs the jobs (the web server with its in-process runner) owns it; a refresh holds a lock so that two
refreshes never interleave, and a reader works on a cursor inside a read transaction, so every query
of one page sees the same snapshot even while a refresh commits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb
from sqlalchemy import Engine

from nineplus.analytics import schema
from nineplus.analytics.refresh import Refresh, RefreshReport
from nineplus.core import duck

log = logging.getLogger(__name__)
T = TypeVar("T")
FILL_RETRY_SECONDS = 60  # after a failed first fill, pages wait this long before trying again


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
                schema.session(con)
                # Dashboards ask many small questions: compressing the columns of a few thousand rows
                # before sorting them cost about a tenth of a dashboard's time and saved nothing.
                con.execute("SET disabled_optimizers = 'compressed_materialization'")
                schema.create_schema(con)
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
            cursor = schema.session(con.cursor())
        else:
            kept = getattr(readers, "kept", None)
            if kept is None or kept[0] is not con:  # the thread's first snapshot, or the store reopened
                kept = readers.kept = (con, schema.session(con.cursor()))
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
                report = Refresh(con, engine, full=full).run()
            finally:
                con.close()
        return RefreshReport(**report, seconds=time.perf_counter() - started)


_stores: dict[Path, AnalyticStore] = {}
_stores_lock = threading.Lock()


_reads_export = False


def read_from_export() -> None:
    """Make this process read its figures from the Parquet export (``analytics/replica.py``): a web server
    beside `nineplus worker`, which holds the store."""
    global _reads_export
    _reads_export = True


def read_store(question: Callable[[AnalyticStore], T]) -> T | None:
    """Ask the process's store (filled first on a first start, so that it need not wait for the job);
    None when another process holds it. A web server beside the PostgreSQL queue's workers asks the
    export instead."""
    from nineplus.core import db

    if _reads_export:
        from nineplus.analytics.replica import get_replica

        replica = get_replica()
        try:
            try:
                return question(replica)  # type: ignore[arg-type]
            except duckdb.IOException:  # a file of an export two refreshes old is gone: read the newest
                replica.renew()
                return question(replica)  # type: ignore[arg-type]
        except StoreBusy as exc:
            log.info("no figures yet: %s", exc)
            return None
    store = get_store()
    try:
        store.fill_once(db.get_engine())
    except StoreBusy:
        log.warning("the analytic store is held by another process; the figures cannot be read")
        return None
    except Exception:  # a page shows what the store holds (nothing yet) rather than an error
        log.exception("the first refresh of the analytic store failed; the job runner will retry")
    try:
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
