"""One reminder with the same link, an unsubscribe that is honoured, and the QR code of the anonymous link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.errors import Invalid
from nineplus.core.mail import compose
from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope, system
from nineplus.feedback import fielding
from nineplus.jobs.models import Job
from tests.conftest import html
from tests.factories import World, csrf_token, login
from tests.feedback.conftest import Field


def mails(db: Session) -> list[tuple[Job, object]]:
    system(db)
    jobs = db.scalars(select(Job).where(Job.kind == "send_email").order_by(Job.id)).all()
    return [(job, compose(db, job.payload)) for job in jobs]


def test_an_invitation_brings_one_reminder_with_the_same_link(db: Session, field: Field) -> None:
    fielding.invite_by_email(db, field.actor, field.survey.id, "klant@example.org")
    sent = sorted(
        ((job, mail) for job, mail in mails(db) if job.payload.get("compose", "").startswith("survey_")),
        key=lambda pair: pair[0].run_at,
    )
    assert [job.payload["compose"] for job, _ in sent] == ["survey_invitation", "survey_reminder"]
    invitation_job, reminder_job = sent[0][0], sent[1][0]
    assert reminder_job.run_at - invitation_job.run_at > timedelta(days=4)
    links = {re.search(r"/r/\S+", mail.text).group(0) for _, mail in sent}  # type: ignore[union-attr]
    assert len(links) == 1
    assert "/u/" in sent[0][1].text  # type: ignore[union-attr]


def test_no_reminder_after_the_answer_or_an_unsubscribe(db: Session, field: Field) -> None:
    invitation, _token = fielding.invite(db, field.actor, field.survey.id, field.person.id)
    reminder = next(
        job for job in db.scalars(select(Job)).all() if job.payload.get("compose") == "survey_reminder"
    )
    invitation.used_at = utcnow()
    assert compose(db, reminder.payload) is None
    invitation.used_at = None
    fielding.unsubscribe(db, field.person)
    assert compose(db, reminder.payload) is None


def test_the_unsubscribe_link_is_honoured(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    token = fielding.unsubscribe_token(field.person)
    db.commit()
    page = html(client.get(f"/u/{token}", headers={"Accept-Language": "en"}))
    assert page.select_one("form[action^='/u/'] button") is not None
    done = client.post(f"/u/{token}", data={"csrf_token": csrf_token(client)})
    assert done.status_code == 200
    scope(db, bank_a.org.id)
    db.expire_all()
    with pytest.raises(Invalid) as refused:
        fielding.invite(db, field.actor, field.survey.id, field.person.id)
    assert "person_id" in refused.value.errors
    assert client.get(f"/u/{field.person.id}.forged-signature").status_code == 404


def test_the_anonymous_link_has_a_qr_code(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    svg = client.get(f"/surveys/{field.survey.id}/qr.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert field.survey.public_key in svg.text  # the link is in the SVG's title
    png = client.get(f"/surveys/{field.survey.id}/qr.png")
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(f"/surveys/{field.survey.id}/qr.gif").status_code == 404
