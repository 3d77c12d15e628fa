"""Security headers on every route (checked by walking the route list), and vendored assets only."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from nineplus.web.routing import iter_routes

SRC = Path(__file__).resolve().parents[2] / "src" / "nineplus"


def _csp(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


def test_every_get_route_sends_the_security_headers(client: TestClient) -> None:
    for route in iter_routes(client.app):  # type: ignore[arg-type]
        if route.method != "GET":
            continue
        url = re.sub(r"\{[^}]+\}", "1", route.path)
        response = client.get(url)
        csp = _csp(response)
        assert "'unsafe-inline'" not in csp["script-src"], url
        assert csp["frame-ancestors"] == "frame-ancestors 'none'", url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_hsts_is_sent_when_cookies_are_secure(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from nineplus.core.settings import get_settings

    assert "strict-transport-security" not in client.get("/login").headers
    monkeypatch.setenv("NINEPLUS_SECURE_COOKIES", "true")
    get_settings.cache_clear()
    assert client.get("/login").headers["strict-transport-security"].startswith("max-age=")


def test_no_page_loads_anything_from_another_host() -> None:
    pattern = re.compile(r"""(src|href)=["'](https?:)?//""")
    for template in SRC.rglob("*.html"):
        assert not pattern.search(template.read_text()), template


def test_the_vendored_assets_are_served(client: TestClient) -> None:
    for path in (
        "/static/vendor/htmx.min.js",
        "/static/css/app.css",
        "/static/icons.svg",
        "/static/vendor/fonts/inter-latin-400-normal.woff2",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
    ):
        assert client.get(path).status_code == 200, path
