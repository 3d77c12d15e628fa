"""Walk-throughs: an employee or mystery shopper walks the journey and records a feeling and a note per
moment (DOMAIN section 2, "other capture methods"). Stored apart from customer responses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, get_or_404
from nineplus.core.i18n import gettext as _
from nineplus.core.principal import Principal
from nineplus.journeys import repository
from nineplus.journeys.models import Journey, WalkThrough, WalkThroughEntry
from nineplus.journeys.schemas import WalkEntriesIn, WalkThroughIn


def walks(session: Session, journey_id: int) -> list[WalkThrough]:
    stmt = select(WalkThrough).where(WalkThrough.journey_id == journey_id).order_by(WalkThrough.walked_on)
    return list(session.scalars(stmt))


def entries(session: Session, walk_ids: list[int]) -> list[WalkThroughEntry]:
    if not walk_ids:
        return []
    return list(session.scalars(select(WalkThroughEntry).where(WalkThroughEntry.walk_id.in_(walk_ids))))


def get_walk(session: Session, walk_id: int) -> WalkThrough:
    return get_or_404(session, WalkThrough, walk_id)


def create_walk(session: Session, actor: Principal, journey_id: int, data: WalkThroughIn) -> WalkThrough:
    require(actor, Permission.RUN_WORKSHOPS)
    journey = get_or_404(session, Journey, journey_id)
    walk = WalkThrough(journey_id=journey.id, **data.model_dump())
    session.add(walk)
    session.flush()
    record(
        session, actor, "walk_through.created", walk, after={"walker": walk.walker, "role": walk.walker_role}
    )
    return walk


def save_walk(
    session: Session, actor: Principal, walk_id: int, details: WalkThroughIn, data: WalkEntriesIn
) -> WalkThrough:
    """Store the walk's details and its feeling and note per moment (an empty entry is removed)."""
    require(actor, Permission.RUN_WORKSHOPS)
    walk = get_walk(session, walk_id)
    moment_ids = {m.id for m in repository.moments(session, walk.journey_id, include_archived=True)}
    if any(e.moment_id not in moment_ids for e in data.entries):
        raise Invalid({"entries": _("Choose a moment of this journey.")})
    if len({e.moment_id for e in data.entries}) != len(data.entries):
        raise Invalid({"entries": _("Each moment may appear only once.")})
    for key, value in details.model_dump().items():
        setattr(walk, key, value)
    existing = {e.moment_id: e for e in entries(session, [walk.id])}
    for item in data.entries:
        entry = existing.get(item.moment_id)
        if item.feeling is None and not item.note:
            if entry is not None:
                session.delete(entry)
            continue
        if entry is None:
            entry = WalkThroughEntry(walk_id=walk.id, moment_id=item.moment_id)
            session.add(entry)
        entry.feeling, entry.note = item.feeling, item.note
    session.flush()
    record(
        session,
        actor,
        "walk_through.saved",
        walk,
        after={"feelings": {str(e.moment_id): e.feeling for e in data.entries}},
    )
    return walk


def delete_walk(session: Session, actor: Principal, walk_id: int) -> int:
    require(actor, Permission.RUN_WORKSHOPS)
    walk = get_walk(session, walk_id)
    journey_id = walk.journey_id
    for entry in entries(session, [walk.id]):
        session.delete(entry)
    record(session, actor, "walk_through.deleted", walk, before={"walker": walk.walker})
    session.delete(walk)
    return journey_id
