"""Logging in and out, login sessions, password reset, invitations and the UI language.

Everything goes through the pages a browser uses (forms with their CSRF token); e-mails are read out of
the queued ``send_email`` jobs, which live in the same transaction as the request that queued them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nineplus.accounts import auth
from nineplus.accounts.models import Invitation, LoginSession, PasswordReset, TeamMembership, User
from nineplus.core.errors import NotFound
from nineplus.core.i18n import translations
from nineplus.core.mail import Email, compose
from nineplus.core.models import utcnow
from nineplus.core.security import verify_password
from nineplus.core.tenancy import system
from nineplus.jobs.models import Job
from nineplus.web.deps import LOCALE_COOKIE, SESSION_COOKIE
from tests.conftest import html
from tests.factories import PASSWORD, World, csrf_token, login, password_hash, post_form

NEW_PASSWORD = "a brand new passphrase"
LOGIN_ERROR = "The e-mail address or password is not right, or the account is not active."


# Helpers ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english_browser(client: TestClient) -> None:
    """The default UI language is Dutch; these tests read English messages unless they say otherwise."""
    client.headers["Accept-Language"] = "en"


def post_as_user(client: TestClient, path: str, data: dict[str, object], page: str = "/account", **kwargs):  # type: ignore[no-untyped-def]
    """Post a form as a logged-in browser would: the CSRF token comes from a page of the app."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)}, **kwargs)


def set_cookie_header(response, name: str) -> str:  # type: ignore[no-untyped-def]
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, f"expected one Set-Cookie for {name}, got {headers}"
    return headers[0]


def emails_to(db: Session, address: str) -> list[Email]:
    """The queued e-mails to ``address``, written as the job runner would write them when sending
    (e-mails with a link get their secret only then)."""
    system(db)
    db.expire_all()
    jobs = db.scalars(select(Job).where(Job.kind == "send_email").order_by(Job.id)).all()
    emails = [compose(db, j.payload) for j in jobs]
    db.flush()
    return [e for e in emails if e is not None and e.to == address]


def all_email_jobs(db: Session) -> int:
    system(db)
    return db.scalar(select(func.count()).select_from(Job).where(Job.kind == "send_email")) or 0


def link_in(email: Email, pattern: str) -> str:
    match = re.search(pattern, email.text)
    assert match, f"no link matching {pattern!r} in: {email.text}"
    return match.group(0)


def login_form(client: TestClient, email: str, password: str, next_: str = "/"):  # type: ignore[no-untyped-def]
    return post_form(client, "/login", {"email": email, "password": password, "next": next_})


def fresh_user(db: Session, user: User) -> User:
    system(db)
    db.expire_all()
    return db.get_one(User, user.id)


def is_logged_in(client: TestClient) -> bool:
    response = client.get("/account")
    if response.status_code == 303:
        assert response.headers["location"].startswith("/login?next=")
        return False
    assert response.status_code == 200
    return True


# Login -----------------------------------------------------------------------------------------------


def test_logging_in_redirects_to_next_and_sets_a_httponly_lax_session_cookie(
    client: TestClient, db: Session, bank_a: World
) -> None:
    response = login_form(client, "admin@a.example", PASSWORD, next_="/journeys")
    assert response.status_code == 303
    assert response.headers["location"] == "/journeys"
    cookie = SimpleCookie(set_cookie_header(response, SESSION_COOKIE))[SESSION_COOKIE]
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    assert is_logged_in(client)
    # The server keeps only a hash of the cookie's token.
    system(db)
    stored = db.scalars(
        select(LoginSession.token_hash).where(LoginSession.user_id == bank_a.users["admin"].id)
    ).all()
    assert len(stored) == 1
    assert cookie.value not in stored[0]
    assert auth.principal_from_session(db, cookie.value) is not None


def test_the_login_is_case_insensitive_in_the_email_address(client: TestClient, bank_a: World) -> None:
    response = login_form(client, "Admin@A.Example", PASSWORD)
    assert response.status_code == 303
    assert is_logged_in(client)


def test_a_wrong_password_and_an_unknown_email_give_identical_answers(
    client: TestClient, bank_a: World
) -> None:
    wrong_password = login_form(client, "admin@a.example", "not the password")
    unknown_email = login_form(client, "ghost@a.example", PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 400

    def error_of(r):  # type: ignore[no-untyped-def]
        return [e.get_text(" ", strip=True) for e in html(r).select(".form-errors")]

    assert error_of(wrong_password) == error_of(unknown_email) == [LOGIN_ERROR]
    assert html(unknown_email).select_one("input#f-email")["value"] == "ghost@a.example"
    assert html(wrong_password).select_one("input#f-password").get("value") is None  # never echoed
    assert wrong_password.headers.get_list("set-cookie") == unknown_email.headers.get_list("set-cookie") == []
    assert not is_logged_in(client)


def test_a_deactivated_user_cannot_log_in(client: TestClient, db: Session, bank_a: World) -> None:
    system(db)
    bank_a.users["member"].is_active = False
    db.commit()
    response = login_form(client, "member@a.example", PASSWORD)
    assert response.status_code == 400
    assert html(response).select_one(".form-errors__general").get_text(strip=True) == LOGIN_ERROR
    assert SESSION_COOKIE not in client.cookies


def test_a_deactivated_users_open_session_stops_working(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["member"])
    assert is_logged_in(client)
    system(db)
    bank_a.users["member"].is_active = False
    db.commit()
    assert not is_logged_in(client)


OFF_SITE = [
    "https://evil.example",
    "//evil.example",
    "//evil.example/journeys",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/\t/evil.example",
    "https://testserver.evil.example/",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_login_page_never_carries_an_off_site_next(client: TestClient, target: str) -> None:
    page = html(client.get("/login", params={"next": target}))
    assert page.select_one('form[action="/login"] input[name="next"]')["value"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_logged_in_visitor_is_never_sent_off_site_from_the_login_page(
    client: TestClient, db: Session, bank_a: World, target: str
) -> None:
    login(client, db, bank_a.users["viewer"])
    response = client.get("/login", params={"next": target})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_the_login_form_refuses_to_redirect_off_site(client: TestClient, bank_a: World) -> None:
    for target in ("https://evil.example", "//evil.example"):
        client.cookies.clear()
        response = login_form(client, "admin@a.example", PASSWORD, next_=target)
        assert response.status_code == 303
        assert response.headers["location"] == "/"


def test_a_same_site_next_is_kept_with_its_query(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["viewer"])
    response = client.get("/login", params={"next": "/journeys?archived=true"})
    assert response.headers["location"] == "/journeys?archived=true"


def test_a_backslash_next_cannot_become_a_protocol_relative_redirect(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["viewer"])
    location = client.get("/login", params={"next": "/\\evil.example"}).headers["location"]
    # Browsers read "/\\" as "//": the redirect must stay a path on this site.
    assert not location.startswith(("//", "/\\"))
    assert urlsplit(location).netloc == ""


def test_logging_out_revokes_the_session_on_the_server(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["cx_lead"])
    token = client.cookies[SESSION_COOKIE]
    assert is_logged_in(client)

    response = post_as_user(client, "/logout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    deleted = SimpleCookie(set_cookie_header(response, SESSION_COOKIE))[SESSION_COOKIE]
    assert deleted["max-age"] == "0"

    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, token)  # a kept copy of the old cookie
    assert not is_logged_in(client)
    system(db)
    db.expire_all()
    row = db.scalars(select(LoginSession).where(LoginSession.user_id == bank_a.users["cx_lead"].id)).one()
    assert row.revoked_at is not None


def test_logging_out_ends_only_that_session(client: TestClient, db: Session, bank_a: World) -> None:
    system(db)
    other = auth.start_session(db, bank_a.users["admin"])
    db.commit()
    login(client, db, bank_a.users["admin"])
    assert post_as_user(client, "/logout", {}).status_code == 303
    client.cookies.set(SESSION_COOKIE, other)
    assert is_logged_in(client)


def test_an_expired_session_is_refused(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["admin"])
    assert is_logged_in(client)
    system(db)
    db.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    response = client.get("/journeys")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fjourneys"


def test_a_made_up_session_cookie_is_refused(client: TestClient, bank_a: World) -> None:
    client.cookies.set(SESSION_COOKIE, "not-a-session")
    assert not is_logged_in(client)


# Password reset --------------------------------------------------------------------------------------


def request_reset(client: TestClient, email: str):  # type: ignore[no-untyped-def]
    return post_form(client, "/password/forgot", {"email": email})


def reset_link(client: TestClient, db: Session, email: str) -> str:
    assert request_reset(client, email).status_code == 200
    jobs = emails_to(db, email)
    assert len(jobs) == 1
    return urlsplit(link_in(jobs[0], r"https?://\S+/password/reset/[A-Za-z0-9_-]+")).path


def test_a_reset_request_for_a_known_address_queues_one_email_with_a_link(
    client: TestClient, db: Session, bank_a: World
) -> None:
    response = request_reset(client, "member@a.example")
    assert response.status_code == 200
    jobs = emails_to(db, "member@a.example")
    assert len(jobs) == 1
    assert jobs[0].subject
    path = urlsplit(link_in(jobs[0], r"https?://\S+/password/reset/[A-Za-z0-9_-]+")).path
    assert re.fullmatch(r"/password/reset/[A-Za-z0-9_-]{20,}", path)
    assert client.get(path).status_code == 200


def test_a_reset_request_for_an_unknown_address_queues_nothing_but_looks_the_same(
    client: TestClient, db: Session, bank_a: World
) -> None:
    before = all_email_jobs(db)
    unknown = request_reset(client, "nobody@a.example")
    assert all_email_jobs(db) == before
    known = request_reset(client, "member@a.example")
    assert all_email_jobs(db) == before + 1
    assert unknown.status_code == known.status_code == 200

    def status_text(r):  # type: ignore[no-untyped-def]
        return html(r).select_one("main [role=status]").get_text(strip=True)

    assert status_text(unknown) == status_text(known)
    assert status_text(known)


def test_a_reset_request_for_a_deactivated_user_queues_nothing(
    client: TestClient, db: Session, bank_a: World
) -> None:
    system(db)
    bank_a.users["member"].is_active = False
    db.commit()
    assert request_reset(client, "member@a.example").status_code == 200
    assert emails_to(db, "member@a.example") == []


def test_a_reset_link_sets_the_password_and_works_only_once(
    client: TestClient, db: Session, bank_a: World
) -> None:
    path = reset_link(client, db, "member@a.example")
    page = html(client.get(path))
    assert page.select_one(f'form[action="{path}"] input#f-password[type=password]') is not None

    response = post_form(client, path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    changed = fresh_user(db, bank_a.users["member"]).password_hash
    assert changed != password_hash()
    assert verify_password(changed, NEW_PASSWORD)

    assert client.get(path).status_code == 404
    again = post_form(
        client, path, {"password": "yet another passphrase", "password_repeat": "yet another passphrase"}
    )
    assert again.status_code == 404
    assert fresh_user(db, bank_a.users["member"]).password_hash == changed


def test_the_new_password_logs_in_after_a_reset(client: TestClient, db: Session, bank_a: World) -> None:
    path = reset_link(client, db, "member@a.example")
    post_form(client, path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert login_form(client, "member@a.example", NEW_PASSWORD).status_code == 303
    assert is_logged_in(client)


def test_a_too_short_new_password_is_refused_and_changes_nothing(
    client: TestClient, db: Session, bank_a: World
) -> None:
    path = reset_link(client, db, "member@a.example")
    response = post_form(client, path, {"password": "short1234", "password_repeat": "short1234"})
    assert response.status_code == 422
    error = html(response).select_one("#f-password-error")
    assert error is not None
    assert "10" in error.get_text()
    assert fresh_user(db, bank_a.users["member"]).password_hash == password_hash()
    system(db)
    assert db.scalars(select(PasswordReset)).one().used_at is None
    assert client.get(path).status_code == 200  # the link still works


def test_a_mismatched_repeat_is_refused_and_changes_nothing(
    client: TestClient, db: Session, bank_a: World
) -> None:
    path = reset_link(client, db, "member@a.example")
    response = post_form(client, path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD + "!"})
    assert response.status_code == 422
    assert html(response).select_one("#f-password_repeat-error") is not None
    assert fresh_user(db, bank_a.users["member"]).password_hash == password_hash()
    assert client.get(path).status_code == 200


def test_a_password_reset_ends_every_other_session_of_the_user(
    client: TestClient, db: Session, bank_a: World
) -> None:
    system(db)
    laptop = auth.start_session(db, bank_a.users["member"])
    colleague = auth.start_session(db, bank_a.users["viewer"])
    db.commit()
    path = reset_link(client, db, "member@a.example")
    assert (
        post_form(client, path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}).status_code
        == 303
    )

    client.cookies.set(SESSION_COOKIE, laptop)
    assert not is_logged_in(client)
    client.cookies.set(SESSION_COOKIE, colleague)
    assert is_logged_in(client)


def test_an_unknown_reset_token_is_a_404_page(client: TestClient, bank_a: World) -> None:
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 404
    assert html(response).select_one(".error-page__code").get_text(strip=True) == "404"


# Invitations -----------------------------------------------------------------------------------------


def invite_through_the_users_page(client: TestClient, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return post_as_user(client, "/admin/invitations", data, page="/admin/users")


def test_an_admin_invites_through_the_users_page_and_an_email_carries_the_link(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["admin"])
    page = html(client.get("/admin/users"))
    form = page.select_one('form[action="/admin/invitations"]')
    assert form.select_one("input#f-email") is not None
    assert {o["value"] for o in form.select("select#f-role option")} == {
        "admin",
        "cx_lead",
        "team_lead",
        "team_member",
        "viewer",
    }
    team_boxes = {int(i["value"]) for i in form.select('input[name="team_ids"]')}
    assert team_boxes == {t.id for t in bank_a.teams.values()}

    response = invite_through_the_users_page(
        client,
        {"email": "Newcomer@A.example", "role": "team_lead", "team_ids": [str(bank_a.teams["advice"].id)]},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users"
    jobs = emails_to(db, "newcomer@a.example")
    assert len(jobs) == 1
    assert re.search(r"https?://\S+/invite/[A-Za-z0-9_-]{20,}", jobs[0].text)
    listed = [li.get_text(" ", strip=True) for li in html(client.get("/admin/users")).select("section li")]
    assert any("newcomer@a.example" in text for text in listed)


def test_accepting_an_invitation_creates_the_user_with_role_and_teams_and_logs_them_in(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["admin"])
    invite_through_the_users_page(
        client,
        {"email": "newcomer@a.example", "role": "team_lead", "team_ids": [str(bank_a.teams["advice"].id)]},
    )
    path = urlsplit(
        link_in(emails_to(db, "newcomer@a.example")[0], r"https?://\S+/invite/[A-Za-z0-9_-]+")
    ).path
    client.cookies.clear()

    page = html(client.get(path))
    assert page.select_one(f'form[action="{path}"] input#f-name') is not None
    response = post_form(
        client, path, {"name": "Nina Newcomer", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = SimpleCookie(set_cookie_header(response, SESSION_COOKIE))[SESSION_COOKIE]
    assert cookie["httponly"] is True

    system(db)
    user = db.scalars(select(User).where(User.email == "newcomer@a.example")).one()
    assert (user.name, user.role, user.organisation_id) == ("Nina Newcomer", "team_lead", bank_a.org.id)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    teams = set(db.scalars(select(TeamMembership.team_id).where(TeamMembership.user_id == user.id)))
    assert teams == {bank_a.teams["advice"].id}

    account = html(client.get("/account"))
    assert account.select_one(".account__name").get_text(strip=True) == "Nina Newcomer"
    team_links = [a.get_text(strip=True) for a in html(client.get("/teams")).select("main table a")]
    assert team_links == [bank_a.teams["advice"].name]


def test_an_invitation_link_works_only_once(client: TestClient, db: Session, bank_a: World) -> None:
    path = f"/invite/{bank_a.invitation_token}"
    data = {"name": "First", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    assert post_form(client, path, data).status_code == 303
    client.cookies.clear()
    assert client.get(path).status_code == 404
    assert post_form(client, path, {**data, "name": "Second"}).status_code == 404
    system(db)
    assert db.scalar(select(func.count()).select_from(User).where(User.email == "new@a.example")) == 1


def test_accepting_with_a_short_password_is_refused_and_creates_nobody(
    client: TestClient, db: Session, bank_a: World
) -> None:
    path = f"/invite/{bank_a.invitation_token}"
    response = post_form(client, path, {"name": "Nina", "password": "short", "password_repeat": "short"})
    assert response.status_code == 422
    assert html(response).select_one("#f-password-error") is not None
    system(db)
    assert db.scalars(select(User).where(User.email == "new@a.example")).first() is None
    assert client.get(path).status_code == 200


def test_an_invitation_to_a_registered_address_is_refused_with_a_field_error(
    client: TestClient, db: Session, bank_a: World, bank_b: World
) -> None:
    login(client, db, bank_a.users["admin"])
    before_jobs = all_email_jobs(db)
    for taken in ("member@a.example", "Admin@B.example"):  # also another organisation's user
        response = invite_through_the_users_page(client, {"email": taken, "role": "viewer"})
        assert response.status_code == 422
        error = html(response).select_one("#f-email-error")
        assert error is not None
        assert error.get_text(strip=True)
    system(db)
    assert db.scalar(select(func.count()).select_from(Invitation)) == 2  # the two of the factories
    assert all_email_jobs(db) == before_jobs


def test_a_withdrawn_invitation_is_a_404(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["admin"])
    assert bank_a.invitation is not None
    response = post_as_user(
        client, f"/admin/invitations/{bank_a.invitation.id}/revoke", {}, page="/admin/users"
    )
    assert response.status_code == 303
    client.cookies.clear()
    path = f"/invite/{bank_a.invitation_token}"
    assert client.get(path).status_code == 404
    data = {"name": "Late", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    assert post_form(client, path, data).status_code == 404
    system(db)
    assert db.scalars(select(User).where(User.email == "new@a.example")).first() is None


def test_an_expired_invitation_is_a_404(client: TestClient, db: Session, bank_a: World) -> None:
    system(db)
    db.execute(update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.commit()
    assert client.get(f"/invite/{bank_a.invitation_token}").status_code == 404


# Language --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("nl", "nl"),
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("de;q=1.0,en;q=0.5", "en"),
    ],
)
def test_the_login_page_speaks_the_browsers_language(client: TestClient, header: str, lang: str) -> None:
    response = client.get("/login", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert html(response).html["lang"] == lang


def test_the_dutch_login_page_is_in_dutch(client: TestClient) -> None:
    english = html(client.get("/login", headers={"Accept-Language": "en"}))
    dutch = html(client.get("/login", headers={"Accept-Language": "nl"}))
    english_button = english.select_one('form[action="/login"] button[type=submit]').get_text(strip=True)
    dutch_button = dutch.select_one('form[action="/login"] button[type=submit]').get_text(strip=True)
    assert english_button == "Log in"
    assert dutch_button == translations("nl").ugettext("Log in")
    assert dutch_button != english_button, "the Dutch login page shows the English text"
    assert dutch.select_one("label[for=f-password]").get_text(strip=True) != "Password"


def test_choosing_a_language_is_stored_on_the_user(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["viewer"])
    response = post_as_user(client, "/account/language", {"locale": "nl", "next": "/journeys"})
    assert response.status_code == 303
    assert response.headers["location"] == "/journeys"
    assert fresh_user(db, bank_a.users["viewer"]).locale == "nl"

    # Without the language cookie and with an English browser, the stored choice still wins.
    client.cookies.delete(LOCALE_COOKIE)
    page = html(client.get(f"/journeys/{bank_a.journey.id}", headers={"Accept-Language": "en"}))  # type: ignore[union-attr]
    assert page.html["lang"] == "nl"
    assert page.select_one("main h1").get_text(strip=True) == "Hypotheek Bank A"


def test_choosing_an_unknown_language_changes_nothing(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["viewer"])
    response = post_as_user(client, "/account/language", {"locale": "xx", "next": "/teams"})
    assert response.status_code == 303
    assert fresh_user(db, bank_a.users["viewer"]).locale == "en"
    assert LOCALE_COOKIE not in client.cookies


def test_the_language_switch_refuses_off_site_next(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["viewer"])
    response = post_as_user(client, "/account/language", {"locale": "en", "next": "//evil.example"})
    assert response.headers["location"] == "/"


def test_an_anonymous_visitor_can_choose_a_language_for_the_login_page(client: TestClient) -> None:
    response = post_form(client, "/account/language", {"locale": "nl", "next": "/login"})
    assert response.status_code == 303
    assert html(client.get("/login", headers={"Accept-Language": "en"})).html["lang"] == "nl"


def test_logging_in_applies_the_users_stored_language(client: TestClient, db: Session, bank_a: World) -> None:
    system(db)
    bank_a.users["member"].locale = "nl"
    db.commit()
    assert login_form(client, "member@a.example", PASSWORD).status_code == 303
    assert html(client.get("/account", headers={"Accept-Language": "en"})).html["lang"] == "nl"


def test_a_password_reset_uses_up_every_other_open_link_of_the_user(db: Session, bank_a: World) -> None:
    from nineplus.accounts import auth as auth_service
    from nineplus.accounts.schemas import PasswordResetIn
    from nineplus.core.tenancy import system as system_session

    system_session(db)
    email = bank_a.users["member"].email
    auth_service.request_password_reset(db, email)
    auth_service.request_password_reset(db, email)  # within minutes: no second e-mail
    db.flush()
    assert len(emails_to(db, email)) == 1
    for reset in db.scalars(select(PasswordReset)).all():
        reset.created_at = utcnow() - timedelta(minutes=auth_service.RESET_RESEND_MINUTES + 1)
    auth_service.request_password_reset(db, email)
    db.flush()
    tokens = [e.text.split("/password/reset/")[1].split()[0] for e in emails_to(db, email)]
    assert len(tokens) == 2
    auth_service.reset_password(db, tokens[0], PasswordResetIn(password="a brand new password"))
    system_session(db)
    with pytest.raises(NotFound):
        auth_service.open_reset(db, tokens[1])
