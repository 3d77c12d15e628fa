"""The application factory."""

from __future__ import annotations

import gc
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nineplus import __version__
from nineplus.core import i18n
from nineplus.core.errors import DomainError
from nineplus.core.registry import import_all_handlers
from nineplus.core.settings import get_settings
from nineplus.imports.service import UPLOAD_BODY
from nineplus.web import errors, limits, openapi
from nineplus.web.deps import (
    CSRF_COOKIE,
    check_path_ids,
    choose_locale,
    ensure_csrf_cookie,
    logged_in,
    record_api_key_use,
)
from nineplus.web.templating import STATIC_DIR

# Every request body at most 4 MB (a whole response is a few kB), but the uploads of files.
BODY_LIMIT = 4 * 1024 * 1024
UPLOADS = re.compile(r"^/(surveys/\d+/import|persons/import|outcomes/import)$")


class BodyTooLarge(DomainError):
    status_code = 413


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(*, run_jobs: bool | None = None) -> FastAPI:
    """Build the web application. ``run_jobs`` starts the in-process job runner (default: settings)."""
    import_all_handlers()
    from nineplus.web import access_log

    access_log.install()  # no link's token in the server's log
    settings = get_settings()
    start_runner = settings.run_jobs if run_jobs is None else run_jobs
    if settings.uses_job_queue():
        start_runner = False  # `nineplus worker` runs the jobs of the PostgreSQL queue

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner = None
        if start_runner:
            from nineplus.jobs.runner import BackgroundRunner

            runner = BackgroundRunner()
            runner.start()
        # What exists at start (modules, routes, templates) lives as long as the process: keep it out of
        # the collector's full passes, which otherwise pause every request for tens of milliseconds.
        gc.collect()
        gc.freeze()
        yield
        from nineplus.feedback.public_api import stop_writer

        stop_writer(_app)
        if runner is not None:
            runner.stop()

    app = FastAPI(
        dependencies=[Depends(check_path_ids)],
        title="nineplus API",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        # No OpenTelemetry here: asking for its providers on every request costs more than it gives.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        description="Customer journeys, interaction moments and workshops. Authenticate with "
        "`Authorization: Bearer <API key>` (keys are made under Admin → API keys).",
    )

    app.state.limiter = limits.Limiter.from_settings()
    from nineplus.accounts import sso

    sso.role_map()  # a misspelt role in NINEPLUS_OIDC_ROLE_MAP stops the start, not a login
    openapi.install(app)
    app.add_middleware(PerRequest)
    from nineplus.core.metrics import RequestTimer

    app.add_middleware(RequestTimer)  # outermost: times everything the request goes through
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    from nineplus.accounts import api as accounts_api
    from nineplus.accounts import routes as accounts_routes
    from nineplus.analytics import insight_routes
    from nineplus.analytics import routes as analytics_routes
    from nineplus.feed import api as feed_api
    from nineplus.feed import routes as feed_routes
    from nineplus.feedback import api as feedback_api
    from nineplus.feedback import export_routes, person_routes
    from nineplus.feedback import public as feedback_public
    from nineplus.feedback import public_api as feedback_public_api
    from nineplus.feedback import routes as feedback_routes
    from nineplus.imports import routes as import_routes
    from nineplus.improve import action_routes, board_routes, resurvey_routes, target_routes
    from nineplus.improve import routes as improve_routes
    from nineplus.jobs import routes as jobs_routes
    from nineplus.journeys import api as journeys_api
    from nineplus.journeys import routes as journeys_routes
    from nineplus.journeys import walk_routes
    from nineplus.privacy import routes as privacy_routes
    from nineplus.scans import routes as scan_routes
    from nineplus.text import routes as text_routes
    from nineplus.web import pages
    from nineplus.webhooks import routes as webhook_routes

    app.include_router(feedback_public_api.router)  # first: the busiest route is matched first
    app.include_router(pages.router)
    app.include_router(analytics_routes.router)
    app.include_router(insight_routes.router)
    app.include_router(text_routes.router)
    app.include_router(improve_routes.router)
    app.include_router(action_routes.router)
    app.include_router(target_routes.router)
    app.include_router(board_routes.router)
    app.include_router(resurvey_routes.router)
    app.include_router(scan_routes.router)
    app.include_router(privacy_routes.router)
    app.include_router(feedback_public.router)
    app.include_router(feedback_routes.router)
    app.include_router(person_routes.router)
    app.include_router(import_routes.router)
    app.include_router(accounts_routes.router)
    app.include_router(jobs_routes.router)
    app.include_router(feed_routes.router)
    app.include_router(feed_api.router)
    app.include_router(webhook_routes.router)
    app.include_router(journeys_routes.router)
    app.include_router(walk_routes.router)
    app.include_router(accounts_api.router)
    app.include_router(journeys_api.router)
    app.include_router(feedback_api.router)
    app.include_router(export_routes.api)
    app.include_router(export_routes.pages)
    return app


class PerRequest:
    """Every HTTP request: its language, the browser's CSRF cookie, and the security headers on the answer.

    A plain ASGI middleware (not ``BaseHTTPMiddleware``, which runs the application in a task of its
    own and wraps the body stream: a third of the cost of a small request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        i18n.begin_request(choose_locale(request))
        new_cookie = ensure_csrf_cookie(request)
        path = get_route_path(scope)  # (without a proxy's root path)
        status = 500
        limit = BODY_LIMIT
        if UPLOADS.match(path) and await run_in_threadpool(logged_in, request):
            limit = UPLOAD_BODY  # a file, from a logged-in user only (nobody else sends 512 MB here)
        length = request.headers.get("content-length", "")
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # raised where the route reads its body: web.errors answers 413
                    raise BodyTooLarge(path)
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                if new_cookie:
                    headers.append("set-cookie", _csrf_cookie_header(new_cookie))
                _security_headers(headers, path)
            await send(message)

        try:
            refusal = _refusal(request, length, limit)
            if refusal is not None:  # over a limit, or a body said up front to be too large: not read
                await refusal(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive_limited, send_with_headers)
        finally:
            key_use = scope.get("state", {}).get("api_key_use")
            bearer = request.headers.get("authorization", "")
            if key_use is not None or (path.startswith("/api/") and bearer.lower().startswith("bearer ")):
                # every request made with an API key goes into the audit log, refused ones too (a 429, or
                # a body that failed to parse before the key was looked at)
                secret = bearer[7:].strip() if key_use is None else None
                args = (scope["app"], key_use, scope["method"], path, status, secret)
                await run_in_threadpool(record_api_key_use, *args)


def _refusal(request: Request, length: str, limit: int) -> Response | None:
    """The answer that ends a request before the application: an abuse limit reached, or a body that is
    said to be too large."""
    limiter: limits.Limiter | None = getattr(request.app.state, "limiter", None)
    try:
        if limiter is not None:
            limits.check(request, limiter)
    except limits.RateLimited as exc:
        response = errors.error_response(request, 429, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if length.isdigit() and int(length) > limit:
        return errors.error_response(request, 413)
    return None


def _csrf_cookie_header(value: str) -> str:
    carrier = Response()
    carrier.set_cookie(
        CSRF_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        max_age=60 * 60 * 24 * 365,
        path="/",
    )
    return carrier.headers["set-cookie"]


def _security_headers(headers: MutableHeaders, path: str) -> None:
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if not path.startswith("/static/"):
        # Pages and API answers hold an organisation's data: never keep them in a shared or back-button cache.
        headers.setdefault("Cache-Control", "no-store")
    if get_settings().secure_cookies:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
