"""Erasure by e-mail address or external id: everything of the person goes from the row store (their
invitations, responses, words, text analysis and search index, cases and notes, outcomes, mail jobs), with
a receipt; nothing of anyone else; only an admin; a person's own data as JSON and CSV; the register keeps
only a keyed hash and erases again after a restore."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from nineplus.audit.models import AuditEvent
from nineplus.core.errors import Forbidden
from nineplus.core.mail import queue_email
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Person, RespondentKey, Response, SurveyInvitation
from nineplus.improve.models import Case, CaseNote
from nineplus.jobs.models import Job
from nineplus.outcomes.models import CustomerOutcome
from nineplus.privacy import erasure, pseudonyms
from nineplus.privacy.models import ErasureRequest
from nineplus.text.models import VerbatimAnalysis
from nineplus.text.repository import search
from nineplus.text.service import analyse_organisation
from tests.conftest import html
from tests.factories import World, csrf_token, login
from tests.imports.conftest import Target, build_target, respond

EMAIL = "Els.Erasmus@Example.org"
AT = datetime(2026, 5, 4, 10, tzinfo=UTC)


def customer(db: Session, world: World, target: Target, email: str, word: str, external_id: str) -> Person:
    """A customer with an invitation, two responses (one through it, with a comment), a case with a
    note on the low one, an outcome row and a queued plain e-mail."""
    scope(db, world.org.id)
    person = Person(
        email=email, name="Els Erasmus", external_id=external_id, team_id=world.teams["contact"].id
    )
    db.add(person)
    db.flush()
    invitation = SurveyInvitation(
        survey_id=target.survey.id,
        person_id=person.id,
        token_hash=uuid.uuid4().hex * 2,
        expires_at=AT + timedelta(days=30),
    )
    db.add(invitation)
    db.flush()
    low = respond(db, target, 3, {0: -3}, text=f"De {word} belde nooit terug", person=person)
    low.invitation_id = invitation.id
    respond(db, target, 8, person=person)
    case = Case(
        response_id=low.id, team_id=world.teams["contact"].id, reasons=["nps:3"], opened_at=AT, due_at=AT
    )
    db.add(case)
    db.flush()
    db.add(CaseNote(case_id=case.id, text=f"Called {person.name} back"))
    db.add(CustomerOutcome(person_id=person.id, period_start=date(2026, 1, 1), active=False))
    queue_email(db, email, "Hello", "A plain e-mail", world.org.id)
    db.flush()
    return person


def post_form(client: TestClient, path: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    """A logged-in browser's form post (the CSRF token from the account page)."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/account")})


@pytest.fixture
def target(db: Session, bank_a: World) -> Target:
    return build_target(db, bank_a)


def test_an_erasure_by_e_mail_removes_the_person_from_every_table_and_gives_a_receipt(
    client: TestClient, db: Session, bank_a: World, target: Target
) -> None:
    person_id = customer(db, bank_a, target, EMAIL, "hypotheekadviseur", "K-1001").id
    other_id = customer(db, bank_a, target, "someone.else@example.org", "hypotheekadviseur", "K-1002").id
    analyse_organisation(db, bank_a.org.id)
    db.commit()
    keys = pseudonyms.respondents_of(db, [person_id, other_id])
    assert len(search(db, [{"hypotheekadviseur"}])) == 2
    login(client, db, bank_a.users["admin"])

    found = post_form(client, "/privacy/find", {"kind": "email", "value": EMAIL.lower()})
    assert found.status_code == 200
    assert "Els Erasmus" in html(found).select_one("#found").get_text(" ")  # type: ignore[union-attr]
    unconfirmed = post_form(client, "/privacy/erase", {"kind": "email", "value": EMAIL.upper()})
    assert unconfirmed.status_code == 422
    assert db.get(Person, person_id) is not None
    done = post_form(client, "/privacy/erase", {"kind": "email", "value": EMAIL.upper(), "confirm": "yes"})
    assert done.status_code == 303, done.text
    receipt_page = client.get(done.headers["location"])
    assert receipt_page.status_code == 200

    system(db)
    db.expire_all()
    receipt = db.scalar(select(ErasureRequest))
    assert receipt is not None
    assert receipt.removed == {
        "persons": 1,
        "invitations": 1,
        "responses": 2,
        "answers": 4,  # the low one's NPS, feeling and comment; the other's NPS
        "verbatims": 1,
        "text_analyses": 1,
        "cases": 1,
        "case_notes": 1,
        "outcomes": 1,
        "scan_invitations": 0,
        "scan_answers": 0,
        "mail_jobs": 1,
        "import_files": 0,
    }
    assert receipt.completed_at is None  # the analytic store's part is queued
    assert db.scalar(select(Job).where(Job.kind == "complete_erasure")) is not None
    # nothing of the person is left; the other customer is whole
    assert db.get(Person, person_id) is None
    of = select(func.count()).select_from(Response)
    assert db.scalar(of.where(Response.respondent == keys[person_id])) == 0
    assert db.scalar(of.where(Response.respondent == keys[other_id])) == 2
    assert db.get(RespondentKey, person_id) is None  # nothing ties the pseudonym to anyone now
    assert db.scalar(select(func.count()).select_from(Case)) == 1
    assert db.scalar(select(func.count()).select_from(CaseNote)) == 1
    assert db.scalar(select(func.count()).select_from(CustomerOutcome)) == 1
    assert db.scalar(select(func.count()).select_from(VerbatimAnalysis)) == 1
    assert db.scalar(select(func.count()).select_from(SurveyInvitation)) == 1
    scope(db, bank_a.org.id)
    assert len(search(db, [{"hypotheekadviseur"}])) == 1
    system(db)
    payloads = [json.dumps(j.payload) for j in db.scalars(select(Job))]
    assert not any(EMAIL.lower() in p.lower() for p in payloads)
    # the register and the audit log hold no identifier
    assert receipt.identifier_hash == erasure.identifier_hash("email", EMAIL)
    assert EMAIL.lower() not in json.dumps(receipt.removed).lower() + receipt.reason.lower()
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.erasure"))
    assert "erasmus" not in json.dumps([event.before, event.after]).lower()
    if db.get_bind().dialect.name == "sqlite":
        match = "SELECT count(*) FROM verbatim_search WHERE verbatim_search MATCH 'hypotheekadviseur'"
        assert db.execute(text(match)).scalar() == 1


def test_an_erasure_touches_no_other_organisation(
    client: TestClient, db: Session, bank_a: World, bank_b: World, target: Target
) -> None:
    theirs = customer(db, bank_b, build_target(db, bank_b), EMAIL, "taxateur", "K-1").id
    theirs_key = pseudonyms.respondent_of(db, theirs)
    mine = customer(db, bank_a, target, EMAIL, "taxateur", "K-1").id
    db.commit()
    scope(db, bank_a.org.id)
    receipt = erasure.erase(db, bank_a.principal(db, "admin"), "external_id", "K-1", "asked by phone")
    db.commit()
    assert receipt.removed["persons"] == 1
    system(db)
    assert db.get(Person, mine) is None
    assert db.get(Person, theirs) is not None
    assert db.scalar(select(func.count()).select_from(Response).where(Response.respondent == theirs_key)) == 2
    theirs_mail = [j.payload for j in db.scalars(select(Job).where(Job.organisation_id == bank_b.org.id))]
    assert any(p.get("to") == EMAIL for p in theirs_mail)


def test_nobody_found_still_gives_a_receipt_and_only_an_admin_may_erase(
    client: TestClient, db: Session, bank_a: World
) -> None:
    scope(db, bank_a.org.id)
    with pytest.raises(Forbidden):
        erasure.erase(db, bank_a.principal(db, "cx_lead"), "email", "x@example.org")
    receipt = erasure.erase(db, bank_a.principal(db, "admin"), "email", "nobody@example.org")
    db.commit()
    assert receipt.removed["persons"] == 0
    login(client, db, bank_a.users["admin"])
    page = client.get(f"/privacy/receipts/{receipt.receipt}")
    assert page.status_code == 200
    assert html(page).select_one("#nobody-found") is not None
    login(client, db, bank_a.users["cx_lead"])
    assert client.get("/privacy").status_code == 403
    assert client.get(f"/privacy/receipts/{receipt.receipt}").status_code == 403


def test_bad_input_is_refused_in_words(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["admin"])
    client.headers["Accept-Language"] = "en"
    reply = post_form(
        client, "/privacy/erase", {"kind": "email", "value": "not an address", "confirm": "yes"}
    )
    assert reply.status_code == 422
    assert "Enter a valid e-mail address." in reply.text
    reply = post_form(client, "/privacy/erase", {"kind": "phone", "value": "0612345678", "confirm": "yes"})
    assert reply.status_code == 422
    assert "Choose e-mail address or external id." in reply.text
    long = post_form(
        client, "/privacy/erase", {"kind": "email", "value": "a@b.nl", "confirm": "yes", "reason": "x" * 1001}
    )
    assert long.status_code == 422
    system(db)
    assert db.scalar(select(func.count()).select_from(ErasureRequest)) == 0


def test_a_person_s_data_as_json_and_csv_with_formulas_made_inert(
    client: TestClient, db: Session, bank_a: World, target: Target
) -> None:
    person = customer(db, bank_a, target, EMAIL, '=HYPERLINK("http://x")', "K-7")
    db.commit()
    login(client, db, bank_a.users["admin"])
    data = client.get(f"/privacy/persons/{person.id}/data.json")
    assert data.status_code == 200
    assert data.headers["content-disposition"].startswith("attachment")
    body = data.json()
    assert body["person"]["email"] == EMAIL
    assert len(body["responses"]) == 2
    assert len(body["invitations"]) == 1
    assert body["cases"][0]["notes"][0]["text"] == "Called Els Erasmus back"
    answers = [a["value"] for r in body["responses"] for a in r["answers"]]
    assert 3 in answers
    assert any(isinstance(a, str) and "HYPERLINK" in a for a in answers)
    sheet = client.get(f"/privacy/persons/{person.id}/data.csv")
    rows = list(csv.reader(io.StringIO(sheet.text.lstrip("\ufeff"))))
    assert rows[0] == ["section", "item", "field", "value"]
    assert ["person", "1", "email", EMAIL] in rows
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(c.startswith(("=", "+", "-", "@")) and not c.lstrip("-").isdigit() for c in cells)
    assert "-3" in cells  # a feeling of -3 stays a number, not '-3
    system(db)
    exports = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "privacy.export")
    assert db.scalar(exports) == 2
    login(client, db, bank_a.users["cx_lead"])
    assert client.get(f"/privacy/persons/{person.id}/data.json").status_code == 403


def test_another_organisation_s_person_cannot_be_exported(
    client: TestClient, db: Session, bank_a: World, bank_b: World
) -> None:
    scope(db, bank_b.org.id)
    theirs = Person(email="b@example.org")
    db.add(theirs)
    db.commit()
    login(client, db, bank_a.users["admin"])
    assert client.get(f"/privacy/persons/{theirs.id}/data.json").status_code == 404


def test_a_restored_person_is_erased_again_from_the_register(
    db: Session, bank_a: World, target: Target
) -> None:
    customer(db, bank_a, target, EMAIL, "adviseur", "K-9")
    admin = bank_a.principal(db, "admin")
    erasure.erase(db, admin, "email", EMAIL)
    db.commit()
    scope(db, bank_a.org.id)
    back = Person(email=EMAIL.lower(), name="Els Erasmus")  # as a restored backup would bring her back
    db.add(Person(email="kept@example.org"))
    db.add(back)
    db.commit()
    scope(db, bank_a.org.id)
    assert erasure.reapply(db, admin) == 1
    db.commit()
    system(db)
    emails = set(db.scalars(select(Person.email).where(Person.organisation_id == bank_a.org.id)))
    assert EMAIL.lower() not in {e.lower() for e in emails if e}
    assert "kept@example.org" in emails


def test_an_upload_waiting_for_its_mapping_and_report_rows_that_name_the_person_go_too(
    db: Session, bank_a: World, target: Target
) -> None:
    from pathlib import Path

    from openpyxl import Workbook

    from nineplus.imports import service as imports
    from nineplus.imports.models import DataImport

    customer(db, bank_a, target, EMAIL, "adviseur", "K-1")
    admin = bank_a.principal(db, "admin")
    waiting = imports.upload(db, admin, "persons", "list.csv", f"naam;e-mail\nEls;{EMAIL.lower()}\n".encode())
    book = Workbook()
    book.active.append(["klantnummer", "naam"])  # type: ignore[union-attr]
    book.active.append(["K-1", "Els"])  # type: ignore[union-attr]
    buffer = io.BytesIO()
    book.save(buffer)
    in_xlsx = imports.upload(db, admin, "persons", "list.xlsx", buffer.getvalue())
    in_utf16 = imports.upload(db, admin, "persons", "u.csv", f"naam;e-mail\nEls;{EMAIL}\n".encode("utf-16"))
    others = imports.upload(  # K-10 and joels.erasmus@... are other people
        db, admin, "persons", "other.csv", f"klantnummer;e-mail\nK-10;jo{EMAIL.lower()}\n".encode()
    )
    done = DataImport(kind="persons", filename="old.csv", stored_as="/nonexistent", status="done")
    done.errors = [
        {"row": 2, "column": "e-mail", "value": EMAIL, "reason": "twice"},
        {"row": 3, "column": "e-mail", "value": "x@example.org", "reason": "twice"},
    ]
    db.add(done)
    queue_email(db, "jo" + EMAIL.lower(), "Hello", "A plain e-mail", bank_a.org.id)
    db.flush()
    gone_ids = [waiting.id, in_xlsx.id, in_utf16.id]
    others_id, done_id = others.id, done.id
    db.commit()
    scope(db, bank_a.org.id)
    receipt = erasure.erase(db, admin, "email", EMAIL)
    db.commit()
    assert receipt.removed["mail_jobs"] == 1  # hers, not the one to jo + her address
    system(db)
    job = db.scalars(select(Job).where(Job.kind == "complete_erasure")).one()
    assert EMAIL.lower() not in json.dumps(job.payload).lower()  # the job holds keyed hashes only
    scope(db, bank_a.org.id)
    assert erasure.clear_imports_naming(db, set(job.payload["hashes"])) == 4
    db.commit()
    system(db)
    db.expire_all()
    for gone in gone_ids:
        assert not Path(db.get_one(DataImport, gone).stored_as).exists()
        assert db.get_one(DataImport, gone).status == "failed"
    assert Path(db.get_one(DataImport, others_id).stored_as).exists()
    assert [e["value"] for e in db.get_one(DataImport, done_id).errors] == ["x@example.org"]
    payloads = [j.payload for j in db.scalars(select(Job).where(Job.kind == "send_email"))]
    assert any(p.get("to") == "jo" + EMAIL.lower() for p in payloads)


def test_a_response_that_arrives_under_an_erased_pseudonym_is_removed_by_the_job(
    db: Session, bank_a: World, target: Target
) -> None:
    customer(db, bank_a, target, EMAIL, "adviseur", "K-1")
    other = customer(db, bank_a, target, "other@example.org", "adviseur", "K-2")
    late_id = respond(db, target, 2, text="Nog steeds niet teruggebeld").id
    other_id = other.id
    db.commit()
    scope(db, bank_a.org.id)
    erasure.erase(db, bank_a.principal(db, "admin"), "email", EMAIL)
    db.commit()
    system(db)
    job = db.scalars(select(Job).where(Job.kind == "complete_erasure")).one()
    [gone] = job.payload["respondents"]
    # a page sent meanwhile, or an import checked before the erasure, brings a response back under it
    db.execute(update(Response).where(Response.id == late_id).values(respondent=gone))
    db.commit()
    scope(db, bank_a.org.id)
    assert erasure.remove_late(db, job.payload["respondents"]) == [late_id]
    db.commit()
    system(db)
    assert db.get(Response, late_id) is None
    kept = pseudonyms.respondent_of(db, other_id)
    assert db.scalar(select(func.count()).select_from(Response).where(Response.respondent == kept)) == 2


def test_a_backup_from_before_the_erasure_is_erased_again_from_the_register_file(
    db: Session, bank_a: World, target: Target
) -> None:
    from sqlalchemy import delete

    admin = bank_a.principal(db, "admin")
    customer(db, bank_a, target, EMAIL, "adviseur", "K-77")
    erasure.erase(db, admin, "external_id", "K-77")
    db.commit()
    # the restored backup: the person is back and the register's row is gone (it was made after the backup)
    system(db)
    db.execute(delete(ErasureRequest))
    scope(db, bank_a.org.id)
    db.add(Person(email="back@example.org", external_id="K-77", name="Els Erasmus"))
    db.commit()
    scope(db, bank_a.org.id)
    assert erasure.reapply(db, admin) == 1
    db.commit()
    system(db)
    assert db.scalar(select(Person).where(Person.external_id == "K-77")) is None


def test_an_erasure_that_is_rolled_back_leaves_no_entry_in_the_register_file(
    db: Session, bank_a: World
) -> None:
    admin = bank_a.principal(db, "admin")
    scope(db, bank_a.org.id)
    erasure.erase(db, admin, "email", "never@example.org")
    db.rollback()
    path = erasure.register_file()
    wanted = erasure.identifier_hash("email", "never@example.org")
    assert not path.exists() or wanted not in path.read_text()
    scope(db, bank_a.org.id)
    erasure.erase(db, admin, "email", "kept@example.org")
    db.commit()
    assert erasure.identifier_hash("email", "kept@example.org") in path.read_text()
