"""E-mail through SMTP, sent by a job so that a failing server means a retry, not a lost message."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy.orm import Session

from nineplus.core.settings import get_settings
from nineplus.jobs.runner import enqueue, handler

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, text: str) -> EmailMessage:
    settings = get_settings()
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    # A name or title typed by a user may carry a line break: one line, so no header can be smuggled in
    # (and the message is still sent, where the email package would refuse the header).
    msg["Subject"] = " ".join(subject.split())
    msg["Message-ID"] = make_msgid(domain="nineplus.local")
    msg.set_content(text)
    return msg


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    return_path: str | None = None  # the envelope sender, where bounce notices go (default: From)


Composer = Callable[[Session, dict[str, Any]], "Email | None"]
_composers: dict[str, Composer] = {}


def composer(name: str) -> Callable[[Composer], Composer]:
    """Register a function that writes an e-mail when it is sent. E-mails that carry a secret (a reset
    or invitation link) are composed then, from a row id: the secret is made at send time and only its
    hash is stored, so it never sits in the job table."""

    def register(fn: Composer) -> Composer:
        _composers[name] = fn
        return fn

    return register


def compose(session: Session, payload: dict[str, Any]) -> Email | None:
    """The e-mail a queued job stands for; None when there is nothing to send any more."""
    name = payload.get("compose")
    if name is None:
        return Email(payload["to"], payload["subject"], payload["text"])
    return _composers[name](session, payload)


def deliver(msg: EmailMessage, return_path: str | None = None) -> None:
    """Send one message now; raises on failure (the job runner retries)."""
    settings = get_settings()
    if not settings.smtp_host:
        # The body may hold a one-time link: never write it to a log.
        log.warning("NINEPLUS_SMTP_HOST is not set; e-mail %r to %s not sent", msg["Subject"], msg["To"])
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(msg, from_addr=return_path)


def queue_email(session: Session, to: str, subject: str, text: str, organisation_id: int | None) -> None:
    """Queue an e-mail in the caller's transaction."""
    enqueue(
        session,
        "send_email",
        {"to": to, "subject": subject, "text": text},
        organisation_id=organisation_id,
        max_attempts=8,
    )


def queue_composed(
    session: Session,
    name: str,
    payload: dict[str, Any],
    organisation_id: int | None,
    run_at: datetime | None = None,
) -> None:
    """Queue an e-mail that ``composer(name)`` writes when it is sent (see ``composer``)."""
    enqueue(
        session,
        "send_email",
        {"compose": name, **payload},
        organisation_id=organisation_id,
        max_attempts=8,
        run_at=run_at,
    )


@handler("send_email")
def _send_email_job(session: Session, payload: dict[str, Any]) -> None:
    email = compose(session, payload)
    if email is not None:
        deliver(build_message(email.to, email.subject, email.text), email.return_path)
