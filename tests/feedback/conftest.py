"""A live demo-like survey on Bank A's journey: NPS (page 1), emotion per moment and why (page 2)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope
from nineplus.feedback import fielding, service
from nineplus.feedback.models import Person, Question, Survey
from nineplus.feedback.schemas import OptionIn, PersonIn, ProtocolIn, QuestionIn, SurveyIn
from tests.factories import World


@dataclass
class Field:
    survey: Survey
    questions: dict[str, Question]
    person: Person
    actor: Principal


def build_live_survey(
    db: Session,
    world: World,
    *,
    email: str = "klant@example.org",
    anonymous: bool = False,
    extra: list[QuestionIn] | None = None,
) -> Field:
    scope(db, world.org.id)
    actor = world.principal(db, "cx_lead")
    assert world.journey is not None
    survey = service.create_survey(
        db, actor, SurveyIn(journey_id=world.journey.id, title={"en": "How did it go?"})
    )
    service.set_protocol(
        db,
        actor,
        survey.id,
        ProtocolIn(
            frame="Customers who signed in March",
            excluded_domains=["a.example"],
            contact_days=30,
            anonymous=anonymous,
        ),
    )
    specs = [
        QuestionIn(key="nps", type="nps", text={"en": "Would you recommend us?"}, required=True),
        QuestionIn(
            key="channel",
            type="single",
            text={"en": "How did you contact us?"},
            options=[
                OptionIn(value="phone", label={"en": "Phone"}),
                OptionIn(value="web", label={"en": "Web"}),
            ],
        ),
        QuestionIn(
            key="emotion",
            type="emotion",
            text={"en": "How did you feel?"},
            per_moment=True,
            page=2,
            required=True,
        ),
        QuestionIn(key="why", type="text", text={"en": "Why?"}, page=2),
        *(extra or []),
    ]
    questions = {spec.key: service.add_question(db, actor, survey.id, spec) for spec in specs}
    service.start_fielding(db, actor, survey.id)
    person = fielding.create_person(db, actor, PersonIn(email=email, name="Klaas Klant"))
    db.flush()
    return Field(survey, questions, person, actor)


@pytest.fixture
def field(db: Session, bank_a: World) -> Field:
    return build_live_survey(db, bank_a)
