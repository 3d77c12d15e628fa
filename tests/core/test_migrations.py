"""The migrations build the schema the models describe, and run down and up again cleanly."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from nineplus.core import migrate
from nineplus.core.models import Base
from tests.conftest import Databases


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        migrate.check(connection=conn)  # raises when `alembic check` would find a difference


def test_every_table_of_the_models_exists(engine: Engine) -> None:
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_the_migrations_run_down_to_nothing_and_up_again(databases: Databases) -> None:
    _url, engine = databases.migrated()
    with engine.connect() as conn:
        from alembic import command

        command.downgrade(migrate.alembic_config(conn), "base")
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(connection=conn)
        assert set(Base.metadata.tables) <= set(inspect(conn).get_table_names())
    engine.dispose()
