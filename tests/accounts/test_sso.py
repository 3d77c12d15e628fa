"""Single sign-on through OpenID Connect, against a local provider started by the test (oidc-provider-mock,
a real OpenID provider on a port of this machine): the code flow with PKCE and a signed ID token; roles
mapped from the token's groups at every login; refusals in words; local accounts keep working."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.models import User
from nineplus.audit.models import AuditEvent
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import system
from nineplus.web.deps import SESSION_COOKIE
from tests.conftest import html
from tests.factories import PASSWORD, World, post_form

ROLE_MAP = "cx-admins=admin; cx-leads=cx_lead; staff=team_member"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with warnings.catch_warnings():  # it still uses authlib.jose, whose warning authlib sets to "always"
        warnings.simplefilter("ignore")
        import oidc_provider_mock

    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso(provider: str, bank_a: World, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("NINEPLUS_OIDC_ISSUER", provider)
    monkeypatch.setenv("NINEPLUS_OIDC_CLIENT_ID", "nineplus")
    monkeypatch.setenv("NINEPLUS_OIDC_CLIENT_SECRET", "test-secret")
    monkeypatch.setenv("NINEPLUS_OIDC_ORGANISATION", bank_a.org.slug)
    monkeypatch.setenv("NINEPLUS_OIDC_ROLE_MAP", ROLE_MAP)
    monkeypatch.setenv("NINEPLUS_OIDC_LABEL", "Log in with Bank A")
    get_settings.cache_clear()
    return provider


def person_at(provider: str, sub: str, **claims: object) -> None:
    reply = httpx.put(f"{provider}/users/{sub}", json=claims)
    assert reply.status_code == 204


def sign_in(client: TestClient, sub: str, next_path: str = "/") -> object:
    """Start at the login page's button, authorise at the provider as ``sub``, come back."""
    start = client.get(f"/login/sso?next={next_path}")
    assert start.status_code == 303
    to_provider = start.headers["location"]
    query = parse_qs(urlsplit(to_provider).query)
    assert query["code_challenge_method"] == ["S256"]  # PKCE
    assert query["nonce"]
    assert query["state"]
    back = httpx.post(to_provider, data={"sub": sub})
    assert back.status_code in (302, 303)
    callback = back.headers["location"]
    assert callback.startswith(get_settings().base_url + "/login/sso/callback")
    return client.get(callback.removeprefix(get_settings().base_url))


def test_a_new_staff_member_signs_in_with_the_role_their_groups_map_to(
    client: TestClient, db: Session, bank_a: World, sso: str
) -> None:
    client.headers["Accept-Language"] = "en"
    login_page = client.get("/login")
    assert "Log in with Bank A" in login_page.text
    person_at(
        sso,
        "ann",
        email="ann.new@a.example",
        email_verified=True,
        name="Ann New",
        roles=["staff", "cx-leads"],
    )
    done = sign_in(client, "ann", "/surveys")
    assert done.status_code == 303, done.text[:500]  # type: ignore[attr-defined]
    assert done.headers["location"] == "/surveys"  # type: ignore[attr-defined]
    assert client.cookies.get(SESSION_COOKIE)
    assert client.get("/surveys").status_code == 200  # a CX lead's page
    system(db)
    ann = db.scalar(select(User).where(User.email == "ann.new@a.example"))
    assert ann is not None
    assert (ann.role, ann.name, ann.organisation_id, ann.password_hash) == (
        "cx_lead",
        "Ann New",
        bank_a.org.id,
        None,
    )
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "user.created_by_sso")) is not None


def test_the_groups_decide_the_role_at_every_login_but_never_take_the_last_admin(
    client: TestClient, db: Session, bank_a: World, sso: str
) -> None:
    person_at(sso, "bo", email="bo@a.example", email_verified=True, roles=["staff"])
    assert sign_in(client, "bo").status_code == 303  # type: ignore[attr-defined]
    person_at(sso, "bo", email="bo@a.example", email_verified=True, roles=["cx-admins"])
    client.cookies.clear()
    assert sign_in(client, "bo").status_code == 303  # type: ignore[attr-defined]
    system(db)
    db.expire_all()
    bo = db.scalars(select(User).where(User.email == "bo@a.example")).one()
    assert bo.role == "admin"
    changed = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_from_sso"))
    assert changed is not None
    assert (changed.before, changed.after) == ({"role": "team_member"}, {"role": "admin"})
    # the local admin leaves: Bo is the last admin, and losing the group at the provider keeps it
    bank_a.users["admin"].is_active = False
    db.commit()
    person_at(sso, "bo", email="bo@a.example", email_verified=True, roles=["staff"])
    client.cookies.clear()
    assert sign_in(client, "bo").status_code == 303  # type: ignore[attr-defined]
    db.expire_all()
    assert db.get_one(User, bo.id).role == "admin"


def test_no_one_takes_over_an_account_through_the_provider(
    client: TestClient, db: Session, bank_a: World, sso: str
) -> None:
    client.headers["Accept-Language"] = "en"
    admin = bank_a.users["admin"]  # a local account, with a password
    person_at(sso, "mallory", email=admin.email, email_verified=True, roles=["staff"])
    refused = sign_in(client, "mallory")
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "log in with the password" in refused.text  # type: ignore[attr-defined]
    system(db)
    db.expire_all()
    assert db.get_one(User, admin.id).role == "admin"
    for claim in ({}, {"email_verified": "false"}):  # not said, or said as a string: not verified
        person_at(sso, "eve", email="eve@a.example", roles=["staff"], **claim)
        assert "no verified e-mail" in sign_in(client, "eve").text  # type: ignore[attr-defined]
    # a linked account answers to its own subject only
    person_at(sso, "cy", email="cy@a.example", email_verified=True, roles=["staff"])
    assert sign_in(client, "cy").status_code == 303  # type: ignore[attr-defined]
    client.cookies.clear()
    person_at(sso, "cy-impostor", email="cy@a.example", email_verified=True, roles=["cx-admins"])
    assert "another account at the sign-in service" in sign_in(client, "cy-impostor").text  # type: ignore[attr-defined]


def test_a_provider_that_cannot_be_reached_is_a_message_not_an_error(
    client: TestClient, bank_a: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nineplus.accounts import sso as sso_module

    monkeypatch.setenv("NINEPLUS_OIDC_ISSUER", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NINEPLUS_OIDC_CLIENT_ID", "nineplus")
    monkeypatch.setenv("NINEPLUS_OIDC_ORGANISATION", bank_a.org.slug)
    get_settings.cache_clear()
    sso_module._discovery.cache_clear()
    client.headers["Accept-Language"] = "en"
    reply = client.get("/login/sso")
    assert reply.status_code == 503
    assert "could not be reached" in reply.text


def test_refusals_are_in_words_and_log_nobody_in(
    client: TestClient, db: Session, bank_a: World, bank_b: World, sso: str
) -> None:
    client.headers["Accept-Language"] = "en"
    person_at(sso, "nogroup", email="nogroup@a.example", email_verified=True, roles=["marketing"])
    refused = sign_in(client, "nogroup")
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "has no role in nineplus" in refused.text  # type: ignore[attr-defined]
    person_at(sso, "other", email=bank_b.users["cx_lead"].email, email_verified=True, roles=["staff"])
    assert "belongs to another organisation" in sign_in(client, "other").text  # type: ignore[attr-defined]
    person_at(sso, "unverified", email="u@a.example", email_verified=False, roles=["staff"])
    assert "no verified e-mail" in sign_in(client, "unverified").text  # type: ignore[attr-defined]
    # a callback that was not started here (no state cookie), or with another state, is refused
    client.cookies.clear()
    forged = client.get("/login/sso/callback?code=abc&state=xyz")
    assert forged.status_code == 400
    assert "not started here" in forged.text
    denied = client.get("/login/sso/callback?error=access_denied&state=xyz")
    assert denied.status_code == 400
    assert not client.cookies.get(SESSION_COOKIE)
    system(db)
    assert db.scalar(select(User).where(User.email == "nogroup@a.example")) is None


def test_a_deactivated_user_is_refused_and_local_accounts_keep_working(
    client: TestClient, db: Session, bank_a: World, sso: str
) -> None:
    member = bank_a.users["member"]
    member.is_active = False
    db.commit()
    person_at(sso, "gone", email=member.email, email_verified=True, roles=["staff"])
    assert sign_in(client, "gone").status_code == 400  # type: ignore[attr-defined]
    local = post_form(client, "/login", {"email": bank_a.users["admin"].email, "password": PASSWORD})
    assert local.status_code == 303


def test_without_a_provider_the_routes_do_not_exist(client: TestClient) -> None:
    assert client.get("/login/sso").status_code == 404
    assert html(client.get("/login")).select_one("#sso") is None
