"""The demo organisation: the mortgage journey, a negative-start journey, every role, two workshops."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.models import User
from nineplus.accounts.roles import ROLES
from nineplus.core.models import localized
from nineplus.demo.loader import load_demo
from nineplus.journeys import repository
from nineplus.journeys.models import Journey


def test_the_demo_holds_the_mortgage_journey_with_its_kinds_of_moments(db: Session) -> None:
    org, created = load_demo(db)
    assert created
    journeys = db.scalars(select(Journey).where(Journey.organisation_id == org.id)).all()
    names = [localized(j.name, "en").lower() for j in journeys]
    mortgage = journeys[next(i for i, n in enumerate(names) if "mortgage" in n)]
    moments = repository.moments(db, mortgage.id)
    assert len(moments) >= 8
    assert {m.kind for m in moments} == {"standard", "potential"}
    waiting = [m for m in moments if m.contact == "customer_only"]
    assert waiting
    assert all(m.channel is None and m.channel_id is None for m in waiting)
    assert all(m.name.get("nl") and m.name.get("en") for m in moments)
    assert len(repository.workshops(db, mortgage.id)) == 2
    assert mortgage.start_feeling > 0
    assert any(j.start_feeling < 0 for j in journeys)


def test_the_demo_has_a_user_of_every_role_and_loads_only_once(db: Session) -> None:
    org, _ = load_demo(db)
    roles = set(db.scalars(select(User.role).where(User.organisation_id == org.id)))
    assert roles == set(ROLES)
    again, created = load_demo(db)
    assert again.id == org.id
    assert not created


def test_the_demo_survey_has_half_a_year_of_answers_and_raises_no_honesty_warning(db: Session) -> None:
    from collections import Counter

    from sqlalchemy import func

    from nineplus.feedback import honesty
    from nineplus.feedback.models import Answer, Question, Response, Survey

    org, _ = load_demo(db)
    survey = db.scalars(
        select(Survey).where(Survey.organisation_id == org.id, Survey.audience == "customer")
    ).one()
    assert survey.status == "live"
    submitted = db.scalars(select(Response).where(Response.survey_id == survey.id)).all()
    assert len(submitted) == 1500
    assert all(r.submitted_at is not None for r in submitted)
    span = max(r.submitted_at for r in submitted) - min(r.submitted_at for r in submitted)
    assert span.days >= 170
    assert Counter(r.locale for r in submitted)["en"] > 10
    scores = db.scalars(
        select(Answer.value_int).join(Question).where(Question.key == "nps", Question.version_id.is_not(None))
    ).all()
    assert len(scores) == 1500
    assert 0 < sum(s >= 9 for s in scores) < 1500  # promoters and others, not a flat line
    assert sum(s <= 6 for s in scores) > 20
    assert db.scalar(select(func.count()).select_from(Answer).where(Answer.value_text.is_not(None))) > 150
    assert honesty.run(db, survey) == []


def test_every_demo_respondent_is_a_known_customer_of_a_team_with_a_segment(db: Session) -> None:
    from collections import Counter

    from nineplus.feedback.models import Person, RespondentKey, Response

    org, _ = load_demo(db)
    rows = db.execute(
        select(Person.team_id, Person.attributes, Response.team_id)
        .join(RespondentKey, RespondentKey.person_id == Person.id)
        .join(Response, Response.respondent == RespondentKey.respondent)
        .where(Response.organisation_id == org.id, Person.kind == "customer")
    ).all()
    assert all(team == answered_for for team, _, answered_for in rows)  # the team they were in
    rows = [(team, attributes) for team, attributes, _ in rows]
    assert len(rows) == 1500  # every customer response, each from a different customer
    teams = Counter(team for team, _ in rows)
    assert len(teams) == 4
    assert min(teams.values()) > 40  # both teams answered, the advice team's customers more often
    assert all(attributes["segment"] in ("starter", "doorstromer") for _, attributes in rows)
    population = Counter(
        db.scalars(select(Person.team_id).where(Person.organisation_id == org.id, Person.kind == "customer"))
    )
    rates = {team: teams[team] / population[team] for team in teams}
    assert max(rates.values()) > 1.2 * min(rates.values())  # unequal response rates: weighting matters


def test_the_demo_has_a_monthly_employee_pulse_and_every_customer_s_outcomes(db: Session) -> None:
    from collections import Counter

    from sqlalchemy import func

    from nineplus.feedback.models import Person, Response, Survey
    from nineplus.outcomes.models import CustomerOutcome

    org, _ = load_demo(db)
    pulse = db.scalars(
        select(Survey).where(Survey.organisation_id == org.id, Survey.audience == "employee")
    ).one()
    cells = Counter(
        (team, submitted.strftime("%Y-%m"))
        for team, submitted in db.execute(
            select(Response.team_id, Response.submitted_at).where(Response.survey_id == pulse.id)
        )
    )
    assert len({team for team, _ in cells}) == 4
    assert sum(n >= 10 for n in cells.values()) >= 0.9 * len(cells)  # enough per team and month to count
    customers = db.scalar(
        select(func.count()).where(Person.organisation_id == org.id, Person.kind == "customer")
    )
    followed = db.scalar(
        select(func.count(func.distinct(CustomerOutcome.person_id))).where(
            CustomerOutcome.organisation_id == org.id
        )
    )
    assert customers == followed == 3000
    left = db.scalar(select(func.count()).where(CustomerOutcome.active.is_(False)))
    assert 0 < left < customers  # some leave, most stay


def test_the_demo_s_action_with_a_planted_effect_improved_and_the_other_had_none(db: Session) -> None:
    """The feeling at an action's moment carries only the planted lift (no team climate), so the verdicts
    on it are the planted truth; the overall score also moves with each team's monthly climate, so its
    verdict is shown but not what the demo promises."""
    from nineplus.core.tenancy import scope
    from nineplus.demo import effects
    from nineplus.improve.actions import measure
    from nineplus.improve.models import ActionCase, ImprovementAction

    org, _ = load_demo(db)
    scope(db, org.id)
    found = {a.title: measure(db, a) for a in db.scalars(select(ImprovementAction))}
    assert len(found) == len(effects.ACTIONS) == 2
    by_lift = {
        lift: next(m for title, m in found.items() if title.startswith(text))
        for text, lift in (("Wekelijks een statusbericht", 1), ("Vooraf een lijstje", 0))
    }
    improved, nothing = by_lift[1].feeling, by_lift[0].feeling
    assert improved is not None
    assert nothing is not None
    assert (improved.verdict, nothing.verdict) == ("improved", "no_effect")
    assert improved.difference is not None
    assert improved.difference.low < 1 < improved.difference.high
    assert nothing.difference is not None
    assert nothing.difference.low < 0 < nothing.difference.high
    assert db.scalar(select(ActionCase.case_id).limit(1)) is not None  # cases motivated them


def test_the_demo_has_a_closed_scan_run_of_each_instrument_with_its_advice(db: Session) -> None:
    from nineplus.core.principal import system_principal
    from nineplus.core.tenancy import scope
    from nineplus.scans import runs
    from nineplus.scans.models import ScanRun

    org, _ = load_demo(db)
    scope(db, org.id)
    me = system_principal(org.id)
    found = db.scalars(select(ScanRun).order_by(ScanRun.id)).all()
    assert {r.instrument for r in found} == set(runs.instruments())
    assert all(r.status == "closed" for r in found)
    for run in found:
        results = runs.results(db, me, run)
        assert results.whole is not None
        assert results.answered >= run.min_group
        assert results.whole.advice  # each run says where to start
    spring = found[[r.instrument for r in found].index("seven_levels") + 1]
    results = runs.results(db, me, spring)
    assert results.whole is not None
    assert results.whole.advice == ("values",)  # divided on answering the phone: start there
    assert set(results.change) == {d.key for d in results.instrument.dimensions}
    assert all(change > 0 for change in results.change.values())  # better than in the autumn
    nine = next(r for r in found if r.instrument == "nine_plus_scan")
    persona = runs.results(db, me, nine).whole
    assert persona is not None
    assert persona.persona == "low_high"  # the customer first, improvement through projects
