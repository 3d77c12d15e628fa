"""The database engine and sessions.

SQLite is the embedded default: WAL, ``synchronous=FULL``, foreign keys on. The driver's own transaction
handling is switched off (SQLAlchemy's documented pysqlite recipe) so that savepoints work and so that a
write session can open its transaction with ``BEGIN IMMEDIATE``: a writer takes the lock up front instead
of failing half-way with "database is locked". Reads keep a plain deferred ``BEGIN``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from nineplus.core.settings import get_settings

WRITE_OPTION = "nineplus_write"


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with the project's connection settings."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see module docstring)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Freed space is overwritten with zeros, so an erased person's data does not linger in free pages
        # or in the unused part of a page (privacy.erasure): deletes write a little more.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None


def get_engine() -> Engine:
    """Return the process-wide engine for the configured database."""
    global _engine, _factory
    if _engine is None:
        _engine = make_engine(get_settings().resolved_database_url())
        _factory = sessionmaker(bind=_engine, expire_on_commit=False)
    return _engine


def reset_engine() -> None:
    """Dispose of the engine (tests and the CLI switch databases with this)."""
    global _engine, _factory
    if _engine is not None:
        _engine.dispose()
    _engine = None
    _factory = None


class StillInTheLog(RuntimeError):
    """The write-ahead log could not be emptied (a reader held it): the caller's job is tried again."""


def compact_sqlite(first: tuple[str, ...] = ()) -> bool:
    """Run ``first`` (each in its own transaction), rewrite the embedded database whole (VACUUM) and empty
    its write-ahead log, so that no byte of a deleted row is left anywhere in the files (an erasure);
    False on PostgreSQL. It takes the write lock for as long as the copy lasts (a second or two for a
    database of 100 MB). Raises StillInTheLog when a reader kept the log from being emptied."""
    engine = get_engine()
    if engine.dialect.name != "sqlite":
        return False
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement in first:
            cursor.execute(statement)
        cursor.execute("VACUUM")
        busy, _pages, _moved = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    if busy:
        raise StillInTheLog("a reader kept the write-ahead log from being emptied")
    return True


def new_session(*, write: bool = False) -> Session:
    """Open a session; ``write=True`` takes SQLite's write lock at the start of the transaction."""
    engine = get_engine()
    assert _factory is not None
    if write:
        return _factory(bind=engine.execution_options(**{WRITE_OPTION: True}))
    return _factory()


@contextmanager
def transaction(*, write: bool = True) -> Iterator[Session]:
    """Run a unit of work: commit when the block succeeds, roll back when it raises."""
    with unit_of_work(lambda: new_session(write=write)) as session:
        yield session


@contextmanager
def unit_of_work(open_session: Callable[[], Session]) -> Iterator[Session]:
    """A session from ``open_session`` that commits when the block succeeds and rolls back when it raises."""
    session = open_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def describe_url(url: str) -> str:
    """Render a database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)
