"""Improvement actions: the list, a new one, and one action's page (its details, what motivated it, and,
for who may, the form to update it and to link cases)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.improve import actions as service
from nineplus.improve.models import ACTION_STATUSES, ImprovementAction
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _choices(db: Db) -> dict[str, Any]:
    return service.choices(db, get_locale())


@router.get("/actions", response_class=HTMLResponse)
def actions_page(
    request: Request, db: Db, me: PagePrincipal, status: str = "", team: int | None = None
) -> Response:
    found = service.actions(db, me, status=status or None, team_id=team)
    return render(
        request,
        "improve/actions.html",
        {
            "actions": found,
            "status": status,
            "team": team,
            "may_add": me.can(Permission.MANAGE_ACTIONS),
            **_choices(db),
        },
    )


@router.get("/actions/new", response_class=HTMLResponse)
def new_action_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    require(me, Permission.MANAGE_ACTIONS)
    form = {"status": "plan", "team_id": next(iter(sorted(me.team_ids)), "")}
    return render(
        request, "improve/action_form.html", {"form": form, "errors": {}, "action": None, **_choices(db)}
    )


@router.post("/actions/new")
async def create_action(request: Request, db: Db, me: PagePrincipal) -> Response:
    require(me, Permission.MANAGE_ACTIONS)
    form = await read_form(request, lists=("themes",))
    try:
        action = service.create(db, me, form)
    except Invalid as exc:
        context = {"form": form, "errors": exc.errors, "action": None, **_choices(db)}
        return render(request, "improve/action_form.html", context, status_code=422)
    return redirect(request, f"/actions/{action.id}", flash=_("Improvement action planned."))


def _page(request: Request, db: Db, me: PagePrincipal, action: ImprovementAction, **extra: Any) -> Response:
    editable = service.may_edit(me, action)
    linked = service.linked_cases(db, action)
    candidates = service.candidate_cases(db, me, action, linked) if editable else []
    form = extra.pop("form", None) or {key: getattr(action, key) for key in service.FIELDS}
    context = {
        "action": action,
        "form": form,
        "errors": extra.pop("errors", {}),
        "editable": editable,
        "linked": linked,
        "candidates": candidates,
        "measured": service.measure(db, action),
        **_choices(db),
    }
    return render(request, "improve/action_form.html", context, status_code=extra.pop("status_code", 200))


@router.get("/actions/{action_id}", response_class=HTMLResponse)
def action_page(request: Request, db: Db, me: PagePrincipal, action_id: int) -> Response:
    return _page(request, db, me, service.get(db, me, action_id))


@router.post("/actions/{action_id}")
async def update_action(request: Request, db: Db, me: PagePrincipal, action_id: int) -> Response:
    action = service.get(db, me, action_id)
    if not service.may_edit(me, action):
        raise NotFound("improvement_actions")
    form = await read_form(request, lists=("themes",))
    try:
        service.update(db, me, action, form)
    except Invalid as exc:
        return _page(request, db, me, action, form=form, errors=exc.errors, status_code=422)
    return redirect(request, f"/actions/{action.id}", flash=_("Improvement action saved."))


@router.post("/actions/{action_id}/cases")
async def link_cases(request: Request, db: Db, me: PagePrincipal, action_id: int) -> Response:
    action = service.get(db, me, action_id)
    form = await read_form(request, lists=("case_ids",))
    ids = [int(v) for v in form.get("case_ids", []) if str(v).isdigit()]
    try:
        added = service.link_cases(db, me, action, ids)
    except Invalid as exc:
        return _page(request, db, me, action, errors=exc.errors, status_code=422)
    return redirect(request, f"/actions/{action.id}", flash=_("Cases linked: %(n)s.", n=added))


__all__ = ["ACTION_STATUSES", "router"]
