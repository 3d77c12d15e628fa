"""The measurement protocol: a draft is edited freely, fielding freezes it, a change makes a new version."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.audit.models import AuditEvent
from nineplus.core.errors import Forbidden, Invalid
from nineplus.core.tenancy import scope
from nineplus.feedback import fielding, service
from nineplus.feedback.schemas import ProtocolIn, QuestionIn, RevisionIn, SubmitIn, SurveyIn
from tests.factories import World
from tests.feedback.conftest import Field


def test_fielding_freezes_the_protocol_and_the_wording(db: Session, field: Field) -> None:
    version = service.current_version(db, field.survey.id)
    assert version.number == 1
    assert version.frozen_at is not None
    assert version.protocol["excluded_domains"] == ["a.example"]
    with pytest.raises(Invalid):
        service.add_question(
            db, field.actor, field.survey.id, QuestionIn(key="extra", type="text", text={"en": "More?"})
        )
    with pytest.raises(Invalid):
        service.set_protocol(db, field.actor, field.survey.id, ProtocolIn(frame="everyone"))


def test_an_edit_to_a_live_survey_makes_version_2_in_the_audit_log(db: Session, field: Field) -> None:
    revision = RevisionIn(
        reason="The NPS question led the respondent",
        protocol=ProtocolIn(frame="Customers who signed in March", excluded_domains=["a.example"]),
        questions=[QuestionIn(key="nps", type="nps", text={"en": "How likely are you to recommend us?"})],
    )
    version = service.revise(db, field.actor, field.survey.id, revision)
    assert version.number == 2
    assert version.frozen_at is not None
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "survey.revised")).one()
    assert event.reason == "The NPS question led the respondent"
    assert event.actor.startswith("Cx_Lead Bank A")
    assert event.before["number"] == 1
    assert event.after["number"] == 2
    assert event.after["questions"][0]["text"] == {"en": "How likely are you to recommend us?"}


def test_answers_carry_the_version_they_were_given_under(db: Session, field: Field) -> None:
    first = fielding.submit(db, field.survey.id, SubmitIn(client_id="before-revision"))
    service.revise(
        db,
        field.actor,
        field.survey.id,
        RevisionIn(
            reason="Shorter",
            protocol=ProtocolIn(),
            questions=[QuestionIn(key="nps", type="nps", text={"en": "Recommend?"})],
        ),
    )
    second = fielding.submit(db, field.survey.id, SubmitIn(client_id="after-revision"))
    assert service.versions(db, field.survey.id)[0].id == first.version_id
    assert second.version_id != first.version_id


def test_a_revision_needs_a_reason(db: Session, field: Field) -> None:
    from nineplus.core.validation import parse

    with pytest.raises(Invalid):
        parse(
            RevisionIn,
            {"reason": "", "protocol": {}, "questions": [{"key": "x", "type": "text", "text": {"en": "x"}}]},
        )


def test_a_transactional_survey_is_about_a_moment_of_its_own_journey(
    db: Session, bank_a: World, bank_b: World, field: Field
) -> None:
    from nineplus.core.validation import parse

    journey_id = bank_a.journey.id  # type: ignore[union-attr]
    with pytest.raises(Invalid):
        parse(SurveyIn, {"journey_id": journey_id, "kind": "transactional", "title": {"en": "x"}})
    with pytest.raises(Invalid):
        service.create_survey(
            db,
            field.actor,
            SurveyIn(
                journey_id=journey_id, kind="transactional", moment_id=bank_b.moments[0].id, title={"en": "x"}
            ),
        )
    survey = service.create_survey(
        db,
        field.actor,
        SurveyIn(
            journey_id=journey_id,
            kind="transactional",
            moment_id=bank_a.moments[0].id,
            title={"en": "After your call"},
        ),
    )
    assert survey.moment_id == bank_a.moments[0].id


def test_only_survey_managers_design_surveys(db: Session, bank_a: World, field: Field) -> None:
    with pytest.raises(Forbidden):
        service.create_survey(
            db, bank_a.principal(db, "team_lead"), SurveyIn(journey_id=bank_a.journey.id, title={"en": "x"})
        )  # type: ignore[union-attr]


def test_a_survey_without_questions_cannot_be_fielded(db: Session, bank_a: World, field: Field) -> None:
    survey = service.create_survey(
        db, field.actor, SurveyIn(journey_id=bank_a.journey.id, title={"en": "Empty"})
    )  # type: ignore[union-attr]
    with pytest.raises(Invalid):
        service.start_fielding(db, field.actor, survey.id)


def test_choice_questions_need_distinct_options(db: Session) -> None:
    from nineplus.core.validation import parse

    with pytest.raises(Invalid):
        parse(QuestionIn, {"key": "c", "type": "single", "text": {"en": "Pick"}})
    with pytest.raises(Invalid):
        parse(
            QuestionIn,
            {
                "key": "c",
                "type": "single",
                "text": {"en": "Pick"},
                "options": [{"value": "a", "label": {"en": "A"}}, {"value": "a", "label": {"en": "B"}}],
            },
        )


def test_a_question_per_moment_cannot_share_page_one_with_the_checklist(db: Session, field: Field) -> None:
    scope(db, field.survey.organisation_id)
    survey = service.create_survey(
        db, field.actor, SurveyIn(journey_id=field.survey.journey_id, title={"en": "Draft"})
    )
    spec = QuestionIn(key="feeling", type="emotion", text={"en": "Feeling?"}, per_moment=True)
    with pytest.raises(Invalid) as refused:
        service.add_question(db, field.actor, survey.id, spec)
    assert set(refused.value.errors) == {"page"}
    assert service.add_question(db, field.actor, survey.id, spec.model_copy(update={"page": 2})).page == 2
