"""The journey map's measured curve: the mean feeling per moment with its band, from submitted customer
answers, per survey version, and no point where too few customers answered."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from sqlalchemy.orm import Session

from nineplus.feedback import intake, service
from nineplus.journeys import mapdata
from nineplus.journeys.models import Journey
from tests.factories import World
from tests.imports.conftest import Target, build_target


def answer(
    db: Session,
    target: Target,
    number: int,
    feelings: dict[int, int],
    nps: int = 8,
    submitted_at: datetime | None = None,
) -> None:
    version = service.current_version(db, target.survey.id)
    emo, score = target.questions["emo"].id, target.questions["nps"].id
    answers = {(emo, moment): {"value_int": value} for moment, value in feelings.items()}
    answers[(score, None)] = {"value_int": nps}
    submission = intake.Submission(
        organisation_id=target.survey.organisation_id,
        survey_id=target.survey.id,
        version_id=version.id,
        client_id=f"curve-{number}",
        locale="nl",
        moments_experienced=sorted(feelings),
        answers=answers,
        submitted_at=submitted_at,
        require_live=submitted_at is None,
    )
    assert intake.store_batch(db, [submission])[0].is_new


def test_the_measured_curve_is_the_mean_feeling_with_a_band(db: Session, bank_a: World) -> None:
    target = build_target(db, bank_a)
    first, second, third = (m.id for m in target.moments)
    rng = np.random.default_rng(7)
    firsts = [int(v) for v in rng.integers(-3, 4, size=30)]
    for number, value in enumerate(firsts):
        feelings = {first: value, second: -2} if number < 12 else {first: value}
        if number < 3:
            feelings[third] = 3
        answer(db, target, number, feelings)
    journey = db.get_one(Journey, target.survey.journey_id)
    (measured,) = mapdata.measured_curves(db, journey, target.moments)
    assert measured.kind == "measured"
    assert measured.points[0] == pytest.approx(np.mean(firsts), abs=0.005)
    assert measured.points[1] == -2.0  # twelve answers: enough
    assert measured.points[2] is None  # three answers: below the minimum of ten
    assert measured.band is not None
    low, high = measured.band[0]  # type: ignore[misc]
    assert low < measured.points[0] < high
    assert measured.band[2] is None
    assert "Geschiedenis" in measured.label
    svg = mapdata.build_map_svg(db, journey)
    assert "Geschiedenis" in svg  # the legend names the measured curve


def test_no_measured_curve_without_enough_answers(db: Session, bank_a: World) -> None:
    target = build_target(db, bank_a)
    for number in range(4):
        answer(db, target, number, {target.moments[0].id: 1})
    journey = db.get_one(Journey, target.survey.journey_id)
    assert mapdata.measured_curves(db, journey, target.moments) == []
