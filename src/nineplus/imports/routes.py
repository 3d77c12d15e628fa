"""The import pages: upload a file to a survey, confirm the mapping, follow the progress, read the report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid, get_or_404
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.principal import Principal
from nineplus.feedback import service as surveys
from nineplus.imports import service
from nineplus.imports.models import DataImport
from nineplus.imports.sources import sample_rows
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/surveys/{survey_id}/import", response_class=HTMLResponse)
def upload_page(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    require(me, Permission.SUBMIT_RESPONSES)
    survey = surveys.get_survey(db, survey_id)
    return render(request, "imports/upload.html", {"survey": survey, "errors": {}})


@router.post("/surveys/{survey_id}/import")
async def upload(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    require(me, Permission.SUBMIT_RESPONSES)
    survey = surveys.get_survey(db, survey_id)
    form = await request.form()
    upload_file = form.get("file")
    try:
        if not isinstance(upload_file, UploadFile) or not upload_file.filename:
            raise Invalid({"file": _("Choose a CSV or XLSX file.")})
        content = await service.read_upload(upload_file)
        item = service.upload(db, me, "responses", upload_file.filename, content, survey_id=survey.id)
    except Invalid as exc:
        return render(
            request, "imports/upload.html", {"survey": survey, "errors": exc.errors}, status_code=422
        )
    return redirect(request, f"/imports/{item.id}")


def _context(db: Db, item: DataImport, errors: dict[str, str] | None = None) -> dict[str, Any]:
    survey = surveys.get_survey(db, item.survey_id) if item.survey_id is not None else None
    context: dict[str, Any] = {"item": item, "survey": survey, "errors": errors or {}}
    if item.status in ("mapping", "rejected", "failed"):
        try:
            source = service.source_of(item)
        except FileNotFoundError:  # the upload is gone (the server's folder was cleared): say so
            context["file_gone"] = True
            return context
        samples = sample_rows(source, 3)
        context.update(
            headers=source.headers,
            samples=[[row[i] for row in samples] for i in range(len(source.headers))],
            labels=source.labels,
            choices=service.choices(db, item, get_locale()),
        )
    return context


def _import_of(db: Db, me: Principal, import_id: int) -> DataImport:
    item = get_or_404(db, DataImport, import_id)
    require(me, service.permission_for(item.kind))
    return item


@router.get("/imports/{import_id}", response_class=HTMLResponse)
def import_page(request: Request, db: Db, me: PagePrincipal, import_id: int) -> Response:
    return render(request, "imports/import.html", _context(db, _import_of(db, me, import_id)))


@router.post("/imports/{import_id}")
async def confirm(request: Request, db: Db, me: PagePrincipal, import_id: int) -> Response:
    item = _import_of(db, me, import_id)
    form = await read_form(request)
    chosen = form.get("map") if isinstance(form.get("map"), dict) else {}
    headers = service.source_of(item).headers if item.status in ("mapping", "rejected", "failed") else []
    mapping = {header: str(chosen.get(str(i), "")) for i, header in enumerate(headers)}
    if form.get("keep_mapping") == "1":
        mapping = dict(item.mapping)
    try:
        service.confirm(db, me, item.id, mapping, valid_only=form.get("valid_only") == "on")
    except Invalid as exc:
        item.mapping = mapping
        return render(request, "imports/import.html", _context(db, item, exc.errors), status_code=422)
    return redirect(
        request, f"/imports/{item.id}", flash=_("The file is being checked; this page shows how far.")
    )
