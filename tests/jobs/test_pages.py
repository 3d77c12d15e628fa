"""The jobs page: the organisation's jobs with their errors, a failed one retried (and audited), nothing
of another organisation's, and the jobs for every organisation without their error text."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.audit.models import AuditEvent
from nineplus.core.models import utcnow
from nineplus.core.tenancy import system
from nineplus.jobs.models import Job
from tests.conftest import html
from tests.factories import World, csrf_token, login


def _failed(db: Session, organisation_id: int | None, error: str, kind: str = "send_email") -> int:
    system(db)
    job = Job(
        kind=kind,
        organisation_id=organisation_id,
        run_at=utcnow(),
        state="failed",
        attempts=5,
        max_attempts=5,
        last_error=error,
        finished_at=utcnow(),
    )
    db.add(job)
    db.flush()
    return job.id


def test_an_admin_sees_the_failed_job_with_its_error_and_retries_it(
    client: TestClient, db: Session, bank_a: World, bank_b: World
) -> None:
    own = _failed(db, bank_a.org.id, "SMTPRecipientsRefused: mailbox full")
    other = _failed(db, bank_b.org.id, "SMTPRecipientsRefused: secret-of-bank-b")
    everyone = _failed(db, None, "IntegrityError: detail of some organisation", kind="open_cases")
    login(client, db, bank_a.users["admin"])
    page = client.get("/admin/jobs?failed=true")
    assert page.status_code == 200
    soup = html(page)
    assert "mailbox full" in soup.select_one(f"#job-{own}").get_text()
    assert soup.select_one(f"#job-{other}") is None
    assert "secret-of-bank-b" not in page.text
    assert soup.select_one(f"#job-{everyone}") is not None
    assert "detail of some organisation" not in page.text
    assert soup.select_one(f"#job-{everyone} form") is None  # only the organisation's own jobs
    assert "Sending an e-mail" in soup.select_one(f"#job-{own}").get_text()

    token = csrf_token(client, "/admin/jobs")
    assert client.post(f"/admin/jobs/{other}/retry", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/admin/jobs/{everyone}/retry", data={"csrf_token": token}).status_code == 404
    done = client.post(f"/admin/jobs/{own}/retry", data={"csrf_token": token})
    assert done.status_code == 303
    system(db)
    job = db.get_one(Job, own)
    db.refresh(job)
    assert (job.state, job.attempts) == ("queued", 0)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "job.retry")).one()
    assert event.object_id == str(own)
    assert "mailbox full" in event.before["last_error"]
    again = client.post(f"/admin/jobs/{own}/retry", data={"csrf_token": token})
    assert again.status_code == 409  # it has not failed (again) yet


def test_the_page_needs_the_audit_permission_and_retrying_needs_settings(
    client: TestClient, db: Session, bank_a: World
) -> None:
    own = _failed(db, bank_a.org.id, "boom")
    login(client, db, bank_a.users["member"])
    assert client.get("/admin/jobs").status_code == 403
    login(client, db, bank_a.users["admin"])
    token = csrf_token(client, "/admin/jobs")
    assert client.post(f"/admin/jobs/{own}/retry", data={}).status_code == 403  # no CSRF token
    assert client.post(f"/admin/jobs/{own}/retry", data={"csrf_token": token}).status_code == 303


def test_the_page_speaks_dutch(client: TestClient, db: Session, bank_a: World) -> None:
    _failed(db, bank_a.org.id, "boom")
    user = bank_a.users["admin"]
    user.locale = "nl"
    login(client, db, user)
    page = client.get("/admin/jobs")
    assert "Achtergrondtaken" in page.text
    assert "Mislukt" in page.text
