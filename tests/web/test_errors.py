"""Error pages render properly, in the user's language, and bad input changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.journeys.models import Journey
from nineplus.web.app import create_app
from tests.conftest import html
from tests.factories import World, csrf_token, login


def test_an_unknown_page_is_a_404_page_that_keeps_the_menu(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["member"])
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = html(response)
    assert page.select_one("h1") is not None
    assert "404" in page.get_text()
    assert page.select_one("nav.sidebar__nav") is not None


def test_error_pages_speak_the_visitors_language(client: TestClient) -> None:
    dutch = html(client.get("/no/such/page", headers={"Accept-Language": "nl-NL"}))
    english = html(client.get("/no/such/page", headers={"Accept-Language": "en-GB"}))
    assert dutch.html["lang"] == "nl"
    assert "Niet gevonden" in dutch.get_text()
    assert english.html["lang"] == "en"
    assert "Not found" in english.get_text()


def test_the_api_answers_errors_in_json(client: TestClient) -> None:
    response = client.get("/api/v1/journeys")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_forbidden_action_is_a_403_page(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["viewer"])
    response = client.get("/journeys/new")
    assert response.status_code == 403
    assert "403" in html(response).select_one("main").get_text()


def test_an_unexpected_error_is_a_500_page_without_details(bank_a: World) -> None:
    app = create_app(run_jobs=False)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert "Something went wrong" in html(response).get_text()


def test_invalid_input_gets_field_messages_and_changes_nothing(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["admin"])
    before = db.query(Journey).count()
    token = csrf_token(client, "/journeys/new")
    response = client.post(
        "/journeys/new", data={"csrf_token": token, "name.en": "x" * 201, "start_feeling": "9"}
    )
    assert response.status_code == 422
    page = html(response)
    assert page.select_one(".form-errors[role=alert]") is not None
    assert page.select_one("#f-start_feeling-error") is not None
    assert "200" in page.select_one("#f-name\\.en-error").get_text()
    assert db.query(Journey).count() == before


def test_api_validation_errors_are_keyed_by_field(client: TestClient, bank_a: World) -> None:
    response = client.post(
        "/api/v1/journeys",
        json={"name": {"en": ""}, "start_feeling": 7},
        headers={"Authorization": f"Bearer {bank_a.api_secret}", "Accept-Language": "en"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "start_feeling" in errors
    assert "3" in errors["start_feeling"]


def test_an_unknown_api_address_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "detail" in response.json()
