"""The demo's organisation scans: a completed run of each instrument among the mortgage chain's staff (its
72 employees and the teams' leads), answered through the product's own answer path, so that the scans
page shows results, advice and a persona on first start. Two runs of the seven levels show the change
since the previous one. No e-mail goes out.

The answers are drawn from a seed around a profile per instrument (a mean point per dimension; managers
see things somewhat rosier), with one statement the staff are divided on, as in seed 004's telephone
example: answering the phone scores fine on average while half say yes and half say no.
"""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.scans import runs
from nineplus.scans.instrument import Instrument
from nineplus.scans.models import ScanInvitation, ScanRun

MANAGERS_ROSIER = 0.6  # scale points managers add
# Per instrument: the run's names (one run each, the seven levels twice: autumn and spring) and the mean
# point per dimension, in the spring.
PROFILES: dict[str, dict[str, float]] = {
    "seven_levels": {
        "mission": 4.2, "identity": 4.0, "values": 3.8, "competencies": 3.4,
        "skills": 2.8, "behaviour": 3.2, "context": 2.6,
    },
    "nine_plus_scan": {
        "customer_first": 4.1, "continuous": 2.5, "moments": 3.0, "empowerment": 2.9, "direct_feedback": 2.4,
    },
    "four_bs": {"place": 4.0, "inspiration": 3.6, "promise": 3.1, "proof": 2.6},
    "service_excellence": {
        "understanding": 3.4, "vision": 3.9, "leadership": 3.6, "culture": 3.2, "design": 2.7,
        "people": 3.5, "processes": 2.5, "monitoring": 3.0, "innovation": 2.6,
    },
    "culture_values": {"customers": 3.9, "relations": 3.7, "learning": 3.0, "leadership": 2.7},
    "six_laws": {
        "personal": 3.6, "self_centred": 2.8, "familiarity": 3.1, "engaged": 3.4, "measured": 2.6,
        "genuine": 3.9,
    },
}  # fmt: skip
DIVIDED = {"seven_levels": "values_phone", "culture_values": "flat"}
AUTUMN_BEHIND = 0.35  # how much lower the autumn run of the seven levels scored
TITLES = {
    "nl": ("Voorjaarsscan hypotheekketen", "Najaarsscan hypotheekketen"),
    "en": ("Spring scan, mortgage chain", "Autumn scan, mortgage chain"),
}


def load_scans(session: Session, actor: Principal, team_ids: list[int], lang: str) -> None:
    rng = random.Random(21)  # noqa: S311 - demo data, not secrets
    spring, autumn = TITLES.get(lang, TITLES["nl"])
    instruments = runs.instruments()
    for key, profile in PROFILES.items():
        plans = [(autumn, -AUTUMN_BEHIND), (spring, 0.0)] if key == "seven_levels" else [(spring, 0.0)]
        for title, shift in plans:
            form = {
                "instrument": key,
                "title": title,
                "team_ids": [str(t) for t in team_ids],
                "min_group": "5",
            }
            run = runs.start(session, actor, form, notify=False)
            _answer_all(session, run, instruments[key], profile, shift, rng, DIVIDED.get(key))
            run.status, run.closed_at = "closed", utcnow()
            session.flush()
    session.flush()


def _answer_all(
    session: Session,
    run: ScanRun,
    instrument: Instrument,
    profile: dict[str, float],
    shift: float,
    rng: random.Random,
    divided: str | None,
) -> None:
    invitations = session.scalars(
        select(ScanInvitation).where(ScanInvitation.run_id == run.id).order_by(ScanInvitation.id)
    ).all()
    low, high = instrument.scale.min, instrument.scale.max
    for invitation in invitations:
        if rng.random() < 0.15:
            continue  # some never answer
        mood = rng.gauss(0, 0.45) + shift + (MANAGERS_ROSIER if invitation.role == "manager" else 0.0)
        given: dict[str, str] = {}
        for item in instrument.items:
            if item.key == divided and invitation.role == "employee":
                agree = 5.0 if rng.random() < 0.5 else 1.5
            else:
                agree = profile[item.dimension] + mood + rng.gauss(0, 0.7)
            point = max(low, min(high, round(agree)))
            given[item.key] = str(low + high - point if item.reverse else point)
        runs.answer(session, invitation, run, given)
