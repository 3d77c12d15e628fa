"""The public allow-list, checked on its own terms, and everything else closed to anonymous visitors."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from nineplus.web.routing import PUBLIC_ROUTES, iter_routes
from tests.factories import csrf_token


def test_every_public_route_exists(client: TestClient) -> None:
    served = {(r.method, r.path) for r in iter_routes(client.app)}  # type: ignore[arg-type]
    assert served >= PUBLIC_ROUTES


def test_public_pages_open_without_a_login(client: TestClient) -> None:
    for path in ("/login", "/password/forgot", "/healthz", "/api/docs", "/api/v1/openapi.json"):
        assert client.get(path).status_code == 200, path


def test_token_pages_answer_404_for_an_unknown_token(client: TestClient) -> None:
    for path in ("/password/reset/not-a-token", "/invite/not-a-token"):
        response = client.get(path)
        assert response.status_code == 404
        assert "text/html" in response.headers["content-type"]


def test_every_other_route_needs_a_login(client: TestClient) -> None:
    token = csrf_token(client)
    for route in iter_routes(client.app):  # type: ignore[arg-type]
        if (route.method, route.path) in PUBLIC_ROUTES:
            continue
        url = route.path
        url = re.sub(r"\{\w+\}", "1", url)  # every parameter, also inside a segment ("qr.{kind}")
        if route.is_api:
            response = client.request(route.method, url, json={})
            assert response.status_code == 401, f"{route.method} {url}: {response.status_code}"
        else:
            data = None if route.method == "GET" else {"csrf_token": token}
            response = client.request(route.method, url, data=data)
            assert response.status_code == 303, f"{route.method} {url}: {response.status_code}"
            assert response.headers["location"].startswith("/login?next=")
