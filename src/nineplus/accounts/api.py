"""/api/v1 for the caller's identity and the organisation's teams."""

from __future__ import annotations

from fastapi import APIRouter

from nineplus.accounts import service
from nineplus.accounts.schemas import MeOut, TeamIn, TeamOut
from nineplus.web.deps import ApiPrincipal, Db

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me", response_model=MeOut, summary="Who is calling")
def me(principal: ApiPrincipal) -> MeOut:
    return MeOut(
        organisation_id=principal.organisation_id,
        user_id=principal.user_id,
        name=principal.name,
        email=principal.email,
        role=principal.role,
        team_ids=sorted(principal.team_ids),
        scopes=sorted(principal.scopes),
    )


@router.get("/teams", response_model=list[TeamOut], summary="List the teams the caller may see")
def list_teams(db: Db, principal: ApiPrincipal) -> list[TeamOut]:
    return [
        TeamOut(id=t.id, name=t.name, description=t.description) for t in service.list_teams(db, principal)
    ]


@router.get("/teams/{team_id}", response_model=TeamOut, summary="Read a team")
def read_team(db: Db, principal: ApiPrincipal, team_id: int) -> TeamOut:
    t = service.get_team(db, principal, team_id)
    return TeamOut(id=t.id, name=t.name, description=t.description)


@router.post("/teams", response_model=TeamOut, status_code=201, summary="Create a team")
def create_team(db: Db, principal: ApiPrincipal, body: TeamIn) -> TeamOut:
    t = service.create_team(db, principal, body)
    return TeamOut(id=t.id, name=t.name, description=t.description)
