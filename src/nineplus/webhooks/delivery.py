"""Sending the outbox: signed, at least once, with growing pauses, replayable.

The job ``deliver_webhooks`` runs every few seconds in one process (the embedded runner, or the leading
worker). It leases the due deliveries in a short transaction, posts them with no transaction open, and
records each outcome: 2xx is delivered; anything else (a status, a timeout, a refused connection) is
tried again after 5 s, 10 s, 20 s, ... (``NINEPLUS_WEBHOOK_RETRY_SECONDS`` doubling, at most six hours
apart) until ``NINEPLUS_WEBHOOK_MAX_ATTEMPTS``, then it waits as failed until someone sends it again.
When an endpoint fails, its other deliveries wait for the same next attempt rather than each timing out.

A process that dies after posting and before recording posts again: receivers recognise the repeat by
its ``webhook-id``. Signatures follow Standard Webhooks: ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`` with the endpoint's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nineplus.core import db
from nineplus.core.models import utcnow
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import system
from nineplus.jobs.runner import handler
from nineplus.webhooks.models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

BATCH = 200  # deliveries leased per run
LEASE = timedelta(minutes=2)  # how long a leased delivery is kept from another run
TIMEOUT = 10.0  # seconds for one post
RUN_SECONDS = 30.0  # one run's time to post; what is left waits for the next run
MAX_PAUSE = timedelta(hours=6)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def pause(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    first = get_settings().webhook_retry_seconds
    return min(timedelta(seconds=first * 2 ** max(attempts - 1, 0)), MAX_PAUSE)


def private_address(host: str) -> bool:
    """Whether ``host`` is, or resolves to, a loopback, private, link-local or reserved address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # unresolvable: the post fails on its own
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if isinstance(address, ipaddress.IPv6Address):  # an IPv4 address wrapped in IPv6
            address = address.ipv4_mapped or address.sixtofour or address
        if not address.is_global:
            return True
    return False


@dataclass(frozen=True)
class Leased:
    id: int
    organisation_id: int
    endpoint_id: int
    url: str
    secret: str
    payload: dict[str, Any]
    attempts: int


@handler("deliver_webhooks", every=timedelta(seconds=5))
def deliver_webhooks(session: Session, payload: dict[str, Any]) -> None:
    """Send what is due (the job's own session stays unused: no transaction is open while posting)."""
    deliver_due()


KEEP_DELIVERED = timedelta(days=30)


@handler("purge_webhook_deliveries", every=timedelta(hours=24))
def purge_webhook_deliveries(session: Session, payload: dict[str, Any]) -> None:
    """Forget deliveries that arrived more than 30 days ago (they hold response data); failed and waiting
    ones stay."""
    from sqlalchemy import delete

    system(session)
    session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.state == "delivered", WebhookDelivery.delivered_at < utcnow() - KEEP_DELIVERED
        )
    )


def deliver_due(limit: int = BATCH, budget: float = RUN_SECONDS) -> int:
    """Post the due deliveries, a batch at a time, until none is due or ``budget`` seconds have passed (the
    next run goes on); return how many were delivered."""
    started, delivered = time.monotonic(), 0
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        while time.monotonic() - started < budget:
            leased = _lease(limit)
            if not leased:
                break
            by_endpoint: dict[int, list[Leased]] = defaultdict(list)
            for item in leased:
                by_endpoint[item.endpoint_id].append(item)
            for items in by_endpoint.values():
                delivered += _send_endpoint(client, items)
    return delivered


def _lease(limit: int) -> list[Leased]:
    now = utcnow()
    with db.transaction() as session:
        system(session)
        query = (
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.state == "pending",
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.active.is_(True),  # a switched-off endpoint's messages wait for it
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
        rows = session.execute(query).all()
        if not rows:
            return []
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_([d.id for d, _e in rows]))
            .values(next_attempt_at=now + LEASE)
        )
        return [
            Leased(d.id, d.organisation_id, e.id, e.url, e.secret, dict(d.payload), d.attempts)
            for d, e in rows
        ]


def _send_endpoint(client: httpx.Client, items: list[Leased]) -> int:
    delivered = 0
    for index, item in enumerate(items):
        status, error = _post(client, item)
        ok = status is not None and 200 <= status < 300
        next_attempt = _record(item, status, error, ok)
        if ok:
            delivered += 1
            continue
        # The endpoint is failing: its other deliveries wait for the same next attempt, unsent, uncounted.
        _postpone([i.id for i in items[index + 1 :]], next_attempt or utcnow() + pause(item.attempts + 1))
        break
    return delivered


def _post(client: httpx.Client, item: Leased) -> tuple[int | None, str]:
    host = urlsplit(item.url).hostname or ""
    if not get_settings().webhook_allow_private and private_address(host):
        return None, "refused: the address is private (NINEPLUS_WEBHOOK_ALLOW_PRIVATE)"
    body = json.dumps(item.payload, separators=(",", ":"), ensure_ascii=False).encode()
    message_id, timestamp = f"msg_{item.id}", int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": "nineplus-webhooks",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(item.secret, message_id, timestamp, body),
    }
    try:
        answer = client.post(item.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000]
    # The status only: the receiver's body is not kept (an address that answers with something else's
    # content must not show it on the page).
    return answer.status_code, "" if answer.is_success else answer.reason_phrase[:100]


def _record(item: Leased, status: int | None, error: str, ok: bool) -> Any:
    """Write the attempt's outcome; return when the next attempt is due (None: none is)."""
    now = utcnow()
    next_attempt = None
    attempts = item.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "last_status": status, "last_error": error}
    if ok:
        values |= {"state": "delivered", "delivered_at": now, "last_error": ""}
    elif attempts >= get_settings().webhook_max_attempts:
        values |= {"state": "failed"}
        log.warning("webhook delivery %s failed for good after %s attempts: %s", item.id, attempts, error)
    else:
        next_attempt = now + pause(attempts)
        values |= {"next_attempt_at": next_attempt}
    with db.transaction() as session:
        system(session)
        session.execute(update(WebhookDelivery).where(WebhookDelivery.id == item.id).values(**values))
    return next_attempt


def _postpone(ids: list[int], until: Any) -> None:
    if not ids:
        return
    with db.transaction() as session:
        system(session)
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids), WebhookDelivery.state == "pending")
            .values(next_attempt_at=until)
        )
