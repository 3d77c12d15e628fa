"""Growth targets: every team's target with its progress, a new target (with the suggestion from the
team's own baseline) and a target's page with the form to change it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.models import utcnow
from nineplus.improve import fields
from nineplus.improve import targets as service
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _today(db: Db, me: PagePrincipal) -> Any:
    return utcnow().astimezone(service.zone_of(db, me.organisation_id)).date()


@router.get("/targets", response_class=HTMLResponse)
def targets_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    rows = service.targets(db, me, _today(db, me))
    context = {"rows": rows, "may_add": bool(service.team_options(db, me)), "policy": service.policy()}
    return render(request, "improve/targets.html", context)


@router.get("/targets/new", response_class=HTMLResponse)
def new_target_page(
    request: Request, db: Db, me: PagePrincipal, team: int | None = None, starts_on: str = ""
) -> Response:
    require(me, Permission.MANAGE_ACTIONS)
    form = service.proposal(db, me, team, starts_on, _today(db, me))
    return _form(request, db, me, None, form, {})


def _form(
    request: Request,
    db: Db,
    me: PagePrincipal,
    target: Any,
    form: dict[str, Any],
    errors: dict[str, str],
    **extra: Any,
) -> Response:
    context = {
        "target": target,
        "form": form,
        "errors": errors,
        "team_options": service.team_options(db, me),
        "policy": service.policy(),
        "one_day": timedelta(days=1),
        **extra,
    }
    return render(request, "improve/target_form.html", context, status_code=422 if errors else 200)


@router.post("/targets/new")
async def create_target(request: Request, db: Db, me: PagePrincipal) -> Response:
    require(me, Permission.MANAGE_ACTIONS)
    form = await read_form(request)
    try:
        target = service.create(db, me, form, _today(db, me))
    except Invalid as exc:
        chosen = fields.whole(form.get("team_id"))
        proposed = service.proposal(db, me, chosen, str(form.get("starts_on", "")), _today(db, me))
        return _form(request, db, me, None, {**proposed, **form}, exc.errors)
    return redirect(request, f"/targets/{target.id}", flash=_("Growth target set."))


def _page(request: Request, db: Db, me: PagePrincipal, target: Any, **extra: Any) -> Response:
    today = _today(db, me)
    form = extra.pop("form", None) or {
        key: getattr(target, key) for key in ("starts_on", "ends_on", "basic_level", "target", "note")
    }
    return _form(
        request,
        db,
        me,
        target,
        form,
        extra.pop("errors", {}),
        row=service.row(db, me, target, today),
        started=today >= target.starts_on,
        history=service.history(db, me, target),
    )


@router.get("/targets/{target_id}", response_class=HTMLResponse)
def target_page(request: Request, db: Db, me: PagePrincipal, target_id: int) -> Response:
    return _page(request, db, me, service.get(db, me, target_id))


@router.post("/targets/{target_id}")
async def update_target(request: Request, db: Db, me: PagePrincipal, target_id: int) -> Response:
    target = service.get(db, me, target_id)
    if not service.may_edit(me, target.team_id):
        raise NotFound("growth_targets")
    form = await read_form(request)
    try:
        service.update(db, me, target, form, _today(db, me))
    except Invalid as exc:
        return _page(request, db, me, target, form=form, errors=exc.errors)
    return redirect(request, f"/targets/{target.id}", flash=_("Growth target saved."))
