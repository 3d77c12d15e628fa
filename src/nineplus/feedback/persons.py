"""Listing the organisation's persons, and inviting a selection of them to a survey. (Lists of persons are
loaded through the import pipeline: ``nineplus.imports.persons``.)

"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.core.mail import queue_composed
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.feedback import fielding, service
from nineplus.feedback.models import Person

# Listing and inviting ------------------------------------------------------------------------------------


def persons(
    session: Session,
    *,
    kind: str | None = None,
    team_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Person], int]:
    """A page of persons (newest first) and how many match in all."""
    stmt = select(Person)
    count = select(func.count()).select_from(Person)
    if kind:
        stmt, count = stmt.where(Person.kind == kind), count.where(Person.kind == kind)
    if team_id:
        stmt, count = stmt.where(Person.team_id == team_id), count.where(Person.team_id == team_id)
    found = list(session.scalars(stmt.order_by(Person.id.desc()).limit(limit).offset(offset)))
    return found, session.scalar(count) or 0


@dataclass
class InviteReport:
    invited: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason (fielding.REFUSALS) -> persons


def invite_selection(
    session: Session, actor: Principal, survey_id: int, *, kind: str, team_id: int | None = None
) -> InviteReport:
    """Invite every person of ``kind`` (and team) whom the survey's protocol allows; count the others by
    reason. Each invitation's e-mail is queued in this transaction."""
    require(actor, Permission.MANAGE_SURVEYS)
    survey = service.get_survey(session, survey_id)
    if survey.status != "live":
        raise Invalid({"__all__": _("Only a survey that is being fielded can invite.")})
    protocol = service.current_version(session, survey.id).protocol
    now = utcnow()
    report = InviteReport()
    stmt = select(Person).where(Person.kind == kind).order_by(Person.id)
    if team_id is not None:
        stmt = stmt.where(Person.team_id == team_id)
    for person in session.scalars(stmt).all():
        reason = "no_email" if not person.email else fielding.refusal(person, protocol, now)
        if reason is not None:
            report.skipped[reason] += 1
            continue
        invitation, _token = fielding.make_invitation(session, survey, protocol, person, now)
        queue_composed(session, "survey_invitation", {"invitation_id": invitation.id}, actor.organisation_id)
        report.invited += 1
    return report
