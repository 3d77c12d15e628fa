"""Queries of the feedback capability (the tenancy scoping adds the organisation filter)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from nineplus.feedback.models import Answer, Person, Question, Response, Survey, SurveyInvitation


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
        Response.survey_id == survey_id, Response.invitation_id.is_(None)
    )
    sent, used, bounced = session.execute(invited).one()
    started, submitted = session.execute(link).one()
    return {"email": (sent, used, bounced), "link": (started, submitted, None)}


@dataclass(frozen=True)
class FeelingSums:
    """What the measured curve needs of one survey version's answers about one moment (or the start)."""

    survey_id: int
    version_id: int
    moment_id: int | None  # None: the start feeling
    n: int
    total: int
    squares: int


def feeling_sums(session: Session, journey_id: int) -> list[FeelingSums]:
    """Per survey version of a customer survey on the journey and per moment: count, sum and sum of
    squares of the submitted emotion answers (and the start feeling's). Versions are kept apart: a
    revised question is another measurement."""
    value = Answer.value_int
    stmt = (
        select(
            Response.survey_id,
            Response.version_id,
            case((Question.type == "start_feeling", None), else_=Answer.moment_id),
            func.count(value),
            func.coalesce(func.sum(value), 0),
            func.coalesce(func.sum(value * value), 0),
        )
        .join(Answer, Answer.response_id == Response.id)
        .join(Question, Question.id == Answer.question_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Survey.journey_id == journey_id, Survey.audience == "customer")
        .where(Response.submitted_at.is_not(None))
        .where(Question.type.in_(("emotion", "start_feeling")), value.is_not(None))
        .group_by(Response.survey_id, Response.version_id, Question.type, Answer.moment_id)
    )
    return [FeelingSums(*row) for row in session.execute(stmt)]


def score_counts(session: Session, survey_id: int) -> list[tuple[int, str, str, int, int, int]]:
    """Per survey version and NPS or CSAT question of the survey's submitted responses: (version id,
    question key, question type, answers, top answers, bottom answers): promoters 9-10 and detractors
    0-6 for NPS, satisfied 4-5 and dissatisfied 1-2 for CSAT."""
    value = Answer.value_int
    top = case((Question.type == "nps", value >= 9), else_=value >= 4)
    bottom = case((Question.type == "nps", value <= 6), else_=value <= 2)
    stmt = (
        select(
            Response.version_id,
            Question.key,
            Question.type,
            func.count(value),
            func.sum(case((top, 1), else_=0)),
            func.sum(case((bottom, 1), else_=0)),
        )
        .join(Answer, Answer.response_id == Response.id)
        .join(Question, Question.id == Answer.question_id)
        .where(Response.survey_id == survey_id, Response.submitted_at.is_not(None))
        .where(Question.type.in_(("nps", "csat")), value.is_not(None))
        .group_by(Response.version_id, Question.id, Question.key, Question.type)
    )
    return [(v, k, q, int(n), int(t or 0), int(b or 0)) for v, k, q, n, t, b in session.execute(stmt)]


def score_distribution(session: Session, version_id: int, question_id: int) -> list[int]:
    """How many submitted answers gave each score 0..10 to an NPS question of one survey version."""
    value = Answer.value_int
    stmt = (
        select(value, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(Response.version_id == version_id, Response.submitted_at.is_not(None))
        .where(Answer.question_id == question_id, value.between(0, 10))
        .group_by(value)
    )
    counts = [0] * 11
    for score, count in session.execute(stmt):
        counts[int(score)] = int(count)
    return counts


def daily_score_counts(
    session: Session, version_id: int, question_id: int
) -> list[tuple[date, int, int, int]]:
    """Per day (UTC) of submission: (day, answers, promoters 9-10, detractors 0-6) to one NPS question."""
    value = Answer.value_int
    day = func.date(Response.submitted_at)
    stmt = (
        select(
            day,
            func.count(value),
            func.sum(case((value >= 9, 1), else_=0)),
            func.sum(case((value <= 6, 1), else_=0)),
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Response.version_id == version_id, Response.submitted_at.is_not(None))
        .where(Answer.question_id == question_id, value.is_not(None))
        .group_by(day)
    )
    return [
        (d if isinstance(d, date) else date.fromisoformat(str(d)), int(n), int(p or 0), int(q or 0))
        for d, n, p, q in session.execute(stmt)
    ]
