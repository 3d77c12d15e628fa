"""A survey in anonymous mode keeps no person, no device hash and no time of day with a response (its
day only), through the anonymous link page, the public API and an import; it cannot invite persons."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.core.errors import Invalid
from nineplus.core.i18n import set_locale
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


def _local(moment: object) -> object:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Amsterdam"))  # type: ignore[attr-defined]


def _kept(response: Response) -> tuple[object, ...]:
    """(person, device hash, whether both times are the start of a day in the organisation's zone)."""
    times = [_local(t) for t in (response.started_at, response.submitted_at) if t is not None]
    midnight = len(times) == 2 and all(
        (t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0) for t in times
    )
    return (response.respondent, response.source_hash, midnight)


def _page(anonymous: Field, world: World, client_id: str, *, nps: int, feeling: int) -> SubmitIn:
    """The whole survey on one page: the NPS and the feeling at the first moment."""
    moment = world.moments[0].id
    return SubmitIn(
        client_id=client_id,
        moments_experienced=[moment],
        final=True,
        answers=[
            AnswerIn(question_id=anonymous.questions["nps"].id, value=nps),
            AnswerIn(question_id=anonymous.questions["emotion"].id, moment_id=moment, value=feeling),
        ],
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
    data = _page(anonymous, bank_a, "anon-page-0001", nps=7, feeling=1)
    response = fielding.submit(db, anonymous.survey.id, data, source="a1b2c3d4e5f6a7b8")
    db.flush()
    assert _kept(response) == (None, None, True)


def test_an_anonymous_survey_invites_nobody(db: Session, anonymous: Field) -> None:
    set_locale("en")
    with pytest.raises(Invalid, match="anonymous link only"):
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
    page = client.get(f"/surveys/{anonymous.survey.id}").text
    assert "yes: no person, device or time of day is kept" in page
    assert 'id="honesty-anonymous"' in page  # the honesty panel says which check it cannot make
    named = build_live_survey(db, bank_a, email="named@example.org")
    db.commit()
    assert 'id="honesty-anonymous"' not in client.get(f"/surveys/{named.survey.id}").text


def test_an_import_into_an_anonymous_survey_may_not_name_its_respondents(
    db: Session, anonymous: Field, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from nineplus.imports import responses
    from nineplus.imports.service import _questions_and_moments
    from nineplus.imports.sources import open_source

    set_locale("en")
    path = tmp_path / "answers.csv"
    path.write_text("klantnummer;nps\nK-1;9\nK-2;3\n")
    source = open_source(path)
    questions, moments = _questions_and_moments(db, anonymous.survey.id)
    mapping = responses.suggest(source, questions, moments)
    assert mapping["klantnummer"] == "person"
    with pytest.raises(Invalid, match="leave out the column that names the respondent"):
        responses.plan(db, anonymous.survey.id, source, mapping, "Europe/Amsterdam")
    plan = responses.plan(db, anonymous.survey.id, source, {**mapping, "klantnummer": ""}, "Europe/Amsterdam")
    assert plan.anonymous


def test_an_anonymous_detractor_still_gets_a_case(db: Session, anonymous: Field, bank_a: World) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from nineplus.core.models import utcnow
    from nineplus.improve.models import Case, CaseRule
    from nineplus.improve.service import open_cases

    db.add(CaseRule(kind="nps", threshold=6, applies_from=utcnow() - timedelta(days=3)))
    db.flush()
    assert open_cases(db, bank_a.org.id, notify_teams=False) == 0  # the scan's watermark: now
    data = _page(anonymous, bank_a, "anon-detractor-1", nps=2, feeling=-3)
    response = fielding.submit(db, anonymous.survey.id, data)
    db.flush()
    assert response.submitted_at is not None
    assert (_local(response.submitted_at).hour, _local(response.submitted_at).minute) == (0, 0)
    assert open_cases(db, bank_a.org.id, notify_teams=False) == 1  # behind the watermark, yet found
    assert db.scalar(select(Case.response_id)) == response.id


def test_an_import_into_an_anonymous_survey_keeps_the_organisation_s_day_only(
    committed_session: Session, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from sqlalchemy import select

    from nineplus.core.db import new_session
    from nineplus.core.tenancy import scope
    from nineplus.imports import responses, staging, storing
    from nineplus.imports.service import _questions_and_moments
    from nineplus.imports.sources import open_source
    from tests import factories

    db = committed_session
    world = factories.bank(db, "Bank A", prefix="a")
    field = build_live_survey(db, world, anonymous=True)
    db.commit()
    scope(db, world.org.id)
    path = tmp_path / "answers.csv"
    # 23:30 UTC on 5 March is 00:30 on 6 March in Amsterdam; 10:00 UTC is the 5th there too
    path.write_text("ResponseId;datum;nps\nR1;2026-03-05T23:30:00Z;9\nR2;2026-03-05T10:00:00Z;3\n")
    source = open_source(path)
    questions, moments = _questions_and_moments(db, field.survey.id)
    mapping = responses.suggest(source, questions, moments)
    plan = responses.plan(db, field.survey.id, source, mapping, "Europe/Amsterdam")
    assert staging.check(plan, source).valid == 2
    db.commit()  # (the import writes through connections of its own)
    storing.write(plan, source, lambda: new_session(write=True))
    system(db)
    stored = {r.submitted_at.astimezone(UTC).replace(tzinfo=None) for r in db.scalars(select(Response))}
    assert stored == {datetime(2026, 3, 5, 23, 0), datetime(2026, 3, 4, 23, 0)}  # local midnights
