"""The jobs page: what the background work did lately, why a job failed, and a failed job retried."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.i18n import gettext as _
from nineplus.jobs import history
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/admin/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, db: Db, me: PagePrincipal, failed: bool = False) -> Response:
    require(me, Permission.VIEW_AUDIT)
    jobs = history.recent(db, me.organisation_id, failed_only=failed, limit=100)
    return render(
        request,
        "jobs/list.html",
        {
            "jobs": jobs,
            "counts": history.counts(db, me.organisation_id),
            "failed_only": failed,
            "label": history.label,
            "own": me.organisation_id,
            "may_retry": me.can(Permission.EDIT_SETTINGS),
        },
    )


@router.post("/admin/jobs/{job_id}/retry")
def retry_job(request: Request, db: Db, me: PagePrincipal, job_id: int) -> Response:
    require(me, Permission.EDIT_SETTINGS)
    history.retry(db, me, job_id)
    return redirect(request, "/admin/jobs", flash=_("The job is queued again."))
