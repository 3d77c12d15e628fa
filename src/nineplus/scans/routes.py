"""Organisation scans: the runs, a new run, a run's results; and the staff member's page that answers one
through a personal link (no login)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.settings import get_settings
from nineplus.scans import report
from nineplus.scans import runs as service
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render, render_text

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/scans", response_class=HTMLResponse)
def scans_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    found = service.runs(db, me)
    return render(request, "scans/list.html", {"runs": found, "instruments": service.instruments()})


def _new(
    request: Request, db: Db, me: PagePrincipal, form: dict[str, Any], errors: dict[str, str]
) -> Response:
    options = [(key, i.title.in_(get_locale())) for key, i in service.instruments().items()]
    context = {
        "form": form,
        "errors": errors,
        "instrument_options": options,
        "teams": service.team_options(db, me),
    }
    return render(request, "scans/new.html", context, status_code=422 if errors else 200)


@router.get("/scans/new", response_class=HTMLResponse)
def new_scan_page(request: Request, db: Db, me: PagePrincipal, instrument: str = "") -> Response:
    require(me, Permission.RUN_SCANS)
    return _new(request, db, me, {"instrument": instrument, "min_group": service.MIN_GROUP}, {})


@router.post("/scans/new")
async def start_scan(request: Request, db: Db, me: PagePrincipal) -> Response:
    require(me, Permission.RUN_SCANS)
    form = await read_form(request, lists=("team_ids",))
    try:
        run = service.start(db, me, form)
    except Invalid as exc:
        return _new(request, db, me, form, exc.errors)
    started = (
        _("Scan started: share the link.")
        if run.open_link
        else _("Scan started: the invitations are on their way.")
    )
    return redirect(request, f"/scans/{run.id}", flash=started)


@router.get("/scans/{run_id}", response_class=HTMLResponse)
def scan_page(request: Request, db: Db, me: PagePrincipal, run_id: int) -> Response:
    found = service.results(db, me, service.get(db, me, run_id))
    drawn = report.figures(found, get_locale())
    svg = {key: Markup(value) if value else None for key, value in drawn.items()}  # noqa: S704 - our own charts
    key = service.shared_link(found.run)
    shared = f"{get_settings().base_url.rstrip('/')}/scan/open/{key}" if key else None
    return render(request, "scans/run.html", {"r": found, "shared": shared, **svg})


@router.get("/scans/{run_id}/report.pdf")
def scan_report(request: Request, db: Db, me: PagePrincipal, run_id: int) -> Response:
    """The run's report as PDF, in the language of the page it was asked from."""
    run = service.get(db, me, run_id)
    found = service.results(db, me, run)
    locale = get_locale()
    html = render_text(request, "scans/report.html", {"r": found, **report.figures(found, locale)})
    name = f"scan-{run.id}-{locale}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(report.pdf(html), media_type="application/pdf", headers=headers)


@router.post("/scans/{run_id}/close")
def close_scan(request: Request, db: Db, me: PagePrincipal, run_id: int) -> Response:
    service.close(db, me, service.get(db, me, run_id))
    return redirect(request, f"/scans/{run_id}", flash=_("Scan closed: no more answers are taken."))


def _answer_page(request: Request, token: str, opened: Any, status_code: int = 200, **extra: Any) -> Response:
    invitation, run, instrument = opened
    context = {
        "token": token,
        "run": run,
        "instrument": instrument,
        "used": invitation.used_on is not None,
        "form": {},
        "errors": {},
        **extra,
    }
    return render(request, "scans/answer.html", context, status_code=status_code)


@router.get("/scan/{token}", response_class=HTMLResponse)
def answer_page(request: Request, db: Db, token: str) -> Response:
    return _answer_page(request, token, service.opened(db, token))


@router.post("/scan/{token}", response_class=HTMLResponse)
async def answer_scan(request: Request, db: Db, token: str) -> Response:
    found = service.opened(db, token)
    invitation, run, _instrument = found
    form = await read_form(request)
    try:
        service.answer(db, invitation, run, form)
    except Invalid as exc:
        return _answer_page(request, token, found, form=form, errors=exc.errors, status_code=422)
    except service.AlreadyAnswered:
        return _answer_page(request, token, found, thanks=True)
    return _answer_page(request, token, found, thanks=True)


def _shared_page(request: Request, key: str, opened: Any, status_code: int = 200, **extra: Any) -> Response:
    run, instrument, teams = opened
    context = {"key": key, "run": run, "instrument": instrument, "teams": teams, "form": {}, "errors": {}}
    return render(request, "scans/answer.html", {**context, **extra}, status_code=status_code)


def _answered(request: Request, run_id: int) -> bool:
    return request.cookies.get(f"nineplus_scan_{run_id}") == "answered"


@router.get("/scan/open/{key}", response_class=HTMLResponse)
def shared_page(request: Request, db: Db, key: str) -> Response:
    found = service.opened_shared(db, key)
    return _shared_page(request, key, found, thanks=_answered(request, found[0].id))


@router.post("/scan/open/{key}", response_class=HTMLResponse)
async def answer_shared(request: Request, db: Db, key: str) -> Response:
    found = service.opened_shared(db, key)
    if _answered(request, found[0].id):  # one answer per browser: a hurdle, not a guarantee
        return _shared_page(request, key, found, thanks=True)
    form = await read_form(request)
    try:
        service.answer_shared(db, found[0], form)
    except Invalid as exc:
        return _shared_page(request, key, found, form=form, errors=exc.errors, status_code=422)
    response = _shared_page(request, key, found, thanks=True)
    response.set_cookie(
        f"nineplus_scan_{found[0].id}",
        "answered",
        max_age=180 * 86400,
        httponly=True,
        samesite="lax",
        path=f"/scan/open/{key}",
    )
    return response
