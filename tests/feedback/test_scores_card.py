"""The survey page shows each version's NPS with its 95% interval, and no score below the minimum n."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.analytics.scores import Nps
from tests.conftest import html
from tests.factories import World, login
from tests.imports.conftest import build_target
from tests.journeys.test_measured_curve import answer


def test_the_survey_page_shows_nps_with_its_interval(client: TestClient, db: Session, bank_a: World) -> None:
    target = build_target(db, bank_a)
    scores = [10, 9, 9, 8, 7, 6, 3, 10, 9, 0, 9, 8]  # 6 promoters, 3 detractors of 12
    for number, score in enumerate(scores):
        answer(db, target, number, {target.moments[0].id: 1}, nps=score)
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get(f"/surveys/{target.survey.id}"))
    rows = page.select("#scores tr.score--nps")
    expected = Nps(12, 6, 3)
    version_one = next(r for r in rows if r.select("td")[0].get_text(strip=True) == "1")
    assert version_one.select_one(".score__value").get_text(" ", strip=True).startswith("+25")
    interval = expected.interval()
    assert version_one.select_one(".score__interval").get_text(" ", strip=True) == (
        f"{interval.low:.0f} to {interval.high:.0f}"
    )
    assert "indicative" in version_one.get_text()  # twelve answers is far below a hundred


def test_below_the_minimum_the_page_says_why_there_is_no_score(
    client: TestClient, db: Session, bank_a: World
) -> None:
    target = build_target(db, bank_a)
    for number, score in enumerate([9, 3, 10]):
        answer(db, target, number, {target.moments[0].id: 1}, nps=score)
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get(f"/surveys/{target.survey.id}"))
    (row,) = page.select("#scores tr.score--nps")
    assert row.select_one(".score__none").get_text(" ", strip=True) == (
        "No score: 3 answers, fewer than the 10 a score needs."
    )
