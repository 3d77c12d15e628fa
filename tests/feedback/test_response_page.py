"""The public response page: two pages, a closed tab in between, the thank-you page, single use."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.tenancy import system
from nineplus.feedback import fielding
from nineplus.feedback.models import Answer, Response
from tests.conftest import html
from tests.factories import World
from tests.feedback.conftest import Field


def form_of(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    form = page.select_one("form#respond-form")
    assert form is not None
    return {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}


def test_a_respondent_answers_over_two_pages_with_a_closed_tab_between(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    _invitation, token = fielding.invite(db, field.actor, field.survey.id, field.person.id)
    db.commit()
    first = html(client.get(f"/r/{token}", headers={"Accept-Language": "en"}))
    assert first.select_one("progress") is not None
    assert len(first.select("input[name=moments]")) == 3
    hidden = form_of(first)
    nps = field.questions["nps"].id
    moments = [str(bank_a.moments[0].id), str(bank_a.moments[2].id)]
    saved = client.post(f"/r/{token}", data={**hidden, f"q{nps}": "9", "moments": moments})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/r/{token}?page=2"

    # The tab is closed; the same link opens again on a fresh client and continues on page 2.
    client.cookies.clear()
    again = html(client.get(f"/r/{token}", headers={"Accept-Language": "en"}))
    emotion = field.questions["emotion"].id
    names = {i["name"] for i in again.select("form#respond-form input[type=radio]")}
    assert {f"q{emotion}.m{m}" for m in moments} <= names
    hidden = form_of(again)
    assert hidden["page"] == "2"
    done = client.post(
        f"/r/{token}",
        data={
            **hidden,
            f"q{emotion}.m{moments[0]}": "2",
            f"q{emotion}.m{moments[1]}": "-3",
            f"q{field.questions['why'].id}": "Slow",
        },
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/r/{token}/thanks"

    system(db)
    response = db.scalars(select(Response)).one()
    assert response.submitted_at is not None
    values = sorted(
        db.scalars(select(Answer.value_int).where(Answer.response_id == response.id)).all(),
        key=lambda v: (v is None, v),
    )
    assert values[:3] == [-3, 2, 9]
    reopened = html(client.get(f"/r/{token}", headers={"Accept-Language": "en"}))
    assert "already been answered" in reopened.get_text()


def test_a_missing_required_answer_shows_the_page_again_with_the_message(
    client: TestClient, db: Session, field: Field
) -> None:
    _invitation, token = fielding.invite(db, field.actor, field.survey.id, field.person.id)
    db.commit()
    hidden = form_of(html(client.get(f"/r/{token}")))
    first = client.post(f"/r/{token}", data={**hidden, "moments": []})
    assert first.status_code == 303  # page 1 has no required answer beyond NPS on the final submit
    second = client.post(
        f"/r/{token}", data={**form_of(html(client.get(f"/r/{token}"))), "csrf_token": hidden["csrf_token"]}
    )
    assert second.status_code == 422
    assert html(second).select_one(f"#f-q{field.questions['nps'].id}") is not None


def test_the_anonymous_link_works_without_javascript_and_in_dutch(
    client: TestClient, db: Session, field: Field
) -> None:
    db.commit()
    page = html(client.get(f"/s/{field.survey.public_key}", headers={"Accept-Language": "nl"}))
    assert page.html["lang"] == "nl"
    assert page.select_one("form#respond-form[method=post]") is not None
    assert "Volgende" in page.select_one("form#respond-form button[type=submit]").get_text()


def test_an_unknown_link_is_a_404(client: TestClient) -> None:
    assert client.get("/r/not-a-real-token").status_code == 404
    assert client.get("/s/not-a-real-key").status_code == 404
