"""The overview page, the account page, the language switch, health and the API docs page."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import text

from nineplus.accounts import auth
from nineplus.accounts import repository as accounts_repo
from nineplus.accounts import service as accounts
from nineplus.accounts.models import User
from nineplus.accounts.schemas import PasswordResetIn
from nineplus.core import i18n
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.i18n import ngettext
from nineplus.core.security import token_hash
from nineplus.core.settings import get_settings
from nineplus.core.validation import parse
from nineplus.journeys import repository as journeys_repo
from nineplus.web.deps import (
    LOCALE_COOKIE,
    SESSION_COOKIE,
    Db,
    OptionalPrincipal,
    PagePrincipal,
    csrf_protect,
)
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, db: Db, me: PagePrincipal) -> Response:
    journeys = journeys_repo.journeys(db)
    return render(
        request,
        "pages/overview.html",
        {
            "journeys": journeys,
            "moment_counts": journeys_repo.moment_counts(db),
            "teams": accounts.list_teams(db, me),
            "user_count": len(accounts_repo.users(db)),
        },
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after a form (no open redirects)."""
    if not target:
        return default
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or not target.isprintable():
        return default  # browsers read "/\\host" as "//host"
    return target


@router.post("/account/language")
async def choose_language(request: Request, db: Db, me: OptionalPrincipal) -> Response:
    form = await request.form()
    locale = str(form.get("locale", ""))
    target = safe_next(str(form.get("next", "/")))
    if locale not in i18n.LOCALES:
        return redirect(request, target)
    if me is not None and me.user_id is not None:
        accounts.set_locale(db, me.user_id, locale)
    i18n.set_locale(locale)
    response = redirect(request, target)
    response.set_cookie(LOCALE_COOKIE, locale, max_age=60 * 60 * 24 * 365, samesite="lax", path="/")
    return response


def _account_context(request: Request, db: Db, me: PagePrincipal) -> dict[str, object]:
    teams = accounts.list_teams(db, me)
    own = token_hash(request.cookies.get(SESSION_COOKIE, "") or "-")
    sessions = [(s, s.token_hash == own) for s in auth.sessions_of(db, me.user_id)]  # type: ignore[arg-type]
    settings = get_settings()
    return {
        "my_teams": [t for t in teams if t.id in me.team_ids],
        "sessions": sessions,
        "session_days": settings.session_days,
        "session_idle_hours": settings.session_idle_hours,
    }


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, db: Db, me: PagePrincipal) -> Response:
    return render(request, "pages/account.html", _account_context(request, db, me))


@router.post("/account/sessions/others/end")
def end_other_sessions(request: Request, db: Db, me: PagePrincipal) -> Response:
    """Log out every other browser and device (this one stays logged in)."""
    ended = auth.end_own_sessions(db, me.user_id, request.cookies.get(SESSION_COOKIE))  # type: ignore[arg-type]
    return redirect(
        request,
        "/account#sessions",
        flash=ngettext("%(num)s other session ended.", "%(num)s other sessions ended.", ended),
    )


@router.post("/account/sessions/{session_id}/end")
def end_session(request: Request, db: Db, me: PagePrincipal, session_id: int) -> Response:
    """End one of one's own sessions (another's id ends nothing: 404)."""
    if not auth.end_own_sessions(db, me.user_id, None, session_id):  # type: ignore[arg-type]
        raise NotFound("login_sessions")
    return redirect(request, "/account#sessions", flash=_("The session has ended."))


@router.post("/account/password")
async def change_password(request: Request, db: Db, me: PagePrincipal) -> Response:
    form = await read_form(request)
    try:
        if form.get("password") != form.get("password_repeat"):
            raise Invalid({"password_repeat": _("The two passwords are not the same.")})
        auth.change_password(db, me, str(form.get("current_password", "")), parse(PasswordResetIn, form))
    except Invalid as exc:
        context = {**_account_context(request, db, me), "errors": exc.errors}
        return render(request, "pages/account.html", context, status_code=422)
    # Every session ended, this one included: keep this browser logged in with a fresh one.
    response = redirect(request, "/account", flash=_("Your password has been changed."))
    token = auth.start_session(db, db.get_one(User, me.user_id), request.headers.get("user-agent", ""))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=get_settings().secure_cookies,
        samesite="lax",
        max_age=get_settings().session_days * 86400,
        path="/",
    )
    return response


@router.get("/healthz")
def health(db: Db) -> JSONResponse:
    """Liveness: the process answers and reaches the database."""
    db.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def ready() -> JSONResponse:
    """Readiness for a load balancer: the database answers and its schema is this version's (503 with the
    reason otherwise). With the PostgreSQL queue it also says whether a worker is alive; none alive does
    not make a server unready (it still stores responses), but is worth an alert."""
    from nineplus.web.health import readiness

    body, ready = readiness()
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus metrics (``core/metrics.py``): for loopback clients, or with NINEPLUS_METRICS_TOKEN as a
    bearer token."""
    from nineplus.core.metrics import scrape
    from nineplus.web.health import may_scrape

    if not may_scrape(request):
        return Response(status_code=404)
    body, content_type = scrape()
    return Response(body, media_type=content_type)


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request, me: OptionalPrincipal) -> Response:
    return render(request, "pages/api_docs.html", {"title": _("API documentation")})
