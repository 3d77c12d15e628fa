"""The organisation dashboard: scores per survey version and per team from the analytic store, with the
team whose newest month leaves its own history flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nineplus.analytics.overview import cell
from tests.analytics.store.conftest import Feed
from tests.conftest import html


def planted(feed: Feed) -> None:
    """Contact centre: NPS +40 for six months, then +100 in July. Advice: +40 throughout."""
    feed.person("ann", "contact")
    feed.person("ben", "advice")
    steady = [10, 9, 8, 7, 9, 10, 3, 8, 9, 7]  # five promoters, one detractor: +40
    for month in range(1, 8):
        for number, value in enumerate(steady * 3):
            contact = 10 if month == 7 and number % 10 else value
            day = datetime(2026, month, 1 + number % 28, 12)
            feed.respond(contact, at=day, person="ann")
            feed.respond(value, at=day, person="ben")


def test_the_dashboard_shows_scores_and_flags_the_team_that_left_its_history(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    planted(feed)
    page = html(browse("/dashboard"))  # the first visit fills the store
    survey = page.select_one("#survey-scores tbody tr")
    assert "NPS" in survey.text
    assert "420" in survey.text  # 7 months x 30 answers x 2 persons
    rows = {r.select("td")[1].get_text(strip=True): r for r in page.select("#team-scores tbody tr")}
    contact, advice = rows["Contact centre Bank A"], rows["Mortgage advice Bank A"]
    assert "team-score--flagged" in contact["class"]
    assert "+60" in contact.select_one(".team-score__change").text  # +100 in July against +40 before
    assert "team-score--flagged" not in advice["class"]
    assert "+0" in advice.select_one(".team-score__change").text
    assert "Jul 2026" in contact.text


def test_the_month_in_progress_is_not_compared_until_it_is_complete(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    """Two complete months of thirty answers, then a few in the month that has just begun: the team table
    compares the last complete month; the grid shows the month in progress with its n."""
    feed.person("ann", "contact")
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(minutes=1)
    this_month = now.replace(day=1, hour=0, minute=0, second=0)
    for months_back, value in ((2, 7), (1, 10)):
        first = (this_month - timedelta(days=28 * months_back)).replace(day=10, hour=12)
        for _ in range(30):
            feed.respond(value, at=first, person="ann")
    feed.respond(0, at=now, person="ann")
    feed.respond(0, at=now, person="ann")
    page = html(browse("/dashboard"))
    (line,) = page.select("#team-scores tbody tr")
    previous = (this_month - timedelta(days=1)).strftime("%b %Y")
    assert previous in line.text
    assert "+100" in line.select_one(".score__value").text  # the tens of the last complete month
    assert "+100" in line.select_one(".team-score__change").text  # against sevens (0) before
    grid = html(browse("/dashboard/teams")).select_one(".team-grid tbody tr")
    assert grid.select("td")[-1].get_text(strip=True) == "n=2"


def test_a_team_member_sees_only_their_own_team(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    planted(feed)
    page = html(browse("/dashboard", user="member"))
    if page.select_one("#team-scores") is None:  # a team member may not read responses at all
        assert browse("/dashboard", user="member").status_code == 403
        return
    teams = [r.select("td")[1].get_text(strip=True) for r in page.select("#team-scores tbody tr")]
    assert teams == ["Contact centre Bank A"]


def test_below_the_minimum_the_reason_is_shown(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    for value in (9, 10, 3):
        feed.respond(value)
    page = html(browse("/dashboard"))
    assert "No score: 3 answers, fewer than the 10 a score needs." in page.select_one("#survey-scores").text


def test_scores_from_value_counts() -> None:
    nps = cell("nps", {10: 5, 9: 1, 7: 2, 3: 2}, minimum=10)
    assert (nps.n, nps.score) == (10, 40.0)
    assert nps.low < 40 < nps.high
    csat = cell("csat", {5: 6, 4: 2, 2: 2}, minimum=10)
    assert csat.score == 80.0
    ces = cell("ces", {2: 5, 4: 5}, minimum=10)
    assert ces.score == 3.0
    assert ces.low == pytest.approx(3 - 2.262 * (1.0541 / 10**0.5), abs=0.01)
    assert cell("nps", {10: 9}, minimum=10).score is None


def test_the_nps_is_weighted_to_the_known_population_per_team_or_attribute(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    """One contact-centre customer answers 40 times (all 10), one of three advice customers 10 times (all 0):
    unweighted +60; weighted per team 1/4 x 100 + 3/4 x -100 = -50; per segment 1/3 x 100 + 2/3 x -100."""
    feed.person("ann", "contact", segment="gold")
    feed.person("ben", "advice", segment="basic")
    feed.person("carl", "advice", segment="basic")
    feed.person("dirk", "advice")
    for number in range(40):
        feed.respond(10, at=datetime(2026, 5, 1 + number % 28, 12), person="ann")
    for number in range(10):
        feed.respond(0, at=datetime(2026, 5, 1 + number, 12), person="ben")
    feed.respond(9)  # an anonymous answer: in no stratum
    row = html(browse("/dashboard")).select_one("#survey-scores tbody tr")
    assert "+61" in row.select_one(".score__value").text  # all 51 answers, unweighted
    weighted = row.select_one(".weighted")
    assert weighted.select_one(".weighted__value").text == "-50"
    # Kish: weights 1/4 x 50/40 and 3/4 x 50/10; deff = (40 x 0.3125^2 + 10 x 3.75^2) / 50
    assert "design effect 2.89, effective n 17" in weighted.text
    assert "1 answers outside the known population left out" in weighted.text
    page = html(browse("/dashboard?weight_by=segment"))
    assert page.select_one("#weight_by option[selected]").text == "segment"
    assert page.select_one("#survey-scores .weighted__value").text == "-33"
    assert (
        html(browse("/dashboard?weight_by=unknown")).select_one("#survey-scores .weighted__value").text
        == "-50"
    )
