"""Pages for walk-throughs of a journey."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.core.validation import parse
from nineplus.journeys import repository, service, walks
from nineplus.journeys.schemas import WalkEntriesIn, WalkThroughIn
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import pop_indexed, read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _roles() -> list[tuple[str, str]]:
    return [
        ("employee", _("Employee")),
        ("mystery_shopper", _("Mystery shopper")),
        ("together", _("Customer and employee together")),
    ]


@router.get("/journeys/{journey_id}/walks/new", response_class=HTMLResponse)
def new_walk_page(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    journey = service.get_journey(db, journey_id)
    require(me, Permission.RUN_WORKSHOPS)
    form = {"walked_on": date.today().isoformat(), "walker_role": "employee"}
    return render(request, "journeys/walk_new.html", {"journey": journey, "form": form, "roles": _roles()})


@router.post("/journeys/{journey_id}/walks/new")
async def create_walk(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    journey = service.get_journey(db, journey_id)
    form = await read_form(request)
    try:
        walk = walks.create_walk(db, me, journey.id, parse(WalkThroughIn, form))
    except Invalid as exc:
        return render(
            request,
            "journeys/walk_new.html",
            {"journey": journey, "form": form, "roles": _roles(), "errors": exc.errors},
            status_code=422,
        )
    return redirect(request, f"/walks/{walk.id}", flash=_("Walk-through created. Record each moment."))


def _context(db: Db, walk_id: int) -> dict[str, Any]:
    walk = walks.get_walk(db, walk_id)
    journey = service.get_journey(db, walk.journey_id)
    entries = {e.moment_id: e for e in walks.entries(db, [walk.id])}
    moments = repository.moments_for_record(db, journey.id, set(entries))
    return {"walk": walk, "journey": journey, "moments": moments, "entries": entries, "roles": _roles()}


@router.get("/walks/{walk_id}", response_class=HTMLResponse)
def walk_page(request: Request, db: Db, me: PagePrincipal, walk_id: int) -> Response:
    require(me, Permission.VIEW_JOURNEYS)
    context = _context(db, walk_id)
    w = context["walk"]
    form: dict[str, Any] = {
        "walker": w.walker,
        "walker_role": w.walker_role,
        "walked_on": w.walked_on.isoformat(),
        "notes": w.notes,
        "entries": {},
    }
    for i, m in enumerate(context["moments"]):
        e = context["entries"].get(m.id)
        form["entries"][str(i)] = {"feeling": e.feeling if e else None, "note": e.note if e else ""}
    return render(
        request, "journeys/walk.html", {**context, "form": form, "can_edit": me.can(Permission.RUN_WORKSHOPS)}
    )


@router.post("/walks/{walk_id}")
async def save_walk(request: Request, db: Db, me: PagePrincipal, walk_id: int) -> Response:
    context = _context(db, walk_id)
    form = await read_form(request)
    items = pop_indexed(form, "entries", "feeling")
    try:
        walks.save_walk(db, me, walk_id, parse(WalkThroughIn, form), parse(WalkEntriesIn, {"entries": items}))
    except Invalid as exc:
        form["entries"] = {str(i): item for i, item in enumerate(items)}
        return render(
            request,
            "journeys/walk.html",
            {**context, "form": form, "errors": exc.errors, "can_edit": me.can(Permission.RUN_WORKSHOPS)},
            status_code=422,
        )
    return redirect(request, f"/walks/{walk_id}", flash=_("Walk-through saved."))


@router.post("/walks/{walk_id}/delete")
def delete_walk(request: Request, db: Db, me: PagePrincipal, walk_id: int) -> Response:
    journey_id = walks.delete_walk(db, me, walk_id)
    return redirect(request, f"/journeys/{journey_id}", flash=_("Walk-through deleted."))
