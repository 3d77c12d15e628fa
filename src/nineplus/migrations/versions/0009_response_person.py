"""responses name their respondent: person_id, set from the invitation or by an import

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 11:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # (On SQLite this rebuilds ``responses``; env.py turns foreign keys off for it, so nothing cascades.)
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_responses_person_id_persons"),
            "persons",
            ["person_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Responses to an invitation name the invited person.
    op.execute(
        "UPDATE responses SET person_id = (SELECT i.person_id FROM survey_invitations i "
        "WHERE i.id = responses.invitation_id) WHERE invitation_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_responses_person_id_persons"), type_="foreignkey")
        batch_op.drop_column("person_id")
