"""Backups of the row store: a consistent snapshot of every table, taken while the server runs, and a
restore into an empty database (the same engine or the other one: a backup of the embedded SQLite file
restores into PostgreSQL when an organisation outgrows the laptop).

A backup is one tar file: ``manifest.json`` (format, schema revision, when, from which engine, and per
table its rows and the SHA-256 of its file) and ``tables/<table>.jsonl.gz``, one JSON object per row,
values as the models type them (times as ISO 8601 with their zone, dates as ISO dates, decimals as
text, bytes as base64). The snapshot is one read transaction over every table: SQLite's write-ahead log
and PostgreSQL's repeatable-read, read-only transaction both keep later writes out of it, so a response
stored during the backup is in it whole or not at all.

Restore refuses a database that holds rows, checks every file against the manifest before it writes,
brings an empty schema to the backup's revision, inserts the tables parents first in one transaction
(all or nothing), sets PostgreSQL's id sequences past the restored ids, and then upgrades to the newest
schema. The erasure register is not in the backup: it stays in the data folder, and the caller applies it
again (``privacy.erasure.reapply``) so that nobody erased since the backup comes back."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, inspect, select, text

from nineplus.core import migrate
from nineplus.core.models import Base, utcnow
from nineplus.core.registry import import_all_models

FORMAT = 1
BATCH = 2_000  # rows per insert on restore
SKIPPED = {"alembic_version"}  # the schema's revision is in the manifest


class BackupError(RuntimeError):
    """A backup that cannot be restored (damaged, of another format, or into a database that holds rows);
    the message says why, in words."""


@dataclass
class Manifest:
    format: int
    revision: str
    created_at: str
    engine: str
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> rows, sha256

    @property
    def rows(self) -> int:
        return sum(int(t["rows"]) for t in self.tables.values())


def tables() -> list[Table]:
    """Every table of the models, parents before the tables that refer to them."""
    import_all_models()
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED]


# Taking a backup --------------------------------------------------------------------------------------


def backup(engine: Engine, path: Path) -> Manifest:
    """Write a backup of the whole row store to ``path`` (replaced only once it is complete)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with _snapshot(engine) as conn, tarfile.open(partial, "w") as archive:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        manifest = Manifest(FORMAT, str(revision), utcnow().isoformat(), engine.dialect.name)
        for table in tables():
            data, rows = _dumped(conn, table)
            manifest.tables[table.name] = {"rows": rows, "sha256": hashlib.sha256(data).hexdigest()}
            _add(archive, f"tables/{table.name}.jsonl.gz", data)
        _add(archive, "manifest.json", json.dumps(manifest.__dict__, indent=2).encode())
    partial.replace(path)
    return manifest


class _snapshot:  # noqa: N801 - used as a context manager, like a function
    """One read-only transaction that sees the database as it was at its first read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Connection:
        if self.engine.dialect.name == "postgresql":
            self.conn = self.engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        else:
            self.conn = self.engine.connect()
        self.conn.begin()
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.rollback()
        self.conn.close()


def _dumped(conn: Connection, table: Table) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    rows = 0
    key = list(table.primary_key.columns) or list(table.columns)
    query = select(table).order_by(*key)
    if conn.dialect.name == "postgresql":
        query = query.execution_options(yield_per=BATCH)  # a server-side cursor: not every row in memory
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as out:
        for row in conn.execute(query):
            out.write(
                json.dumps({k: _plain(v) for k, v in row._mapping.items()}, ensure_ascii=False).encode()
            )
            out.write(b"\n")
            rows += 1
    return buffer.getvalue(), rows


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


# Restoring one ----------------------------------------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    """The backup's manifest, after checking that every table's file is there and unchanged."""
    try:
        with tarfile.open(path, "r") as archive:
            raw = json.loads(_member(archive, "manifest.json"))
            manifest = Manifest(**raw)
            if manifest.format != FORMAT:
                raise BackupError(f"this backup has format {manifest.format}; this version reads {FORMAT}")
            for name, entry in manifest.tables.items():
                data = _member(archive, f"tables/{name}.jsonl.gz")
                if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                    raise BackupError(f"the file of table {name} is damaged (its checksum differs)")
    except (tarfile.TarError, OSError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(f"{path} is not a readable nineplus backup ({exc})") from exc
    return manifest


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise BackupError(f"the backup lacks {name}")
    return member.read()


def restore(engine: Engine, path: Path) -> Manifest:
    """Restore the backup at ``path`` into the empty database behind ``engine`` and upgrade it to the
    newest schema; return the backup's manifest."""
    manifest = read_manifest(path)
    known = {t.name for t in tables()}  # (imports every model first)
    if unknown := set(manifest.tables) - known:
        raise BackupError(f"the backup holds tables this version does not know: {sorted(unknown)}")
    with engine.connect() as conn:
        _refuse_rows(conn)
        current = migrate.current_revision(conn)
        if current is not None and current != manifest.revision:
            migrate.downgrade("base", connection=conn)  # an empty schema of another revision: rebuilt
        migrate.upgrade(manifest.revision, connection=conn)
        conn.commit()
    with engine.begin() as conn, tarfile.open(path, "r") as archive:
        by_name = {t.name: t for t in tables()}
        schema = inspect(conn)
        for name in [t.name for t in tables() if t.name in manifest.tables]:
            table = by_name[name]
            present = {c["name"] for c in schema.get_columns(name)}
            rows = _rows(_member(archive, f"tables/{name}.jsonl.gz"), table, present)
            stored = 0
            for batch in _batches(rows):
                conn.execute(table.insert(), batch)
                stored += len(batch)
            if stored != int(manifest.tables[name]["rows"]):
                raise BackupError(
                    f"table {name}: {stored} rows read, the manifest says {manifest.tables[name]['rows']}"
                )
        if conn.dialect.name == "postgresql":
            _advance_sequences(conn)
    with engine.connect() as conn:
        migrate.upgrade(connection=conn)
        conn.commit()
    return manifest


def _refuse_rows(conn: Connection) -> None:
    present = set(inspect(conn).get_table_names())
    for table in tables():
        if table.name in present and conn.execute(select(func.count()).select_from(table)).scalar_one():
            raise BackupError(
                f"the database already holds rows (table {table.name}); restore into an empty database"
            )


def _rows(data: bytes, table: Table, present: set[str]) -> Iterator[dict[str, Any]]:
    kinds = {c.name: _python_type(c) for c in table.columns}
    for line in gzip.decompress(data).splitlines():
        if line.strip():
            row = json.loads(line)
            yield {k: _typed(v, kinds.get(k)) for k, v in row.items() if k in present and k in kinds}


def _python_type(column: Any) -> type | None:
    """The Python type a column's values have (a decorated type's underlying one), or None (JSON)."""
    for kind in (column.type, getattr(column.type, "impl_instance", None)):
        try:
            found = kind.python_type
        except (NotImplementedError, AttributeError):
            continue
        if found not in (dict, list, object):  # (a decorated type answers "object")
            return found  # type: ignore[no-any-return]
    return None


def _typed(value: Any, kind: type | None) -> Any:
    if value is None or kind is None or not isinstance(value, str):
        return value
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is Decimal:
        return Decimal(value)
    if kind is bytes:
        return base64.b64decode(value)
    return value


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _advance_sequences(conn: Connection) -> None:
    """Set each id sequence past the highest restored id, so that new rows do not collide with them."""
    for table in tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or key[0].autoincrement is False or _python_type(key[0]) is not int:
            continue
        column = key[0].name
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column}
        ).scalar()
        if sequence:
            highest = conn.execute(select(func.max(key[0]))).scalar() or 0
            conn.execute(text("SELECT setval(:seq, :next, false)"), {"seq": sequence, "next": highest + 1})
