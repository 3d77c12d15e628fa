"""The CX lead's survey pages: create, design, field, invite by e-mail, and revise into version 2."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.audit.models import AuditEvent
from nineplus.core.mail import compose
from nineplus.core.tenancy import system
from nineplus.feedback import service
from nineplus.feedback.models import Survey
from nineplus.jobs.models import Job
from tests.conftest import html
from tests.factories import World, csrf_token, login
from tests.feedback.conftest import Field


def test_a_cx_lead_designs_fields_invites_and_revises_a_survey(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["cx_lead"])
    token = csrf_token(client, "/surveys/new")
    created = client.post(
        "/surveys/new",
        data={
            "csrf_token": token,
            "title.en": "After your mortgage",
            "journey_id": str(bank_a.journey.id),
            "kind": "relationship",  # type: ignore[union-attr]
            "audience": "customer",
            "moment_id": "",
        },
    )
    assert created.status_code == 303
    survey_url = created.headers["location"]
    for key, kind, page in (("nps", "nps", "1"), ("feeling", "emotion", "2")):
        data = {"csrf_token": token, "key": key, "type": kind, "text.en": f"Question {key}", "page": page}
        if kind == "emotion":
            data["per_moment"] = "on"
        assert client.post(f"{survey_url}/questions", data=data).status_code == 303
    protocol = {
        "csrf_token": token,
        "frame": "All customers",
        "excluded_domains": "a.example",
        "contact_days": "60",
    }
    assert client.post(f"{survey_url}/protocol", data=protocol).status_code == 303
    assert client.post(f"{survey_url}/field", data={"csrf_token": token}).status_code == 303

    page = html(client.get(survey_url, headers={"Accept-Language": "en"}))
    assert [li.select_one(".strong").get_text() for li in page.select("#questions li")] == [
        "Question nps",
        "Question feeling",
    ]
    assert "a.example" in page.select_one("#protocol").get_text()

    invited = client.post(f"{survey_url}/invite", data={"csrf_token": token, "email": "klant@example.org"})
    assert invited.status_code == 303
    refused = client.post(f"{survey_url}/invite", data={"csrf_token": token, "email": "collega@a.example"})
    assert refused.status_code == 422
    system(db)
    job = db.scalars(select(Job).where(Job.kind == "send_email").order_by(Job.id.desc())).first()
    assert job is not None
    assert "text" not in job.payload
    email = compose(db, job.payload)
    assert email is not None
    assert email.to == "klant@example.org"
    link = re.search(r"/r/[A-Za-z0-9_-]{20,}", email.text)
    assert link is not None
    db.commit()
    assert client.get(link.group(0)).status_code == 200
    assert html(client.get(survey_url)).select_one("#stat-invited").get_text() == "1"

    revised = client.post(
        f"{survey_url}/revise",
        data={
            "csrf_token": token,
            "reason": "Clearer wording",
            "text.nps.en": "How likely would you recommend us?",
            "text.feeling.en": "How did this step feel?",
        },
    )
    assert revised.status_code == 303
    survey = db.scalars(select(Survey).where(Survey.title["en"].as_string() == "After your mortgage")).one()
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "survey.revised", AuditEvent.object_id == str(survey.id)
        )
    ).one()
    assert event.reason == "Clearer wording"
    assert event.after["number"] == 2
    versions = [li.get_text(" ", strip=True) for li in html(client.get(survey_url)).select("#versions li")]
    assert len(versions) == 2
    assert "Clearer wording" in versions[1]


def form_values(form) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What a browser would post for ``form`` as it is shown."""
    data = {
        i["name"]: i.get("value", "")
        for i in form.select("input[name]")
        if i.get("type") != "checkbox" or i.has_attr("checked")
    }
    data.update({t["name"]: t.get_text() for t in form.select("textarea[name]")})
    for s in form.select("select[name]"):
        data[s["name"]] = (s.select_one("option[selected]") or s.select_one("option"))["value"]
    return data


def test_a_new_version_can_drop_and_add_questions_and_change_the_protocol(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    login(client, db, bank_a.users["cx_lead"])
    url = f"/surveys/{field.survey.id}/revise"
    data = form_values(html(client.get(url, headers={"Accept-Language": "en"})).select_one("#revise-form"))
    assert data["protocol.excluded_domains"] == "a.example"
    assert data["protocol.contact_days"] == "30"
    assert "required.nps" in data  # the form starts from the version being fielded
    data.update(
        {
            "remove.channel": "on",
            "page.why": "3",
            "new.key": "effort",
            "new.type": "effort",
            "new.text.nl": "Hoeveel moeite kostte het?",
            "new.required": "on",
            "protocol.contact_days": "45",
            "reason": "Effort replaces the channel question (board decision)",
        }
    )
    duplicate = {**data, "new.key": "nps", "new.type": "nps"}
    refused = client.post(url, data=duplicate, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert html(refused).select_one("[id='f-new.key-error']") is not None
    assert client.post(url, data=data).status_code == 303

    version = service.current_version(db, field.survey.id)
    assert version.number == 2
    assert version.protocol["contact_days"] == 45
    assert version.protocol["excluded_domains"] == ["a.example"]
    asked = {q.key: q for q in service.questions(db, version.id)}
    assert list(asked) == ["nps", "effort", "emotion", "why"]  # by page, then position
    assert asked["why"].page == 3
    assert asked["effort"].required
    assert asked["nps"].required  # kept as it was
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "survey.revised")).one()
    assert [q["key"] for q in event.before["questions"]] == ["nps", "channel", "emotion", "why"]
    assert event.before["protocol"]["contact_days"] == 30


def test_a_revision_without_a_reason_is_refused(client: TestClient, db: Session, bank_a: World) -> None:
    from nineplus.core.tenancy import scope
    from nineplus.feedback import service

    scope(db, bank_a.org.id)
    service.start_fielding(db, bank_a.principal(db, "admin"), bank_a.survey.id)  # type: ignore[union-attr]
    db.commit()
    login(client, db, bank_a.users["admin"])
    token = csrf_token(client, "/surveys")
    response = client.post(
        f"/surveys/{bank_a.survey.id}/revise",
        data={
            "csrf_token": token,
            "reason": "",  # type: ignore[union-attr]
            "text.nps.en": "Changed",
        },
    )
    assert response.status_code == 422
    assert html(response).select_one("#f-reason-error") is not None


def test_team_members_do_not_manage_surveys(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["member"])
    assert client.get("/surveys").status_code == 403
    assert html(client.get("/", headers={"Accept-Language": "en"})).select_one("a[href='/surveys']") is None


def test_the_survey_page_shows_response_rates_per_team_and_channel(
    client: TestClient, db: Session, bank_a: World
) -> None:
    from nineplus.core.models import utcnow
    from nineplus.core.tenancy import scope
    from nineplus.feedback import fielding
    from nineplus.feedback.schemas import PersonIn
    from tests.feedback.conftest import build_live_survey

    field = build_live_survey(db, bank_a)
    team = bank_a.teams["contact"]
    people = [
        fielding.create_person(db, field.actor, PersonIn(email=f"p{i}@example.org", team_id=team.id))
        for i in range(2)
    ]
    invitations = [fielding.invite(db, field.actor, field.survey.id, p.id)[0] for p in people]
    for invitation in invitations:
        invitation.sent_at = utcnow()
    invitations[0].used_at = utcnow()
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    scope(db, bank_a.org.id)
    page = html(client.get(f"/surveys/{field.survey.id}", headers={"Accept-Language": "en"}))
    team_row = [td.get_text() for td in page.select("#rates-team tbody tr")[0].select("td")]
    assert team_row == [team.name, "2", "1", "50", "0"]
    email_row = [td.get_text() for td in page.select("#rates-channel tbody tr")[0].select("td")]
    assert email_row[1:] == ["2", "1", "50", "0"]
