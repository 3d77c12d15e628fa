"""Team boards: the list of boards one may open, a team's board with its board links, and the board on
the team room's screen through a board link (no login; that board only; it refreshes itself)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.i18n import set_locale
from nineplus.core.settings import get_settings
from nineplus.improve import board as service
from nineplus.web import charts as web_charts
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
REFRESH_SECONDS = 300


@router.get("/boards", response_class=HTMLResponse)
def boards_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    return render(request, "improve/boards.html", {"teams": service.boards(db, me)})


def _page(request: Request, db: Db, me: PagePrincipal, team_id: int, **extra: Any) -> Response:
    name = service.team_name(db, me, team_id)
    found = service.build(
        db, me.organisation_id, team_id, name, customers=service.may_read_customers(me, team_id)
    )
    context = {
        "b": found,
        "trend_svg": web_charts.inline(found.trend),
        "may_share": service.may_share(me, team_id),
        "links": service.links(db, me, team_id) if service.may_share(me, team_id) else [],
        "errors": extra.pop("errors", {}),
        "form_label": extra.pop("form_label", ""),
        **extra,
    }
    return render(request, "improve/board.html", context, status_code=422 if context["errors"] else 200)


@router.get("/boards/{team_id}", response_class=HTMLResponse)
def board_page(request: Request, db: Db, me: PagePrincipal, team_id: int) -> Response:
    return _page(request, db, me, team_id)


@router.post("/boards/{team_id}/links", response_class=HTMLResponse)
async def make_link(request: Request, db: Db, me: PagePrincipal, team_id: int) -> Response:
    form = await read_form(request)
    label = str(form.get("label", ""))
    try:
        token = service.make_link(db, me, team_id, label)
    except Invalid as exc:
        return _page(request, db, me, team_id, errors=exc.errors, form_label=label)
    link = f"{get_settings().base_url.rstrip('/')}/board/{token}"
    return _page(request, db, me, team_id, new_link=link)


@router.post("/boards/{team_id}/links/{link_id}/revoke")
def revoke_link(request: Request, db: Db, me: PagePrincipal, team_id: int, link_id: int) -> Response:
    service.revoke_link(db, me, team_id, link_id)
    return redirect(
        request, f"/boards/{team_id}", flash=_("Board link revoked: that screen shows nothing more.")
    )


@router.get("/board/{token}", response_class=HTMLResponse)
def board_on_screen(request: Request, db: Db, token: str) -> Response:
    found = service.opened(db, token)
    if found is None:
        if request.headers.get("HX-Request"):
            # The screen's own refresh: htmx swaps no error in, so it is told to load the page whole and
            # shows the error page instead of the board it had (a revoked link shows nothing more).
            return Response(status_code=404, headers={"HX-Refresh": "true"})
        raise NotFound("board_links")
    organisation_id, team_id, name, locale = found
    set_locale(locale)
    board = service.build(db, organisation_id, team_id, name)
    context = {"b": board, "trend_svg": web_charts.inline(board.trend), "refresh": REFRESH_SECONDS}
    response = render(request, "improve/board_tv.html", context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
