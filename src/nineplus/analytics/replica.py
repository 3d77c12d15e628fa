"""The figures for web servers that do not hold the analytic store: its Parquet export, read in place.

DuckDB lets one process open the store's file. With the PostgreSQL queue, that process is the leading
`nineplus worker`, which refreshes the store and writes the export after each refresh
(``NINEPLUS_ANALYTICS_EXPORT_DIR``, by default ``DATA_DIR/analytics-export``, on a folder every server
reaches). Each web server process reads the export through an in-memory DuckDB whose tables are views over
the files the manifest lists, so the dashboards' questions run unchanged: the same tables, the same SQL.

A new manifest (the next refresh) is picked up at the next snapshot; a snapshot keeps the files it began
with. The export's counts are summed already, which the readers' sums leave as they are.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from nineplus.analytics import schema
from nineplus.analytics.export import MANIFEST, read_manifest
from nineplus.analytics.store import StoreBusy

log = logging.getLogger(__name__)


class NoExportYet(StoreBusy):
    """The worker has not written the export yet (a new installation): the pages show no figures yet."""


class ExportReplica:
    """Reads ``folder``'s export the way ``AnalyticStore`` reads its file (``snapshot``, ``state``)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int] | None = None  # the manifest's (mtime, size) the views were made from

    def _connection(self) -> duckdb.DuckDBPyConnection:
        manifest = self.path / MANIFEST
        try:
            found = manifest.stat()
        except FileNotFoundError:
            raise NoExportYet(f"no analytics export in {self.path} yet") from None
        stamp = (found.st_mtime_ns, found.st_size)
        with self._lock:
            if self._con is None or stamp != self._stamp:
                self._con = _views(self.path)
                self._stamp = stamp
            return self._con

    @contextmanager
    def snapshot(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cursor = schema.session(self._connection().cursor())
        try:
            yield cursor
        finally:
            cursor.close()

    def state(self) -> dict[str, str]:
        with self.snapshot() as cur:
            return dict(cur.execute("SELECT key, value FROM meta").fetchall())

    def renew(self) -> None:
        """Make the views anew at the next snapshot (other threads finish on the connection they have)."""
        with self._lock:
            self._stamp = None

    def fill_once(self, engine: object) -> None:
        """The worker fills the store; a reader has nothing to do."""

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


def _views(folder: Path) -> duckdb.DuckDBPyConnection:
    manifest = read_manifest(folder)
    con = schema.session(duckdb.connect())
    con.execute("SET disabled_optimizers = 'compressed_materialization'")
    for table, names in manifest["files"].items():
        files = ", ".join("'" + str(folder / name).replace("'", "''") + "'" for name in names)
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{files}])")  # noqa: S608
    for table, moments in schema.ANSWER_TABLES.items():  # the store splits the scores in two
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM scores WHERE moment_id {moments}")  # noqa: S608
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    meta = {str(k): str(v) for k, v in manifest.get("meta", {}).items()}
    meta.setdefault("schema", str(manifest.get("schema")))
    con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
    con.execute("CREATE TABLE pending (response_id BIGINT, started_at TIMESTAMP)")
    return con


_replicas: dict[Path, ExportReplica] = {}
_replicas_lock = threading.Lock()


def get_replica() -> ExportReplica:
    from nineplus.core.settings import get_settings

    folder = get_settings().resolved_analytics_export_dir()
    if folder is None:
        raise StoreBusy("set NINEPLUS_ANALYTICS_EXPORT_DIR to the folder the worker writes the export to")
    with _replicas_lock:
        if folder not in _replicas:
            _replicas[folder] = ExportReplica(folder)
        return _replicas[folder]
