"""The cases of unhappy customers: a list per team, and a case page to work it (notes, status, outcome)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request, db: Db, me: PagePrincipal, team: int | None = None, status: str = "open"
) -> Response:
    from nineplus.improve import service
    from nineplus.improve.models import STATUSES

    require(me, Permission.WORK_CASES)
    chosen = status if status in (*STATUSES, "open", "all") else "open"
    found = service.cases_for(db, me, team_id=team, status=chosen)
    teams = service.team_names(db, me)
    return render(
        request,
        "improve/cases.html",
        {
            "cases": found,
            "reasons": service.reasons_of(db, found),
            "teams": teams,
            "team": team,
            "status": chosen,
            "now": service.utcnow(),
        },
    )


def _rules_page(
    request: Request,
    db: Db,
    me: PagePrincipal,
    form: dict | None = None,
    errors: dict | None = None,
    status_code: int = 200,
) -> Response:  # type: ignore[type-arg]
    from nineplus.improve import service
    from nineplus.text.themes import seeded

    return render(
        request,
        "improve/rules.html",
        {
            "rules": service.rules(db, me),
            "themes": {t.key: t.name for t in seeded("nl")},
            "theme_options": [(t.key, localized(t.name, get_locale())) for t in seeded("nl")],
            "form": form or {"kind": "nps", "service_hours": "16"},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/cases/rules", response_class=HTMLResponse)
def rules_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    require(me, Permission.EDIT_SETTINGS)
    return _rules_page(request, db, me)


@router.post("/cases/rules/new")
async def add_rule(request: Request, db: Db, me: PagePrincipal) -> Response:
    from nineplus.improve import service

    require(me, Permission.EDIT_SETTINGS)
    form = await read_form(request)
    try:
        service.add_rule(db, me, form)
    except Invalid as exc:
        return _rules_page(request, db, me, form, exc.errors, 422)
    return redirect(request, "/cases/rules", flash=_("Rule added: it applies to answers from now on."))


@router.post("/cases/rules/{rule_id}/switch")
def switch_rule(request: Request, db: Db, me: PagePrincipal, rule_id: int) -> Response:
    from nineplus.improve import service

    require(me, Permission.EDIT_SETTINGS)
    rule = service.switch_rule(db, me, rule_id)
    return redirect(
        request, "/cases/rules", flash=_("Rule switched on.") if rule.active else _("Rule switched off.")
    )


def _case(db: Db, me: PagePrincipal, case_id: int):  # type: ignore[no-untyped-def]
    from nineplus.improve import service

    require(me, Permission.WORK_CASES)
    case = service.case_for(db, me, case_id)
    if case is None:
        raise NotFound("cases")
    return case


def _page(request: Request, db: Db, case, error: str | None = None, status_code: int = 200) -> Response:  # type: ignore[no-untyped-def]
    from nineplus.improve import resurvey, service

    context = {"v": service.view(db, case), "error": error, "resurvey_days": resurvey.DAYS}
    return render(request, "improve/case.html", context, status_code=status_code)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, db: Db, me: PagePrincipal, case_id: int) -> Response:
    return _page(request, db, _case(db, me, case_id))


@router.post("/cases/{case_id}/notes")
async def add_note(request: Request, db: Db, me: PagePrincipal, case_id: int) -> Response:
    from nineplus.improve import service

    case = _case(db, me, case_id)
    form = await read_form(request)
    try:
        service.add_note(db, me, case, str(form.get("text", "")))
    except service.CaseError as exc:
        return _page(request, db, case, str(exc), 422)
    return redirect(request, f"/cases/{case.id}", flash=_("Note added."))


@router.post("/cases/{case_id}/status")
async def set_status(request: Request, db: Db, me: PagePrincipal, case_id: int) -> Response:
    from nineplus.improve import service

    case = _case(db, me, case_id)
    form = await read_form(request)
    outcome = str(form.get("outcome", "")) or None
    try:
        service.set_status(
            db, me, case, str(form.get("status", "")), outcome, resurvey=form.get("resurvey") == "yes"
        )
    except service.CaseError as exc:
        return _page(request, db, case, str(exc), 422)
    done = _("Case closed.") if case.status == "closed" else _("Case updated.")
    return redirect(request, f"/cases/{case.id}", flash=done)
