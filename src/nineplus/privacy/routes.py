"""The privacy page: find a person, export their data, erase them (with a receipt), and set how long
responses, words and contact data are kept, with what the next purge would remove."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.principal import Principal
from nineplus.privacy import erasure, person_data, retention
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _context(db: Session, me: Principal, **extra: Any) -> dict[str, Any]:
    require(me, Permission.MANAGE_PRIVACY)
    default, per_survey = retention.policies(db)
    return {
        "receipts": erasure.receipts(db, me),
        "policy": default,
        "per_survey": per_survey,
        "plan": retention.plan(db),
        "surveys": retention.survey_options(db),
        "errors": {},
        "form": {},
        "found": None,
        **extra,
    }


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    return render(request, "privacy/privacy.html", _context(db, me))


@router.post("/privacy/find", response_class=HTMLResponse)
async def find(request: Request, db: Db, me: PagePrincipal) -> Response:
    form = await read_form(request)
    require(me, Permission.MANAGE_PRIVACY)
    try:
        found = erasure.find_persons(db, str(form.get("kind", "")), str(form.get("value", "")))
    except Invalid as exc:
        return render(
            request, "privacy/privacy.html", _context(db, me, form=form, errors=exc.errors), status_code=422
        )
    return render(request, "privacy/privacy.html", _context(db, me, form=form, found=found))


@router.post("/privacy/erase", response_class=HTMLResponse)
async def erase(request: Request, db: Db, me: PagePrincipal) -> Response:
    form = await read_form(request)
    require(me, Permission.MANAGE_PRIVACY)
    try:
        if form.get("confirm") != "yes":
            raise Invalid({"confirm": _("Tick the box to confirm: an erasure cannot be undone.")})
        receipt = erasure.erase(
            db, me, str(form.get("kind", "")), str(form.get("value", "")), str(form.get("reason", ""))
        )
    except Invalid as exc:
        found = None
        if "value" not in exc.errors and "kind" not in exc.errors:
            found = erasure.find_persons(db, str(form.get("kind", "")), str(form.get("value", "")))
        context = _context(db, me, form=form, errors=exc.errors, found=found)
        return render(request, "privacy/privacy.html", context, status_code=422)
    return redirect(request, f"/privacy/receipts/{receipt.receipt}", flash=_("The person has been erased."))


@router.get("/privacy/receipts/{receipt}", response_class=HTMLResponse)
def receipt_page(request: Request, db: Db, me: PagePrincipal, receipt: str) -> Response:
    return render(request, "privacy/receipt.html", {"receipt": erasure.receipt_numbered(db, me, receipt)})


@router.get("/privacy/persons/{person_id}/data.json")
def export_json(request: Request, db: Db, me: PagePrincipal, person_id: int) -> Response:
    data = person_data.person_data(db, me, person_id, get_locale())
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="person-{person_id}.json"'},
    )


@router.get("/privacy/persons/{person_id}/data.csv")
def export_csv(request: Request, db: Db, me: PagePrincipal, person_id: int) -> Response:
    data = person_data.person_data(db, me, person_id, get_locale())
    return Response(
        "\ufeff" + person_data.as_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="person-{person_id}.csv"'},
    )


@router.post("/privacy/retention", response_class=HTMLResponse)
async def set_retention(request: Request, db: Db, me: PagePrincipal) -> Response:
    form = await read_form(request)
    raw = str(form.get("survey_id", "") or "")
    try:
        survey_id = int(raw) if raw else None
    except ValueError:
        survey_id = -1
    if survey_id is not None:  # the survey's form names its fields apart from the organisation's
        form = {key.removeprefix("s_"): value for key, value in form.items()}
    try:
        retention.set_policy(db, me, survey_id, form)
    except Invalid as exc:
        if survey_id is not None:
            survey_form = {("s_" + k if k != "survey_id" else k): v for k, v in form.items()}
            context = _context(db, me, survey_form=survey_form, survey_errors=exc.errors)
            return render(request, "privacy/privacy.html", context, status_code=422)
        return render(
            request, "privacy/privacy.html", _context(db, me, form=form, errors=exc.errors), status_code=422
        )
    return redirect(request, "/privacy#retention", flash=_("The retention periods have been saved."))
