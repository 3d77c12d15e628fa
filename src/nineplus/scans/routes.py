"""Organisation scans: the runs, a new run, a run's results; and the staff member's page that answers one
through a personal link (no login)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.scans import charts
from nineplus.scans import runs as service
from nineplus.web import charts as web_charts
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _teams(db: Db, me: PagePrincipal) -> list[tuple[int, str]]:
    from nineplus.improve.board import boards

    return boards(db, me)


@router.get("/scans", response_class=HTMLResponse)
def scans_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    found = service.runs(db, me)
    return render(request, "scans/list.html", {"runs": found, "instruments": service.instruments()})


def _new(
    request: Request, db: Db, me: PagePrincipal, form: dict[str, Any], errors: dict[str, str]
) -> Response:
    options = [(key, i.title.in_(get_locale())) for key, i in service.instruments().items()]
    context = {"form": form, "errors": errors, "instrument_options": options, "teams": _teams(db, me)}
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
    return redirect(request, f"/scans/{run.id}", flash=_("Scan started: the invitations are on their way."))


def _charts(found: service.Results) -> dict[str, Any]:
    """The radar (everyone, the previous run, managers and employees where shown) and the 2x2, as SVG."""
    if found.whole is None:
        return {"radar": None, "grid": None}
    locale = get_locale()
    series = [(_("Everyone"), found.whole)]
    if found.previous is not None:
        series.append((_("Previous run"), found.previous))
    if all(g.result is not None for g in found.roles):
        series += [(g.name, g.result) for g in found.roles if g.result is not None]
    radar = charts.radar(found.instrument, series, locale, _("Score per part (0-100)"))
    grid = charts.two_by_two(found.instrument, found.whole, locale, _("Where the organisation stands"))
    return {"radar": web_charts.inline(radar), "grid": web_charts.inline(grid)}


@router.get("/scans/{run_id}", response_class=HTMLResponse)
def scan_page(request: Request, db: Db, me: PagePrincipal, run_id: int) -> Response:
    found = service.results(db, me, service.get(db, me, run_id))
    return render(request, "scans/run.html", {"r": found, **_charts(found)})


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
