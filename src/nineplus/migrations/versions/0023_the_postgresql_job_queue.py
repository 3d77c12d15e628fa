"""the job queue on PostgreSQL: procrastinate's schema

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 07:50:00

On PostgreSQL, jobs travel through procrastinate (README: "Production"). Its tables, types, functions and
triggers come from the installed package's own schema file; the package is pinned to one minor version
(pyproject.toml), and a bump that changes the schema gets a migration applying procrastinate's
migration files. SQLite keeps the in-process runner and gets nothing.
"""

import re
from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _schema() -> str:
    from procrastinate.schema import SchemaManager

    return SchemaManager.get_schema()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.get_bind().exec_driver_sql(_schema().replace("%", "%%"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = _schema()
    bind = op.get_bind()
    for table in ("procrastinate_events", "procrastinate_periodic_defers", "procrastinate_jobs"):
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
    bind.exec_driver_sql("DROP TABLE IF EXISTS procrastinate_workers CASCADE")
    for function in re.findall(r"CREATE FUNCTION (\w+)\(", schema):
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function} CASCADE")
    for type_ in re.findall(r"CREATE TYPE (\w+)", schema):
        bind.exec_driver_sql(f"DROP TYPE IF EXISTS {type_} CASCADE")
