"""Honest-measurement checks: each is silent on a clean sample and fires, with counts, on a bad one."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope
from nineplus.feedback import fielding, honesty, service, wording
from nineplus.feedback.schemas import AnswerIn, PersonIn, ProtocolIn, QuestionIn, RevisionIn, SubmitIn
from nineplus.journeys import service as journeys
from nineplus.journeys.schemas import MomentIn
from tests.conftest import html
from tests.factories import World, login
from tests.feedback.conftest import Field, build_live_survey

FIXTURES = Path(__file__).parent.parent / "fixtures" / "wording"


def scores(name: str, language: str) -> tuple[float, float, int]:
    rows = list(csv.DictReader((FIXTURES / f"{name}_{language}.csv").open(encoding="utf-8")))
    predicted = [wording.is_leading(r["text"], language) for r in rows]
    actual = [r["label"] == "leading" for r in rows]
    hits = sum(p and a for p, a in zip(predicted, actual, strict=True))
    return hits / max(sum(predicted), 1), hits / sum(actual), len(rows)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_wording_lint_meets_its_bar_on_the_labelled_set(language: str) -> None:
    precision, recall, size = scores("labelled", language)
    assert size >= 50
    assert precision >= 0.9
    assert recall >= 0.8


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_wording_lint_holds_on_wordings_written_after_it(language: str) -> None:
    precision, recall, _size = scores("heldout", language)
    assert precision >= 0.9
    assert recall >= 0.7  # measured 0.8 (en) and 0.7 (nl) when the set was written; a guard, not a goal


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Did we get your order right?", "en"),
        ("On a 10-point scale, how likely are you to recommend us?", "en"),
        ("0 means not at all likely and a 10 means extremely likely.", "en"),
        ("Your honest feedback is appreciated.", "en"),
        ("In hoeverre ben je het eens of oneens met de uitleg?", "nl"),
        ("Op een 10-puntsschaal: hoe waarschijnlijk is het dat je ons aanbeveelt?", "nl"),
        ("Een 10 betekent: zeer waarschijnlijk.", "nl"),
    ],
)
def test_scale_anchors_and_balanced_wording_are_not_leading(text: str, language: str) -> None:
    assert wording.lint(text, language) == []


def test_the_lint_says_why() -> None:
    [finding] = wording.lint("Als je tevreden bent, geef ons dan een 9 of 10.", "nl")
    assert (finding.rule, finding.excerpt) == ("names_score", "een 9")
    assert wording.lint("Hoe tevreden of ontevreden ben je over de afhandeling?", "nl") == []


def sample(db: Session, world: World, *, teams_invited: tuple[int, int] = (6, 6)) -> Field:
    """A live survey on a four-moment journey, persons in two teams, and varied answers."""
    assert world.journey is not None
    scope(db, world.org.id)
    actor = world.principal(db, "cx_lead")
    journeys.create_moment(
        db, actor, world.journey.id, MomentIn(name={"en": "Keys at the notary"}, channel="phone")
    )
    survey_field = build_live_survey(db, world)
    teams = [world.teams["contact"], world.teams["advice"]]
    for team, invited in zip(teams, teams_invited, strict=True):
        for i in range(6):
            person = fielding.create_person(
                db, actor, PersonIn(email=f"{team.id}-{i}@klant.example", team_id=team.id)
            )
            if i < invited:
                fielding.invite(db, actor, survey_field.survey.id, person.id)
    return survey_field


def answer(
    db: Session, survey_field: Field, world: World, n: int, *, emotions=None, text=None, source=None, nps=None
):  # type: ignore[no-untyped-def]
    q = survey_field.questions
    moments = [m.id for m in journeys_moments(db, world)]
    emotions = emotions or [(-3 + n + i) % 7 - 3 for i in range(len(moments))]
    answers = [
        AnswerIn(question_id=q["nps"].id, value=n % 11 if nps is None else nps),
        *(
            AnswerIn(question_id=q["emotion"].id, moment_id=m, value=v)
            for m, v in zip(moments, emotions, strict=True)
        ),
        AnswerIn(question_id=q["why"].id, value=text or f"Reden nummer {n}"),
    ]
    data = SubmitIn(client_id=f"honest-{n:05d}", moments_experienced=moments, answers=answers, final=True)
    response = fielding.submit(db, survey_field.survey.id, data, source=source or f"device-{n:05d}")
    response.submitted_at = utcnow() - timedelta(hours=3 * n)  # a calm pace: one every three hours
    return response


def journeys_moments(db: Session, world: World):  # type: ignore[no-untyped-def]
    from nineplus.journeys.repository import moments

    assert world.journey is not None
    return moments(db, world.journey.id)


def same_questions(db: Session, version_id: int) -> list[QuestionIn]:
    return [
        QuestionIn(
            key=q.key, type=q.type, text=q.text, options=q.options, per_moment=q.per_moment, page=q.page
        )
        for q in service.questions(db, version_id)
    ]


def codes(db: Session, survey_field: Field) -> dict[str, int]:
    db.flush()
    return {c.code: c.count for c in honesty.run(db, survey_field.survey)}


def test_a_clean_sample_raises_nothing(db: Session, bank_a: World) -> None:
    survey_field = sample(db, bank_a)
    for n in range(20):
        answer(db, survey_field, bank_a, n)
    assert codes(db, survey_field) == {}


def test_leading_wording_is_named_with_its_question_and_language(db: Session, bank_a: World) -> None:
    survey_field = sample(db, bank_a)
    current = service.current_version(db, survey_field.survey.id)
    questions = same_questions(db, current.id)
    leading = {"nl": "Geef ons een 10 als je tevreden bent!", "en": "How likely are you to recommend us?"}
    questions[0] = QuestionIn.model_validate({**questions[0].model_dump(), "text": leading})
    revision = RevisionIn(reason="Test", protocol=ProtocolIn(**current.protocol), questions=questions)
    service.revise(db, survey_field.actor, survey_field.survey.id, revision)
    checks = honesty.run(db, survey_field.survey)
    assert [(c.code, c.count) for c in checks] == [("leading_wording", 1)]
    assert checks[0].details[0].startswith("nps (nl): ")


def test_internal_addresses_in_the_sample_are_counted(db: Session, bank_a: World) -> None:
    survey_field = sample(db, bank_a)
    current = service.current_version(db, survey_field.survey.id)
    protocol = ProtocolIn(**{**current.protocol, "excluded_domains": []})  # someone dropped the exclusion
    questions = [
        QuestionIn(
            key=q.key, type=q.type, text=q.text, options=q.options, per_moment=q.per_moment, page=q.page
        )
        for q in service.questions(db, current.id)
    ]
    service.revise(
        db,
        survey_field.actor,
        survey_field.survey.id,
        RevisionIn(reason="Broader frame", protocol=protocol, questions=questions),
    )
    colleague = fielding.create_person(
        db, survey_field.actor, PersonIn(email="collega@a.example")
    )  # staff domain
    fielding.invite(db, survey_field.actor, survey_field.survey.id, colleague.id)
    assert codes(db, survey_field) == {"internal": 1}


def test_a_team_that_withheld_customers_is_flagged(db: Session, bank_a: World) -> None:
    survey_field = sample(db, bank_a, teams_invited=(6, 1))
    checks = honesty.run(db, survey_field.survey)
    assert [(c.code, c.count) for c in checks] == [("coverage", 1)]
    assert bank_a.teams["advice"].name in checks[0].details[0]


def test_a_burst_from_one_device_and_repeated_answer_sets_are_flagged(db: Session, bank_a: World) -> None:
    survey_field = sample(db, bank_a)
    for n in range(10):
        answer(db, survey_field, bank_a, n)
    now = utcnow()
    for n in range(10, 16):  # one phone, six responses in six minutes
        answer(db, survey_field, bank_a, n, source="the-same-phone").submitted_at = now - timedelta(
            minutes=n - 10
        )
    assert codes(db, survey_field) == {"bursts": 6}
    for n in range(16, 19):  # the same answers and the same words, from three "devices", within the hour
        copy = answer(db, survey_field, bank_a, n, emotions=[3, 2, 3, 3], text="Top service, altijd!", nps=10)
        copy.submitted_at = now - timedelta(minutes=20 + n)
        db.flush()
    found = codes(db, survey_field)
    assert found["bursts"] == 6
    assert "repeats" in found


def test_straight_lining_is_flagged_above_its_share(db: Session, bank_a: World) -> None:
    survey_field = sample(db, bank_a)
    for n in range(10):
        answer(db, survey_field, bank_a, n)
    answer(db, survey_field, bank_a, 10, emotions=[0, 0, 0, 0])  # one respondent: no warning
    assert "straight_lining" not in codes(db, survey_field)
    for n in range(11, 14):
        answer(db, survey_field, bank_a, n, emotions=[3, 3, 3, 3])
    assert codes(db, survey_field) == {"straight_lining": 4}


def test_the_survey_page_shows_the_checks(client: TestClient, db: Session, bank_a: World) -> None:
    survey_field = sample(db, bank_a, teams_invited=(6, 0))
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get(f"/surveys/{survey_field.survey.id}", headers={"Accept-Language": "en"}))
    assert page.select_one(".honesty-check--coverage") is not None
    assert page.select_one("#honesty-clean") is None
    assert "kept out of the sample" not in page.text  # nobody at an internal domain in the person list


def test_the_page_remembers_the_checks_until_the_survey_changes(
    db: Session, bank_a: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    survey_field = sample(db, bank_a, teams_invited=(6, 0))
    calls = []
    real = honesty.run
    monkeypatch.setattr(honesty, "run", lambda session, survey: calls.append(1) or real(session, survey))
    first = honesty.run_cached(db, survey_field.survey)
    assert honesty.run_cached(db, survey_field.survey) == first
    assert len(calls) == 1
    newcomer = fielding.create_person(
        db, survey_field.actor, PersonIn(email="nieuw@klant.example", team_id=bank_a.teams["advice"].id)
    )
    fielding.invite(db, survey_field.actor, survey_field.survey.id, newcomer.id)
    db.flush()
    honesty.run_cached(db, survey_field.survey)
    assert len(calls) == 2  # a new invitation changes the sample: checked again at once
