"""Queries of the journeys capability (the tenancy scoping adds the organisation filter)."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from nineplus.journeys.models import (
    Channel,
    ExperienceValue,
    Journey,
    Moment,
    WalkThroughEntry,
    Workshop,
    WorkshopEntry,
)


def journeys(session: Session, *, include_archived: bool = False) -> list[Journey]:
    stmt = select(Journey).order_by(Journey.created_at, Journey.id)
    if not include_archived:
        stmt = stmt.where(Journey.archived_at.is_(None))
    return list(session.scalars(stmt))


def moment_counts(session: Session) -> dict[int, int]:
    stmt = (
        select(Moment.journey_id, func.count())
        .where(Moment.archived_at.is_(None))
        .group_by(Moment.journey_id)
    )
    return {journey_id: count for journey_id, count in session.execute(stmt)}  # noqa: C416 - rows, not pairs


def moments(session: Session, journey_id: int, *, include_archived: bool = False) -> list[Moment]:
    stmt = select(Moment).where(Moment.journey_id == journey_id).order_by(Moment.position, Moment.id)
    if not include_archived:
        stmt = stmt.where(Moment.archived_at.is_(None))
    return list(session.scalars(stmt))


def moments_for_record(session: Session, journey_id: int, recorded: set[int]) -> list[Moment]:
    """The moments a workshop or walk-through page shows: the active ones, plus archived ones it recorded."""
    return [
        m
        for m in moments(session, journey_id, include_archived=True)
        if m.archived_at is None or m.id in recorded
    ]


def moment_has_data(session: Session, moment_id: int) -> bool:
    """Whether anything refers to the moment: workshop entries, survey questions or answers."""
    from nineplus.feedback.models import Answer, Question

    return bool(
        session.scalar(select(exists().where(WorkshopEntry.moment_id == moment_id)))
        or session.scalar(select(exists().where(Question.moment_id == moment_id)))
        or session.scalar(select(exists().where(Answer.moment_id == moment_id)))
        or session.scalar(select(exists().where(WalkThroughEntry.moment_id == moment_id)))
    )


def channels(session: Session, *, include_archived: bool = False) -> list[Channel]:
    stmt = select(Channel).order_by(Channel.id)
    if not include_archived:
        stmt = stmt.where(Channel.archived_at.is_(None))
    return list(session.scalars(stmt))


def experience_values(session: Session) -> list[ExperienceValue]:
    return list(
        session.scalars(select(ExperienceValue).order_by(ExperienceValue.position, ExperienceValue.id))
    )


def workshops(session: Session, journey_id: int) -> list[Workshop]:
    return list(
        session.scalars(
            select(Workshop).where(Workshop.journey_id == journey_id).order_by(Workshop.held_on, Workshop.id)
        )
    )


def entries(session: Session, workshop_ids: list[int]) -> list[WorkshopEntry]:
    if not workshop_ids:
        return []
    return list(session.scalars(select(WorkshopEntry).where(WorkshopEntry.workshop_id.in_(workshop_ids))))


def moments_of_team(session: Session, team_id: int) -> list[tuple[Moment, Journey]]:
    """The active moments a team owns, with their journeys."""
    stmt = (
        select(Moment, Journey)
        .join(Journey, Journey.id == Moment.journey_id)
        .where(Moment.team_id == team_id, Moment.archived_at.is_(None), Journey.archived_at.is_(None))
        .order_by(Journey.id, Moment.position)
    )
    return [(m, j) for m, j in session.execute(stmt)]
