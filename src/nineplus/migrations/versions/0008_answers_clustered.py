"""answers clustered on (response, question, moment): WITHOUT ROWID on SQLite, no surrogate id, no
secondary indexes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VALUES = "response_id, question_id, moment_id, value_int, value_text, value_choices, organisation_id"


def _answers_table(name: str, *, clustered: bool) -> None:
    key = (
        [sa.Column("moment_key", sa.Integer(), nullable=False)]
        if clustered
        else [sa.Column("id", sa.Integer(), nullable=False)]
    )
    op.create_table(
        name,
        *key,
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("moment_id", sa.Integer(), nullable=True),
        sa.Column("value_int", sa.Integer(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_choices", sa.JSON(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["moment_id"], ["moments.id"], name="fk_answers_moment_id_moments", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_answers_organisation_id_organisations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name="fk_answers_question_id_questions", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["responses.id"], name="fk_answers_response_id_responses", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            *(("response_id", "question_id", "moment_key") if clustered else ("id",)), name="pk_answers"
        ),
        sqlite_with_rowid=not clustered,
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot change a table's key: build the new table beside the old one and move the rows.
        for index in ("ix_answers_response", "ix_answers_question_id", "ix_answers_organisation_id"):
            op.drop_index(index, table_name="answers")
        op.rename_table("answers", "answers_old")
        _answers_table("answers", clustered=True)
        # Two answers to one question and moment of one response (two racing submits of the same page
        # could leave them): the later one stays, as it was the one shown.
        op.execute(
            f"INSERT OR REPLACE INTO answers (moment_key, {_VALUES}) "  # noqa: S608 - fixed names
            f"SELECT coalesce(moment_id, 0), {_VALUES} FROM answers_old ORDER BY id"
        )
        op.drop_table("answers_old")
        return
    op.add_column("answers", sa.Column("moment_key", sa.Integer(), nullable=True))
    op.execute("UPDATE answers SET moment_key = coalesce(moment_id, 0)")
    op.execute(  # a double answer (see above): the later one stays
        "DELETE FROM answers a USING answers b WHERE a.response_id = b.response_id "
        "AND a.question_id = b.question_id AND a.moment_key = b.moment_key AND a.id < b.id"
    )
    op.alter_column("answers", "moment_key", nullable=False)
    op.drop_constraint("pk_answers", "answers", type_="primary")
    op.drop_column("answers", "id")
    op.create_primary_key("pk_answers", "answers", ["response_id", "question_id", "moment_key"])
    for index in ("ix_answers_response", "ix_answers_question_id", "ix_answers_organisation_id"):
        op.drop_index(index, table_name="answers")


def downgrade() -> None:
    op.rename_table("answers", "answers_new")
    if op.get_bind().dialect.name != "sqlite":
        for name in ("pk_answers", "fk_answers_moment_id_moments", "fk_answers_organisation_id_organisations",
                     "fk_answers_question_id_questions", "fk_answers_response_id_responses"):  # fmt: skip
            op.drop_constraint(
                name, "answers_new", type_="primary" if name.startswith("pk") else "foreignkey"
            )
    _answers_table("answers", clustered=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"INSERT INTO answers (id, {_VALUES}) SELECT row_number() OVER (), {_VALUES} FROM answers_new"  # noqa: S608 - fixed names
        )
    else:  # the id is a serial column again
        op.execute(f"INSERT INTO answers ({_VALUES}) SELECT {_VALUES} FROM answers_new")  # noqa: S608
    op.drop_table("answers_new")
    op.create_index("ix_answers_organisation_id", "answers", ["organisation_id"], unique=False)
    op.create_index("ix_answers_question_id", "answers", ["question_id"], unique=False)
    op.create_index("ix_answers_response", "answers", ["response_id"], unique=False)
