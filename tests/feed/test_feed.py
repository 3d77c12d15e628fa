"""Customer events in (the API and the drop folder), transactional surveys out: the customer is added or
updated, the triggered survey invites them after its delay under the contact-frequency rule, a repeat is
recognised, an erased customer is refused, and a file is read whole with a report per line."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.db import transaction
from nineplus.core.errors import Invalid
from nineplus.core.models import utcnow
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.feed import folder, service
from nineplus.feed.models import CustomerEvent
from nineplus.feedback.models import Person, SurveyInvitation
from nineplus.jobs.models import Job
from nineplus.privacy import erasure
from tests.accounts.test_api_keys import bearer, make_key
from tests.factories import World, bank, csrf_token, login
from tests.feedback.conftest import Field, build_live_survey


def event(reference: str, kind: str = "mortgage.closed", **customer: object) -> dict[str, object]:
    return {
        "reference": reference,
        "type": kind,
        "customer": customer or {"external_id": "K-1", "email": "ann@example.org"},
    }


@pytest.fixture
def fed(db: Session, bank_a: World) -> tuple[Field, str]:
    field = build_live_survey(db, bank_a)  # contact_days=30 in its protocol
    service.add_trigger(db, bank_a.principal(db, "cx_lead"), field.survey.id, "mortgage.closed", 48)
    _key, secret = make_key(db, bank_a, ["admin"])
    return field, secret


def test_an_event_invites_its_customer_after_the_delay_and_a_second_one_respects_the_contact_rule(
    client: TestClient, db: Session, bank_a: World, fed: tuple[Field, str]
) -> None:
    field, secret = fed
    sent = client.post(
        "/api/v1/events",
        json={
            "events": [
                event(
                    "TX-1",
                    external_id="K-1",
                    email="Ann@Example.org",
                    name="Ann",
                    attributes={"segment": "private"},
                )
            ]
        },
        headers=bearer(secret),
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["outcomes"][0]["result"] == "invited"
    scope(db, bank_a.org.id)
    person = db.scalars(select(Person).where(Person.external_id == "K-1")).one()
    assert (person.email, person.name, person.attributes["segment"]) == ("ann@example.org", "Ann", "private")
    invitation = db.scalars(select(SurveyInvitation).where(SurveyInvitation.person_id == person.id)).one()
    assert invitation.survey_id == field.survey.id
    system(db)
    mail = db.scalars(select(Job).where(Job.kind == "send_email").order_by(Job.id.desc())).first()
    assert mail is not None
    assert mail.run_at > utcnow() + timedelta(hours=47)  # after the trigger's delay
    assert invitation.expires_at > mail.run_at + timedelta(days=29)  # its 30 days count from sending
    again = client.post(
        "/api/v1/events",
        json={"events": [event("TX-2", external_id="K-1"), event("TX-1"), event("TX-3", kind="card.lost")]},
        headers=bearer(secret),
    ).json()
    results = [o["result"] for o in again["outcomes"]]
    assert results == ["not invited: recently", "repeat", "stored"]  # within the 30 contact days
    assert again["counts"] == {"not invited: recently": 1, "repeat": 1, "stored": 1}
    scope(db, bank_a.org.id)
    assert db.scalars(select(CustomerEvent.reference).order_by(CustomerEvent.id)).all() == [
        "TX-1",
        "TX-2",
        "TX-3",
    ]
    from nineplus.privacy.person_data import person_data

    exported = person_data(db, bank_a.principal(db, "admin"), person.id)  # all three were Ann's
    assert [(e["reference"], e["outcome"]) for e in exported["events"]] == [
        ("TX-1", "invited"),
        ("TX-2", "not invited: recently"),
        ("TX-3", "stored"),
    ]


def test_bad_events_are_refused_with_reasons_and_an_erased_customer_is_not_made_again(
    client: TestClient, db: Session, bank_a: World, fed: tuple[Field, str]
) -> None:
    _field, secret = fed
    bad = client.post(
        "/api/v1/events",
        json={"events": [{"reference": "X", "type": "Bad Type!", "customer": {}}]},
        headers=bearer(secret),
    )
    assert bad.status_code == 422
    nobody = client.post(
        "/api/v1/events", json={"events": [event("TX-9", customer={})]}, headers=bearer(secret)
    )
    assert nobody.json()["outcomes"][0]["result"].startswith("refused")
    client.post(
        "/api/v1/events", json={"events": [event("TX-10", email="gone@example.org")]}, headers=bearer(secret)
    )
    scope(db, bank_a.org.id)
    erasure.erase(db, bank_a.principal(db, "admin"), "email", "gone@example.org", "asked")
    db.commit()
    scope(db, bank_a.org.id)
    assert db.scalars(select(CustomerEvent).where(CustomerEvent.reference == "TX-10")).first() is None
    back = client.post(
        "/api/v1/events", json={"events": [event("TX-11", email="gone@example.org")]}, headers=bearer(secret)
    )
    assert back.json()["outcomes"][0]["result"].startswith("refused")
    scope(db, bank_a.org.id)
    assert db.scalars(select(Person).where(Person.email == "gone@example.org")).first() is None
    _writer, reading = make_key(db, bank_a, ["write"], name="Kiosk")  # may submit responses, not customers
    assert (
        client.post("/api/v1/events", json={"events": [event("TX-12")]}, headers=bearer(reading)).status_code
        == 403
    )


def test_triggers_are_added_on_the_page_and_refused_for_an_anonymous_survey(
    client: TestClient, db: Session, bank_a: World
) -> None:
    field = build_live_survey(db, bank_a)
    anonymous = build_live_survey(db, bank_a, anonymous=True)
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    token = csrf_token(client, "/events")
    added = client.post(
        "/events/triggers",
        data={
            "csrf_token": token,
            "event_type": "claim.settled",
            "survey_id": field.survey.id,
            "delay_hours": "2",
        },
    )
    assert added.status_code == 303
    page = client.get("/events")
    assert "claim.settled" in page.text
    refused = client.post(
        "/events/triggers",
        data={
            "csrf_token": token,
            "event_type": "claim.settled",
            "survey_id": anonymous.survey.id,
            "delay_hours": "0",
        },
    )
    assert refused.status_code == 422
    with pytest.raises(Invalid):
        service.add_trigger(db, bank_a.principal(db, "cx_lead"), field.survey.id, "claim.settled", 0)  # twice
    login(client, db, bank_a.users["member"])
    assert client.get("/events").status_code == 403


def test_the_drop_folder_reads_each_file_whole_reports_every_line_and_rereads_a_file_left_half_done(
    committed_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NINEPLUS_FEED_DIR", str(tmp_path))
    get_settings.cache_clear()
    with transaction() as session:
        world = bank(session, "Feed Bank", prefix="f")
        field = build_live_survey(session, world)
        service.add_trigger(
            session, world.principal(session, "cx_lead"), field.survey.id, "mortgage.closed", 0
        )
        slug = world.org.slug
    home = tmp_path / slug
    for name in folder.FOLDERS:
        (home / name).mkdir(parents=True)
    rows = [
        ["reference", "type", "occurred_at", "external_id", "email", "name", "attr.segment"],
        ["R-1", "mortgage.closed", "2026-12-01T10:00:00Z", "K-1", "a@example.org", "Ann", "private"],
        ["R-2", "mortgage.closed", "", "K-2", "not-an-address", "Bob", ""],
        ["R-3", "card.lost", "", "K-3", "", "Cas", "business"],
    ]
    with (home / "incoming" / "day1.csv").open("w", newline="") as file:
        csv.writer(file).writerows(rows)
    with (home / "processing" / "left.csv").open("w", newline="") as file:  # a reader died on it
        csv.writer(file).writerows([rows[0], rows[1]])
    (home / "incoming" / "broken.csv").write_text("ref,kind\nx,y\n")
    with transaction() as session:
        folder.read_feed_folder(session, {})
    assert sorted(p.name for p in (home / "done").iterdir()) == [
        "day1.csv",
        "day1.csv.report.csv",
        "left.csv",
        "left.csv.report.csv",
    ]
    assert list((home / "processing").iterdir()) == []
    assert "reference, type" in (home / "failed" / "broken.csv.error.txt").read_text()
    report = list(csv.DictReader((home / "done" / "day1.csv.report.csv").open()))
    by_reference = {line["reference"]: line["result"] for line in report}
    assert by_reference["R-3"] == "stored"
    assert by_reference["R-2"].startswith("refused")
    assert "email" in by_reference["R-2"]
    assert {
        by_reference["R-1"],
        next(line["result"] for line in csv.DictReader((home / "done" / "left.csv.report.csv").open())),
    } == {"invited", "repeat"}
    with transaction(write=False) as session:
        scope(session, field.survey.organisation_id)
        assert session.scalars(select(CustomerEvent.reference).order_by(CustomerEvent.reference)).all() == [
            "R-1",
            "R-3",
        ]
        cas = session.scalars(select(Person).where(Person.external_id == "K-3")).one()
        assert cas.attributes == {"segment": "business"}
