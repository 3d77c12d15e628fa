"""Bounce notices: survey e-mails carry a return address of their own (VERP), and what comes back is counted.

Every invitation and reminder is sent with the envelope sender ``bounce+<org>-<invitation>-<signature>@
<bounce domain>``. A mail server that cannot deliver it sends a delivery status notification (RFC 3464)
to that address; ``nineplus bounces serve`` receives it over SMTP, checks the signature (so nobody can
mark another organisation's invitations), reads the DSN's action and status, and records it:

- a failure with a permanent status (5.x.x) marks the invitation bounced and the person's address as
  undeliverable (no further invitations or reminders go there until the address is corrected);
- a failure with a transient status (4.x.x) marks the invitation bounced only;
- a "delayed" notice, an auto-reply or anything else that is not a failure report is accepted and
  ignored: it says nothing about whether the mail arrived.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import Any

from sqlalchemy.orm import Session

from nineplus.core.models import utcnow
from nineplus.core.security import constant_time_equals, sign
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Person, SurveyInvitation

log = logging.getLogger(__name__)
PREFIX = "bounce+"
_LOCAL = re.compile(r"^bounce\+(\d+)-(\d+)-([0-9a-f]{20})$")


def _signature(organisation_id: int, invitation_id: int) -> str:
    secret = get_settings().resolved_secret_key()
    return sign(secret, f"bounce:{organisation_id}:{invitation_id}").encode().hex()[:20]


def return_path(invitation: SurveyInvitation) -> str | None:
    """The VERP address of an invitation's e-mails, or None when no bounce domain is configured."""
    domain = get_settings().bounce_domain.strip().lower()
    if not domain:
        return None
    org, inv = invitation.organisation_id, invitation.id
    return f"{PREFIX}{org}-{inv}-{_signature(org, inv)}@{domain}"


def parse_return_path(address: str) -> tuple[int, int] | None:
    """(organisation id, invitation id) of a VERP address of ours with a valid signature, else None."""
    local, _at, domain = address.strip().strip("<>").lower().rpartition("@")
    if domain != get_settings().bounce_domain.strip().lower() or not domain:
        return None
    match = _LOCAL.match(local)
    if match is None:
        return None
    org, inv = int(match.group(1)), int(match.group(2))
    if not constant_time_equals(match.group(3), _signature(org, inv)):
        return None
    return org, inv


@dataclass(frozen=True)
class Failure:
    """What a delivery status notification reports about the recipient."""

    status: str  # e.g. "5.1.1"
    detail: str  # the diagnostic code, shortened

    @property
    def permanent(self) -> bool:
        return self.status.startswith("5")


def failure_of(message: Message) -> Failure | None:
    """The failure a DSN reports (its first recipient with ``Action: failed``), or None for anything
    that is not a failure report (a delay notice, an auto-reply, a stray message)."""
    if message.get_content_type() != "multipart/report":
        return None
    if str(message.get_param("report-type", "")).lower() != "delivery-status":
        return None
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for fields in _status_groups(part):
            action = fields.get("action", "").lower()
            status = fields.get("status", "").split(" ")[0]
            if action == "failed" and re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", status):
                detail = " ".join(fields.get("diagnostic-code", "").split())[:300]
                return Failure(status, detail)
    return None


def _status_groups(part: Message) -> list[dict[str, str]]:
    """The header groups of a message/delivery-status part (per-message first, then per recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parses each group as a message of headers
        return [{k.lower(): str(v) for k, v in group.items()} for group in payload]
    groups: list[dict[str, str]] = []
    for block in re.split(r"\r?\n\r?\n", str(payload)):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            name, colon, value = line.partition(":")
            if colon:
                fields[name.strip().lower()] = value.strip()
        if fields:
            groups.append(fields)
    return groups


def record(session: Session, organisation_id: int, invitation_id: int, failure: Failure) -> bool:
    """Store a bounce on the invitation (and, when permanent, on the person); False if it is gone."""
    scope(session, organisation_id)
    invitation = session.get(SurveyInvitation, invitation_id)
    if invitation is None:
        return False
    now = utcnow()
    if invitation.bounced_at is None or failure.permanent:
        invitation.bounced_at = now
        invitation.bounce_status = failure.status
        invitation.bounce_detail = failure.detail or None
    if failure.permanent:
        person = session.get_one(Person, invitation.person_id)
        person.bounced_at = person.bounced_at or now
    return True


def receive(session: Session, recipients: list[str], content: bytes) -> int:
    """Handle one message received for ``recipients``; return how many bounces were recorded."""
    message = message_from_bytes(content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    failure = failure_of(message)
    if failure is None:
        log.info("mail to the bounce address that is not a failure report: ignored")
        return 0
    recorded = 0
    for address in recipients:
        found = parse_return_path(address)
        if found is not None:
            system(session)
            recorded += record(session, found[0], found[1], failure)
    return recorded


class BounceHandler:
    """An aiosmtpd handler: accepts mail only for valid return addresses, records the bounces it carries."""

    def __init__(self, open_session: Any) -> None:
        self._open_session = open_session
        self.recorded = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if parse_return_path(address) is None:
            return "550 5.1.1 No such return address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        try:
            self.recorded += await asyncio.to_thread(self._store, list(envelope.rcpt_tos), envelope.content)
        except Exception:
            log.exception("a bounce notice could not be stored")
            return "451 4.3.0 Try again later"  # the sending server keeps the notice and retries
        return "250 OK"

    def _store(self, recipients: list[str], content: bytes) -> int:
        session = self._open_session()
        try:
            recorded = receive(session, recipients, content)
            session.commit()
            return recorded
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
