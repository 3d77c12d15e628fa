"""The survey page shows each version's NPS with its 95% interval, and no score below the minimum n."""

from __future__ import annotations

from datetime import UTC, datetime

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


def test_the_distribution_is_in_the_page_and_downloads_as_svg_png_and_csv(
    client: TestClient, db: Session, bank_a: World
) -> None:
    target = build_target(db, bank_a)
    scores = [10, 9, 9, 8, 7, 6, 3, 10, 9, 0, 9, 8]
    for number, score in enumerate(scores):
        answer(db, target, number, {target.moments[0].id: 1}, nps=score)
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get(f"/surveys/{target.survey.id}"))
    card = page.select_one("#distribution")
    assert card is not None
    assert card.select_one("figure svg") is not None  # drawn on the server: no JavaScript needed
    assert "7-8" in card.get_text() or "7-8" in str(card.select_one("svg"))
    base = f"/surveys/{target.survey.id}/charts/distribution"
    data = client.get(f"{base}.csv?version=1")
    assert data.status_code == 200
    lines = data.text.splitlines()
    assert lines[0] == "score,count,share,group"
    assert [int(line.split(",")[1]) for line in lines[1:]] == [scores.count(s) for s in range(11)]
    assert client.get(f"{base}.png").content.startswith(b"\x89PNG")
    assert client.get(f"{base}.svg").headers["content-type"].startswith("image/svg+xml")
    assert client.get(f"{base}.pdf").status_code == 404


def test_no_distribution_below_the_minimum(client: TestClient, db: Session, bank_a: World) -> None:
    target = build_target(db, bank_a)
    answer(db, target, 1, {target.moments[0].id: 1}, nps=9)
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get(f"/surveys/{target.survey.id}"))
    assert page.select_one("#distribution") is None
    assert client.get(f"/surveys/{target.survey.id}/charts/distribution.svg").status_code == 404


def test_nps_per_month_with_intervals_and_a_change_that_stands(
    client: TestClient, db: Session, bank_a: World
) -> None:
    target = build_target(db, bank_a)
    months = {  # month -> scores: January middling, February much better
        1: [9] * 15 + [7] * 10 + [3] * 15,
        2: [10] * 30 + [8] * 8 + [5] * 2,
    }
    number = 0
    for month, scores in months.items():
        for score in scores:
            number += 1
            when = datetime(2026, month, 10, 12, 0, tzinfo=UTC)
            answer(db, target, number, {target.moments[0].id: 1}, nps=score, submitted_at=when)
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get(f"/surveys/{target.survey.id}"))
    assert page.select_one("#monthly figure svg") is not None
    data = client.get(f"/surveys/{target.survey.id}/charts/monthly.csv")
    header, january, february = (line.split(",") for line in data.text.splitlines())
    assert header == ["period", "n", "nps", "low", "high", "change", "significant"]
    assert (january[0], january[1], float(january[2])) == ("2026-01-01", "40", 0.0)
    assert (february[1], float(february[2])) == ("40", 70.0)
    assert float(february[5]) == 70.0
    assert february[6] == "True"  # seventy points at n = 40 twice stands
