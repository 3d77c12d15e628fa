"""Invitations under the protocol, page-by-page answers in long form, routing, and single-use tokens."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.core.db import transaction
from nineplus.core.errors import Invalid
from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope, system
from nineplus.feedback import fielding
from nineplus.feedback.models import Answer, Response, SurveyInvitation
from nineplus.feedback.schemas import AnswerIn, PersonIn, SubmitIn
from nineplus.journeys import service as journeys
from nineplus.privacy import pseudonyms
from tests import factories
from tests.factories import World
from tests.feedback.conftest import Field, build_live_survey


def page_one(field: Field, client_id: str, nps: int = 9) -> SubmitIn:
    return SubmitIn(client_id=client_id, answers=[AnswerIn(question_id=field.questions["nps"].id, value=nps)])


def page_two(field: Field, client_id: str, moments: list[int], final: bool = True) -> SubmitIn:
    emotion = field.questions["emotion"].id
    answers = [
        AnswerIn(question_id=emotion, moment_id=m, value=v) for m, v in zip(moments, (2, -3), strict=False)
    ]
    return SubmitIn(client_id=client_id, moments_experienced=moments, answers=answers, final=final)


def test_a_token_answers_once_and_a_second_submit_is_told_so(
    db: Session, field: Field, bank_a: World
) -> None:
    invitation, token = fielding.invite(db, field.actor, field.survey.id, field.person.id)
    moments = [bank_a.moments[0].id, bank_a.moments[1].id]
    fielding.submit(db, field.survey.id, page_one(field, "phone-tab-1"), token)
    response = fielding.submit(db, field.survey.id, page_two(field, "phone-tab-1", moments), token)
    assert response.submitted_at is not None
    assert invitation.used_at is not None
    assert (invitation.used_at.hour, invitation.used_at.minute, invitation.used_at.second) == (
        0,
        0,
        0,
    )  # the day
    with pytest.raises(fielding.AlreadyAnswered):
        fielding.submit(db, field.survey.id, page_one(field, "another-device"), token)
    # Sent, the response lets go of the invitation (which names the person): only its pseudonym, through
    # the link kept apart, leads to the person; its team is the person's.
    assert response.invitation_id is None
    assert response.invited
    assert response.respondent == pseudonyms.respondent_of(db, field.person.id) is not None
    assert response.team_id == field.person.team_id
    person = pseudonyms.person_of_response(db, response.id)
    assert person is not None
    assert person.id == field.person.id


def test_a_sent_response_is_not_reached_through_another_persons_link(
    db: Session, field: Field, bank_a: World
) -> None:
    _invitation, token = fielding.invite(db, field.actor, field.survey.id, field.person.id)
    moments = [bank_a.moments[0].id]
    fielding.submit(db, field.survey.id, page_one(field, "mine-0001"), token)
    fielding.submit(db, field.survey.id, page_two(field, "mine-0001", moments), token)
    other = fielding.create_person(db, field.actor, PersonIn(email="ander@example.org", name="Ander"))
    _other_invitation, other_token = fielding.invite(db, field.actor, field.survey.id, other.id)
    with pytest.raises(Invalid):  # someone else's client id with another link: not theirs to see
        fielding.submit(db, field.survey.id, page_two(field, "mine-0001", moments), other_token)


def test_a_retried_submit_is_idempotent(db: Session, field: Field, bank_a: World) -> None:
    _invitation, token = fielding.invite(db, field.actor, field.survey.id, field.person.id)
    moments = [bank_a.moments[0].id]
    fielding.submit(db, field.survey.id, page_one(field, "retry-me"), token)
    first = fielding.submit(db, field.survey.id, page_two(field, "retry-me", moments), token)
    again = fielding.submit(db, field.survey.id, page_two(field, "retry-me", moments), token)
    assert again.id == first.id
    assert db.scalar(select(func.count()).select_from(Answer).where(Answer.response_id == first.id)) == 2


def test_a_closed_tab_resumes_with_the_same_link(db: Session, field: Field, bank_a: World) -> None:
    _invitation, token = fielding.invite(db, field.actor, field.survey.id, field.person.id)
    started = fielding.submit(db, field.survey.id, page_one(field, "first-tab", nps=6), token)
    resumed = fielding.submit(
        db, field.survey.id, page_two(field, "second-tab", [bank_a.moments[0].id]), token
    )
    assert resumed.id == started.id
    assert resumed.submitted_at is not None
    nps = db.scalar(select(Answer.value_int).where(Answer.question_id == field.questions["nps"].id))
    assert nps == 6


def test_answers_are_stored_in_long_form_one_row_per_moment(db: Session, field: Field, bank_a: World) -> None:
    moments = [bank_a.moments[0].id, bank_a.moments[1].id]
    response = fielding.submit(db, field.survey.id, page_one(field, "long-form"))
    fielding.submit(db, field.survey.id, page_two(field, "long-form", moments))
    rows = db.execute(
        select(Answer.question_id, Answer.moment_id, Answer.value_int)
        .where(Answer.response_id == response.id)
        .order_by(Answer.question_id, Answer.moment_key)
    ).all()
    emotion = field.questions["emotion"].id
    assert [(q, m, v) for q, m, v in rows] == [
        (field.questions["nps"].id, None, 9),
        (emotion, moments[0], 2),
        (emotion, moments[1], -3),
    ]


def test_a_respondent_is_asked_only_about_moments_they_went_through(
    db: Session, field: Field, bank_a: World
) -> None:
    fielding.submit(db, field.survey.id, page_one(field, "routing-1"))
    skipped = bank_a.moments[2].id
    data = SubmitIn(
        client_id="routing-1",
        moments_experienced=[bank_a.moments[0].id],
        answers=[AnswerIn(question_id=field.questions["emotion"].id, moment_id=skipped, value=1)],
    )
    with pytest.raises(Invalid):
        fielding.submit(db, field.survey.id, data)


def test_a_final_submit_needs_the_required_answers(db: Session, field: Field, bank_a: World) -> None:
    with pytest.raises(Invalid) as refused:
        fielding.submit(db, field.survey.id, SubmitIn(client_id="incomplete", final=True))
    assert f"q{field.questions['nps'].id}" in refused.value.errors


@pytest.mark.parametrize(("key", "value"), [("nps", 11), ("nps", "nine"), ("channel", "fax"), ("nps", -1)])
def test_values_outside_the_scale_or_options_are_refused(
    db: Session, field: Field, key: str, value: object
) -> None:
    data = SubmitIn(
        client_id="bad-values", answers=[AnswerIn(question_id=field.questions[key].id, value=value)]
    )  # type: ignore[arg-type]
    with pytest.raises(Invalid):
        fielding.submit(db, field.survey.id, data)


def test_the_protocol_decides_who_may_be_invited(db: Session, field: Field) -> None:
    internal = fielding.create_person(db, field.actor, PersonIn(email="colleague@a.example"))
    with pytest.raises(Invalid):  # internal domain excluded by the protocol
        fielding.invite(db, field.actor, field.survey.id, internal.id)
    fielding.invite(db, field.actor, field.survey.id, field.person.id)
    with pytest.raises(Invalid):  # contact-frequency rule: 30 days
        fielding.invite(db, field.actor, field.survey.id, field.person.id)
    fielding.invite(db, field.actor, field.survey.id, field.person.id, now=utcnow() + timedelta(days=31))
    field.person.unsubscribed_at = utcnow()
    with pytest.raises(Invalid):
        fielding.invite(db, field.actor, field.survey.id, field.person.id, now=utcnow() + timedelta(days=90))


def test_an_expired_link_cannot_answer(db: Session, field: Field) -> None:
    invitation, token = fielding.invite(db, field.actor, field.survey.id, field.person.id)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(Invalid):
        fielding.submit(db, field.survey.id, page_one(field, "too-late"), token)


def test_a_moment_with_answers_is_archived_not_deleted(db: Session, field: Field, bank_a: World) -> None:
    fielding.submit(db, field.survey.id, page_two(field, "keeps-moment", [bank_a.moments[2].id], final=False))
    assert journeys.remove_moment(db, bank_a.principal(db, "admin"), bank_a.moments[2].id) == "archived"


def _raced_link(bank: str, prefix: str, email: str) -> tuple[int, int, str, int, int, int]:
    """A committed live survey and one personal link to it: (survey, organisation, token, NPS question,
    emotion question, first moment)."""
    with transaction() as session:
        world = factories.bank(session, bank, prefix=prefix)
        field = build_live_survey(session, world, email=email)
        _invitation, token = fielding.invite(session, field.actor, field.survey.id, field.person.id)
        return (
            field.survey.id,
            world.org.id,
            token,
            field.questions["nps"].id,
            field.questions["emotion"].id,
            world.moments[0].id,
        )


def _last_page(client_id: str, nps_id: int, emotion_id: int, moment_id: int) -> SubmitIn:
    return SubmitIn(
        client_id=client_id,
        moments_experienced=[moment_id],
        final=True,
        answers=[
            AnswerIn(question_id=nps_id, value=10),
            AnswerIn(question_id=emotion_id, moment_id=moment_id, value=3),
        ],
    )


def _submit_in_own_transaction(
    org_id: int, survey_id: int, data: SubmitIn, token: str, outcomes: list[str]
) -> None:
    """Submit as a request would (its own transaction) and note what came of it in ``outcomes``."""
    try:
        with transaction() as session:
            scope(session, org_id)
            fielding.submit(session, survey_id, data, token)
        outcomes.append("stored")
    except fielding.AlreadyAnswered:
        outcomes.append("already answered")
    except Exception as exc:  # anything else is a failure the test's assertion shows
        outcomes.append(f"{type(exc).__name__}: {exc}")


def test_two_racing_submits_of_one_token_store_one_response(committed_db: str) -> None:
    survey_id, org_id, token, nps_id, emotion_id, moment_id = _raced_link(
        "Race Bank", "r", "racer@example.org"
    )

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(client_id: str) -> None:
        data = _last_page(client_id, nps_id, emotion_id, moment_id)
        barrier.wait()
        _submit_in_own_transaction(org_id, survey_id, data, token, outcomes)

    threads = [threading.Thread(target=answer, args=(f"racer-client-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already answered", "stored"]
    with transaction(write=False) as session:
        system(session)
        assert (
            session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey_id))
            == 1
        )
        assert session.scalar(select(SurveyInvitation.used_at).where(SurveyInvitation.survey_id == survey_id))


@pytest.mark.parametrize("second_client", ["device-two-1", "device-one-1"])
def test_a_page_saved_while_another_device_sends_the_last_one_adds_no_response(
    committed_db: str, second_client: str
) -> None:
    """A sent response no longer names its invitation, so the link itself is locked: a first page saved
    from a second device while the first device's last page is being stored waits, then finds the link
    used, and no second (never finished) response points at the invitation."""
    import time

    survey_id, org_id, token, nps_id, emotion_id, moment_id = _raced_link(
        "Page Race Bank", "pr", "pager@example.org"
    )
    last = _last_page("device-one-1", nps_id, emotion_id, moment_id)
    # a new tab (its own client id) or the same response resumed elsewhere (the page gives its client id)
    first_page = SubmitIn(client_id=second_client, answers=[AnswerIn(question_id=nps_id, value=2)])
    outcomes: list[str] = []
    started = threading.Event()

    def second_device() -> None:
        started.wait()
        _submit_in_own_transaction(org_id, survey_id, first_page, token, outcomes)

    other = threading.Thread(target=second_device)
    other.start()
    with transaction() as session:
        scope(session, org_id)
        fielding.submit(session, survey_id, last, token)
        session.flush()
        started.set()
        time.sleep(0.5)  # the second device reaches the link meanwhile (the outcome is the same if not)
    other.join(30)
    # a new tab is told the link was used; the same response is given back as sent, unchanged
    assert outcomes == (["already answered"] if second_client == "device-two-1" else ["stored"])
    with transaction(write=False) as session:
        system(session)
        stored = session.execute(
            select(Response.client_id, Response.invitation_id, Response.submitted_at.is_not(None)).where(
                Response.survey_id == survey_id
            )
        ).all()
        nps = session.scalar(select(Answer.value_int).where(Answer.question_id == nps_id))
    assert stored == [("device-one-1", None, True)]
    assert nps == 10
