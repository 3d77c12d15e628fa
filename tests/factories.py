"""Factories for tests: organisations with named people, journeys with moments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.accounts import apikeys, auth
from nineplus.accounts.models import ApiKey, Invitation, Organisation, Team, TeamMembership, User
from nineplus.accounts.schemas import ApiKeyIn, InviteIn
from nineplus.core.principal import Principal
from nineplus.core.security import hash_password
from nineplus.core.tenancy import scope, system
from nineplus.feedback import service as feedback
from nineplus.feedback.models import Survey
from nineplus.feedback.schemas import QuestionIn, SurveyIn
from nineplus.imports.models import DataImport
from nineplus.journeys import service as journeys
from nineplus.journeys import walks
from nineplus.journeys.models import Channel, ExperienceValue, Journey, Moment, WalkThrough, Workshop
from nineplus.journeys.schemas import (
    ChannelIn,
    ExperienceValueIn,
    JourneyIn,
    MomentIn,
    WalkThroughIn,
    WorkshopEntriesIn,
    WorkshopEntryIn,
    WorkshopIn,
)
from nineplus.web.deps import SESSION_COOKIE

PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class World:
    """One organisation with its people, teams and a journey."""

    org: Organisation
    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    journey: Journey | None = None
    moments: list[Moment] = field(default_factory=list)
    workshop: Workshop | None = None
    channel: Channel | None = None
    value: ExperienceValue | None = None
    api_key: ApiKey | None = None
    api_secret: str = ""
    invitation: Invitation | None = None
    invitation_token: str = ""
    survey: Survey | None = None
    walk: WalkThrough | None = None
    data_import: DataImport | None = None
    case_id: int = 0  # a case of this organisation, where a test made one
    rule_id: int = 0  # a case rule of this organisation, likewise
    action_id: int = 0  # an improvement action of this organisation, likewise
    target_id: int = 0  # a growth target of this organisation, likewise
    link_id: int = 0  # a board link of this organisation, likewise
    run_id: int = 0  # a scan run of this organisation, likewise
    person_id: int = 0  # a customer of this organisation, likewise
    receipt: str = ""  # an erasure receipt of this organisation, likewise
    session_id: int = 0  # a login session of one of its users, likewise
    job_id: int = 0  # a failed job of this organisation, likewise
    endpoint_id: int = 0  # a webhook endpoint of this organisation, likewise
    delivery_id: int = 0  # a delivery of that endpoint, likewise
    trigger_id: int = 0  # a survey trigger of this organisation, likewise

    def principal(self, db: Session, who: str) -> Principal:
        return auth.principal_for(db, self.users[who])


def bank(db: Session, name: str, *, prefix: str) -> World:
    system(db)
    org = Organisation(name=name, slug=f"{prefix}-{name.lower().replace(' ', '-')}")
    db.add(org)
    db.flush()
    scope(db, org.id)
    world = World(org=org)
    world.teams["contact"] = Team(name=f"Contact centre {name}")
    world.teams["advice"] = Team(name=f"Mortgage advice {name}")
    db.add_all(world.teams.values())
    people = {
        "admin": "admin",
        "cx_lead": "cx_lead",
        "team_lead": "team_lead",
        "member": "team_member",
        "viewer": "viewer",
    }
    for key, role in people.items():
        user = User(
            email=f"{key}@{prefix}.example",
            name=f"{key.title()} {name}",
            role=role,
            password_hash=password_hash(),
            locale="en",
        )
        db.add(user)
        world.users[key] = user
    db.flush()
    for key in ("team_lead", "member"):
        db.add(TeamMembership(user_id=world.users[key].id, team_id=world.teams["contact"].id))
    db.flush()
    actor = world.principal(db, "admin")
    world.journey = journeys.create_journey(
        db, actor, JourneyIn(name={"nl": f"Hypotheek {name}", "en": f"Mortgage {name}"}, start_feeling=2)
    )
    for i, (channel, contact, kind) in enumerate(
        [
            ("phone", "touchpoint", "standard"),
            ("", "customer_only", "standard"),
            ("email", "touchpoint", "potential"),
        ]
    ):
        world.moments.append(
            journeys.create_moment(
                db,
                actor,
                world.journey.id,
                MomentIn(
                    name={"en": f"Moment {i + 1} {name}"},
                    channel=channel,
                    contact=contact,
                    kind=kind,
                    team_id=world.teams["contact"].id,
                ),
            )
        )
    world.workshop = journeys.create_workshop(
        db, actor, world.journey.id, WorkshopIn(title=f"Workshop {name}", held_on=date(2026, 3, 12))
    )
    journeys.save_entries(
        db,
        actor,
        world.workshop.id,
        WorkshopEntriesIn(
            entries=[
                WorkshopEntryIn(moment_id=m.id, expected_emotion=e, wanted="quick help")
                for m, e in zip(world.moments, (1, -2, 0), strict=True)
            ]
        ),
    )
    world.channel = journeys.create_channel(db, actor, ChannelIn(name={"en": f"Notary {name}"}))
    world.value = journeys.create_experience_value(db, actor, ExperienceValueIn(name={"en": f"Clear {name}"}))
    world.api_key, world.api_secret = apikeys.create_key(
        db, actor, ApiKeyIn(name=f"CRM {name}", scopes=["admin"])
    )
    world.walk = walks.create_walk(
        db, actor, world.journey.id, WalkThroughIn(walker=f"Walker {name}", walked_on=date(2026, 4, 1))
    )
    world.survey = feedback.create_survey(
        db, actor, SurveyIn(journey_id=world.journey.id, title={"en": f"Survey {name}"})
    )
    feedback.add_question(
        db, actor, world.survey.id, QuestionIn(key="nps", type="nps", text={"en": f"Recommend {name}?"})
    )
    world.data_import = DataImport(
        survey_id=world.survey.id, filename=f"{prefix}.csv", stored_as="/nonexistent"
    )
    db.add(world.data_import)
    world.invitation = auth.invite(db, actor, InviteIn(email=f"new@{prefix}.example", role="viewer"))
    world.invitation_token = auth.issue_invitation_link(db, world.invitation).rsplit("/", 1)[1]
    db.commit()
    system(db)
    return world


def login(client: TestClient, db: Session, user: User) -> None:
    """Log ``user`` in by creating a session directly (the login form has its own tests)."""
    system(db)
    token = auth.start_session(db, user)
    db.commit()
    client.cookies.set(SESSION_COOKIE, token)


def csrf_token(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    meta = BeautifulSoup(page.text, "html.parser").find("meta", attrs={"name": "csrf-token"})
    assert meta is not None, f"no csrf meta on {path} ({page.status_code})"
    return str(meta["content"])


def post_form(client: TestClient, path: str, data: dict[str, object] | None = None, **kwargs):  # type: ignore[no-untyped-def]
    token = csrf_token(client)
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)
