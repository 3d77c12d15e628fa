"""The customer events page: which event types send which survey, and what recent events led to."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.models import Organisation
from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized
from nineplus.core.settings import get_settings
from nineplus.feed import service
from nineplus.feedback import repository as surveys
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _context(db: Db, me: PagePrincipal, **extra: object) -> dict[str, object]:
    require(me, Permission.MANAGE_SURVEYS)
    live = [s for s in surveys.surveys(db) if s.status == "live"]
    folder = get_settings().feed_dir
    organisation = db.get(Organisation, me.organisation_id)
    return {
        "organisation_slug": organisation.slug if organisation else "",
        "triggers": service.triggers(db),
        "events": service.recent(db),
        "surveys": live,
        "survey_options": [(str(s.id), localized(s.title, get_locale())) for s in live],
        "folder": folder,
        "form": {},
        "errors": {},
        **extra,
    }


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    return render(request, "feed/events.html", _context(db, me))


@router.post("/events/triggers")
async def add_trigger(request: Request, db: Db, me: PagePrincipal) -> Response:
    form = await read_form(request)
    try:
        survey_id = int(str(form.get("survey_id", "0")) or 0)
        hours = int(str(form.get("delay_hours", "0")).strip() or 0)
    except ValueError:
        survey_id, hours = 0, -1
    try:
        service.add_trigger(db, me, survey_id, str(form.get("event_type", "")), hours)
    except Invalid as exc:
        return render(
            request, "feed/events.html", _context(db, me, form=form, errors=exc.errors), status_code=422
        )
    return redirect(request, "/events", flash=_("Trigger added."))


@router.post("/events/triggers/{trigger_id}/delete")
def delete_trigger(request: Request, db: Db, me: PagePrincipal, trigger_id: int) -> Response:
    service.remove_trigger(db, me, trigger_id)
    return redirect(request, "/events", flash=_("Trigger removed."))
