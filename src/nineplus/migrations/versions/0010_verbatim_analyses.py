"""verbatim analyses, their moments and text models; keywords per moment

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:46:19.236209
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import nineplus.core.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "text_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("trained_until", sa.Integer(), nullable=False),
        sa.Column("trained_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_text_models_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_models")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_text_models_organisation_id")),
    )
    with op.batch_alter_table("text_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_text_models_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "verbatim_analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("moment_key", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("lemmas", sa.Text(), nullable=False),
        sa.Column("masked", sa.Text(), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("polarity", sa.String(length=8), nullable=False),
        sa.Column("theme", sa.String(length=20), nullable=True),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("analysed_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_verbatim_analyses_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_verbatim_analyses_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_verbatim_analyses_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verbatim_analyses")),
        sa.UniqueConstraint(
            "response_id",
            "question_id",
            "moment_key",
            name=op.f("uq_verbatim_analyses_response_id_question_id_moment_key"),
        ),
    )
    with op.batch_alter_table("verbatim_analyses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verbatim_analyses_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_verbatim_analyses_response_id"), ["response_id"], unique=False)

    op.create_table(
        "verbatim_moments",
        sa.Column("analysis_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("moment_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["verbatim_analyses.id"],
            name=op.f("fk_verbatim_moments_analysis_id_verbatim_analyses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["moment_id"],
            ["moments.id"],
            name=op.f("fk_verbatim_moments_moment_id_moments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_verbatim_moments_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("analysis_id", "moment_id", name=op.f("pk_verbatim_moments")),
    )
    with op.batch_alter_table("verbatim_moments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verbatim_moments_moment_id"), ["moment_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_verbatim_moments_organisation_id"), ["organisation_id"], unique=False
        )

    with op.batch_alter_table("moments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keywords", nineplus.core.models.LocalizedText(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("moments", schema=None) as batch_op:
        batch_op.drop_column("keywords")

    with op.batch_alter_table("verbatim_moments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verbatim_moments_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_verbatim_moments_moment_id"))

    op.drop_table("verbatim_moments")
    with op.batch_alter_table("verbatim_analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verbatim_analyses_response_id"))
        batch_op.drop_index(batch_op.f("ix_verbatim_analyses_organisation_id"))

    op.drop_table("verbatim_analyses")
    with op.batch_alter_table("text_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_text_models_organisation_id"))

    op.drop_table("text_models")
