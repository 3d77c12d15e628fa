"""surveys, versions, questions, persons, invitations, responses, answers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:09:23.626677
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import nineplus.core.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("unsubscribed_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_invited_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('customer', 'employee')", name=op.f("ck_persons_kind")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_persons_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_persons_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint(
            "organisation_id", "external_id", name=op.f("uq_persons_organisation_id_external_id")
        ),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index("ix_persons_org_email", ["organisation_id", "email"], unique=False)
        batch_op.create_index(batch_op.f("ix_persons_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("moment_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=15), nullable=False),
        sa.Column("title", nineplus.core.models.LocalizedText(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("public_key", sa.String(length=32), nullable=False),
        sa.Column("created_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("audience IN ('customer', 'employee')", name=op.f("ck_surveys_audience")),
        sa.CheckConstraint("kind IN ('relationship', 'transactional')", name=op.f("ck_surveys_kind")),
        sa.CheckConstraint("status IN ('draft', 'live', 'closed')", name=op.f("ck_surveys_status")),
        sa.ForeignKeyConstraint(
            ["journey_id"], ["journeys.id"], name=op.f("fk_surveys_journey_id_journeys"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["moment_id"], ["moments.id"], name=op.f("fk_surveys_moment_id_moments"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_surveys_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("public_key", name=op.f("uq_surveys_public_key")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surveys_journey_id"), ["journey_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_surveys_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_survey_invitations_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_survey_invitations_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_invitations_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_invitations_token_hash")),
    )
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_invitations_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index("ix_survey_invitations_survey_person", ["survey_id", "person_id"], unique=False)

    op.create_table(
        "survey_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("frozen_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_survey_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_survey_versions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_versions_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_versions")),
        sa.UniqueConstraint("survey_id", "number", name=op.f("uq_survey_versions_survey_id_number")),
    )
    with op.batch_alter_table("survey_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_versions_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_versions_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("text", nineplus.core.models.LocalizedText(), nullable=False),
        sa.Column("help", nineplus.core.models.LocalizedText(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("per_moment", sa.Boolean(), nullable=False),
        sa.Column("moment_id", sa.Integer(), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "type IN ('nps', 'csat', 'effort', 'emotion', 'start_feeling', 'single', 'multiple', 'text', 'consent')",
            name=op.f("ck_questions_type"),
        ),
        sa.ForeignKeyConstraint(
            ["moment_id"], ["moments.id"], name=op.f("fk_questions_moment_id_moments"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_questions_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["survey_versions.id"],
            name=op.f("fk_questions_version_id_survey_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint("version_id", "key", name=op.f("uq_questions_version_id_key")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questions_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_questions_version_id"), ["version_id"], unique=False)

    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("moments_experienced", sa.JSON(), nullable=False),
        sa.Column("pages_done", sa.Integer(), nullable=False),
        sa.Column("started_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", nineplus.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitations.id"],
            name=op.f("fk_responses_invitation_id_survey_invitations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_responses_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_responses_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["survey_versions.id"],
            name=op.f("fk_responses_version_id_survey_versions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_responses_invitation_id")),
        sa.UniqueConstraint(
            "organisation_id", "client_id", name=op.f("uq_responses_organisation_id_client_id")
        ),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_responses_org_survey_submitted",
            ["organisation_id", "survey_id", "submitted_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_responses_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("moment_id", sa.Integer(), nullable=True),
        sa.Column("value_int", sa.Integer(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_choices", sa.JSON(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["moment_id"], ["moments.id"], name=op.f("fk_answers_moment_id_moments"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_answers_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_answers_question_id_questions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_answers_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
    )
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answers_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_answers_question_id"), ["question_id"], unique=False)
        batch_op.create_index("ix_answers_response", ["response_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_response")
        batch_op.drop_index(batch_op.f("ix_answers_question_id"))
        batch_op.drop_index(batch_op.f("ix_answers_organisation_id"))

    op.drop_table("answers")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responses_organisation_id"))
        batch_op.drop_index("ix_responses_org_survey_submitted")

    op.drop_table("responses")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_version_id"))
        batch_op.drop_index(batch_op.f("ix_questions_organisation_id"))

    op.drop_table("questions")
    with op.batch_alter_table("survey_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_versions_survey_id"))
        batch_op.drop_index(batch_op.f("ix_survey_versions_organisation_id"))

    op.drop_table("survey_versions")
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_invitations_survey_person")
        batch_op.drop_index(batch_op.f("ix_survey_invitations_organisation_id"))

    op.drop_table("survey_invitations")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_surveys_journey_id"))

    op.drop_table("surveys")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_organisation_id"))
        batch_op.drop_index("ix_persons_org_email")

    op.drop_table("persons")
