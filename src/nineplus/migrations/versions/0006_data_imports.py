"""data imports: an uploaded file, its mapping and its progress

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:56:30.898700
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import nineplus.core.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_as", sa.String(length=500), nullable=False),
        sa.Column("tool", sa.String(length=20), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("valid_only", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("valid", sa.Integer(), nullable=False),
        sa.Column("invalid", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("existing", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('mapping', 'queued', 'checking', 'rejected', 'storing', 'done', 'failed')",
            name=op.f("ck_data_imports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_data_imports_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_data_imports_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_data_imports_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_imports")),
    )
    with op.batch_alter_table("data_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_imports_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_data_imports_survey_id"), ["survey_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("data_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_imports_survey_id"))
        batch_op.drop_index(batch_op.f("ix_data_imports_organisation_id"))

    op.drop_table("data_imports")
