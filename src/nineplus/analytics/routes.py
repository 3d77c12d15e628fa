"""The analytics dashboards (read from the analytic store)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.analytics.store import StoreBusy, get_store
from nineplus.core import db as database
from nineplus.core.settings import get_settings
from nineplus.web.deps import PagePrincipal, csrf_protect
from nineplus.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, me: PagePrincipal, weight_by: str | None = None) -> Response:
    require(me, Permission.VIEW_RESPONSES)
    from nineplus.analytics.overview import overview  # Ibis and Arrow: loaded on first use, not at start

    minimum = get_settings().minimum_n
    teams = None if me.can(Permission.VIEW_ALL_TEAMS) else me.team_ids
    store = get_store()
    try:
        store.fill_once(database.get_engine())  # a first start need not wait for the job
        figures = overview(store, me.organisation_id, minimum, teams, weight_by=weight_by or None)
    except StoreBusy:
        log.warning("the analytic store is held by another process; the dashboard cannot read it")
        figures = None
    return render(request, "analytics/overview.html", {"figures": figures, "minimum": minimum})
