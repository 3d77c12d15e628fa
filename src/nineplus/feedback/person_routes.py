"""The persons page: the organisation's customers and employees, loaded from a list, and inviting a group."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from nineplus.accounts import repository as accounts_repo
from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.feedback import persons
from nineplus.imports import service as imports
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
PAGE_SIZE = 100


def _context(db: Db, kind: str | None, team_id: int | None, offset: int) -> dict[str, Any]:
    found, total = persons.persons(db, kind=kind, team_id=team_id, limit=PAGE_SIZE, offset=offset)
    teams = accounts_repo.teams(db)
    return {
        "persons": found,
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "kind": kind or "",
        "team_id": team_id,
        "teams": {t.id: t for t in teams},
        "persons_errors": {},
        "outcomes_errors": {},
    }


@router.get("/persons", response_class=HTMLResponse)
def persons_page(
    request: Request, db: Db, me: PagePrincipal, kind: str = "", team: str = "", offset: int = 0
) -> Response:
    require(me, Permission.MANAGE_SURVEYS)
    kind = kind if kind in ("customer", "employee") else ""
    team_id = int(team) if team.isdigit() else None
    return render(request, "feedback/persons.html", _context(db, kind or None, team_id, max(offset, 0)))


@router.post("/persons/import")
async def import_list(request: Request, db: Db, me: PagePrincipal) -> Response:
    return await _upload(request, db, me, "persons")


@router.post("/outcomes/import")
async def import_outcomes(request: Request, db: Db, me: PagePrincipal) -> Response:
    return await _upload(request, db, me, "outcomes")


async def _upload(request: Request, db: Db, me: PagePrincipal, kind: str) -> Response:
    require(me, Permission.MANAGE_SURVEYS)
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid({"file": _("Choose a CSV or XLSX file.")})
        content = await imports.read_upload(upload)
        item = imports.upload(db, me, kind, upload.filename, content)
    except Invalid as exc:
        context = {**_context(db, None, None, 0), f"{kind}_errors": exc.errors}
        return render(request, "feedback/persons.html", context, status_code=422)
    return redirect(request, f"/imports/{item.id}")
