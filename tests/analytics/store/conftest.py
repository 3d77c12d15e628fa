"""The analytic store reads the row store through connections of its own: these tests build their data on
a committed database (as the bulk import tests do) and refresh a DuckDB file in the test's folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from nineplus.accounts import auth
from nineplus.analytics.store import AnalyticStore, get_store
from nineplus.core.db import get_engine
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import system
from nineplus.feedback import service
from nineplus.feedback.models import Answer, Person, Response, SurveyInvitation
from nineplus.privacy import pseudonyms
from nineplus.web.app import create_app
from nineplus.web.deps import SESSION_COOKIE
from tests.factories import World
from tests.imports.conftest import Target, build_target


@pytest.fixture
def db(committed_session: Session) -> Session:
    return committed_session


@dataclass
class Feed:
    """Writes responses the way the product stores them, committed, and refreshes the store."""

    db: Session
    target: Target
    world: World
    store: AnalyticStore
    persons: dict[str, Person] = field(default_factory=dict)
    _number: int = 0

    def person(self, name: str, team: str | None, **attributes: str) -> Person:
        team_id = self.world.teams[team].id if team else None
        person = Person(email=f"{name}@example.org", name=name, team_id=team_id, attributes=attributes)
        self.db.add(person)
        self.db.flush()
        self.persons[name] = person
        return person

    def respond(
        self,
        nps: int | None,
        feelings: dict[int, int] | None = None,
        *,
        at: datetime | None = datetime(2026, 5, 4, 10, 0),
        person: str | None = None,
    ) -> Response:
        """A response (submitted at ``at``; ``at=None`` leaves it open) with its NPS and the feelings per
        moment index (0, 1, 2 of the target's moments)."""
        self._number += 1
        version = service.current_version(self.db, self.target.survey.id)
        invitation_id = None
        if person is not None:
            invitation = SurveyInvitation(
                survey_id=self.target.survey.id,
                person_id=self.persons[person].id,
                token_hash=f"{self._number:064d}",
                expires_at=datetime(2027, 1, 1, tzinfo=UTC),
            )
            self.db.add(invitation)
            self.db.flush()
            invitation_id = invitation.id
        response = Response(
            survey_id=self.target.survey.id,
            version_id=version.id,
            invitation_id=invitation_id,
            **pseudonyms.given_by(self.db, self.persons[person] if person is not None else None),
            client_id=f"feed-{self._number}",
            submitted_at=_utc(at),
        )
        self.db.add(response)
        self.db.flush()
        questions = self.target.questions
        if nps is not None:
            self.db.add(Answer(response_id=response.id, question_id=questions["nps"].id, value_int=nps))
        for index, value in (feelings or {}).items():
            moment = self.target.moments[index].id
            self.db.add(
                Answer(
                    response_id=response.id,
                    question_id=questions["emo"].id,
                    moment_id=moment,
                    value_int=value,
                )
            )
        self.db.add(Answer(response_id=response.id, question_id=questions["waarom"].id, value_text="Prima"))
        self.db.commit()
        return response

    def respond_many(
        self,
        answers: list[tuple[int, dict[int, int]]],
        *,
        at: datetime = datetime(2026, 5, 4, 10, 0),
        persons: list[Person] | None = None,
    ) -> None:
        """Many responses at once (one commit): the NPS and the feelings per moment index of each, from
        ``persons`` in order when given."""
        version = service.current_version(self.db, self.target.survey.id)
        start = self._number
        keys = pseudonyms.respondents_of(self.db, [p.id for p in persons or []])
        responses = [
            Response(
                survey_id=self.target.survey.id,
                version_id=version.id,
                respondent=None if persons is None else keys[persons[index].id],
                team_id=None if persons is None else persons[index].team_id,
                client_id=f"feed-{start + index + 1}",
                submitted_at=_utc(at),
            )
            for index in range(len(answers))
        ]
        self._number += len(answers)
        self.db.add_all(responses)
        self.db.flush()
        questions = self.target.questions
        rows = []
        for response, (nps, feelings) in zip(responses, answers, strict=True):
            rows.append(Answer(response_id=response.id, question_id=questions["nps"].id, value_int=nps))
            rows.extend(
                Answer(
                    response_id=response.id,
                    question_id=questions["emo"].id,
                    moment_id=self.target.moments[index].id,
                    value_int=value,
                )
                for index, value in feelings.items()
            )
        self.db.add_all(rows)
        self.db.commit()

    def submit(self, response: Response, at: datetime) -> None:
        response.submitted_at = _utc(at)
        self.db.commit()

    def remove(self, response: Response) -> None:
        self.db.execute(delete(Answer).where(Answer.response_id == response.id))
        self.db.execute(delete(Response).where(Response.id == response.id))
        self.db.commit()

    def refresh(self, **options: bool):  # type: ignore[no-untyped-def]
        return self.store.refresh(get_engine(), **options)

    def rows(self, sql: str) -> list[tuple]:
        with self.store.snapshot() as cur:
            return cur.execute(sql).fetchall()


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.replace(tzinfo=UTC)


@pytest.fixture
def feed(db: Session, bank_a: World, tmp_path: Path) -> Iterator[Feed]:
    target = build_target(db, bank_a)
    db.commit()
    store = AnalyticStore(tmp_path / "analytics.duckdb")
    yield Feed(db, target, bank_a, store)
    store.close()


@pytest.fixture
def browse(feed: Feed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable]:
    """GET a page as one of the world's users (the store in the test's folder)."""
    monkeypatch.setenv("NINEPLUS_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    tokens = {}
    with TestClient(create_app(run_jobs=False), follow_redirects=False) as client:

        def get(path: str, user: str = "cx_lead"):  # type: ignore[no-untyped-def]
            if user not in tokens:
                system(feed.db)
                tokens[user] = auth.start_session(feed.db, feed.world.users[user])
                feed.db.commit()
            client.cookies.set(SESSION_COOKIE, tokens[user])
            return client.get(path, headers={"Accept-Language": "en"})

        yield get
    get_store(tmp_path / "analytics.duckdb").close()


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    """A local Spark session, once per test process. PySpark comes with the test extra; a missing PySpark
    or Java fails the test, never skips it."""
    import shutil

    if shutil.which("java") is None:
        pytest.fail("Spark needs Java 17 (Debian: openjdk-17-jre-headless)")
    from nineplus.analytics.engine import spark_session

    session = spark_session()
    yield session
    session.stop()
