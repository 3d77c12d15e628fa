"""Consent asked in a survey: a consent question names what it asks permission for, frozen with the
version; only a yes grants it. Without permission to keep the answers linked, a response is stored tied
to no one (its team stays), whether it comes through a personal link or an import; without permission to
be contacted, the case says so and the customer is not asked again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.i18n import set_locale
from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope
from nineplus.feedback import fielding, service
from nineplus.feedback.models import Person, Response
from nineplus.feedback.schemas import AnswerIn, PersonIn, QuestionIn, RevisionIn, SubmitIn
from nineplus.improve import resurvey
from nineplus.improve.models import Case, CaseRule
from nineplus.improve.service import open_cases
from nineplus.privacy import consent, pseudonyms
from tests.conftest import html
from tests.factories import World, login
from tests.feedback.conftest import Field, build_live_survey
from tests.imports.conftest import build_target, respond

LINK = QuestionIn(
    key="link",
    type="consent",
    purpose="link",
    page=2,
    text={"en": "May we keep your answers with your name?"},
)
CONTACT = QuestionIn(
    key="contact", type="consent", purpose="contact", text={"en": "May we contact you about your answers?"}
)


def in_dutch(question: QuestionIn, text: str) -> QuestionIn:
    return QuestionIn(**{**question.model_dump(), "text": {"nl": text}})


def _answer(
    db: Session, field: Field, world: World, person: Person, client_id: str, **said: str
) -> tuple[Response, str]:
    _invitation, token = fielding.invite(db, field.actor, field.survey.id, person.id)
    answers = [
        AnswerIn(question_id=field.questions["nps"].id, value=3),
        AnswerIn(question_id=field.questions["emotion"].id, moment_id=world.moments[0].id, value=-2),
        *(AnswerIn(question_id=field.questions[key].id, value=value) for key, value in said.items()),
    ]
    data = SubmitIn(
        client_id=client_id, moments_experienced=[world.moments[0].id], answers=answers, final=True
    )
    return fielding.submit(db, field.survey.id, data, token), token


def _resend(db: Session, field: Field, client_id: str, token: str) -> Response:
    answers = [AnswerIn(question_id=field.questions["nps"].id, value=3)]
    return fielding.submit(db, field.survey.id, SubmitIn(client_id=client_id, answers=answers), token)


def test_a_consent_question_names_its_purpose_and_keeps_it_in_every_version(
    db: Session, bank_a: World
) -> None:
    plain = QuestionIn(key="ok", type="consent", text={"en": "Agreed?"})
    assert plain.purpose is None  # recorded, restricting nothing (as consent questions made before purposes)
    with pytest.raises(ValidationError):
        QuestionIn(key="nps", type="nps", purpose="link", text={"en": "Recommend?"})
    field = build_live_survey(db, bank_a, extra=[LINK])
    version = service.current_version(db, field.survey.id)
    assert field.questions["link"].purpose == "link"
    kept = [
        QuestionIn(
            key=q.key,
            type=q.type,  # type: ignore[arg-type]
            text=q.text,  # type: ignore[arg-type]
            options=q.options,  # type: ignore[arg-type]
            per_moment=q.per_moment,
            required=q.required,
            page=q.page,
            purpose=q.purpose,  # type: ignore[arg-type]
        )
        for q in service.questions(db, version.id)
    ]
    protocol = service.current_version(db, field.survey.id).protocol
    service.revise(
        db, field.actor, field.survey.id, RevisionIn(reason="wording", protocol=protocol, questions=kept)
    )
    newer = service.current_version(db, field.survey.id)
    assert newer.id != version.id
    assert {q.key: q.purpose for q in service.questions(db, newer.id)}["link"] == "link"


def test_without_permission_to_link_a_response_is_tied_to_no_one(db: Session, bank_a: World) -> None:
    field = build_live_survey(db, bank_a, extra=[LINK])
    team = bank_a.teams["contact"].id
    people = {
        name: fielding.create_person(
            db, field.actor, PersonIn(email=f"{name}@example.org", name=name, team_id=team)
        )
        for name in ("yes", "no", "silent")
    }
    agreed, _token = _answer(db, field, bank_a, people["yes"], "consent-yes-1", link="yes")
    refused, token = _answer(
        db, field, bank_a, people["no"], "consent-no-01", link="no", why="Ik ben no en ik wacht al weken"
    )
    silent, _token = _answer(db, field, bank_a, people["silent"], "consent-none-1")
    assert agreed.respondent == pseudonyms.respondent_of(db, people["yes"].id) is not None
    assert refused.respondent is None
    assert silent.respondent is None  # no answer is no permission
    assert (agreed.team_id, refused.team_id, silent.team_id) == (team, team, team)  # the team counts on
    assert refused.invitation_id is None
    assert pseudonyms.person_of_response(db, refused.id) is None
    # sent twice (a retry, another tab): told it was answered, not that it belongs elsewhere
    with pytest.raises(fielding.AlreadyAnswered):
        _resend(db, field, "consent-no-01", token)
    # their own name is masked in their words before the link goes (the text analysis cannot know it)
    from nineplus.feedback.models import Answer

    words = db.scalar(
        select(Answer.value_text).where(
            Answer.response_id == refused.id, Answer.question_id == field.questions["why"].id
        )
    )
    assert words is not None
    assert " no " not in f" {words} "
    assert "wacht al weken" in words
    assert pseudonyms.person_of_response(db, agreed.id).id == people["yes"].id  # type: ignore[union-attr]


def test_without_permission_to_contact_the_case_says_so_and_no_one_asks_again(
    client: TestClient, db: Session, bank_a: World
) -> None:
    target = build_target(db, bank_a, extra=[in_dutch(CONTACT, "Mogen we contact opnemen?")])
    target.moments[2].team_id = bank_a.teams["contact"].id
    db.add(CaseRule(kind="nps", threshold=6, service_hours=16, applies_from=utcnow() - timedelta(days=1)))
    people = [Person(email=f"{n}@example.org", name=n, team_id=bank_a.teams["contact"].id) for n in "ab"]
    db.add_all(people)
    db.flush()
    said = {}
    for person, answer in zip(people, ("yes", "no"), strict=True):
        response = respond(db, target, 2, {2: -3}, person=person, at=utcnow() - timedelta(minutes=5))
        from nineplus.feedback.models import Answer

        db.add(Answer(response_id=response.id, question_id=target.questions["contact"].id, value_text=answer))
        said[answer] = response.id
    db.flush()
    open_cases(db, bank_a.org.id, notify_teams=False)
    db.commit()
    cases = {c.response_id: c for c in db.scalars(select(Case))}
    agreed, refused = cases[said["yes"]], cases[said["no"]]
    assert consent.granted(db, said["yes"], "contact")
    assert not consent.granted(db, said["no"], "contact")
    set_locale("en")
    assert resurvey.refusal(db, agreed) is None
    assert resurvey.refusal(db, refused) == "The customer did not agree to be contacted about their answers."
    login(client, db, bank_a.users["cx_lead"])
    no = html(client.get(f"/cases/{refused.id}", headers={"Accept-Language": "en"}))
    assert no.select_one("#case-no-contact") is not None
    assert no.select_one("#resurvey") is None  # no offer to ask again
    # the e-mail about the new case says the same, not "contact the customer"
    from nineplus.core.mail import compose
    from nineplus.core.tenancy import system

    lead = bank_a.users["cx_lead"].id
    refused_id, agreed_id = refused.id, agreed.id
    system(db)
    said_no = compose(db, {"compose": "case_opened", "case_id": refused_id, "user_id": lead})
    said_yes = compose(db, {"compose": "case_opened", "case_id": agreed_id, "user_id": lead})
    assert said_no is not None
    assert said_yes is not None
    assert "do not call or write" in said_no.text or "bel of schrijf niet" in said_no.text
    assert "do not call" not in said_yes.text
    assert "bel of schrijf niet" not in said_yes.text
    yes = html(client.get(f"/cases/{agreed_id}", headers={"Accept-Language": "en"}))
    assert yes.select_one("#case-contact") is not None
    assert yes.select_one("#case-no-contact") is None
    scope(db, bank_a.org.id)


def test_an_anonymous_survey_does_not_ask_for_consent(db: Session, bank_a: World) -> None:
    from nineplus.core.errors import Invalid

    with pytest.raises(Invalid, match="anonymous"):
        build_live_survey(db, bank_a, anonymous=True, extra=[CONTACT])
