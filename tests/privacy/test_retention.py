"""Retention: months per organisation and per survey for responses, words and contact data; the dry run
says what the purge would remove and removes nothing; the purge removes exactly that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Answer, Person, Response
from nineplus.privacy import retention
from nineplus.text.models import VerbatimAnalysis
from nineplus.text.service import analyse_organisation
from tests.conftest import html
from tests.factories import World, csrf_token, login
from tests.imports.conftest import Target, build_target, respond

NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def target(db: Session, bank_a: World) -> Target:
    return build_target(db, bank_a)


def months_ago(n: int) -> datetime:
    return NOW - timedelta(days=round(30.5 * n))


def counts(db: Session) -> tuple[int, int, int]:
    words = select(func.count()).select_from(Answer).where(Answer.value_text.is_not(None))
    return (
        db.scalar(select(func.count()).select_from(Response)) or 0,
        db.scalar(words) or 0,
        db.scalar(select(func.count()).select_from(VerbatimAnalysis)) or 0,
    )


def test_the_dry_run_names_what_the_purge_then_removes(db: Session, bank_a: World, target: Target) -> None:
    old_customer = Person(email="old@example.org", name="Oud", external_id="K-OLD", created_at=months_ago(40))
    recent_customer = Person(email="new@example.org", created_at=months_ago(2))
    db.add_all([old_customer, recent_customer])
    db.flush()
    respond(db, target, 9, text="Heel fijn geholpen door de adviseur", at=months_ago(30))  # past both
    respond(db, target, 7, text="De taxateur was laat", at=months_ago(14))  # words past, response kept
    respond(db, target, 8, text="Prima", at=months_ago(2))  # kept whole
    analyse_organisation(db, bank_a.org.id)
    actor = bank_a.principal(db, "admin")
    retention.set_policy(
        db, actor, None, {"responses_months": "24", "verbatims_months": "12", "contacts_months": "36"}
    )
    db.flush()
    before = counts(db)
    assert before == (3, 3, 3)
    plan = {(line.kind, line.survey_id): line.count for line in retention.plan(db, NOW) if line.count}
    assert plan == {
        ("responses", target.survey.id): 1,
        ("verbatims", target.survey.id): 2,
        ("contacts", None): 1,
    }
    assert counts(db) == before  # a dry run removes nothing
    retention.purge(db, NOW)
    db.flush()
    assert counts(db) == (2, 1, 1)
    db.expire_all()
    old = db.get_one(Person, old_customer.id)
    assert (old.email, old.external_id, old.name) == (None, None, "")
    assert db.get_one(Person, recent_customer.id).email == "new@example.org"
    assert {line.count for line in retention.plan(db, NOW)} == {0}  # nothing left to purge


def of_target(db: Session, target: Target, when: datetime | None = None) -> list[tuple[int, int]]:
    lines = retention.plan(db, when or NOW)
    return [(x.months, x.count) for x in lines if x.kind == "responses" and x.survey_id == target.survey.id]


def test_a_survey_s_own_period_overrides_the_organisation_s(
    db: Session, bank_a: World, target: Target
) -> None:
    respond(db, target, 9, at=months_ago(8))
    actor = bank_a.principal(db, "admin")
    retention.set_policy(db, actor, None, {"responses_months": "24"})
    assert of_target(db, target) == [(24, 0)]
    retention.set_policy(db, actor, target.survey.id, {"responses_months": "6"})
    assert of_target(db, target) == [(6, 1)]


def test_the_job_purges_each_organisation_with_a_policy(
    db: Session, bank_a: World, bank_b: World, target: Target
) -> None:
    respond(db, target, 9, at=datetime(2020, 1, 1, tzinfo=UTC))
    other = build_target(db, bank_b)
    respond(db, other, 9, at=datetime(2020, 1, 1, tzinfo=UTC))
    scope(db, bank_a.org.id)
    retention.set_policy(db, bank_a.principal(db, "admin"), None, {"responses_months": "12"})
    db.flush()
    retention._purge_job(db, {})
    system(db)
    per_org = dict(
        db.execute(select(Response.organisation_id, func.count()).group_by(Response.organisation_id)).all()
    )
    assert bank_a.org.id not in per_org
    assert per_org[bank_b.org.id] == 1


def test_the_page_saves_periods_and_refuses_bad_ones_in_words(
    client: TestClient, db: Session, bank_a: World, target: Target
) -> None:
    db.commit()
    login(client, db, bank_a.users["admin"])
    client.headers["Accept-Language"] = "en"
    token = csrf_token(client, "/privacy")
    bad = client.post("/privacy/retention", data={"csrf_token": token, "responses_months": "-3"})
    assert bad.status_code == 422
    assert "A whole number of months from 1 to 1200" in bad.text
    ok = client.post(
        "/privacy/retention", data={"csrf_token": token, "responses_months": "24", "contacts_months": ""}
    )
    assert ok.status_code == 303
    page = html(client.get("/privacy"))
    saved = page.select_one("#retention-form input[name=responses_months]")
    assert saved is not None
    assert saved["value"] == "24"
    assert of_target(db, target, datetime.now(UTC)) == [(24, 0)]
    wrong_survey = client.post(
        "/privacy/retention", data={"csrf_token": token, "survey_id": "999999", "responses_months": "3"}
    )
    assert wrong_survey.status_code == 422
    # the survey's own form: its fields and its errors stay its own
    mistaken = {"csrf_token": token, "survey_id": str(target.survey.id), "s_responses_months": "9999"}
    refused = html(client.post("/privacy/retention", data=mistaken))
    survey_field = refused.select_one("#survey-retention-form input[name=s_responses_months]")
    assert survey_field is not None
    assert survey_field["value"] == "9999"
    assert refused.select_one("#survey-retention-form .field__error") is not None
    organisation_field = refused.select_one("#retention-form input[name=responses_months]")
    assert organisation_field is not None
    assert organisation_field["value"] == "24"  # the organisation's saved value, untouched
    own = {"csrf_token": token, "survey_id": str(target.survey.id), "s_responses_months": "6"}
    assert client.post("/privacy/retention", data=own).status_code == 303
    assert of_target(db, target, datetime.now(UTC)) == [(6, 0)]


def test_contacts_in_use_elsewhere_are_kept_and_attributes_alone_count_as_contact_data(
    db: Session, bank_a: World
) -> None:
    from nineplus.scans.models import ScanInvitation, ScanRun

    scope(db, bank_a.org.id)
    old = months_ago(40)
    scanned = Person(kind="employee", email="staff@a.example", created_at=old)
    profiled = Person(attributes={"regio": "Utrecht"}, created_at=old)
    db.add_all([scanned, profiled])
    db.flush()
    run = ScanRun(instrument="four_bs", version=1, title="Now", created_at=NOW - timedelta(days=3))
    db.add(run)
    db.flush()
    db.add(ScanInvitation(run_id=run.id, person_id=scanned.id, role="employee"))
    retention.set_policy(db, bank_a.principal(db, "admin"), None, {"contacts_months": "36"})
    db.flush()
    retention.purge(db, NOW)
    db.flush()
    db.expire_all()
    assert db.get_one(Person, scanned.id).email == "staff@a.example"  # invited to a scan this week
    assert db.get_one(Person, profiled.id).attributes == {}
