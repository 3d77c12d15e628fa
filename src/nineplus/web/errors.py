"""Error responses: an HTML page in the user's language, or JSON under /api/."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from nineplus.core.errors import DomainError, Invalid
from nineplus.core.i18n import gettext as _
from nineplus.core.validation import message_for
from nineplus.web.deps import CsrfFailed, LoginRequired, resolve_user_for_error_page
from nineplus.web.limits import RateLimited
from nineplus.web.templating import render

log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        401: (_("Please log in"), _("You need to log in to see this.")),
        403: (_("Not allowed"), _("Your role does not allow this action.")),
        404: (_("Not found"), _("This page does not exist, or it is not yours to see.")),
        405: (_("Not allowed"), _("This address does not accept this kind of request.")),
        409: (_("Conflict"), _("This change conflicts with the current state. Reload and try again.")),
        413: (_("Too large"), _("What was sent is larger than this address accepts.")),
        422: (_("Check your input"), _("Some values are not valid.")),
        429: (_("Too many requests"), _("Too many requests in a short time. Wait a moment and try again.")),
        500: (_("Something went wrong"), _("An unexpected error occurred. It has been logged.")),
        503: (_("Database unavailable"), _("The database cannot be reached right now. Try again shortly.")),
    }


async def error_page(
    request: Request, status: int, message: str | None = None, errors: dict[str, str] | None = None
) -> Response:
    """The error response; an HTML page first finds the logged-in user, so it keeps menu and language."""
    if not _is_api(request):
        await run_in_threadpool(resolve_user_for_error_page, request)
    return error_response(request, status, message, errors)


def error_response(
    request: Request, status: int, message: str | None = None, errors: dict[str, str] | None = None
) -> Response:
    title, default_message = _titles().get(status, (_("Error"), ""))
    text = message or default_message
    if _is_api(request):
        body: dict[str, object] = {"detail": text}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, status_code=status)
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": text, "errors": errors or {}},
        status_code=status,
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": _("Authentication required: an API key or a login.")},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        await run_in_threadpool(resolve_user_for_error_page, request)
        return error_response(
            request,
            403,
            _("The form has expired or was not sent by this site. Reload the page and try again."),
        )

    @app.exception_handler(Invalid)
    async def _invalid(request: Request, exc: Invalid) -> Response:
        return error_response(request, 422, errors=exc.errors)

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> Response:
        response = await error_page(request, 429, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return error_response(request, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
            return await error_page(request, 404)  # /journeys/abc names no object: not found
        errors: dict[str, str] = {}
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
            errors.setdefault(".".join(loc) or "__all__", message_for(error))
        return error_response(request, 422, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.__cause__, DomainError):  # FastAPI wraps what failed while reading the body
            return await error_page(request, exc.__cause__.status_code)
        return await error_page(request, exc.status_code)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> Response:
        # a value past what the database's column holds (an id of 10^20, a text too long): bad input
        log.info("value out of the database's range on %s %s: %s", request.method, request.url.path, exc)
        return error_response(request, 422, errors={"__all__": _("A value is out of range or too long.")})

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> Response:
        log.error("database error: %s", exc.orig)
        return error_response(request, 503)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500)
