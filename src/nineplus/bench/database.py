"""A benchmark's own database: created fresh, migrated to the newest schema, filled through the product's
services in the system scope."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from nineplus.core import migrate
from nineplus.core.db import make_engine
from nineplus.core.tenancy import system


@contextmanager
def fresh_database(url: str) -> Iterator[Session]:
    """A session in the system scope on the database at ``url``, migrated first; the engine is disposed
    of afterwards (a benchmark's server and children open their own)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            migrate.upgrade(connection=conn)
        with Session(engine, expire_on_commit=False) as session:
            system(session)
            yield session
    finally:
        engine.dispose()
