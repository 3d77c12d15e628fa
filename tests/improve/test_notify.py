"""E-mail about cases, through a real SMTP server (aiosmtpd) by way of the job runner: the team hears of a
new case; a case past its service level goes up the line once; a closed case sends nothing more."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope, system
from nineplus.improve.models import Case, CaseRule
from nineplus.improve.notify import escalate_cases
from nineplus.improve.service import open_cases
from nineplus.jobs import runner
from tests import factories
from tests.core.test_mail import Inbox, smtp  # noqa: F401 (a fixture)
from tests.imports.conftest import build_target
from tests.improve.test_cases import respond


def test_the_team_hears_of_a_case_and_an_overdue_one_goes_up_the_line_once(
    committed_session: Session,
    smtp: Inbox,  # noqa: F811
) -> None:
    db = committed_session
    world = factories.bank(db, "Mail Bank", prefix="m")
    target = build_target(db, world)
    target.moments[2].team_id = world.teams["contact"].id
    db.add(CaseRule(kind="emotion", threshold=-2, service_hours=8, applies_from=utcnow() - timedelta(days=1)))
    db.flush()
    respond(db, target, 8, {2: -3}, at=utcnow() - timedelta(minutes=5))
    assert open_cases(db, world.org.id) == 1
    db.commit()
    runner.run_pending()
    opened = {m["To"]: m for m in smtp.messages if "case" in m["Subject"]}  # (the factory invites staff too)
    # The contact centre's lead and member (their roles work cases), nobody else.
    assert set(opened) == {world.users["team_lead"].email, world.users["member"].email}
    message = opened[world.users["member"].email]
    assert message["Subject"].startswith("New case")
    system(db)
    scope(db, world.org.id)
    case = db.scalar(select(Case))
    assert case is not None
    assert f"https://cx.example.org/cases/{case.id}" in message.get_content()
    # Past its service level: the CX lead, the admin and the team's lead hear of it, once.
    smtp.messages.clear()
    db.execute(update(Case).values(due_at=utcnow() - timedelta(hours=1)))
    db.commit()
    system(db)
    escalate_cases(db, {})
    escalate_cases(db, {})
    runner.run_pending()
    told = sorted(m["To"] for m in smtp.messages)
    assert told == sorted(world.users[k].email for k in ("admin", "cx_lead", "team_lead"))
    assert all("past its service level" in m["Subject"] for m in smtp.messages)
    # A case closed before its e-mail goes out sends nothing.
    smtp.messages.clear()
    scope(db, world.org.id)
    db.execute(update(Case).values(escalated_at=None))
    db.commit()
    system(db)
    escalate_cases(db, {})
    scope(db, world.org.id)
    db.execute(update(Case).values(status="closed", outcome="recovered"))
    db.commit()
    runner.run_pending()
    assert smtp.messages == []
