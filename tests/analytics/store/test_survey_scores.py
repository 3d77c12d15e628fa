"""The survey page shows each version's NPS with its 95% interval, the 0-10 distribution and the NPS per
month, read from the analytic store; no score below the minimum n."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

from nineplus.analytics.scores import Nps
from nineplus.feedback import service
from nineplus.feedback.models import Answer, Question, Response
from tests.analytics.store.conftest import Feed
from tests.conftest import html

SCORES = [10, 9, 9, 8, 7, 6, 3, 10, 9, 0, 9, 8]  # 6 promoters, 3 detractors of 12


def test_the_survey_page_shows_nps_with_its_interval(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    for score in SCORES:
        feed.respond(score)
    page = html(browse(f"/surveys/{feed.target.survey.id}"))
    (row,) = page.select("#scores tr.score--nps")
    assert row.select("td")[0].get_text(strip=True) == "1"
    assert row.select_one(".score__value").get_text(" ", strip=True).startswith("+25")
    interval = Nps(12, 6, 3).interval()
    assert row.select_one(".score__interval").get_text(" ", strip=True) == (
        f"{interval.low:.0f} to {interval.high:.0f}"
    )
    assert "indicative" in row.get_text()  # twelve answers is far below a hundred
    assert "Figures as of" in page.select_one("#scores").text


def test_below_the_minimum_the_page_says_why_there_is_no_score(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    for score in [9, 3, 10]:
        feed.respond(score)
    page = html(browse(f"/surveys/{feed.target.survey.id}"))
    (row,) = page.select("#scores tr.score--nps")
    assert row.select_one(".score__none").get_text(" ", strip=True) == (
        "No score: 3 answers, fewer than the 10 a score needs."
    )
    assert page.select_one("#distribution") is None
    assert browse(f"/surveys/{feed.target.survey.id}/charts/distribution.svg").status_code == 404


def test_the_distribution_is_in_the_page_and_downloads_as_svg_png_and_csv(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    for score in SCORES:
        feed.respond(score)
    page = html(browse(f"/surveys/{feed.target.survey.id}"))
    card = page.select_one("#distribution")
    assert card.select_one("figure svg") is not None  # drawn on the server: no JavaScript needed
    assert "7-8" in card.get_text() or "7-8" in str(card.select_one("svg"))
    base = f"/surveys/{feed.target.survey.id}/charts/distribution"
    data = browse(f"{base}.csv?version=1")
    lines = data.text.splitlines()
    assert lines[0] == "score,count,share,group"
    assert [int(line.split(",")[1]) for line in lines[1:]] == [SCORES.count(s) for s in range(11)]
    assert browse(f"{base}.png").content.startswith(b"\x89PNG")
    assert browse(f"{base}.svg").headers["content-type"].startswith("image/svg+xml")
    assert browse(f"{base}.pdf").status_code == 404
    assert browse(f"{base}.csv?version=7").status_code == 404  # no such version


def test_nps_per_month_with_intervals_and_a_change_that_stands(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    months = {  # month -> scores: January middling, February much better
        1: [9] * 15 + [7] * 10 + [3] * 15,
        2: [10] * 30 + [8] * 8 + [5] * 2,
    }
    for month, scores in months.items():
        for score in scores:
            feed.respond(score, at=datetime(2026, month, 10, 12))
    page = html(browse(f"/surveys/{feed.target.survey.id}"))
    assert page.select_one("#monthly figure svg") is not None
    data = browse(f"/surveys/{feed.target.survey.id}/charts/monthly.csv")
    header, january, february = (line.split(",") for line in data.text.splitlines())
    assert header == ["period", "n", "nps", "low", "high", "change", "significant"]
    assert (january[0], january[1], float(january[2])) == ("2026-01-01", "40", 0.0)
    assert (february[1], float(february[2])) == ("40", 70.0)
    assert float(february[5]) == 70.0
    assert february[6] == "True"  # seventy points at n = 40 twice stands


def extra_question(feed: Feed, key: str, kind: str, moment_index: int | None = None) -> Question:
    """A question added to the fielded version directly (as a revision would), asked once or about one
    moment."""
    version = service.current_version(feed.db, feed.target.survey.id)
    question = Question(
        organisation_id=feed.target.survey.organisation_id,
        version_id=version.id,
        key=key,
        position=99,
        type=kind,
        text={"nl": key},
        moment_id=None if moment_index is None else feed.target.moments[moment_index].id,
    )
    feed.db.add(question)
    feed.db.commit()
    return question


def answer(feed: Feed, response: Response, question: Question, value: int) -> None:
    feed.db.add(
        Answer(
            response_id=response.id, question_id=question.id, moment_id=question.moment_id, value_int=value
        )
    )
    feed.db.commit()


def test_a_question_about_one_moment_has_its_score_too(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    """A CSAT asked about the first moment is stored with that moment; the survey page scores it."""
    delivery = extra_question(feed, "levering", "csat", moment_index=0)
    for number in range(12):
        answer(feed, feed.respond(9), delivery, 5 if number < 9 else 2)
    page = html(browse(f"/surveys/{feed.target.survey.id}"))
    (row,) = page.select("#scores tr.score--csat")
    assert "levering" in row.text
    assert row.select_one(".score__value").get_text(" ", strip=True).startswith("75%")  # 9 of 12
    assert row.select("td")[-2].get_text(strip=True) == "12"


def test_pages_say_so_when_another_process_holds_the_store(feed: Feed, browse, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With several server processes only one holds the analytic store: the others' survey page and
    journey map say why their figures are missing instead of showing none."""
    feed.store.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "analytics.duckdb")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        page = html(browse(f"/surveys/{feed.target.survey.id}"))
        assert page.select_one("#store-busy") is not None
        assert page.select_one("#scores") is None
        journey_map = html(browse(f"/journeys/{feed.target.survey.journey_id}/map"))
        assert journey_map.select_one("#store-busy") is not None
        assert journey_map.select_one("#journey-map svg") is not None  # the map itself still shows
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


HOLD = "import duckdb, sys\ncon = duckdb.connect(sys.argv[1])\nprint('held', flush=True)\nsys.stdin.read()\n"
