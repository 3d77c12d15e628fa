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
