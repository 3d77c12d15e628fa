"""A survey whose wording and moments are those of the Qualtrics and LimeSurvey fixtures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope
from nineplus.feedback import service
from nineplus.feedback.models import Answer, Person, Question, Response, Survey
from nineplus.feedback.schemas import OptionIn, QuestionIn, SurveyIn
from nineplus.journeys import service as journeys
from nineplus.journeys.models import Moment
from nineplus.journeys.schemas import JourneyIn, MomentIn
from nineplus.privacy import pseudonyms
from tests.factories import World

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"


@dataclass
class Target:
    survey: Survey
    questions: dict[str, Question]
    moments: list[Moment]
    actor: Principal


def build_target(db: Session, world: World, extra: list[QuestionIn] | None = None) -> Target:
    scope(db, world.org.id)
    actor = world.principal(db, "cx_lead")
    journey = journeys.create_journey(db, actor, JourneyIn(name={"nl": "Hypotheek"}, start_feeling=1))
    moments = [
        journeys.create_moment(db, actor, journey.id, MomentIn(name={"nl": name}, channel="phone"))
        for name in ("Afspraak maken", "Gesprek met de adviseur", "Offerte ontvangen")
    ]
    survey = service.create_survey(db, actor, SurveyIn(journey_id=journey.id, title={"nl": "Geschiedenis"}))
    channel = [OptionIn(value=v, label={"nl": v.capitalize()}) for v in ("telefoon", "website", "kantoor")]
    nps = "Hoe waarschijnlijk is het dat je ons aanbeveelt bij vrienden of familie?"
    specs = [
        QuestionIn(key="nps", type="nps", required=True, text={"nl": nps}),
        QuestionIn(
            key="kanaal", type="single", text={"nl": "Hoe heb je contact met ons gehad?"}, options=channel
        ),
        QuestionIn(
            key="emo", type="emotion", per_moment=True, page=2, text={"nl": "Hoe voelde je je hierbij?"}
        ),
        QuestionIn(
            key="waarom", type="text", page=2, text={"nl": "Wat is de belangrijkste reden voor je score?"}
        ),
        *(extra or []),
    ]
    questions = {s.key: service.add_question(db, actor, survey.id, s) for s in specs}
    service.start_fielding(db, actor, survey.id)
    db.flush()
    return Target(survey, questions, moments, actor)


def respond(
    db: Session,
    target: Target,
    nps: int | None,
    feelings: dict[int, int] | None = None,
    text: str = "",
    person: Person | None = None,
    at: datetime = datetime(2026, 5, 4, 10, tzinfo=UTC),
) -> Response:
    """A submitted response to the target's survey: its NPS, feelings per moment index and comment."""
    scope(db, target.survey.organisation_id)
    version = service.current_version(db, target.survey.id)
    response = Response(
        survey_id=target.survey.id,
        version_id=version.id,
        client_id=uuid.uuid4().hex,
        submitted_at=at,
        locale="nl",
        **pseudonyms.given_by(db, person),
    )
    db.add(response)
    db.flush()
    if nps is not None:
        db.add(Answer(response_id=response.id, question_id=target.questions["nps"].id, value_int=nps))
    for index, feeling in (feelings or {}).items():
        moment = target.moments[index]
        db.add(
            Answer(
                response_id=response.id,
                question_id=target.questions["emo"].id,
                moment_key=moment.id,
                moment_id=moment.id,
                value_int=feeling,
            )
        )
    if text:
        db.add(Answer(response_id=response.id, question_id=target.questions["waarom"].id, value_text=text))
    db.flush()
    return response


@pytest.fixture
def target(db: Session, bank_a: World) -> Target:
    return build_target(db, bank_a)
