"""Bounce notices: survey e-mails leave with a signed return address of their own (VERP); the bounce
receiver takes delivery status notifications for it over SMTP (aiosmtpd) and counts them per survey."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from nineplus.core.db import new_session, transaction
from nineplus.core.errors import Invalid
from nineplus.core.i18n import begin_request
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope
from nineplus.feedback import bounces, fielding, repository
from nineplus.feedback.models import Person, SurveyInvitation
from nineplus.jobs import runner
from tests import factories
from tests.feedback.conftest import build_live_survey

DOMAIN = "bounces.cx.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Outbox:
    """The organisation's outgoing SMTP server: records the envelope, as a relay would see it."""

    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def mail(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Outbox, Controller, bounces.BounceHandler]]:
    outbox = Outbox()
    outgoing = Controller(outbox, hostname="127.0.0.1", port=free_port())
    handler = bounces.BounceHandler(lambda: new_session(write=True))
    receiver = Controller(handler, hostname="127.0.0.1", port=free_port())
    outgoing.start()
    receiver.start()
    monkeypatch.setenv("NINEPLUS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NINEPLUS_SMTP_PORT", str(outgoing.port))
    monkeypatch.setenv("NINEPLUS_BOUNCE_DOMAIN", DOMAIN)
    get_settings.cache_clear()
    yield outbox, receiver, handler
    outgoing.stop()
    receiver.stop()


def dsn(return_address: str, *, action: str = "failed", status: str = "5.1.1") -> bytes:
    """A delivery status notification laid out as Postfix writes one (RFC 3464)."""
    return f"""From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: {return_address}
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"

--B0UND
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org. Your message could not be delivered.

--B0UND
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Arrival-Date: Mon, 23 Nov 2026 14:00:00 +0100

Final-Recipient: rfc822; weg@klant.example
Original-Recipient: rfc822;weg@klant.example
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <weg@klant.example>: Recipient address rejected:
    User unknown in virtual mailbox table

--B0UND
Content-Type: text/rfc822-headers

From: nineplus <noreply@localhost>
To: weg@klant.example
Subject: Polderbank would like to hear from you

--B0UND--
""".replace("\n", "\r\n").encode()


def send(receiver: Controller, to: str, content: bytes) -> None:
    with smtplib.SMTP(receiver.hostname, receiver.port) as smtp:
        smtp.sendmail("", [to], content)  # bounces travel with the null sender


def test_an_undeliverable_invitation_is_counted_and_the_address_is_not_mailed_again(
    committed_db: str, mail: tuple[Outbox, Controller, bounces.BounceHandler]
) -> None:
    outbox, receiver, handler = mail
    with transaction() as session:
        world = factories.bank(session, "Bounce Bank", prefix="x")
        survey_field = build_live_survey(session, world)
        invitation = fielding.invite_by_email(
            session, survey_field.actor, survey_field.survey.id, "weg@klant.example"
        )
        ids = (world.org.id, survey_field.survey.id, invitation.id, invitation.person_id, survey_field.actor)
    org_id, survey_id, invitation_id, person_id, actor = ids
    runner.run_pending()

    [return_address] = [sender for sender, to in outbox.envelopes if to == ["weg@klant.example"]]
    assert return_address.startswith("bounce+")
    assert return_address.endswith("@" + DOMAIN)
    assert bounces.parse_return_path(return_address) == (org_id, invitation_id)

    send(receiver, return_address, dsn(return_address, action="delayed", status="4.4.1"))  # not a failure yet
    send(receiver, return_address, b"Subject: Out of office\r\n\r\nI am on holiday until Monday.\r\n")
    assert handler.recorded == 0
    send(receiver, return_address, dsn(return_address))
    assert handler.recorded == 1

    with transaction() as session:
        scope(session, org_id)
        invitation = session.get_one(SurveyInvitation, invitation_id)
        assert (invitation.bounce_status, invitation.bounced_at is not None) == ("5.1.1", True)
        assert "User unknown" in (invitation.bounce_detail or "")
        assert session.get_one(Person, person_id).bounced_at is not None
        assert repository.rates_by_channel(session, survey_id)["email"] == (1, 0, 1)
        assert [row[3] for row in repository.rates_by_team(session, survey_id)] == [1]
        begin_request("en")
        with pytest.raises(Invalid, match="bounced"):
            fielding.invite(session, actor, survey_id, person_id)


def test_a_forged_or_foreign_return_address_is_refused_at_the_door(
    committed_db: str, mail: tuple[Outbox, Controller, bounces.BounceHandler]
) -> None:
    _outbox, receiver, handler = mail
    genuine = "bounce+1-2-" + bounces._signature(1, 2) + "@" + DOMAIN
    for forged in (
        genuine.replace("bounce+1-2-", "bounce+1-3-"),  # another invitation under the same signature
        genuine.replace(DOMAIN, "elsewhere.example"),
        "postmaster@" + DOMAIN,
    ):
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            send(receiver, forged, dsn(forged))
    assert handler.recorded == 0
    assert bounces.parse_return_path(genuine.upper()) == (1, 2)  # some servers change the case


def test_without_a_bounce_domain_mail_keeps_the_from_address(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NINEPLUS_BOUNCE_DOMAIN", "")
    get_settings.cache_clear()
    assert bounces.return_path(SurveyInvitation(id=5, organisation_id=1)) is None
