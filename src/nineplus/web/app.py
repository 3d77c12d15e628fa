"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from nineplus import __version__
from nineplus.core import i18n
from nineplus.core.registry import import_all_models
from nineplus.core.settings import get_settings
from nineplus.web import errors
from nineplus.web.deps import CSRF_COOKIE, choose_locale, ensure_csrf_cookie
from nineplus.web.templating import STATIC_DIR

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(*, run_jobs: bool | None = None) -> FastAPI:
    """Build the web application. ``run_jobs`` starts the in-process job runner (default: settings)."""
    import_all_models()
    settings = get_settings()
    start_runner = settings.run_jobs if run_jobs is None else run_jobs

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner = None
        if start_runner:
            from nineplus.jobs.runner import BackgroundRunner

            runner = BackgroundRunner()
            runner.start()
        yield
        if runner is not None:
            runner.stop()

    app = FastAPI(
        title="nineplus API",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        description="Customer journeys, interaction moments and workshops. Authenticate with "
        "`Authorization: Bearer <API key>` (keys are made under Admin → API keys).",
    )

    @app.middleware("http")
    async def per_request(request: Request, call_next):  # type: ignore[no-untyped-def]
        i18n.begin_request(choose_locale(request))
        new_cookie = ensure_csrf_cookie(request)
        response: Response = await call_next(request)
        if new_cookie:
            response.set_cookie(
                CSRF_COOKIE,
                new_cookie,
                httponly=True,
                samesite="lax",
                secure=settings.secure_cookies,
                max_age=60 * 60 * 24 * 365,
                path="/",
            )
        _security_headers(response, request)
        return response

    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    from nineplus.accounts import api as accounts_api
    from nineplus.accounts import routes as accounts_routes
    from nineplus.feedback import public as feedback_public
    from nineplus.feedback import routes as feedback_routes
    from nineplus.journeys import api as journeys_api
    from nineplus.journeys import routes as journeys_routes
    from nineplus.journeys import walk_routes
    from nineplus.web import pages

    app.include_router(pages.router)
    app.include_router(feedback_public.router)
    app.include_router(feedback_routes.router)
    app.include_router(accounts_routes.router)
    app.include_router(journeys_routes.router)
    app.include_router(walk_routes.router)
    app.include_router(accounts_api.router)
    app.include_router(journeys_api.router)
    return app


def _security_headers(response: Response, request: Request) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if not request.url.path.startswith("/static/"):
        # Pages and API answers hold an organisation's data: never keep them in a shared or back-button cache.
        headers.setdefault("Cache-Control", "no-store")
    if get_settings().secure_cookies:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
