"""``POST /api/v1/events``: customer events from another system, each inviting its customer to the
surveys its type triggers."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from nineplus.feed import service
from nineplus.feed.service import MAX_EVENTS, EventIn
from nineplus.web.deps import ApiPrincipal, Db

router = APIRouter(prefix="/api/v1", tags=["events"])


class EventsIn(BaseModel):
    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class EventOutcome(BaseModel):
    reference: str
    result: str = Field(
        description="`invited`, `stored` (no survey is triggered by its type), `repeat` (this reference was "
        "received before: nothing changed), `not invited: <reasons>` (the survey's protocol refused: "
        "unsubscribed, bounced, excluded, recently, no_email) or `refused: <reason>`."
    )
    event_id: int | None


class EventsOut(BaseModel):
    outcomes: list[EventOutcome]
    counts: dict[str, int]


@router.post("/events", response_model=EventsOut)
def receive_events(db: Db, me: ApiPrincipal, data: EventsIn) -> EventsOut:
    """Record customer events (a key with the `admin` scope: events add and change customers and send
    them surveys). Each names its customer by `external_id`
    and/or `email`; the customer is added or updated. A survey with a trigger for the event's type
    invites the customer, after the trigger's delay, under the survey's contact-frequency rule. Send an
    event again with the same `reference` and it is recognised: a retry is safe."""
    outcomes = service.receive(db, me, data.events)
    return EventsOut(
        outcomes=[EventOutcome(**o) for o in service.as_json(outcomes)],
        counts=service.outcome_counts(outcomes),
    )
