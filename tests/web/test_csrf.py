"""Every form post needs the CSRF token; the JSON API needs it when it rides on the browser session."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.journeys.models import Journey
from nineplus.web.routing import iter_routes
from tests.conftest import html
from tests.factories import World, csrf_token, login


def test_every_html_form_route_refuses_a_post_without_the_token(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["admin"])
    checked = 0
    for route in iter_routes(client.app):  # type: ignore[arg-type]
        if route.method == "GET" or route.is_api:
            continue
        url = route.path
        for part in [p for p in url.split("/") if p.startswith("{")]:
            url = url.replace(part, "1")
        response = client.post(url, data={"csrf_token": "forged"})
        assert response.status_code == 403, f"POST {url} answered {response.status_code}"
        checked += 1
    assert checked >= 25


def test_a_forged_form_changes_nothing(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["admin"])
    response = client.post("/journeys/new", data={"name.en": "Forged", "start_feeling": "0"})
    assert response.status_code == 403
    assert "expired" in html(response).select_one("main").get_text()
    assert db.query(Journey).filter(Journey.name["en"].as_string() == "Forged").count() == 0


def test_the_api_on_a_browser_session_needs_the_header(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["admin"])
    body = {"name": {"en": "Via session"}, "start_feeling": 1}
    assert client.post("/api/v1/journeys", json=body).status_code == 403
    token = csrf_token(client, "/")
    assert client.post("/api/v1/journeys", json=body, headers={"X-CSRF-Token": token}).status_code == 201
