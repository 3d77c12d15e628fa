"""The route list, and the explicit allow-list of routes that answer without a login."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute

# (method, path) pairs a visitor may use without logging in. Everything else needs a login or an API
# key; tests/web/test_public_routes.py checks both halves of that sentence.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/login"),
        ("GET", "/login/sso"),
        ("GET", "/login/sso/callback"),
        ("POST", "/login"),
        ("POST", "/logout"),
        ("GET", "/password/forgot"),
        ("POST", "/password/forgot"),
        ("GET", "/password/reset/{token}"),
        ("POST", "/password/reset/{token}"),
        ("GET", "/invite/{token}"),
        ("POST", "/invite/{token}"),
        ("POST", "/account/language"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/api/docs"),
        ("GET", "/api/v1/openapi.json"),
        # the response pages: a personal single-use link and a survey's anonymous link
        ("GET", "/r/{token}"),
        ("POST", "/r/{token}"),
        ("GET", "/r/{token}/thanks"),
        ("GET", "/s/{key}"),
        ("POST", "/s/{key}"),
        ("GET", "/s/{key}/thanks"),
        ("GET", "/u/{token}"),
        # a team's board on the screen in the team room, through a revocable board link
        ("GET", "/board/{token}"),
        # the customer's one question after a case was closed as won back
        ("GET", "/rs/{token}"),
        ("POST", "/rs/{token}"),
        # a staff member's personal link to an organisation scan
        ("GET", "/scan/{token}"),
        ("POST", "/scan/{token}"),
        ("GET", "/scan/open/{key}"),
        ("POST", "/scan/open/{key}"),
        ("POST", "/u/{token}"),
        # a whole response in one JSON request, to a survey's anonymous key
        ("POST", "/api/v1/public/surveys/{key}/responses"),
    }
)


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str
    name: str

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/v1/") and self.path != "/api/v1/openapi.json"


def iter_routes(app: FastAPI) -> Iterator[RouteInfo]:
    """Every (method, path) the application serves, across included routers (HEAD excluded)."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        items = contexts() if callable(contexts) else ([route] if isinstance(route, APIRoute) else [])
        if not items and getattr(route, "path", None) == "/api/v1/openapi.json":
            yield RouteInfo("GET", "/api/v1/openapi.json", "openapi")
            continue
        for item in items:
            for method in sorted(getattr(item, "methods", None) or ()):
                if method != "HEAD":
                    yield RouteInfo(method, item.path, item.name)
