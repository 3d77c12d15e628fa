"""The demo's survey on the mortgage journey and half a year of answers to it.

The answers are generated from a seed, so every demo looks the same: customers go through the standard
moments and some of the deviating ones (a delay notice, the adviser calling back, a complaint); the
measured curve differs from the workshop's expected curve where a real one would (uploading documents
and waiting for the offer feel worse than the teams expected); NPS follows the feeling, a delay costs
points, and the "why?" is written in the customer's own words (ours, in Dutch and some English).
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope
from nineplus.feedback import intake, service
from nineplus.feedback.models import Person, Response, Survey
from nineplus.feedback.schemas import ProtocolIn, QuestionIn, SurveyIn

RESPONSES = 240
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
WHY = {  # in the customer's own words, by NPS group and language
    "promoter": {
        "nl": [
            "De adviseur nam echt de tijd en legde alles rustig uit.",
            "Snel geregeld en ik wist steeds waar ik stond.",
            "Bij de notaris ging alles vlekkeloos, we hebben de sleutel!",
            "Duidelijk advies over de rente, geen verrassingen achteraf.",
        ],
        "en": ["The adviser called me back the same day. Very reassuring."],
    },
    "passive": {
        "nl": [
            "Het advies was goed, maar het wachten op de offerte duurde lang.",
            "Prima geholpen, alleen het uploaden van documenten was omslachtig.",
            "Uiteindelijk goed gekomen, maar ik moest zelf vaak bellen.",
        ],
        "en": ["Good advice, but the portal kept asking for the same payslip."],
    },
    "detractor": {
        "nl": [
            "Drie weken niets gehoord over de offerte, en toen kwam er een vertraging.",
            "Mijn documenten kwijtgeraakt, twee keer opnieuw moeten sturen.",
            "Niemand belde terug na mijn klacht. Zo ga je niet met klanten om.",
            "De vertraging werd pas gemeld toen ik zelf belde.",
        ],
        "en": ["Nobody told me the offer was delayed until the notary asked."],
    },
}
ENGLISH_SHARE = 0.12
# The customers the survey went to: per team (by team key) how many there are and the share of the
# respondents that came from it. The advice team's customers answer more often than the branches', so the
# weighted NPS differs from the plain one; every respondent is a known customer with a segment and region.
CUSTOMERS = {"mortgage_advice": (380, 0.72), "branches": (220, 0.28)}
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
    now = utcnow()
    items = []
    for n in range(RESPONSES):
        mood = rng.gauss(0, 0.7)
        went = [key for key, (_feel, chance) in CURVE.items() if rng.random() < chance]
        if "complaint" in went and "delay_notice" not in went and rng.random() < 0.7:
            went.append("delay_notice")  # complaints mostly follow a delay
        answers = {}
        feelings = []
        for key in went:
            feel = round(CURVE[key][0] + mood + rng.gauss(0, 0.9))
            feel = max(-3, min(3, feel))
            feelings.append(feel)
            answers[(questions["emotion"].id, moment_ids[key])] = {"value_int": feel}
        delayed = "delay_notice" in went
        score = 7.2 + 0.9 * (sum(feelings) / len(feelings)) - (1.5 if delayed else 0) + rng.gauss(0, 1.1)
        nps = max(0, min(10, round(score)))
        answers[(questions["nps"].id, None)] = {"value_int": nps}
        language = "en" if rng.random() < ENGLISH_SHARE else "nl"
        group = "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
        if rng.random() < 0.75:
            answers[(questions["why"].id, None)] = {"value_text": rng.choice(WHY[group][language])}
        when = now - timedelta(days=DAYS * (1 - n / RESPONSES), minutes=rng.randint(0, 600))
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
    organisation_id = survey.organisation_id
    outcomes = intake.store_batch(session, items)  # the writer's own path: it serves every organisation
    scope(session, organisation_id)
    _link_respondents(session, [o.response_id for o in outcomes if o.response_id], customers)
    return service.get_survey(session, survey.id)


def _link_respondents(session: Session, response_ids: list[int], customers: dict[str, list[Person]]) -> None:
    """Each response comes from a different customer, drawn per team by its share of the respondents."""
    rng = random.Random(12)  # noqa: S311 - demo data, not secrets
    keys = list(CUSTOMERS)
    pools = {key: rng.sample(customers[key], len(customers[key])) for key in keys}
    links = []
    for response_id in response_ids:
        key = rng.choices(keys, weights=[CUSTOMERS[k][1] for k in keys])[0]
        if not pools[key]:
            key = next(k for k in keys if pools[k])
        links.append({"id": response_id, "person_id": pools[key].pop().id})
    session.execute(update(Response), links)
