"""E-mail goes through a real SMTP server (aiosmtpd) by way of the job runner."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from nineplus.accounts import auth
from nineplus.accounts.schemas import InviteIn
from nineplus.core.db import transaction
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import system
from nineplus.jobs import runner
from tests import factories


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setenv("NINEPLUS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NINEPLUS_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("NINEPLUS_BASE_URL", "https://cx.example.org")
    get_settings.cache_clear()
    yield inbox
    controller.stop()


def test_an_invitation_arrives_by_smtp_with_a_working_link(committed_db: str, smtp: Inbox) -> None:
    with transaction() as session:
        world = factories.bank(session, "Mail Bank", prefix="m")
        from nineplus.core.tenancy import scope

        scope(session, world.org.id)
        auth.invite(
            session, world.principal(session, "admin"), InviteIn(email="Nieuw@M.example", role="viewer")
        )
    runner.run_pending()
    invitations = [m for m in smtp.messages if m["To"] == "nieuw@m.example"]
    assert len(invitations) == 1
    message = invitations[0]
    assert "Mail Bank" in message["Subject"]
    match = re.search(r"https://cx\.example\.org/invite/([A-Za-z0-9_-]{20,})", message.get_content())
    assert match is not None
    token = match.group(1)
    with transaction(write=False) as session:  # the link's secret is nowhere in the database
        system(session)
        dump = " ".join(str(row) for row in session.execute(text("SELECT * FROM jobs")).all())
        dump += " ".join(str(row) for row in session.execute(text("SELECT * FROM invitations")).all())
    assert token not in dump
    with transaction() as session:
        system(session)
        assert auth.open_invitation(session, token).email == "nieuw@m.example"


def test_an_unreachable_smtp_server_means_a_retry_not_a_lost_message(
    committed_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NINEPLUS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NINEPLUS_SMTP_PORT", str(_free_port()))  # nothing listens there
    get_settings.cache_clear()
    with transaction() as session:
        system(session)
        from nineplus.core.mail import queue_email

        queue_email(session, "x@example.org", "Hello", "Body", None)
    runner.run_pending()
    from nineplus.jobs.models import Job

    with transaction(write=False) as session:
        system(session)
        job = session.query(Job).filter(Job.kind == "send_email").one()
    assert job.state == "queued"
    assert job.attempts == 1
    assert job.last_error
