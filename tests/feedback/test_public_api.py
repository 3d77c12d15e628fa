"""A whole response in one JSON request: validated against the frozen version, stored by the group-commit
writer (acknowledged only after its commit), idempotent per client id, refused when the survey closes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.core.db import new_session, transaction
from nineplus.core.tenancy import scope, system
from nineplus.feedback import service
from nineplus.feedback.intake import GroupWriter, Submission
from nineplus.feedback.models import Answer, Response
from nineplus.feedback.schemas import QuestionIn, RevisionIn
from tests import factories
from tests.factories import World
from tests.feedback.conftest import Field, build_live_survey


def url(field: Field) -> str:
    return f"/api/v1/public/surveys/{field.survey.public_key}/responses"


def body(field: Field, world: World, client_id: str, nps: Any = 8, **extra: Any) -> dict[str, Any]:
    moments = [world.moments[0].id, world.moments[2].id]
    answers = [
        {"question_id": field.questions["nps"].id, "value": nps},
        {"question_id": field.questions["channel"].id, "value": "web"},
        *(
            {"question_id": field.questions["emotion"].id, "moment_id": m, "value": v}
            for m, v in zip(moments, (2, -3), strict=True)
        ),
        {"question_id": field.questions["why"].id, "value": "De hypotheekadviseur belde niet terug."},
    ]
    return {
        "client_id": client_id,
        "locale": "nl",
        "moments_experienced": moments,
        "answers": answers,
        **extra,
    }


def test_a_response_is_stored_in_long_form_with_its_version(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    reply = client.post(url(field), json=body(field, bank_a, "kiosk-0001"))
    assert reply.status_code == 201, reply.text
    assert reply.json()["stored"] == "now"
    response = db.get_one(Response, reply.json()["id"])
    assert response.submitted_at is not None
    assert response.version_id == service.current_version(db, field.survey.id).id
    assert response.moments_experienced == sorted([bank_a.moments[0].id, bank_a.moments[2].id])
    rows = db.execute(
        select(
            Answer.question_id, Answer.moment_id, Answer.value_int, Answer.value_text, Answer.value_choices
        )
        .where(Answer.response_id == response.id)
        .order_by(Answer.question_id, Answer.moment_key)
    ).all()
    emotion = field.questions["emotion"].id
    assert len(rows) == 5
    assert {(r.moment_id, r.value_int) for r in rows if r.question_id == emotion} == {
        (bank_a.moments[0].id, 2),
        (bank_a.moments[2].id, -3),
    }
    assert [r.value_choices for r in rows if r.question_id == field.questions["channel"].id] == [["web"]]
    assert all(r.organisation_id == bank_a.org.id for r in db.scalars(select(Answer)))
    # A number or a text has no choices: SQL NULL, not the JSON text 'null'.
    no_choices = select(func.count()).select_from(Answer).where(Answer.value_choices.is_(None))
    assert db.scalar(no_choices) == 4


def test_a_retry_is_acknowledged_with_the_same_id_and_stores_nothing_twice(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    first = client.post(url(field), json=body(field, bank_a, "retry-0001"))
    again = client.post(url(field), json=body(field, bank_a, "retry-0001"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {"id": first.json()["id"], "client_id": "retry-0001", "stored": "earlier"}
    scope(db, bank_a.org.id)
    assert db.scalar(select(func.count()).select_from(Response)) == 1
    assert db.scalar(select(func.count()).select_from(Answer)) == 5


def test_bad_answers_are_refused_field_by_field_in_the_respondents_language(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    nps = field.questions["nps"].id
    reply = client.post(
        url(field), json=body(field, bank_a, "bad-00001", nps=11), headers={"Accept-Language": "nl"}
    )
    assert reply.status_code == 422
    assert reply.json()["errors"] == {f"q{nps}": "Kies een waarde van 0 tot 10."}
    missing = body(field, bank_a, "bad-00002")
    missing["answers"] = [a for a in missing["answers"] if a["question_id"] != nps]
    reply = client.post(url(field), json=missing, headers={"Accept-Language": "en"})
    assert reply.json()["errors"] == {f"q{nps}": "This field is required."}
    outside = body(field, bank_a, "bad-00003")
    outside["answers"].append(
        {"question_id": field.questions["emotion"].id, "moment_id": bank_a.moments[1].id, "value": 1}
    )
    reply = client.post(url(field), json=outside, headers={"Accept-Language": "en"})
    assert "not asked for that moment" in next(iter(reply.json()["errors"].values()))
    reply = client.post(url(field), json=body(field, bank_a, "no"), headers={"Accept-Language": "en"})
    assert reply.status_code == 422
    assert "client_id" in reply.json()["errors"]
    assert db.scalar(select(func.count()).select_from(Response)) == 0


def test_a_form_post_or_an_unknown_key_is_not_taken(client: TestClient, field: Field, bank_a: World) -> None:
    import json

    as_form = client.post(
        url(field),
        content=json.dumps(body(field, bank_a, "form-0001")),
        headers={"Content-Type": "text/plain"},
    )
    assert as_form.status_code == 422
    unknown = client.post(
        "/api/v1/public/surveys/no-such-key/responses", json=body(field, bank_a, "key-00001")
    )
    assert unknown.status_code == 404


def test_a_closed_survey_refuses_and_a_revised_one_stores_the_new_version(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    revision = RevisionIn(
        reason="NPS wording agreed with the board",
        protocol=service.current_version(db, field.survey.id).protocol,
        questions=[
            QuestionIn(key="nps", type="nps", text={"en": "Recommend us to a friend?"}, required=True)
        ],
    )
    version_2 = service.revise(db, field.actor, field.survey.id, revision)
    client.app.state.open_surveys = {}  # the cache would see the revision within seconds; a test cannot wait
    new_nps = service.questions(db, version_2.id)[0].id
    reply = client.post(
        url(field), json={"client_id": "version-2-a", "answers": [{"question_id": new_nps, "value": 10}]}
    )
    assert reply.status_code == 201, reply.text
    assert db.get_one(Response, reply.json()["id"]).version_id == version_2.id
    service.close_survey(db, field.actor, field.survey.id)
    db.flush()
    # Even a submission validated a moment before the survey closed is refused by the writer's own check.
    closed = client.post(
        url(field), json={"client_id": "version-2-b", "answers": [{"question_id": new_nps, "value": 9}]}
    )
    assert closed.status_code == 410
    assert (
        "niet open"
        in client.post(
            url(field),
            json={"client_id": "version-2-c", "answers": [{"question_id": new_nps, "value": 9}]},
            headers={"Accept-Language": "nl"},
        ).json()["detail"]
    )


def test_the_endpoint_is_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/public/surveys/{key}/responses"]["post"]
    assert set(operation["responses"]) >= {"200", "201", "404", "409", "410", "422"}


# The writer on a real engine, with real threads --------------------------------------------------------


@pytest.fixture
def live_field(committed_db: str) -> tuple[Field, World]:
    with transaction() as session:
        world = factories.bank(session, "Bank W", prefix="w")
        field = build_live_survey(session, world)
        ids = (field, world)
    return ids


def submission(field: Field, world: World, client_id: str) -> Submission:
    nps, emotion = field.questions["nps"], field.questions["emotion"]
    return Submission(
        organisation_id=world.org.id,
        survey_id=field.survey.id,
        version_id=nps.version_id,
        client_id=client_id,
        locale="en",
        moments_experienced=[world.moments[0].id],
        answers={(nps.id, None): {"value_int": 9}, (emotion.id, world.moments[0].id): {"value_int": 2}},
    )


def stored_counts() -> tuple[int, int]:
    session = new_session()
    try:
        system(session)
        return (
            session.scalar(select(func.count()).select_from(Response)) or 0,
            session.scalar(select(func.count()).select_from(Answer)) or 0,
        )
    finally:
        session.close()


def test_concurrent_submissions_are_committed_together_and_each_acknowledged_once_stored(
    live_field: tuple[Field, World],
) -> None:
    field, world = live_field
    writer = GroupWriter(lambda: new_session(write=True), max_batch=100)

    async def crowd() -> list[Any]:
        futures = [writer.submit(submission(field, world, f"crowd-{i:04d}")) for i in range(300)]
        futures.append(writer.submit(submission(field, world, "crowd-0007")))  # a retry inside the crowd
        return await asyncio.gather(*futures)

    outcomes = asyncio.run(crowd())
    writer.stop()
    assert sum(o.is_new for o in outcomes) == 300
    assert outcomes[-1].earlier
    assert outcomes[-1].response_id == outcomes[7].response_id
    assert len({o.response_id for o in outcomes}) == 300
    assert stored_counts() == (300, 600)
    assert writer.batches < 300 / 2  # grouped: far fewer commits than submissions
    assert writer.stored == 300


def test_one_bad_submission_does_not_take_its_batch_down(live_field: tuple[Field, World]) -> None:
    field, world = live_field
    writer = GroupWriter(lambda: new_session(write=True))
    bad = Submission(**{**submission(field, world, "bad-one-1").__dict__, "version_id": 999_999})
    items = [submission(field, world, f"good-{i}") for i in range(5)]
    outcomes = writer.write_batch([*items[:2], bad, *items[2:]])
    assert isinstance(outcomes[2], Exception)  # no such version: the database refuses the row
    assert [o.is_new for o in outcomes if not isinstance(o, Exception)] == [True] * 5
    assert stored_counts() == (5, 10)


def test_one_client_id_for_two_surveys_in_one_batch_is_a_conflict_not_a_false_receipt(
    live_field: tuple[Field, World],
) -> None:
    field, world = live_field
    with transaction() as session:
        other = build_live_survey(session, world, email="tweede@example.org")
        other_nps, other_id = other.questions["nps"].id, other.survey.id
    first = submission(field, world, "shared-0001")
    second = Submission(
        **{
            **submission(field, world, "shared-0001").__dict__,
            "survey_id": other_id,
            "answers": {(other_nps, None): {"value_int": 4}},
        }
    )
    outcomes = GroupWriter(lambda: new_session(write=True)).write_batch([first, second])
    assert outcomes[0].is_new
    assert outcomes[1].refused == "conflict"
    assert stored_counts() == (1, 2)
