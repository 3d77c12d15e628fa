"""Hardening found by the security review: each test is one of its reproductions, now refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from nineplus.accounts import auth
from nineplus.accounts import service as accounts
from nineplus.accounts.schemas import InviteIn
from nineplus.core.errors import NotFound, get_or_404
from nineplus.core.principal import system_principal
from nineplus.core.tenancy import TenancyError, scope, system
from nineplus.jobs.models import Job
from nineplus.journeys.models import Journey, Moment
from nineplus.web.deps import CSRF_COOKIE
from tests.factories import PASSWORD, World, csrf_token, login, post_form


def test_a_csrf_token_made_for_a_planted_cookie_is_useless_to_a_logged_in_victim(
    client: TestClient, db: Session, bank_a: World
) -> None:
    chosen = "attacker-chosen-csrf-cookie-value"
    attacker = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    attacker.cookies.set(CSRF_COOKIE, chosen)
    token = csrf_token(attacker)
    login(client, db, bank_a.users["admin"])
    client.cookies.set(CSRF_COOKIE, chosen)
    assert client.post("/teams/new", data={"csrf_token": token, "name": "planted"}).status_code == 403


def test_a_backslash_next_never_reaches_an_htmx_redirect(client: TestClient, bank_a: World) -> None:
    data = {"email": "admin@a.example", "password": PASSWORD, "next": "/\\evil.example"}
    response = post_form(client, "/login", data, headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/"


def test_an_unscoped_session_cannot_count_or_probe_tenant_tables(db: Session, bank_a: World) -> None:
    plain = Session(bind=db.connection())
    for statement in (
        select(func.count()).select_from(Moment),
        select(select(Journey.id).exists()),
        select(Journey.id).union_all(select(Journey.id)),
    ):
        with pytest.raises(TenancyError):
            plain.execute(statement).all()


def test_an_object_left_in_the_identity_map_by_a_system_step_is_not_found_later(
    db: Session, bank_a: World, bank_b: World
) -> None:
    assert bank_b.journey is not None
    system(db)
    db.get(Journey, bank_b.journey.id)
    scope(db, bank_a.org.id)
    with pytest.raises(NotFound):
        get_or_404(db, Journey, bank_b.journey.id)


def test_an_invitation_dies_with_its_senders_standing(db: Session, bank_a: World) -> None:
    scope(db, bank_a.org.id)
    cx_lead_made_admin = bank_a.users["cx_lead"]
    cx_lead_made_admin.role = "admin"
    db.flush()
    sender = auth.principal_for(db, cx_lead_made_admin)
    invitation = auth.invite(db, sender, InviteIn(email="friend@a.example", role="admin"))
    token = auth.issue_invitation_link(db, invitation).rsplit("/", 1)[1]
    accounts.set_active(db, system_principal(bank_a.org.id), cx_lead_made_admin.id, False)
    db.commit()
    system(db)
    with pytest.raises(NotFound):
        auth.open_invitation(db, token)


def test_no_link_secret_is_ever_stored_in_the_job_table(
    client: TestClient, db: Session, bank_a: World
) -> None:
    post_form(client, "/password/forgot", {"email": "admin@a.example"})
    system(db)
    jobs = db.scalars(select(Job).where(Job.kind == "send_email")).all()
    assert jobs
    assert all("text" not in job.payload for job in jobs)
    dump = " ".join(str(row) for row in db.connection().execute(text("SELECT payload FROM jobs")))
    assert "/password/reset/" not in dump
    assert "/invite/" not in dump
