"""Login sessions expire after their days and after hours without use, and the user sees and ends them:
one at a time or every other one; nobody ends another user's session."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nineplus.accounts import auth
from nineplus.accounts.models import LoginSession
from nineplus.core.models import utcnow
from nineplus.core.tenancy import system
from nineplus.web.deps import SESSION_COOKIE
from tests.conftest import html
from tests.factories import World, csrf_token


def _session(db: Session, world: World, who: str, agent: str = "Firefox") -> str:
    system(db)
    token = auth.start_session(db, world.users[who], agent)
    db.commit()
    return token


def test_a_session_idle_past_its_hours_has_expired_and_use_keeps_it_alive(
    client: TestClient, db: Session, bank_a: World
) -> None:
    token = _session(db, bank_a, "admin")
    client.cookies.set(SESSION_COOKIE, token)
    assert client.get("/account").status_code == 200
    system(db)
    db.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(hours=11)))
    db.commit()
    assert client.get("/account").status_code == 200  # eleven hours idle: still fine, and seen again now
    db.expire_all()
    seen = db.scalar(select(LoginSession.last_seen_at))
    assert seen is not None
    assert utcnow() - seen < timedelta(minutes=1)
    db.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(hours=13)))
    db.commit()
    assert client.get("/account").status_code == 303  # thirteen hours idle: log in again
    assert client.get("/account").headers["location"].startswith("/login")


def test_the_user_sees_their_sessions_and_ends_one_or_all_others(
    client: TestClient, db: Session, bank_a: World
) -> None:
    client.headers["Accept-Language"] = "en"
    phone = _session(db, bank_a, "member", "Phone browser")
    laptop = _session(db, bank_a, "member", "Laptop browser")
    here = _session(db, bank_a, "member", "This browser")
    theirs = _session(db, bank_a, "viewer", "Viewer browser")
    client.cookies.set(SESSION_COOKIE, here)
    page = html(client.get("/account"))
    rows = page.select("#sessions tbody tr")
    assert len(rows) == 3
    assert "Viewer browser" not in page.get_text()
    assert page.select_one("#sessions .badge") is not None  # this browser is marked, with no end button
    system(db)
    phone_id = db.scalar(select(LoginSession.id).where(LoginSession.user_agent == "Phone browser"))
    viewer_id = db.scalar(select(LoginSession.id).where(LoginSession.user_agent == "Viewer browser"))
    token = csrf_token(client, "/account")
    assert client.post(f"/account/sessions/{viewer_id}/end", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/account/sessions/{phone_id}/end", data={"csrf_token": token}).status_code == 303
    assert auth.principal_from_session(db, phone) is None
    assert auth.principal_from_session(db, laptop) is not None
    assert client.post("/account/sessions/others/end", data={"csrf_token": token}).status_code == 303
    assert auth.principal_from_session(db, laptop) is None
    assert auth.principal_from_session(db, here) is not None  # this browser stays logged in
    assert auth.principal_from_session(db, theirs) is not None  # another user's is untouched


def test_a_page_answers_while_another_writer_holds_the_database(committed_session: Session) -> None:
    """Saving a session's last use never makes a page wait for, or fail on, another writer (SQLite lets
    one writer at a time: the update is skipped then)."""
    from nineplus.accounts.models import Organisation
    from nineplus.core.db import new_session
    from nineplus.web.app import create_app
    from tests import factories

    db = committed_session
    world = factories.bank(db, "Bank A", prefix="a")
    token = _session(db, world, "admin")
    system(db)
    db.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=30)))
    db.commit()
    writer = new_session(write=True)
    writer.execute(update(Organisation).values(locale="nl"))  # holds the write lock
    try:
        with TestClient(create_app(run_jobs=False), follow_redirects=False) as client:
            client.cookies.set(SESSION_COOKIE, token)
            assert client.get("/account").status_code == 200
    finally:
        writer.rollback()
        writer.close()
    with TestClient(create_app(run_jobs=False), follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, token)
        assert client.get("/account").status_code == 200
    db.expire_all()
    seen = db.scalar(select(LoginSession.last_seen_at))
    assert seen is not None
    assert utcnow() - seen < timedelta(minutes=1)  # saved once the database was free
