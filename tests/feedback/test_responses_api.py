"""/api/v1 responses: a client-generated id makes a retry harmless, reading goes by keyset pages, and the
key's scope and organisation decide what it may do."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.accounts import apikeys
from nineplus.accounts.schemas import ApiKeyIn
from nineplus.core.tenancy import scope
from nineplus.feedback import fielding
from nineplus.feedback.schemas import AnswerIn, SubmitIn
from tests.factories import World, login
from tests.feedback.conftest import Field


def key(db: Session, world: World, scope_name: str) -> str:
    scope(db, world.org.id)
    _key, secret = apikeys.create_key(
        db, world.principal(db, "admin"), ApiKeyIn(name=f"BI {scope_name}", scopes=[scope_name])
    )
    db.commit()
    return secret


def response(field: Field, client_id: str, nps: int) -> dict[str, object]:
    return {"client_id": client_id, "answers": [{"question_id": field.questions["nps"].id, "value": nps}]}


def test_a_crm_stores_responses_with_its_own_ids_and_a_retry_changes_nothing(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    url = f"/api/v1/surveys/{field.survey.id}/responses"
    writer = {"Authorization": f"Bearer {key(db, bank_a, 'write')}"}
    first = client.post(url, json=response(field, "crm-000001", 7), headers=writer)
    again = client.post(url, json=response(field, "crm-000001", 7), headers=writer)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    reader = {"Authorization": f"Bearer {key(db, bank_a, 'read')}"}
    assert client.post(url, json=response(field, "crm-000002", 7), headers=reader).status_code == 403
    listed = client.get(url, headers=reader).json()
    assert [r["client_id"] for r in listed["items"]] == ["crm-000001"]
    assert listed["items"][0]["answers"] == [
        {"question_id": field.questions["nps"].id, "question_key": "nps", "moment_id": None, "value": 7}
    ]
    assert listed["items"][0]["version"] == 1


def test_responses_are_read_in_keyset_pages_without_gaps_or_repeats(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    url = f"/api/v1/surveys/{field.survey.id}/responses"
    writer = {"Authorization": f"Bearer {key(db, bank_a, 'write')}"}
    for i in range(7):
        assert client.post(url, json=response(field, f"page-{i:06d}", i), headers=writer).status_code == 201
    fielding.submit(  # a response still being filled in: left out unless asked for
        db,
        field.survey.id,
        SubmitIn(
            client_id="unfinished-1", answers=[AnswerIn(question_id=field.questions["nps"].id, value=3)]
        ),
    )
    db.commit()
    seen: list[str] = []
    after, pages = 0, 0
    while True:
        page = client.get(url, params={"after": after, "limit": 3}, headers=writer).json()
        seen += [r["client_id"] for r in page["items"]]
        pages += 1
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert seen == [f"page-{i:06d}" for i in range(7)]
    assert pages == 3
    everything = client.get(url, params={"include_unfinished": "true"}, headers=writer).json()["items"]
    assert [r["submitted_at"] is None for r in everything].count(True) == 1


def test_another_organisations_survey_is_not_found_and_a_browser_write_needs_the_csrf_header(
    client: TestClient, db: Session, field: Field, bank_a: World, bank_b: World
) -> None:
    url = f"/api/v1/surveys/{field.survey.id}/responses"
    outsider = {"Authorization": f"Bearer {key(db, bank_b, 'admin')}"}
    assert client.get(url, headers=outsider).status_code == 404
    assert client.post(url, json=response(field, "outsider-1", 10), headers=outsider).status_code == 404
    login(client, db, bank_a.users["cx_lead"])
    assert client.get(url).status_code == 200
    assert client.post(url, json=response(field, "browser-01", 10)).status_code == 403
    login(client, db, bank_a.users["member"])
    assert client.get(url).status_code == 403
