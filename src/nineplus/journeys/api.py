"""/api/v1 for journeys, moments and workshops (the same services as the pages)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.journeys import repository, service
from nineplus.journeys.models import Journey, Moment, Workshop
from nineplus.journeys.schemas import (
    JourneyIn,
    JourneyOut,
    MomentIn,
    MomentOrderIn,
    MomentOut,
    WorkshopEntriesIn,
    WorkshopEntryIn,
    WorkshopIn,
    WorkshopOut,
)
from nineplus.web.deps import ApiPrincipal, Db

router = APIRouter(prefix="/api/v1", tags=["journeys"])


def journey_out(j: Journey) -> JourneyOut:
    return JourneyOut(
        id=j.id,
        name=j.name,
        description=j.description,
        start_feeling=j.start_feeling,
        archived=j.archived_at is not None,
        created_at=j.created_at,
    )


def moment_out(m: Moment) -> MomentOut:
    return MomentOut(
        id=m.id,
        journey_id=m.journey_id,
        position=m.position,
        name=m.name,
        description=m.description,
        channel=service.channel_code(m),
        team_id=m.team_id,
        role_label=m.role_label,
        predictability=m.predictability,
        kind=m.kind,
        contact=m.contact,
        service_guideline=m.service_guideline,
        keywords=m.keywords or {},
        archived=m.archived_at is not None,
    )


def workshop_out(db: Db, w: Workshop) -> WorkshopOut:
    entries = [
        WorkshopEntryIn(
            moment_id=e.moment_id,
            wanted=e.wanted,
            today=e.today,
            feeling_today=e.feeling_today,
            quality_view=e.quality_view,
            expected_emotion=e.expected_emotion,
        )
        for e in sorted(repository.entries(db, [w.id]), key=lambda e: e.moment_id)
    ]
    return WorkshopOut(
        id=w.id,
        journey_id=w.journey_id,
        title=w.title,
        held_on=w.held_on,
        facilitator=w.facilitator,
        participants=w.participants,
        notes=w.notes,
        entries=entries,
    )


@router.get("/journeys", response_model=list[JourneyOut], summary="List journeys")
def list_journeys(db: Db, me: ApiPrincipal, include_archived: bool = False) -> list[JourneyOut]:
    require(me, Permission.VIEW_JOURNEYS)
    return [journey_out(j) for j in repository.journeys(db, include_archived=include_archived)]


@router.post("/journeys", response_model=JourneyOut, status_code=201, summary="Create a journey")
def create_journey(db: Db, me: ApiPrincipal, body: JourneyIn) -> JourneyOut:
    return journey_out(service.create_journey(db, me, body))


@router.get("/journeys/{journey_id}", response_model=JourneyOut, summary="Read a journey")
def read_journey(db: Db, me: ApiPrincipal, journey_id: int) -> JourneyOut:
    require(me, Permission.VIEW_JOURNEYS)
    return journey_out(service.get_journey(db, journey_id))


@router.put("/journeys/{journey_id}", response_model=JourneyOut, summary="Replace a journey's fields")
def update_journey(db: Db, me: ApiPrincipal, journey_id: int, body: JourneyIn) -> JourneyOut:
    return journey_out(service.update_journey(db, me, journey_id, body))


@router.delete("/journeys/{journey_id}", status_code=204, summary="Archive a journey")
def archive_journey(db: Db, me: ApiPrincipal, journey_id: int) -> Response:
    service.set_journey_archived(db, me, journey_id, True)
    return Response(status_code=204)


@router.get(
    "/journeys/{journey_id}/moments", response_model=list[MomentOut], summary="List a journey's moments"
)
def list_moments(
    db: Db, me: ApiPrincipal, journey_id: int, include_archived: bool = False
) -> list[MomentOut]:
    require(me, Permission.VIEW_JOURNEYS)
    journey = service.get_journey(db, journey_id)
    return [moment_out(m) for m in repository.moments(db, journey.id, include_archived=include_archived)]


@router.post(
    "/journeys/{journey_id}/moments",
    response_model=MomentOut,
    status_code=201,
    summary="Add a moment at the end",
)
def create_moment(db: Db, me: ApiPrincipal, journey_id: int, body: MomentIn) -> MomentOut:
    return moment_out(service.create_moment(db, me, journey_id, body))


@router.put("/journeys/{journey_id}/moments/order", response_model=list[MomentOut], summary="Reorder moments")
def reorder_moments(db: Db, me: ApiPrincipal, journey_id: int, body: MomentOrderIn) -> list[MomentOut]:
    ordered = service.reorder_moments(db, me, journey_id, body.moment_ids)
    return [moment_out(m) for m in ordered if m.archived_at is None]


@router.get("/moments/{moment_id}", response_model=MomentOut, summary="Read a moment")
def read_moment(db: Db, me: ApiPrincipal, moment_id: int) -> MomentOut:
    require(me, Permission.VIEW_JOURNEYS)
    return moment_out(service.get_moment(db, moment_id))


@router.put("/moments/{moment_id}", response_model=MomentOut, summary="Replace a moment's fields")
def update_moment(db: Db, me: ApiPrincipal, moment_id: int, body: MomentIn) -> MomentOut:
    return moment_out(service.update_moment(db, me, moment_id, body))


@router.delete("/moments/{moment_id}", summary="Delete a moment, or archive it when it holds data")
def delete_moment(db: Db, me: ApiPrincipal, moment_id: int) -> dict[str, str]:
    return {"outcome": service.remove_moment(db, me, moment_id)}


@router.post("/moments/{moment_id}/restore", response_model=MomentOut, summary="Restore an archived moment")
def restore_moment(db: Db, me: ApiPrincipal, moment_id: int) -> MomentOut:
    return moment_out(service.set_moment_archived(db, me, moment_id, False))


@router.get("/journeys/{journey_id}/workshops", response_model=list[WorkshopOut], summary="List workshops")
def list_workshops(db: Db, me: ApiPrincipal, journey_id: int) -> list[WorkshopOut]:
    require(me, Permission.VIEW_JOURNEYS)
    journey = service.get_journey(db, journey_id)
    return [workshop_out(db, w) for w in repository.workshops(db, journey.id)]


@router.post(
    "/journeys/{journey_id}/workshops",
    response_model=WorkshopOut,
    status_code=201,
    summary="Record a workshop",
)
def create_workshop(db: Db, me: ApiPrincipal, journey_id: int, body: WorkshopIn) -> WorkshopOut:
    return workshop_out(db, service.create_workshop(db, me, journey_id, body))


@router.get("/workshops/{workshop_id}", response_model=WorkshopOut, summary="Read a workshop")
def read_workshop(db: Db, me: ApiPrincipal, workshop_id: int) -> WorkshopOut:
    require(me, Permission.VIEW_JOURNEYS)
    return workshop_out(db, service.get_workshop(db, workshop_id))


@router.put(
    "/workshops/{workshop_id}/entries",
    response_model=WorkshopOut,
    summary="Store the four answers and expected emotion per moment",
)
def save_entries(db: Db, me: ApiPrincipal, workshop_id: int, body: WorkshopEntriesIn) -> WorkshopOut:
    service.save_entries(db, me, workshop_id, body)
    return workshop_out(db, service.get_workshop(db, workshop_id))


@router.delete("/workshops/{workshop_id}", status_code=204, summary="Delete a workshop")
def delete_workshop(db: Db, me: ApiPrincipal, workshop_id: int) -> Response:
    service.delete_workshop(db, me, workshop_id)
    return Response(status_code=204)
