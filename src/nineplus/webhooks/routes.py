"""Admin → Webhooks: the organisation's endpoints, their secrets and deliveries; a delivery sent again."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid, get_or_404
from nineplus.core.i18n import gettext as _
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import redirect, render
from nineplus.webhooks import service
from nineplus.webhooks.models import WebhookEndpoint
from nineplus.webhooks.outbox import EVENTS

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/admin/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    require(me, Permission.MANAGE_API_KEYS)
    context = {"endpoints": service.endpoints(db), "events": EVENTS, "form": {}, "errors": {}}
    return render(request, "webhooks/list.html", context)


@router.post("/admin/webhooks")
async def add_webhook(request: Request, db: Db, me: PagePrincipal) -> Response:
    require(me, Permission.MANAGE_API_KEYS)
    form = await read_form(request, lists=("events",))
    try:
        endpoint = service.add_endpoint(
            db, me, str(form.get("url", "")), list(form.get("events") or []), str(form.get("description", ""))
        )
    except Invalid as exc:
        context = {"endpoints": service.endpoints(db), "events": EVENTS, "form": form, "errors": exc.errors}
        return render(request, "webhooks/list.html", context, status_code=422)
    return redirect(request, f"/admin/webhooks/{endpoint.id}", flash=_("Webhook added."))


@router.get("/admin/webhooks/{endpoint_id}", response_class=HTMLResponse)
def webhook_page(request: Request, db: Db, me: PagePrincipal, endpoint_id: int) -> Response:
    require(me, Permission.MANAGE_API_KEYS)
    endpoint = get_or_404(db, WebhookEndpoint, endpoint_id)
    context = {"endpoint": endpoint, "deliveries": service.deliveries(db, endpoint.id), "events": EVENTS}
    return render(request, "webhooks/endpoint.html", context)


@router.post("/admin/webhooks/{endpoint_id}/active")
async def switch_webhook(request: Request, db: Db, me: PagePrincipal, endpoint_id: int) -> Response:
    form = await read_form(request)
    endpoint = service.set_active(db, me, endpoint_id, form.get("active") == "true")
    message = _("Webhook switched on.") if endpoint.active else _("Webhook switched off.")
    return redirect(request, f"/admin/webhooks/{endpoint_id}", flash=message)


@router.post("/admin/webhooks/{endpoint_id}/delete")
def delete_webhook(request: Request, db: Db, me: PagePrincipal, endpoint_id: int) -> Response:
    service.remove(db, me, endpoint_id)
    return redirect(request, "/admin/webhooks", flash=_("Webhook removed."))


@router.post("/admin/webhooks/{endpoint_id}/test")
def test_webhook(request: Request, db: Db, me: PagePrincipal, endpoint_id: int) -> Response:
    service.send_test(db, me, endpoint_id)
    return redirect(request, f"/admin/webhooks/{endpoint_id}", flash=_("A test event is on its way."))


@router.post("/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay")
def replay_delivery(
    request: Request, db: Db, me: PagePrincipal, endpoint_id: int, delivery_id: int
) -> Response:
    service.replay(db, me, endpoint_id, delivery_id)  # (another organisation's delivery is not found)
    return redirect(request, f"/admin/webhooks/{endpoint_id}", flash=_("The delivery is sent again."))
