"""Webhook endpoints: added, switched off and on, removed, tried with a test event; a delivery sent
again. Each change is in the audit log."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, NotFound, get_or_404
from nineplus.core.i18n import gettext as _
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.core.settings import get_settings
from nineplus.webhooks import delivery
from nineplus.webhooks.models import WebhookDelivery, WebhookEndpoint
from nineplus.webhooks.outbox import EVENTS


def endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def deliveries(session: Session, endpoint_id: int, limit: int = 100) -> list[WebhookDelivery]:
    """The endpoint's newest deliveries, failed ones first."""
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by((WebhookDelivery.state == "failed").desc(), WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def check_url(url: str) -> str | None:
    """Why ``url`` cannot receive webhooks, or None."""
    parts = urlsplit(url.strip())
    allow_private = get_settings().webhook_allow_private
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("Enter a full address, starting with https://.")
    if parts.scheme != "https" and not allow_private:
        return _("Webhooks go over https only.")
    if not allow_private and delivery.private_address(parts.hostname):
        return _("This address is in a private network; webhooks go to public addresses.")
    return None


def add_endpoint(
    session: Session, me: Principal, url: str, events: list[str], description: str = ""
) -> WebhookEndpoint:
    require(me, Permission.MANAGE_API_KEYS)
    errors = {}
    problem = check_url(url)
    if problem:
        errors["url"] = problem
    chosen = sorted(set(events) & set(EVENTS))
    if not chosen or len(chosen) != len(set(events)):
        errors["events"] = _("Choose at least one event.")
    if len(url) > 500:
        errors["url"] = _("At most 500 characters.")
    if errors:
        raise Invalid(errors)
    endpoint = WebhookEndpoint(
        url=url.strip(), events=chosen, description=description.strip()[:200], secret=delivery.new_secret()
    )
    session.add(endpoint)
    session.flush()
    record(session, me, "webhook.added", endpoint, after={"url": endpoint.url, "events": chosen})
    return endpoint


def set_active(session: Session, me: Principal, endpoint_id: int, active: bool) -> WebhookEndpoint:
    require(me, Permission.MANAGE_API_KEYS)
    endpoint = get_or_404(session, WebhookEndpoint, endpoint_id)
    if endpoint.active != active:
        before, after = {"active": endpoint.active}, {"active": active}
        record(session, me, "webhook.switched", endpoint, before=before, after=after)
        endpoint.active = active
    return endpoint


def remove(session: Session, me: Principal, endpoint_id: int) -> None:
    require(me, Permission.MANAGE_API_KEYS)
    endpoint = get_or_404(session, WebhookEndpoint, endpoint_id)
    record(session, me, "webhook.removed", endpoint, before={"url": endpoint.url, "events": endpoint.events})
    session.delete(endpoint)


def send_test(session: Session, me: Principal, endpoint_id: int) -> WebhookDelivery:
    """Queue a ``ping`` for this endpoint alone (whatever its events)."""
    require(me, Permission.MANAGE_API_KEYS)
    endpoint = get_or_404(session, WebhookEndpoint, endpoint_id)
    now = utcnow()
    test = WebhookDelivery(
        endpoint_id=endpoint.id,
        event="ping",
        payload={"type": "ping", "timestamp": now.isoformat(), "data": {"endpoint_id": endpoint.id}},
        next_attempt_at=now,
    )
    session.add(test)
    session.flush()
    return test


def replay(session: Session, me: Principal, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again (failed, or delivered and wanted again), from its first attempt."""
    require(me, Permission.MANAGE_API_KEYS)
    found = get_or_404(session, WebhookDelivery, delivery_id)
    if found.endpoint_id != endpoint_id:
        raise NotFound("webhook_delivery")
    record(
        session,
        me,
        "webhook.replayed",
        found,
        before={"state": found.state, "attempts": found.attempts, "last_error": found.last_error[:300]},
    )
    found.state, found.attempts, found.next_attempt_at, found.delivered_at = "pending", 0, utcnow(), None
    return found
