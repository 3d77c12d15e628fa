"""The analytics dashboards (read from the analytic store)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.analytics import overview as overview_module
from nineplus.analytics.store import AnalyticStore, StoreBusy, get_store
from nineplus.core import db as database
from nineplus.core.settings import get_settings
from nineplus.web.deps import PagePrincipal, csrf_protect
from nineplus.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _ready_store() -> AnalyticStore | None:
    """The store, refreshed once now if it never was (a first start should not wait for the job); None
    when another process holds it."""
    store = get_store()
    try:
        if "refreshed_at" not in store.state():
            store.refresh(database.get_engine())
    except StoreBusy:
        log.warning("the analytic store is held by another process; the dashboard cannot read it")
        return None
    return store


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, me: PagePrincipal) -> Response:
    require(me, Permission.VIEW_RESPONSES)
    store = _ready_store()
    minimum = get_settings().minimum_n
    teams = None if me.can(Permission.VIEW_ALL_TEAMS) else me.team_ids
    figures = overview_module.overview(store, me.organisation_id, minimum, teams) if store else None
    return render(request, "analytics/overview.html", {"figures": figures, "minimum": minimum})
