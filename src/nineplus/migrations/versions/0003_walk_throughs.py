"""walk-throughs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:28:42.606209
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import nineplus.core.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "walk_throughs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("walker", sa.String(length=200), nullable=False),
        sa.Column("walker_role", sa.String(length=20), nullable=False),
        sa.Column("walked_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "walker_role IN ('employee', 'mystery_shopper', 'together')",
            name=op.f("ck_walk_throughs_walker_role"),
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_walk_throughs_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_walk_throughs_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_throughs")),
    )
    with op.batch_alter_table("walk_throughs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_walk_throughs_journey_id"), ["journey_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_walk_throughs_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "walk_through_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("walk_id", sa.Integer(), nullable=False),
        sa.Column("moment_id", sa.Integer(), nullable=False),
        sa.Column("feeling", sa.SmallInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("feeling BETWEEN -3 AND 3", name=op.f("ck_walk_through_entries_feeling")),
        sa.ForeignKeyConstraint(
            ["moment_id"],
            ["moments.id"],
            name=op.f("fk_walk_through_entries_moment_id_moments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_walk_through_entries_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["walk_id"],
            ["walk_throughs.id"],
            name=op.f("fk_walk_through_entries_walk_id_walk_throughs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_through_entries")),
        sa.UniqueConstraint("walk_id", "moment_id", name=op.f("uq_walk_through_entries_walk_id_moment_id")),
    )
    with op.batch_alter_table("walk_through_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_walk_through_entries_moment_id"), ["moment_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_walk_through_entries_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("walk_through_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_walk_through_entries_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_walk_through_entries_moment_id"))

    op.drop_table("walk_through_entries")
    with op.batch_alter_table("walk_throughs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_walk_throughs_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_walk_throughs_journey_id"))

    op.drop_table("walk_throughs")
