"""E-mail through SMTP, sent by a job so that a failing server means a retry, not a lost message."""

from __future__ import annotations

import logging
import smtplib
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
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="nineplus.local")
    msg.set_content(text)
    return msg


def deliver(msg: EmailMessage) -> None:
    """Send one message now; raises on failure (the job runner retries)."""
    settings = get_settings()
    if not settings.smtp_host:
        log.warning("NINEPLUS_SMTP_HOST is not set; e-mail to %s not sent:\n%s", msg["To"], msg)
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(msg)


def queue_email(session: Session, to: str, subject: str, text: str, organisation_id: int | None) -> None:
    """Queue an e-mail in the caller's transaction."""
    enqueue(
        session,
        "send_email",
        {"to": to, "subject": subject, "text": text},
        organisation_id=organisation_id,
        max_attempts=8,
    )


@handler("send_email")
def _send_email_job(_session: Session, payload: dict[str, Any]) -> None:
    deliver(build_message(payload["to"], payload["subject"], payload["text"]))
