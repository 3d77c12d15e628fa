"""E-mail about cases: to the team when one opens, and up the line when one passes its service level
(the ``escalate_cases`` job). Each e-mail is written when it is sent, in the reader's language, from the
case as it is then: a case closed meanwhile sends nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.models import Organisation, Team, TeamMembership, User
from nineplus.accounts.roles import MATRIX, Permission
from nineplus.core.i18n import gettext as _
from nineplus.core.i18n import set_locale
from nineplus.core.mail import Email, composer, queue_composed
from nineplus.core.models import utcnow
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.improve.models import Case
from nineplus.jobs.runner import handler

OVERSEERS = frozenset(
    role for role, rights in MATRIX.items() if {Permission.WORK_CASES, Permission.VIEW_ALL_TEAMS} <= rights
)
WORKERS = frozenset(role for role, rights in MATRIX.items() if Permission.WORK_CASES in rights)


def _active(session: Session, users: Iterable[int]) -> list[int]:
    ids = sorted(set(users))
    return (
        list(session.scalars(select(User.id).where(User.id.in_(ids), User.is_active.is_(True))))
        if ids
        else []
    )


def team_workers(session: Session, team_id: int | None) -> list[int]:
    """Who works a team's cases: its members whose role may; for a case of no team, the overseers."""
    if team_id is None:
        return overseers(session)
    members = session.scalars(
        select(User.id)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team_id, User.role.in_(sorted(WORKERS)))
    )
    return _active(session, members)


def overseers(session: Session) -> list[int]:
    """Who sees every team's cases (CX leads and admins): where an overdue case goes."""
    return _active(session, session.scalars(select(User.id).where(User.role.in_(sorted(OVERSEERS)))))


def team_leads(session: Session, team_id: int | None) -> list[int]:
    if team_id is None:
        return []
    leads = session.scalars(
        select(User.id)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team_id, User.role == "team_lead")
    )
    return _active(session, leads)


def queue_opened(session: Session, case: Case) -> None:
    """Tell the case's team (in the caller's transaction)."""
    for user_id in team_workers(session, case.team_id):
        queue_composed(session, "case_opened", {"case_id": case.id, "user_id": user_id}, case.organisation_id)


@handler("escalate_cases", every=timedelta(minutes=15))
def escalate_cases(session: Session, payload: dict[str, Any]) -> None:
    """Every case past its service level and not closed is escalated once: to the CX leads and the team's
    leads."""
    system(session)
    now = utcnow()
    for organisation_id in session.scalars(select(Organisation.id).order_by(Organisation.id)).all():
        scope(session, organisation_id)
        late = session.scalars(
            select(Case).where(Case.status != "closed", Case.due_at < now, Case.escalated_at.is_(None))
        ).all()
        above = overseers(session) if late else []
        for case in late:
            case.escalated_at = now
            for user_id in sorted({*above, *team_leads(session, case.team_id)}):
                queue_composed(
                    session, "case_overdue", {"case_id": case.id, "user_id": user_id}, organisation_id
                )
        session.commit()
        system(session)


@composer("case_opened")
def _opened_email(session: Session, payload: dict[str, Any]) -> Email | None:
    return _case_email(session, payload, overdue=False)


@composer("case_overdue")
def _overdue_email(session: Session, payload: dict[str, Any]) -> Email | None:
    return _case_email(session, payload, overdue=True)


def _case_email(session: Session, payload: dict[str, Any], *, overdue: bool) -> Email | None:
    case = session.get(Case, payload["case_id"])
    user = session.get(User, payload["user_id"])
    if case is None or user is None or not user.is_active or case.status == "closed":
        return None
    organisation = session.get_one(Organisation, case.organisation_id)
    set_locale(user.locale or organisation.locale)
    team = session.get(Team, case.team_id) if case.team_id else None
    link = f"{get_settings().base_url.rstrip('/')}/cases/{case.id}"
    where = team.name if team else _("no team yet")
    due = case.due_at.astimezone(ZoneInfo(organisation.timezone)).strftime("%Y-%m-%d %H:%M")
    if overdue:
        subject = _("Case %(number)s is past its service level (%(team)s)", number=case.id, team=where)
        lead = _("This case for an unhappy customer has not been closed in time.")
    else:
        subject = _("New case %(number)s for %(team)s", number=case.id, team=where)
        lead = _("An unhappy customer is waiting to hear from you.")
    from nineplus.privacy import consent

    if consent.granted(session, case.response_id, "contact"):
        act = _("Contact the customer before %(due)s (working hours).", due=due)
    else:
        act = _(
            "The customer did not agree to be contacted about their answers: do not call or write. Read "
            "the case and close it before %(due)s (working hours) with what the team will do about it.",
            due=due,
        )
    text = "\n\n".join(
        [
            lead,
            act,
            _("Open the case: %(link)s", link=link),
            organisation.name,
        ]
    )
    return Email(user.email, subject, text)
