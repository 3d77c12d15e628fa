"""Single-use links and idempotent submissions under replay and racing: two browsers submitting the same
link at the same moment store one answer, and the link answers nothing after; two retries of one client
id store one response and both are acknowledged with it. Over HTTP, against a committed database (each
request in its own transaction, as in production)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Response
from nineplus.improve import resurvey
from nineplus.improve.models import Case
from nineplus.privacy import pseudonyms
from nineplus.scans import runs
from nineplus.scans.models import ScanAnswer, ScanInvitation, ScanRun
from nineplus.web.app import create_app
from nineplus.web.limits import Limiter
from tests import factories
from tests.feedback.conftest import build_live_survey
from tests.feedback.test_public_api import body


@pytest.fixture
def app(committed_db: str) -> FastAPI:
    made = create_app(run_jobs=False)
    made.state.limiter = Limiter(False)
    return made


def race(app: FastAPI, path: str, forms: list[dict[str, str]]) -> list[int]:
    """One browser per form opens ``path`` (for its CSRF token); then all post their form at once."""
    barrier = threading.Barrier(len(forms))
    statuses: list[int] = []

    def one(data: dict[str, str]) -> None:
        with TestClient(app, follow_redirects=False) as client:
            page = BeautifulSoup(client.get(path).text, "html.parser")
            token = page.select_one("input[name=csrf_token]")
            assert token is not None, path
            barrier.wait()
            statuses.append(client.post(path, data={**data, "csrf_token": str(token["value"])}).status_code)

    threads = [threading.Thread(target=one, args=(form,)) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(statuses)


@pytest.fixture
def world(committed_session: Session) -> tuple[Session, factories.World]:
    return committed_session, factories.bank(committed_session, "Race Bank", prefix="r")


def test_a_scan_link_raced_and_replayed_stores_one_answer(app: FastAPI, world) -> None:  # type: ignore[no-untyped-def]
    db, bank = world
    scope(db, bank.org.id)
    run = ScanRun(instrument="four_bs", version=1, title="Race", status="open")
    db.add(run)
    db.flush()
    invitation = ScanInvitation(run_id=run.id, user_id=bank.users["team_lead"].id, role="manager")
    db.add(invitation)
    db.commit()
    token = runs.link_token(invitation)
    instrument = runs.instrument_of(run)
    answers = {item.key: "4" for item in instrument.items}
    # Three browsers at once: each sees the thanks page (a double click must not alarm anyone) ...
    assert race(app, f"/scan/{token}", [answers] * 3) == [200, 200, 200]
    system(db)
    stored = select(func.count()).select_from(ScanAnswer).where(ScanAnswer.run_id == run.id)
    assert db.scalar(stored) == 1  # ... and one answer is stored
    assert race(app, f"/scan/{token}", [dict.fromkeys(answers, "1")]) == [200]  # a replay later: no second
    assert db.scalar(stored) == 1


def test_a_resurvey_link_raced_keeps_the_first_answer_only(app: FastAPI, world) -> None:  # type: ignore[no-untyped-def]
    db, bank = world
    field = build_live_survey(db, bank)
    scope(db, bank.org.id)
    version = db.scalar(select(Response.version_id).limit(1)) or field.survey.id
    response = Response(
        survey_id=field.survey.id,
        version_id=version,
        client_id="resurvey-race",
        **pseudonyms.given_by(db, field.person),
        submitted_at=utcnow(),
    )
    db.add(response)
    db.flush()
    now = utcnow()
    case = Case(
        response_id=response.id,
        reasons=["nps:2"],
        opened_at=now,
        due_at=now + timedelta(days=1),
        status="closed",
        outcome="won_back",
        resurvey_sent_at=now,
    )
    db.add(case)
    db.commit()
    link = resurvey.token(case)
    statuses = race(app, f"/rs/{link}", [{"score": s} for s in ("9", "1", "5")])
    assert statuses == [200, 422, 422], statuses  # one is thanked; the others are told it was answered
    system(db)
    db.expire_all()
    first = db.get_one(Case, case.id).resurvey_score
    assert first in (9, 1, 5)
    assert race(app, f"/rs/{link}", [{"score": "0"}]) == [422]  # a replay later changes nothing
    db.expire_all()
    assert db.get_one(Case, case.id).resurvey_score == first


def test_two_retries_of_one_client_id_store_one_response_and_both_are_acknowledged(
    app: FastAPI, world: tuple[Session, factories.World]
) -> None:
    db, bank = world
    field = build_live_survey(db, bank)
    db.commit()
    url = f"/api/v1/public/surveys/{field.survey.public_key}/responses"
    payload = body(field, bank, "retry-race-0001")
    barrier = threading.Barrier(4)
    replies: list[tuple[int, object]] = []

    with TestClient(app) as client:  # one event loop: the group-commit writer lives in it

        def post() -> None:
            barrier.wait()
            reply = client.post(url, json=payload)
            replies.append((reply.status_code, reply.json().get("id")))

        threads = [threading.Thread(target=post) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert len(replies) == 4
    assert {status for status, _id in replies} <= {200, 201}, replies
    assert len({response_id for _status, response_id in replies}) == 1, replies
    system(db)
    stored = select(func.count()).select_from(Response).where(Response.client_id == "retry-race-0001")
    assert db.scalar(stored) == 1
