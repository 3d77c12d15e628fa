"""customer outcomes: still a customer, churn date and revenue per person and period

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:04:21.426002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import nineplus.core.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("churned_on", sa.Date(), nullable=True),
        sa.Column("revenue", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("created_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_customer_outcomes_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_customer_outcomes_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_outcomes")),
        sa.UniqueConstraint(
            "person_id", "period_start", name=op.f("uq_customer_outcomes_person_id_period_start")
        ),
    )
    with op.batch_alter_table("customer_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_outcomes_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customer_outcomes_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_outcomes_person_id"))
        batch_op.drop_index(batch_op.f("ix_customer_outcomes_organisation_id"))

    op.drop_table("customer_outcomes")
