"""Queries of the feedback capability (the tenancy scoping adds the organisation filter)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.feedback.models import Person, Response, Survey, SurveyInvitation


def surveys(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())))


def response_counts(session: Session) -> dict[int, tuple[int, int]]:
    """Per survey: (started, submitted)."""
    stmt = select(Response.survey_id, func.count(), func.count(Response.submitted_at)).group_by(
        Response.survey_id
    )
    return {survey_id: (started, submitted) for survey_id, started, submitted in session.execute(stmt)}


def invitation_counts(session: Session, survey_id: int) -> tuple[int, int]:
    """(invited, answered) for one survey."""
    stmt = select(func.count(), func.count(SurveyInvitation.used_at)).where(
        SurveyInvitation.survey_id == survey_id
    )
    invited, used = session.execute(stmt).one()
    return invited, used


def person_by_email(session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(Person.email == email.strip().lower()))


def rates_by_team(session: Session, survey_id: int) -> list[tuple[str | None, int, int, int]]:
    """Per team of the invited persons: (team name or None, invited, answered, bounced)."""
    from nineplus.accounts.models import Team

    stmt = (
        select(
            Team.name,
            func.count(SurveyInvitation.id),
            func.count(SurveyInvitation.used_at),
            func.count(SurveyInvitation.bounced_at),
        )
        .select_from(SurveyInvitation)
        .join(Person, Person.id == SurveyInvitation.person_id)
        .outerjoin(Team, Team.id == Person.team_id)
        .where(SurveyInvitation.survey_id == survey_id)
        .group_by(Team.name)
        .order_by(Team.name)
    )
    return [tuple(row) for row in session.execute(stmt)]  # type: ignore[misc]


def rates_by_channel(session: Session, survey_id: int) -> dict[str, tuple[int, int, int | None]]:
    """Per channel: e-mail invitations (sent, submitted, bounced) and the anonymous link (started,
    submitted, None: a link cannot bounce)."""
    invited = select(
        func.count(SurveyInvitation.sent_at),
        func.count(SurveyInvitation.used_at),
        func.count(SurveyInvitation.bounced_at),
    ).where(SurveyInvitation.survey_id == survey_id)
    link = select(func.count(), func.count(Response.submitted_at)).where(
        Response.survey_id == survey_id, Response.invited.is_(False)
    )
    sent, used, bounced = session.execute(invited).one()
    started, submitted = session.execute(link).one()
    return {"email": (sent, used, bounced), "link": (started, submitted, None)}
