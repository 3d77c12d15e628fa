"""The re-survey after recovery: closing a case as won back, its worker has the customer asked again a
week later; the e-mail's signed link opens one question in the customer's language, answered once, with a
clear message for a missing or impossible score; the answer shows on the case and never among the
survey's responses; a customer without an e-mail address, or who unsubscribed, is not asked; a case
reopened before the e-mail went out sends nothing."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.core.mail import compose
from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Person, Response
from nineplus.improve.models import Case, CaseRule
from nineplus.improve.resurvey import DAYS
from nineplus.improve.service import open_cases
from nineplus.jobs.models import Job
from tests.conftest import html
from tests.factories import World, login
from tests.imports.conftest import build_target, respond


def _cases(db: Session, world: World) -> tuple[int, int]:
    """A known customer's detractor case and an anonymous respondent's, both for the contact team."""
    target = build_target(db, world)
    target.moments[2].team_id = world.teams["contact"].id
    db.add(CaseRule(kind="nps", threshold=6, service_hours=16, applies_from=utcnow() - timedelta(days=1)))
    known = Person(email="klant@example.org", name="Klant", team_id=world.teams["contact"].id)
    db.add(known)
    db.flush()
    respond(db, target, 3, {2: -2}, person=known, at=utcnow() - timedelta(minutes=10))
    respond(db, target, 2, {2: -3}, at=utcnow() - timedelta(minutes=9))
    open_cases(db, world.org.id, notify_teams=False)
    db.commit()
    found = {c.response_id: c.id for c in db.scalars(select(Case))}
    ordered = sorted(found)
    return found[ordered[0]], found[ordered[1]]


def _close(client: TestClient, case_id: int, **extra: str):  # type: ignore[no-untyped-def]
    token = html(client.get(f"/cases/{case_id}")).select_one("input[name=csrf_token]")["value"]
    data = {"csrf_token": token, "status": "closed", "outcome": "recovered", **extra}
    return client.post(f"/cases/{case_id}/status", data=data)


def test_a_won_back_customer_is_asked_again_once_and_the_answer_stays_with_the_case(
    client: TestClient, db: Session, bank_a: World
) -> None:
    known, anonymous = _cases(db, bank_a)
    login(client, db, bank_a.users["member"])
    page = html(client.get(f"/cases/{known}"))
    assert page.select_one("#resurvey") is not None
    assert _close(client, known, resurvey="yes").status_code == 303
    system(db)
    job = db.scalar(select(Job).where(Job.kind == "send_email").order_by(Job.id.desc()))
    assert job is not None
    assert (job.payload["compose"], job.payload["case_id"]) == ("case_resurvey", known)
    assert timedelta(days=DAYS - 1) < job.run_at - utcnow() <= timedelta(days=DAYS)
    # A week later the runner sends it: one question, through a signed link.
    email = compose(db, job.payload)
    assert email is not None
    assert email.to == "klant@example.org"
    link = next(word for word in email.text.split() if "/rs/" in word)
    path = link[link.index("/rs/") :]
    assert compose(db, job.payload) is None  # sent once
    responses = db.scalar(select(func.count()).select_from(Response))
    client.cookies.clear()  # the customer is nobody's login
    form = html(client.get(path))
    assert form.select_one("#resurvey-form") is not None
    token = form.select_one("input[name=csrf_token]")["value"]
    refused = client.post(path, data={"csrf_token": token, "score": "11"})
    assert refused.status_code == 422
    assert html(refused).select_one("#score-error") is not None
    assert client.post(path, data={"csrf_token": token}).status_code == 422
    done = client.post(path, data={"csrf_token": token, "score": "8", "comment": "Netjes opgelost"})
    assert done.status_code == 200
    assert html(done).select_one("#resurvey-thanks") is not None
    assert client.post(path, data={"csrf_token": token, "score": "²"}).status_code in (422, 200)
    again = client.post(path, data={"csrf_token": token, "score": "0"})
    assert again.status_code == 422  # once
    assert client.get(path.rsplit(".", 1)[0] + ".0000").status_code == 404  # a forged link
    for odd in ("/rs/%C2%B2.x", "/rs/.", "/rs/99999999999999999999.x", "/rs/-1.x"):
        assert client.get(odd).status_code == 404  # odd links are not found, never a server error
    system(db)
    case = db.scalar(select(Case).where(Case.id == known))
    assert case is not None
    assert (case.resurvey_score, case.resurvey_comment) == (8, "Netjes opgelost")
    assert db.scalar(select(func.count()).select_from(Response)) == responses  # not a survey response
    login(client, db, bank_a.users["member"])
    shown = html(client.get(f"/cases/{known}")).select_one("#case-resurvey").text
    assert "8" in shown
    assert "Netjes opgelost" in shown
    # An anonymous respondent cannot be asked: no checkbox, and a forced request says why. (Its case has
    # no team: the CX lead works it.)
    login(client, db, bank_a.users["cx_lead"])
    assert html(client.get(f"/cases/{anonymous}")).select_one("#resurvey") is None
    refused = _close(client, anonymous, resurvey="yes")
    assert refused.status_code == 422
    assert "linked to no customer" in html(refused).select_one("#case-error").text


def test_a_case_reopened_before_the_e_mail_went_out_sends_nothing(
    client: TestClient, db: Session, bank_a: World
) -> None:
    known, _anonymous = _cases(db, bank_a)
    login(client, db, bank_a.users["member"])
    assert _close(client, known, resurvey="yes").status_code == 303
    token = html(client.get(f"/cases/{known}")).select_one("input[name=csrf_token]")["value"]
    reopened = client.post(f"/cases/{known}/status", data={"csrf_token": token, "status": "open"})
    assert reopened.status_code == 303
    system(db)
    job = db.scalar(select(Job).where(Job.kind == "send_email").order_by(Job.id.desc()))
    assert job is not None
    assert compose(db, job.payload) is None
    # Unsubscribed since: not asked.
    scope(db, bank_a.org.id)
    db.execute(Person.__table__.update().values(unsubscribed_at=utcnow()))
    db.commit()
    refused = _close(client, known, resurvey="yes")
    assert refused.status_code == 422
    assert "no more surveys" in html(refused).select_one("#case-error").text
    # Subscribed again and closed again with a re-survey: the first plan's job, still queued, sends
    # nothing; the new one does.
    scope(db, bank_a.org.id)
    db.execute(Person.__table__.update().values(unsubscribed_at=None))
    db.commit()
    assert _close(client, known, resurvey="yes").status_code == 303
    system(db)
    first, second = db.scalars(select(Job).where(Job.kind == "send_email").order_by(Job.id)).all()[-2:]
    assert compose(db, first.payload) is None
    assert compose(db, second.payload) is not None
