"""bounces: VERP bounce notices on invitations, permanent bounces on persons

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:20:43.259883
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import nineplus.core.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bounced_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bounced_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("bounce_status", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("bounce_detail", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.drop_column("bounce_detail")
        batch_op.drop_column("bounce_status")
        batch_op.drop_column("bounced_at")

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_column("bounced_at")
