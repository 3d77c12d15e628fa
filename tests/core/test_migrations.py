"""The migrations build the schema the models describe, and run down and up again cleanly."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from nineplus.core import migrate
from nineplus.core.models import Base
from tests.conftest import Databases


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        migrate.check(connection=conn)  # raises when `alembic check` would find a difference


def test_every_table_of_the_models_exists(engine: Engine) -> None:
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_the_migrations_run_down_to_nothing_and_up_again(databases: Databases) -> None:
    _url, engine = databases.migrated()
    with engine.connect() as conn:
        from alembic import command

        command.downgrade(migrate.alembic_config(conn), "base")
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(connection=conn)
        assert set(Base.metadata.tables) <= set(inspect(conn).get_table_names())
    engine.dispose()


def test_clustering_the_answers_keeps_every_answer_both_ways(databases: Databases) -> None:
    """0008 rebuilds the answers table (WITHOUT ROWID on SQLite): the demo's answers survive a downgrade
    to the old layout and an upgrade back, value for value."""
    from alembic import command
    from sqlalchemy.orm import Session

    from nineplus.core.tenancy import system
    from nineplus.demo.loader import load_demo

    _url, engine = databases.migrated()
    with Session(engine) as session:
        system(session)
        load_demo(session)
        session.commit()
    columns = "response_id, question_id, moment_id, value_int, value_text, value_choices, organisation_id"
    query = text(f"SELECT {columns} FROM answers ORDER BY response_id, question_id, moment_id")  # noqa: S608

    def answers() -> list[tuple[object, ...]]:
        with engine.connect() as conn:
            return [tuple(str(v) for v in row) for row in conn.execute(query)]

    before = answers()
    assert len(before) >= 200  # the demo's survey holds a few hundred answers
    with engine.connect() as conn:
        command.downgrade(migrate.alembic_config(conn), "0007")
        conn.commit()
    assert answers() == before
    with engine.connect() as conn:
        migrate.upgrade(connection=conn)
        conn.commit()
    assert answers() == before
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'answers'")).scalar_one()
        assert "WITHOUT ROWID" in ddl
    engine.dispose()


def test_pseudonymising_the_respondents_keeps_who_gave_what_both_ways(databases: Databases) -> None:
    """0021 moves each response's link to its person into ``respondent_keys`` (a pseudonym on the
    response) and gives the response its person's team: after a downgrade to direct links and an upgrade
    back, every response still belongs to the same person, no response names a person any more, and
    every person has a pseudonym of their own."""
    from alembic import command
    from sqlalchemy.orm import Session

    from nineplus.core.tenancy import system
    from nineplus.demo.loader import load_demo

    _url, engine = databases.migrated()
    with Session(engine) as session:
        system(session)
        load_demo(session)
        session.commit()
        from datetime import UTC, datetime

        from sqlalchemy import select

        from nineplus.feedback.models import Person, Survey, SurveyInvitation

        person = session.scalars(select(Person).limit(1)).one()
        survey = session.scalars(select(Survey).limit(1)).one()
        answered = datetime(2026, 3, 4, 15, 16, 17, tzinfo=UTC)
        invitation = SurveyInvitation(
            organisation_id=person.organisation_id,
            survey_id=survey.id,
            person_id=person.id,
            token_hash="f" * 64,
            expires_at=answered,
            used_at=answered,
        )
        session.add(invitation)
        session.commit()
        invitation_id = invitation.id
    who = text(
        "SELECT r.id, k.person_id, r.team_id FROM responses r "
        "LEFT JOIN respondent_keys k ON k.respondent = r.respondent ORDER BY r.id"
    )
    with engine.connect() as conn:
        before = conn.execute(who).all()
    assert sum(1 for _id, person, _team in before if person is not None) >= 100
    with engine.connect() as conn:
        command.downgrade(migrate.alembic_config(conn), "0020")
        conn.commit()
        direct = conn.execute(text("SELECT id, person_id FROM responses ORDER BY id")).all()
    assert direct == [(rid, person) for rid, person, _team in before]
    with engine.connect() as conn:
        migrate.upgrade(connection=conn)
        conn.commit()
        after = conn.execute(who).all()
        columns = {c["name"] for c in inspect(conn).get_columns("responses")}
        persons, keyed, distinct = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM persons), count(*), count(DISTINCT respondent) "
                "FROM respondent_keys"
            )
        ).one()
    assert "person_id" not in columns
    assert [(rid, person) for rid, person, _team in after] == [(rid, p) for rid, p, _team in before]
    teams = {rid: team for rid, _person, team in before}
    assert all(team == teams[rid] for rid, _person, team in after if team is not None)
    assert persons == keyed == distinct
    with Session(engine) as session:
        system(session)
        kept = session.get_one(SurveyInvitation, invitation_id).used_at
    assert kept == datetime(2026, 3, 4, tzinfo=UTC)  # the day it was answered, no longer the moment
    engine.dispose()
