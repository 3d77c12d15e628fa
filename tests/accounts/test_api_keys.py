"""API keys: made on the admin page, shown once, stored as a hash, scoped, revocable, audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from nineplus.accounts import apikeys
from nineplus.accounts.models import ApiKey
from nineplus.accounts.schemas import ApiKeyIn
from nineplus.audit.models import AuditEvent
from nineplus.core.security import token_hash
from nineplus.core.tenancy import scope, system
from nineplus.journeys.models import Journey
from tests.conftest import html
from tests.factories import World, csrf_token, login

NEW_JOURNEY = {"name": {"en": "Car damage"}, "start_feeling": -1}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make_key(db: Session, world: World, scopes: list[str], name: str = "Integration") -> tuple[ApiKey, str]:
    scope(db, world.org.id)
    key, secret = apikeys.create_key(db, world.principal(db, "admin"), ApiKeyIn(name=name, scopes=scopes))
    db.commit()
    system(db)
    return key, secret


def create_on_page(client: TestClient, name: str, scopes: list[str]):  # type: ignore[no-untyped-def]
    """Create a key through the form and follow the redirect to the page that shows it (once)."""
    token = csrf_token(client, "/admin/api-keys")
    posted = client.post("/admin/api-keys", data={"name": name, "scopes": scopes, "csrf_token": token})
    if posted.status_code != 303:
        return posted  # a refused form answers on the spot
    return client.get(posted.headers["location"])


def events(db: Session, action: str) -> list[AuditEvent]:
    system(db)
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# Creating on the page --------------------------------------------------------------------------------


def test_a_new_key_is_shown_once_in_a_code_element(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["admin"])
    response = create_on_page(client, "CRM export", ["read", "write"])
    assert response.status_code == 200
    shown = html(response).select("main code#new-api-key")
    assert len(shown) == 1
    secret = shown[0].get_text(strip=True)
    assert secret.startswith(apikeys.KEY_PREFIX)
    assert len(secret) >= 40

    system(db)
    key = db.scalars(select(ApiKey).where(ApiKey.name == "CRM export")).one()
    assert key.key_hash == token_hash(secret)
    assert key.scopes == ["read", "write"]
    assert secret.startswith(key.prefix)

    later = client.get("/admin/api-keys")
    assert later.status_code == 200
    assert secret not in later.text
    assert html(later).select_one("code#new-api-key") is None
    rows = [
        r
        for r in html(later).select("main table tbody tr")
        if r.select("td")[0].get_text(strip=True) == "CRM export"
    ]
    assert len(rows) == 1
    assert rows[0].select_one("code").get_text(strip=True) == f"{key.prefix}…"


def test_the_database_never_holds_the_secret(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["admin"])
    secret = (
        html(create_on_page(client, "Warehouse", ["read"]))
        .select_one("code#new-api-key")
        .get_text(strip=True)
    )
    rows = db.connection().execute(text("SELECT * FROM api_keys")).all()
    assert len(rows) == 2
    for row in rows:
        assert all(secret not in str(value) for value in row)
    for query in ("SELECT * FROM audit_events", "SELECT * FROM jobs"):
        dump = " ".join(str(v) for row in db.connection().execute(text(query)) for v in row)
        assert secret not in dump


def test_a_key_needs_a_name_and_a_scope(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["admin"])
    system(db)
    before = db.scalars(select(ApiKey)).all()
    response = create_on_page(client, "", [])
    assert response.status_code == 422
    page = html(response)
    assert page.select_one("#f-name-error") is not None
    assert page.select_one("fieldset .field__error") is not None
    assert page.select_one("code#new-api-key") is None
    db.expire_all()
    assert [k.id for k in db.scalars(select(ApiKey)).all()] == [k.id for k in before]


def test_creating_a_key_writes_an_audit_event(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["admin"])
    before = len(events(db, "api_key.created"))
    create_on_page(client, "Audited", ["write"])
    created = events(db, "api_key.created")
    assert len(created) == before + 1
    key = db.scalars(select(ApiKey).where(ApiKey.name == "Audited")).one()
    event = created[-1]
    assert (event.object_type, event.object_id) == ("ApiKey", str(key.id))
    assert event.after == {"name": "Audited", "scopes": ["write"]}
    assert event.actor_user_id == bank_a.users["admin"].id


# Using a key -----------------------------------------------------------------------------------------


def test_a_bearer_key_identifies_its_organisation_and_scopes(
    client: TestClient, db: Session, bank_a: World
) -> None:
    _key, secret = make_key(db, bank_a, ["write", "read"])
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["organisation_id"] == bank_a.org.id
    assert body["scopes"] == ["read", "write"]
    assert body["user_id"] is None
    assert body["role"] is None


def test_using_a_key_records_when_it_was_last_used(client: TestClient, db: Session, bank_a: World) -> None:
    key, secret = make_key(db, bank_a, ["read"])
    assert key.last_used_at is None
    client.get("/api/v1/me", headers=bearer(secret))
    db.expire_all()
    assert db.get_one(ApiKey, key.id).last_used_at is not None


def test_every_use_of_a_key_is_in_the_audit_log_the_refused_ones_too(
    client: TestClient, db: Session, bank_a: World
) -> None:
    key, secret = make_key(db, bank_a, ["read"])
    assert client.get("/api/v1/journeys", headers=bearer(secret)).status_code == 200
    assert client.post("/api/v1/journeys", json=NEW_JOURNEY, headers=bearer(secret)).status_code == 403
    assert client.get("/api/v1/journeys/999999", headers=bearer(secret)).status_code == 404
    uses = [e for e in events(db, "api_key.used") if e.object_id == str(key.id)]
    assert [(e.after or {}).get("method") for e in uses] == ["GET", "POST", "GET"]
    assert [(e.after or {}).get("status") for e in uses] == [200, 403, 404]
    assert uses[0].after == {"method": "GET", "path": "/api/v1/journeys", "status": 200}
    assert all(e.organisation_id == bank_a.org.id and e.actor == f"api-key:{key.id}" for e in uses)
    # a browser's request to the API is not a key's use
    assert client.get("/api/v1/journeys").status_code == 401
    assert len([e for e in events(db, "api_key.used") if e.object_id == str(key.id)]) == 3


def test_a_read_key_cannot_create_a_journey(client: TestClient, db: Session, bank_a: World) -> None:
    _key, secret = make_key(db, bank_a, ["read"])
    assert client.get("/api/v1/journeys", headers=bearer(secret)).status_code == 200
    response = client.post("/api/v1/journeys", json=NEW_JOURNEY, headers=bearer(secret))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["detail"]
    system(db)
    assert db.scalars(select(Journey.id).where(Journey.organisation_id == bank_a.org.id)).all() == [
        bank_a.journey.id  # type: ignore[union-attr]
    ]


def test_a_write_key_creates_a_journey(client: TestClient, db: Session, bank_a: World) -> None:
    _key, secret = make_key(db, bank_a, ["write"])
    response = client.post("/api/v1/journeys", json=NEW_JOURNEY, headers=bearer(secret))
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == {"en": "Car damage"}
    system(db)
    journey = db.get_one(Journey, created["id"])
    assert journey.organisation_id == bank_a.org.id


def test_a_write_key_cannot_manage_teams(client: TestClient, db: Session, bank_a: World) -> None:
    _key, secret = make_key(db, bank_a, ["write"])
    response = client.post("/api/v1/teams", json={"name": "Back office"}, headers=bearer(secret))
    assert response.status_code == 403


def test_a_revoked_key_is_refused(client: TestClient, db: Session, bank_a: World) -> None:
    key, secret = make_key(db, bank_a, ["read"])
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200

    login(client, db, bank_a.users["admin"])
    token = csrf_token(client, "/admin/api-keys")
    response = client.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 303
    client.cookies.clear()

    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    [event] = [e for e in events(db, "api_key.revoked") if e.object_id == str(key.id)]
    assert (event.before, event.after) == ({"revoked": False}, {"revoked": True})
    assert event.actor_user_id == bank_a.users["admin"].id


def test_the_keys_page_marks_a_revoked_key_and_offers_no_second_revoke(
    client: TestClient, db: Session, bank_a: World
) -> None:
    key, _secret = make_key(db, bank_a, ["read"], name="Old CRM")
    login(client, db, bank_a.users["admin"])
    token = csrf_token(client, "/admin/api-keys")
    client.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": token})
    page = html(client.get("/admin/api-keys"))
    assert page.select_one(f'form[action="/admin/api-keys/{key.id}/revoke"]') is None
    assert bank_a.api_key is not None
    assert page.select_one(f'form[action="/admin/api-keys/{bank_a.api_key.id}/revoke"]') is not None


def test_revoking_twice_writes_one_audit_event(client: TestClient, db: Session, bank_a: World) -> None:
    key, _secret = make_key(db, bank_a, ["read"])
    login(client, db, bank_a.users["admin"])
    token = csrf_token(client, "/admin/api-keys")
    for _ in range(2):
        assert client.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": token}).status_code == 303
    assert len([e for e in events(db, "api_key.revoked") if e.object_id == str(key.id)]) == 1


def test_a_wrong_key_is_refused_with_www_authenticate(client: TestClient, bank_a: World) -> None:
    for secret in ("np_not-a-real-key", bank_a.api_secret + "x", bank_a.api_secret[:-1]):
        response = client.get("/api/v1/me", headers=bearer(secret))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["detail"]


def test_no_key_and_no_login_is_refused(client: TestClient, bank_a: World) -> None:
    response = client.get("/api/v1/journeys")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_key_of_bank_b_cannot_read_bank_as_journey(
    client: TestClient, bank_a: World, bank_b: World
) -> None:
    assert bank_a.journey is not None
    assert bank_b.journey is not None
    headers = bearer(bank_b.api_secret)
    assert client.get(f"/api/v1/journeys/{bank_b.journey.id}", headers=headers).status_code == 200
    response = client.get(f"/api/v1/journeys/{bank_a.journey.id}", headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "Bank A" not in response.text
    listed = client.get("/api/v1/journeys", headers=headers).json()
    assert [j["id"] for j in listed] == [bank_b.journey.id]
    assert client.get(f"/api/v1/moments/{bank_a.moments[0].id}", headers=headers).status_code == 404
    body = {"name": {"en": "Hijacked"}, "start_feeling": 0}
    assert client.put(f"/api/v1/journeys/{bank_a.journey.id}", json=body, headers=headers).status_code == 404


def test_bank_b_cannot_revoke_bank_as_key(
    client: TestClient, db: Session, bank_a: World, bank_b: World
) -> None:
    assert bank_a.api_key is not None
    login(client, db, bank_b.users["admin"])
    token = csrf_token(client, "/admin/api-keys")
    response = client.post(f"/admin/api-keys/{bank_a.api_key.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 404
    client.cookies.clear()
    assert client.get("/api/v1/me", headers=bearer(bank_a.api_secret)).status_code == 200


def test_reloading_after_creating_a_key_makes_no_second_key(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["admin"])
    create_on_page(client, "Reload check", ["read"])
    client.get("/admin/api-keys")  # what a reload of the redirected page does
    system(db)
    assert len(db.scalars(select(ApiKey).where(ApiKey.name == "Reload check")).all()) == 1
