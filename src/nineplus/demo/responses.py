"""The demo's survey on the mortgage journey and half a year of answers to it, the monthly pulse of the
employees of the teams in the mortgage chain, and what became of the customers (still a customer, revenue)
month by month.

The answers are generated from a seed, so every demo looks the same: customers go through the standard
moments and some of the deviating ones (a delay notice, the adviser calling back, a complaint); the measured
curve differs from the workshop's expected curve where a real one would (uploading documents and waiting for
the offer feel worse than the teams expected); the "why?" is written in the customer's own words about the
moment that stood out (``demo.verbatims``: ours, in Dutch and some English). The effects the insight pages
should find are planted as ``demo.effects`` describes: waiting for the offer as the moment of truth, a
retention plateau at 8, and a team climate that employees and customers share.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope
from nineplus.demo import effects
from nineplus.demo import verbatims as demo_verbatims
from nineplus.feedback import intake, service
from nineplus.feedback.models import Person, Response, Survey
from nineplus.feedback.schemas import ProtocolIn, QuestionIn, SurveyIn
from nineplus.outcomes.models import CustomerOutcome
from nineplus.privacy import pseudonyms

RESPONSES = 1500
DAYS = 180
# key -> (how the moment feels on average, -3..+3; how likely a customer goes through it)
CURVE = {
    "info_call": (1.0, 0.9),
    "appointment_call": (0.8, 0.95),
    "advice_visit": (2.2, 1.0),
    "documents_upload": (-1.2, 1.0),
    "waiting_offer": (-2.0, 1.0),
    "delay_notice": (-1.8, 0.35),
    "offer_by_post": (1.2, 1.0),
    "questions_call": (0.2, 0.6),
    "adviser_follow_up": (1.6, 0.3),
    "complaint": (-2.6, 0.08),
    "signing_visit": (2.0, 1.0),
    "notary_transfer": (2.8, 1.0),
}
ENGLISH_SHARE = 0.12
# The customers the survey went to: per team (by team key) how many there are and the share of the
# respondents that came from it. The advice team's customers answer more often than the branches', so the
# weighted NPS differs from the plain one; every respondent is a known customer with a segment and region.
CUSTOMERS = {
    "mortgage_advice": (1150, 0.45),
    "branches": (800, 0.25),
    "contact_centre": (600, 0.18),
    "mortgage_processing": (450, 0.12),
}
EMPLOYEES = 18  # per team in the mortgage chain, each asked every month
PULSE_RESPONSE = 0.85  # share of the employees who answer the pulse in a month
SEGMENTS = {"starter": 0.4, "doorstromer": 0.6}  # first-time buyers and movers
REGIONS = ("Noord", "Midden", "Zuid")


def load_customers(session: Session, team_ids: dict[str, int]) -> dict[str, list[Person]]:
    """The demo's mortgage customers per team key, with a segment and a region (fictitious)."""
    rng = random.Random(11)  # noqa: S311 - demo data, not secrets
    customers: dict[str, list[Person]] = {}
    number = 0
    for key, (count, _share) in CUSTOMERS.items():
        customers[key] = []
        for _ in range(count):
            number += 1
            segment = "starter" if rng.random() < SEGMENTS["starter"] else "doorstromer"
            person = Person(
                kind="customer",
                external_id=f"K{number:05d}",
                email=f"klant{number:05d}@example.org",
                name=f"Klant {number:05d}",
                team_id=team_ids[key],
                attributes={"segment": segment, "regio": rng.choice(REGIONS)},
            )
            session.add(person)
            customers[key].append(person)
    session.flush()
    return customers


def load_survey(
    session: Session, actor: Principal, journey_id: int, moment_ids: dict[str, int], team_ids: dict[str, int]
) -> Survey:
    """Create, field and fill the demo survey (the session must be scoped to the demo organisation); its
    respondents are customers of the teams ``team_ids`` names (team key -> id)."""
    customers = load_customers(session, team_ids)
    survey = service.create_survey(
        session,
        actor,
        SurveyIn(
            journey_id=journey_id, title={"nl": "Hoe ging je hypotheek?", "en": "How did your mortgage go?"}
        ),
    )
    service.set_protocol(
        session,
        actor,
        survey.id,
        ProtocolIn(
            frame="Klanten van wie de hypotheek de afgelopen maand bij de notaris passeerde",
            excluded_domains=["polderbank.example"],
            contact_days=90,
            reminder_days=5,
        ),
    )
    specs = [
        QuestionIn(
            key="nps",
            type="nps",
            required=True,
            text={
                "nl": "Hoe waarschijnlijk is het dat je Polderbank aanbeveelt bij vrienden of familie?",
                "en": "How likely are you to recommend Polderbank to friends or family?",
            },
        ),
        QuestionIn(
            key="emotion",
            type="emotion",
            per_moment=True,
            required=True,
            page=2,
            text={"nl": "Hoe voelde je je bij deze stap?", "en": "How did you feel at this step?"},
        ),
        QuestionIn(
            key="why",
            type="text",
            page=2,
            text={
                "nl": "Wat is de belangrijkste reden voor je score?",
                "en": "What is the main reason for your score?",
            },
        ),
    ]
    questions = {spec.key: service.add_question(session, actor, survey.id, spec) for spec in specs}
    service.start_fielding(session, actor, survey.id)
    version_id = service.current_version(session, survey.id).id
    rng = random.Random(9)  # noqa: S311 - demo data, not secrets
    words = random.Random(16)  # noqa: S311 - the comments draw apart: they change no score
    now = utcnow()
    months = _months(now - timedelta(days=DAYS + 1), now)
    climate = effects.climate(random.Random(13), list(CUSTOMERS), months)  # noqa: S311 - demo data
    respondents = _respondents(customers)
    items = []
    answered: dict[int, tuple[date, int]] = {}  # person id -> (month of the answer, score)
    for n, (team, person) in enumerate(respondents):
        mood = rng.gauss(0, 0.7)
        went = [key for key, (_feel, chance) in CURVE.items() if rng.random() < chance]
        if "complaint" in went and "delay_notice" not in went and rng.random() < 0.7:
            went.append("delay_notice")  # complaints mostly follow a delay
        answers = {}
        feelings = {}
        for key in went:
            feel = round(CURVE[key][0] + mood + rng.gauss(0, 0.9))
            feelings[key] = max(-3, min(3, feel))
            answers[(questions["emotion"].id, moment_ids[key])] = {"value_int": feelings[key]}
        when = now - timedelta(days=DAYS * (1 - n / len(respondents)), minutes=rng.randint(0, 600))
        for key in went:  # after the draws, so the actions' lift changes no other answer
            lifted = feelings[key] + round(effects.lift(team, key, when.date(), now.date()))
            if lifted != feelings[key]:
                feelings[key] = max(-3, min(3, lifted))
                answers[(questions["emotion"].id, moment_ids[key])] = {"value_int": feelings[key]}
        month = when.date().replace(day=1)
        nps = effects.customer_score(feelings, "delay_notice" in went, climate[(team, month)], rng)
        answered[person.id] = (month, nps)
        answers[(questions["nps"].id, None)] = {"value_int": nps}
        language = "en" if rng.random() < ENGLISH_SHARE else "nl"
        if rng.random() < 0.75:
            usual = {key: feel for key, (feel, _chance) in CURVE.items()}
            said = demo_verbatims.verbatim(words, language, feelings, usual, nps)
            answers[(questions["why"].id, None)] = {"value_text": said}
        items.append(
            intake.Submission(
                organisation_id=survey.organisation_id,
                survey_id=survey.id,
                version_id=version_id,
                client_id=f"demo-response-{n:04d}",
                locale=language,
                moments_experienced=sorted(moment_ids[k] for k in went),
                answers=answers,
                received_at=when - timedelta(minutes=rng.randint(2, 9)),
                submitted_at=when,
            )
        )
    session.flush()
    _store_from(session, survey.organisation_id, items, [person for _team, person in respondents])
    _load_outcomes(session, customers, answered, climate, months)
    _load_pulse(session, actor, journey_id, team_ids, climate, months, now)
    return service.get_survey(session, survey.id)


def _months(first: datetime, last: datetime) -> list[date]:
    """The first days of the months from ``first`` to ``last``."""
    month, found = first.date().replace(day=1), []
    while month <= last.date():
        found.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return found


def _respondents(customers: dict[str, list[Person]]) -> list[tuple[str, Person]]:
    """Who answers, in order: a different customer each time, drawn per team by its share of the
    respondents (the advice team's customers answer more often than the others')."""
    rng = random.Random(12)  # noqa: S311 - demo data, not secrets
    keys = list(CUSTOMERS)
    pools = {key: rng.sample(customers[key], len(customers[key])) for key in keys}
    chosen = []
    for _ in range(RESPONSES):
        key = rng.choices(keys, weights=[CUSTOMERS[k][1] for k in keys])[0]
        if not pools[key]:
            key = next(k for k in keys if pools[k])
        chosen.append((key, pools[key].pop()))
    return chosen


def _load_outcomes(
    session: Session,
    customers: dict[str, list[Person]],
    answered: dict[int, tuple[date, int]],
    climate: dict[tuple[str, date], float],
    months: list[date],
) -> None:
    """Every customer's months on record until leaving: the score in a month is the customer's answer from
    the month of answering on, and otherwise the score the customer would have given."""
    rng = random.Random(14)  # noqa: S311 - demo data, not secrets
    fates = effects.fates(random.Random(17), answered, months)  # noqa: S311 - demo data
    rows = []
    for team, people in customers.items():
        for person in people:
            given = answered.get(person.id)
            scores = {
                month: given[1]
                if given is not None and month >= given[0]
                else effects.background_score(climate[(team, month)], rng)
                for month in months
            }
            rows.extend(
                {
                    "organisation_id": person.organisation_id,
                    "person_id": person.id,
                    "period_start": month,
                    "active": active,
                    "revenue": revenue,
                }
                for month, active, revenue in effects.outcomes(
                    rng, months, scores, fates.get(person.id), person.id in fates
                )
            )
    session.execute(insert(CustomerOutcome), rows)


def _load_pulse(
    session: Session,
    actor: Principal,
    journey_id: int,
    team_ids: dict[str, int],
    climate: dict[tuple[str, date], float],
    months: list[date],
    now: datetime,
) -> None:
    """The employees of the teams in the mortgage chain, and their monthly pulse (would they recommend
    Polderbank as an employer?), which follows their team's climate."""
    rng = random.Random(15)  # noqa: S311 - demo data, not secrets
    survey = service.create_survey(
        session,
        actor,
        SurveyIn(
            journey_id=journey_id,
            audience="employee",
            title={"nl": "Maandpuls medewerkers hypotheekketen", "en": "Monthly pulse, mortgage chain staff"},
        ),
    )
    service.set_protocol(
        session,
        actor,
        survey.id,
        ProtocolIn(frame="Alle medewerkers van de teams in de hypotheekketen, elke maand", contact_days=0),
    )
    question = service.add_question(
        session,
        actor,
        survey.id,
        QuestionIn(
            key="enps",
            type="nps",
            required=True,
            text={
                "nl": "Hoe waarschijnlijk is het dat je Polderbank als werkgever aanbeveelt?",
                "en": "How likely are you to recommend Polderbank as an employer?",
            },
        ),
    )
    service.start_fielding(session, actor, survey.id)
    version_id = service.current_version(session, survey.id).id
    staff = {
        team: [
            Person(
                kind="employee",
                external_id=f"M{index:02d}{number:03d}",
                email=f"medewerker{index:02d}{number:03d}@polderbank.example",
                name=f"Medewerker {index:02d}-{number:03d}",
                team_id=team_ids[team],
            )
            for number in range(EMPLOYEES)
        ]
        for index, team in enumerate(CUSTOMERS)
    }
    session.add_all([person for people in staff.values() for person in people])
    session.flush()
    items, people = [], []
    for month in months:
        day = min(datetime(month.year, month.month, 20, 10, tzinfo=now.tzinfo), now - timedelta(hours=2))
        if day < now - timedelta(days=DAYS):
            continue
        for team, employees in staff.items():
            for person in employees:
                if rng.random() >= PULSE_RESPONSE:
                    continue
                score = effects.employee_score(climate[(team, month)], rng)
                items.append(
                    intake.Submission(
                        organisation_id=survey.organisation_id,
                        survey_id=survey.id,
                        version_id=version_id,
                        client_id=f"demo-pulse-{month:%Y%m}-{person.external_id}",
                        locale="nl",
                        moments_experienced=[],
                        answers={(question.id, None): {"value_int": score}},
                        received_at=day - timedelta(minutes=rng.randint(1, 5)),
                        submitted_at=day + timedelta(minutes=rng.randint(0, 300)),
                    )
                )
                people.append(person)
    _store_from(session, survey.organisation_id, items, people)


def _store_from(
    session: Session, organisation_id: int, items: list[intake.Submission], people: list[Person]
) -> None:
    """Store the submissions through the writer's own path (it serves every organisation, so the session
    is scoped again after it) and give each response the pseudonym and team of the person who gave it."""
    who = [(person.id, person.team_id) for person in people]  # read before the writer rescopes the session
    stored = intake.store_batch(session, items)
    scope(session, organisation_id)
    keys = pseudonyms.respondents_of(session, [person_id for person_id, _team in who])
    links = [
        {"id": o.response_id, "respondent": keys[person_id], "team_id": team_id}
        for o, (person_id, team_id) in zip(stored, who, strict=True)
        if o.response_id
    ]
    session.execute(update(Response), links)
