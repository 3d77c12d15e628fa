"""A survey in anonymous mode keeps no person, no device hash and no time of day with a response (its
day only), through the anonymous link page, the public API and an import; it cannot invite persons."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.core.errors import Invalid
from nineplus.core.tenancy import system
from nineplus.feedback import fielding
from nineplus.feedback.models import Response
from nineplus.feedback.schemas import AnswerIn, SubmitIn
from tests.factories import World, csrf_token, login
from tests.feedback.conftest import Field, build_live_survey
from tests.feedback.test_public_api import body, url


@pytest.fixture
def anonymous(db: Session, bank_a: World) -> Field:
    return build_live_survey(db, bank_a, anonymous=True)


def _kept(response: Response) -> tuple[object, ...]:
    times = (response.started_at, response.submitted_at)
    return (
        response.person_id,
        response.source_hash,
        all(t is not None and (t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0) for t in times),
    )


def test_the_public_api_keeps_the_day_only_and_no_device(
    client: TestClient, db: Session, anonymous: Field, bank_a: World
) -> None:
    reply = client.post(url(anonymous), json=body(anonymous, bank_a, "anon-0001"))
    assert reply.status_code == 201, reply.text
    system(db)
    assert _kept(db.get_one(Response, reply.json()["id"])) == (None, None, True)


def test_the_anonymous_link_page_keeps_the_day_only_and_no_device(
    db: Session, anonymous: Field, bank_a: World
) -> None:
    data = SubmitIn(
        client_id="anon-page-0001",
        moments_experienced=[bank_a.moments[0].id],
        final=True,
        answers=[
            AnswerIn(question_id=anonymous.questions["nps"].id, value=7),
            AnswerIn(question_id=anonymous.questions["emotion"].id, moment_id=bank_a.moments[0].id, value=1),
        ],
    )
    response = fielding.submit(db, anonymous.survey.id, data, source="a1b2c3d4e5f6a7b8")
    db.flush()
    assert _kept(response) == (None, None, True)


def test_an_anonymous_survey_invites_nobody(db: Session, anonymous: Field) -> None:
    with pytest.raises(Invalid, match="alleen via de anonieme link"):
        fielding.invite(db, anonymous.actor, anonymous.survey.id, anonymous.person.id)


def test_the_protocol_form_sets_anonymous_mode_and_the_survey_page_says_so(
    client: TestClient, db: Session, bank_a: World, anonymous: Field
) -> None:
    from nineplus.feedback import service
    from nineplus.feedback.schemas import SurveyIn

    assert bank_a.journey is not None
    draft = service.create_survey(
        db, anonymous.actor, SurveyIn(journey_id=bank_a.journey.id, title={"en": "Draft"})
    )
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    client.headers["Accept-Language"] = "en"
    path = f"/surveys/{draft.id}"
    form = {
        "csrf_token": csrf_token(client, path),
        "frame": "Everyone",
        "contact_days": "90",
        "reminder_days": "5",
    }
    saved = client.post(f"{path}/protocol", data={**form, "anonymous": "on"})
    assert saved.status_code == 303, saved.text[:300]
    system(db)
    assert service.is_anonymous(service.current_version(db, draft.id))
    assert (
        "yes: no person, device or time of day is kept" in client.get(f"/surveys/{anonymous.survey.id}").text
    )


def test_an_import_into_an_anonymous_survey_may_not_name_its_respondents(
    db: Session, anonymous: Field, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from nineplus.imports import responses
    from nineplus.imports.service import _questions_and_moments
    from nineplus.imports.sources import open_source

    path = tmp_path / "answers.csv"
    path.write_text("klantnummer;nps\nK-1;9\nK-2;3\n")
    source = open_source(path)
    questions, moments = _questions_and_moments(db, anonymous.survey.id)
    mapping = responses.suggest(source, questions, moments)
    assert mapping["klantnummer"] == "person"
    with pytest.raises(Invalid, match="laat de kolom weg die de respondent noemt"):
        responses.plan(db, anonymous.survey.id, source, mapping, "Europe/Amsterdam")
    plan = responses.plan(db, anonymous.survey.id, source, {**mapping, "klantnummer": ""}, "Europe/Amsterdam")
    assert plan.anonymous
