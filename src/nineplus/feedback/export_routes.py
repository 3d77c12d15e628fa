"""Downloads of a survey's responses (page and API): the file is streamed, the export is audited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core import db as database
from nineplus.core.errors import NotFound
from nineplus.core.i18n import get_locale
from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope
from nineplus.feedback import export, service
from nineplus.web.deps import ApiPrincipal, Db, PagePrincipal, csrf_protect

pages = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["responses"])
Format = Annotated[str, Query(pattern="^(csv|xlsx|parquet)$", description="csv, xlsx or parquet")]


def _download(
    request: Request, db: Db, me: Principal, survey_id: int, dataset: str, fmt: str
) -> StreamingResponse:
    require(me, Permission.VIEW_RESPONSES)
    survey = service.get_survey(db, survey_id)
    if dataset not in export.DATASETS:
        raise NotFound("export")
    record(db, me, "responses.exported", survey, after={"dataset": dataset, "format": fmt})
    db.commit()  # the audit entry stands even if the download is broken off
    organisation_id, locale = survey.organisation_id, get_locale()
    factory = getattr(request.app.state, "session_factory", None) or database.new_session

    def body() -> Iterator[bytes]:
        session = scope(factory(write=False), organisation_id)
        try:
            exporter = export.Exporter(session, survey_id, locale)
            if fmt == "csv":
                yield from export.stream_csv(exporter, dataset)
            elif fmt == "xlsx":
                yield from export.stream_file(lambda path: export.write_xlsx(exporter, dataset, path))
            else:
                yield from export.stream_file(lambda path: export.write_parquet(exporter, dataset, path))
            session.commit()
        finally:
            session.close()

    filename = f"survey-{survey_id}-{dataset}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(body(), media_type=export.FORMATS[fmt], headers=headers)


@pages.get("/surveys/{survey_id}/export/{dataset}")
def export_page(
    request: Request, db: Db, me: PagePrincipal, survey_id: int, dataset: str, format: Format = "csv"
) -> StreamingResponse:
    """Download the responses (wide) or the answers (long) as CSV, XLSX or Parquet."""
    return _download(request, db, me, survey_id, dataset, format)


@api.get(
    "/surveys/{survey_id}/export/{dataset}",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The file, streamed.", "content": {t: {} for t in export.FORMATS.values()}}
    },
)
def export_api(
    request: Request, db: Db, me: ApiPrincipal, survey_id: int, dataset: str, format: Format = "csv"
) -> StreamingResponse:
    """`dataset` is `responses` (a row per response, a column per question and moment) or `answers` (long
    form). Text that a spreadsheet would run as a formula is neutralised in CSV and XLSX."""
    return _download(request, db, me, survey_id, dataset, format)
