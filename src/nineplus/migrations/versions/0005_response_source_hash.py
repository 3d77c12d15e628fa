"""response source hash: a keyed hash of sender and browser, for the ballot-stuffing check

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:48:15.545058
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_hash", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("source_hash")
