"""Alembic environment: runs against the configured database, or the connection handed in by tests."""

from __future__ import annotations

from alembic import context

from nineplus.core.db import make_engine
from nineplus.core.models import Base
from nineplus.core.registry import import_all_models
from nineplus.core.settings import get_settings

import_all_models()
target_metadata = Base.metadata
config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url()
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    if connection.dialect.name == "sqlite" and not connection.in_transaction():
        # SQLite changes a table by rebuilding it (batch mode), and dropping the old table would cascade
        # to the rows that refer to it (dropping ``responses`` deletes every answer). SQLite's own
        # procedure: foreign keys off, outside a transaction, for the migration; checked after it.
        raw = connection.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            _migrate(connection)
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
        return
    _migrate(connection)


# Built by migrations alone, not described by the models (0011: the verbatims' full-text index, with the
# tables SQLite's FTS5 keeps beside it).
UNMODELLED = frozenset(
    {
        "verbatim_search",
        *(f"verbatim_search_{part}" for part in ("data", "idx", "content", "docsize", "config")),
        "ix_verbatim_analyses_search",
    }
)


# procrastinate's own tables on PostgreSQL (0023: the job queue), which its package describes.
QUEUE_PREFIXES = ("procrastinate_", "idx_procrastinate_")


def _modelled(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    return not (reflected and (name in UNMODELLED or (name or "").startswith(QUEUE_PREFIXES)))


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_modelled,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()


run_migrations()
