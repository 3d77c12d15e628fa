"""Alembic, driven from code: upgrade, check and "is the schema current?"."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from nineplus.core.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(revision: str = "head", connection: Connection | None = None) -> None:
    if connection is not None:
        command.upgrade(alembic_config(connection), revision)
        return
    with get_engine().connect() as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(revision: str, connection: Connection) -> None:
    command.downgrade(alembic_config(connection), revision)


def current_revision(connection: Connection) -> str | None:
    """The schema's revision, or None for a database without one."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def check(connection: Connection | None = None) -> None:
    if connection is not None:
        command.check(alembic_config(connection))
        return
    with get_engine().connect() as conn:
        command.check(alembic_config(conn))


def is_current() -> bool:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with get_engine().connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head
