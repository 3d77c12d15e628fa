"""Abuse limits: logins (per address, and failed attempts per account without telling which accounts
exist), password resets, the public response pages and their submissions (per address and per link),
and the API (per key); a clear 429 in the user's language with Retry-After; configurable and off-able."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.web import limits
from nineplus.web.limits import DEFAULTS, Limiter
from nineplus.web.routing import PUBLIC_ROUTES, iter_routes
from tests.accounts.test_api_keys import bearer, make_key
from tests.conftest import html
from tests.factories import PASSWORD, World, post_form
from tests.feedback.conftest import Field, build_live_survey
from tests.feedback.test_public_api import body, url

LOCKED_EN = "Too many failed attempts to log in with this e-mail address."


@pytest.fixture
def tight(client: TestClient) -> Iterator[FastAPI]:
    """The application with some limits set low through the same overrides a deployment uses."""
    app: FastAPI = client.app  # type: ignore[assignment]
    kept = app.state.limiter
    app.state.limiter = Limiter(
        True,
        "login_per_address=8/minute; public_posts_per_address=3/minute; public_posts_per_link=5/minute; "
        "api_per_key=4/minute; public_pages_per_address=4/minute",
    )
    yield app
    app.state.limiter = kept


@pytest.fixture
def field(db: Session, bank_a: World) -> Field:
    return build_live_survey(db, bank_a)


def log_in(client: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    return post_form(client, "/login", {"email": email, "password": password})


def test_five_failed_logins_lock_the_account_even_against_the_right_password(
    client: TestClient, bank_a: World
) -> None:
    client.headers["Accept-Language"] = "en"
    email = bank_a.users["admin"].email
    for _attempt in range(5):
        assert log_in(client, email, "wrong password").status_code == 400
    locked = log_in(client, email, PASSWORD)
    assert locked.status_code == 429
    assert LOCKED_EN in html(locked).get_text(" ")
    assert html(locked).select_one('a[href="/password/forgot"]') is not None  # the way out, on the page
    assert 800 <= int(locked.headers["retry-after"]) <= 900  # the 15-minute window
    assert "nineplus_session" not in locked.cookies
    # another account is not locked by it
    assert log_in(client, bank_a.users["viewer"].email, PASSWORD).status_code == 303


def test_the_lockout_tells_nothing_about_which_accounts_exist(client: TestClient, bank_a: World) -> None:
    """The same answers, in the same order, for a known account and an address without one."""
    client.headers["Accept-Language"] = "en"
    answers = {}
    for email in (bank_a.users["member"].email, "nobody@a.example"):
        replies = [log_in(client, email, "wrong password") for _attempt in range(6)]
        answers[email] = [(r.status_code, _message(r)) for r in replies]
    known, unknown = answers.values()
    assert known == unknown
    assert [status for status, _text in known] == [400] * 5 + [429]


def _message(response) -> str:  # type: ignore[no-untyped-def]
    page = html(response)
    found = page.select_one(".error-page__message") or page.select_one("[role=alert]")
    assert found is not None, response.text[:500]
    return found.get_text(" ", strip=True)


def test_a_right_password_before_the_lockout_clears_the_failures(client: TestClient, bank_a: World) -> None:
    email = bank_a.users["admin"].email
    for _attempt in range(4):
        log_in(client, email, "wrong password")
    assert log_in(client, email, PASSWORD).status_code == 303
    client.cookies.clear()
    for _attempt in range(4):
        assert log_in(client, email, "wrong password").status_code == 400
    assert log_in(client, email, PASSWORD).status_code == 303


def test_logins_from_one_address_are_limited_and_the_page_is_dutch(
    client: TestClient, bank_a: World, tight: FastAPI
) -> None:
    client.headers["Accept-Language"] = "nl"
    replies = [log_in(client, f"iemand{n}@a.example", "fout") for n in range(9)]
    assert [r.status_code for r in replies] == [400] * 8 + [429]
    page = html(replies[-1])
    assert page.select_one("html")["lang"] == "nl"  # type: ignore[index]
    assert "Te veel pogingen in korte tijd" in page.get_text(" ")


def test_password_resets_are_limited_per_account_whether_or_not_it_exists(
    client: TestClient, bank_a: World
) -> None:
    client.headers["Accept-Language"] = "en"
    for email in (bank_a.users["member"].email, "nobody@a.example"):
        replies = [post_form(client, "/password/forgot", {"email": email}) for _attempt in range(4)]
        assert [r.status_code for r in replies] == [200, 200, 200, 429]


def test_submissions_are_limited_per_address_with_a_json_429(
    client: TestClient, field: Field, bank_a: World, tight: FastAPI
) -> None:
    replies = [client.post(url(field), json=body(field, bank_a, f"client-{n:04d}")) for n in range(4)]
    assert [r.status_code for r in replies] == [201, 201, 201, 429]
    assert replies[-1].headers["content-type"].startswith("application/json")
    assert "Too many requests" in replies[-1].json()["detail"] or "Te veel" in replies[-1].json()["detail"]
    assert int(replies[-1].headers["retry-after"]) >= 1


def test_submissions_are_limited_per_survey_link_across_addresses(
    client: TestClient, field: Field, bank_a: World, tight: FastAPI
) -> None:
    statuses = []
    for n in range(6):
        with TestClient(tight, client=(f"10.0.0.{n}", 5000)) as other:
            statuses.append(other.post(url(field), json=body(field, bank_a, f"link-{n:04d}")).status_code)
    assert statuses == [201] * 5 + [429]


def test_the_public_pages_are_limited_per_address(client: TestClient, field: Field, tight: FastAPI) -> None:
    path = f"/s/{field.survey.public_key}"
    assert [client.get(path).status_code for _n in range(5)] == [200] * 4 + [429]


def test_the_api_is_limited_per_key(client: TestClient, db: Session, bank_a: World, tight: FastAPI) -> None:
    _key, secret = make_key(db, bank_a, ["read"])
    _other, second = make_key(db, bank_a, ["read"], name="Other")
    statuses = [client.get("/api/v1/journeys", headers=bearer(secret)).status_code for _n in range(5)]
    assert statuses == [200] * 4 + [429]
    assert client.get("/api/v1/journeys", headers=bearer(second)).status_code == 200


def test_limits_switched_off_refuse_nothing(client: TestClient, field: Field, bank_a: World) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]
    kept = app.state.limiter
    app.state.limiter = Limiter(False, "public_posts_per_address=1/minute")
    try:
        replies = [client.post(url(field), json=body(field, bank_a, f"off-{n:04d}")) for n in range(3)]
    finally:
        app.state.limiter = kept
    assert [r.status_code for r in replies] == [201, 201, 201]


def test_the_counters_hold_no_address_e_mail_or_token(client: TestClient, bank_a: World) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]
    email = bank_a.users["admin"].email
    log_in(client, email, "wrong password")
    stored = repr(vars(app.state.limiter._storage))
    assert "testclient" not in stored
    assert email not in stored
    assert "login_failures_per_account:" in stored  # the counter is there, under a keyed hash


def test_a_misspelt_or_malformed_override_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="unknown rule 'login_per_adress'"):
        Limiter(True, "login_per_adress=5/minute")
    with pytest.raises(ValueError, match="'five a minute' is not a limit such as 30/minute"):
        Limiter(True, "login_per_address=five a minute")
    assert (
        Limiter(True, " login_per_address = 5/minute ; ").describe()["login_per_address"] == "5 per 1 minute"
    )


EXEMPT = {
    # pages without state or secrets to guess: the forms themselves, the language switch, health, docs
    ("GET", "/login"),
    ("GET", "/password/forgot"),
    ("POST", "/logout"),
    ("POST", "/account/language"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),  # a load balancer asks every few seconds
    ("GET", "/api/docs"),
    ("GET", "/api/v1/openapi.json"),
}


def test_every_public_route_and_every_api_route_falls_under_a_limit(app: FastAPI) -> None:
    covered = 0
    for route in iter_routes(app):
        if (route.method, route.path) in EXEMPT:
            continue
        if (route.method, route.path) in PUBLIC_ROUTES or route.is_api:
            names = [name for name, _value in limits.rules_for("10.0.0.1", route.method, route.path)]
            assert names, (route.method, route.path)
            assert set(names) <= set(DEFAULTS)
            covered += 1
    assert covered > 40


def test_made_up_keys_and_bodies_that_fail_to_parse_are_counted_too(
    client: TestClient, db: Session, field: Field, bank_a: World, tight: FastAPI
) -> None:
    tight.state.limiter = Limiter(True, "api_per_address=3/minute; public_posts_per_address=3/minute")
    statuses = [
        client.get("/api/v1/journeys", headers=bearer(f"np_made_up_{n}")).status_code for n in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]  # a new key per request escapes nothing
    broken = [
        client.post(url(field), content=b"{x", headers={"Content-Type": "application/json"}).status_code
        for _n in range(5)
    ]
    assert broken == [422, 422, 422, 429, 429]


def test_a_key_s_refused_and_unparsed_requests_are_audited(
    client: TestClient, db: Session, bank_a: World, tight: FastAPI
) -> None:
    from sqlalchemy import select

    from nineplus.audit.models import AuditEvent
    from nineplus.core.tenancy import system

    key, secret = make_key(db, bank_a, ["write"])
    for _n in range(5):
        client.post(
            "/api/v1/journeys", content=b"{x", headers={**bearer(secret), "Content-Type": "application/json"}
        )
    system(db)
    uses = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "api_key.used", AuditEvent.object_id == str(key.id))
    )
    assert sorted((e.after or {}).get("status") for e in uses) == [422, 422, 422, 422, 429]


def test_an_anonymous_visitor_cannot_send_a_large_file_to_an_upload_form(client: TestClient) -> None:
    body = b"x" * (5 * 1024 * 1024)
    reply = client.post("/persons/import", content=body, headers={"Content-Type": "text/csv"})
    assert reply.status_code == 413


def test_a_lockout_from_one_address_leaves_the_owner_s_own_address_free(
    client: TestClient, bank_a: World, app: FastAPI
) -> None:
    email = bank_a.users["admin"].email
    with TestClient(app, client=("10.9.9.9", 4000), follow_redirects=False) as attacker:
        for _attempt in range(5):
            log_in(attacker, email, "guess")
        assert log_in(attacker, email, PASSWORD).status_code == 429
    assert log_in(client, email, PASSWORD).status_code == 303  # the owner, from their own address
