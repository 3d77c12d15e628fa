"""The journey, moment and team dashboards: measured curves laid over other segments and periods, a
moment's feeling over time and per team, a team's NPS against its own history, and every chart's
downloads (SVG, PNG, CSV)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from nineplus.analytics.views import Selection, team_grid
from nineplus.core.tenancy import scope
from tests.analytics.store.conftest import Feed
from tests.conftest import html


def planted(feed: Feed) -> None:
    """Ann (contact centre, private) and Ben (mortgage advice, business) answer 20 times a month from
    January to June. At the first moment Ann feels +2 in the first quarter and +3 in the second, Ben -2 and
    then 0: overall 0.75, Ann 2.5, the first quarter 0, the second 1.5. The first moment is the contact
    centre's."""
    feed.person("ann", "contact", segment="private")
    feed.person("ben", "advice", segment="business")
    first = feed.target.moments[0]
    first.team_id = feed.world.teams["contact"].id
    feed.db.commit()
    for month in range(1, 7):
        early = month <= 3
        for number in range(20):
            at = datetime(2026, month, 1 + number % 28, 12)
            feed.respond(9, {0: 2 if early else 3, 1: -1}, at=at, person="ann")
            feed.respond(6, {0: -2 if early else 0, 1: 1}, at=at, person="ben")


def curve_row(page, moment: str) -> list[str]:  # type: ignore[no-untyped-def]
    for row in page.select("#measured-table tbody tr"):
        if row.th.get_text(strip=True) == moment:
            return [
                td.select_one(".strong").text if td.select_one(".strong") else td.text
                for td in row.select("td")
            ]
    raise AssertionError(f"no row for {moment}")


def test_the_journey_dashboard_lays_segments_and_periods_over_each_other(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    planted(feed)
    journey = feed.target.survey.journey_id
    moment = feed.target.moments[0].name["nl"]
    page = html(browse(f"/dashboard/journeys/{journey}"))
    assert curve_row(page, moment) == ["+0.75"]
    assert page.select("#journey-map .curve-band")  # the band is drawn on the map
    page = html(
        browse(
            f"/dashboard/journeys/{journey}?segment=attr:segment%3Dprivate&compare_segment=attr:segment%3Dbusiness"
        )
    )
    headers = [th.text for th in page.select("#measured-table thead th.measured-curve")]
    assert len(headers) == 2
    assert headers[0].endswith("segment: private")
    assert headers[1].endswith("segment: business")
    assert curve_row(page, moment) == ["+2.50", "-1.00"]
    assert page.select_one("#segment option[selected]")["value"] == "attr:segment=private"
    page = html(browse(f"/dashboard/journeys/{journey}?period=2026-Q1&compare_period=2026-Q2"))
    assert curve_row(page, moment) == ["+0.00", "+1.50"]
    periods = [o["value"] for o in page.select("#period option")]
    assert periods == ["", "2026", "2026-Q2", "2026-Q1"]
    team = feed.world.teams["advice"].id
    page = html(browse(f"/dashboard/journeys/{journey}?segment=team:{team}&period=2026-Q2"))
    assert curve_row(page, moment) == ["+0.00"]


def test_the_journey_dashboards_downloads(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    planted(feed)
    base = f"/dashboard/journeys/{feed.target.survey.journey_id}/map"
    data = browse(f"{base}.csv?period=2026-Q2&compare_period=2026-Q1")
    assert data.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(data.text)))
    first = feed.target.moments[0].name["nl"]
    means = [float(r["mean"]) for r in rows if r["moment"] == first]
    assert means == [1.5, 0.0]
    second = [r for r in rows if r["moment"] == feed.target.moments[1].name["nl"]]
    sd = round((120 / 119) ** 0.5, 3)  # sixty answers of -1 and sixty of +1 per quarter
    assert [(float(r["mean"]), float(r["sd"])) for r in second] == [(0.0, sd), (0.0, sd)]
    assert all(float(r["low"]) < 0 < float(r["high"]) for r in second)
    svg = browse(f"{base}.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert "curve-band" in svg.text
    assert browse(f"{base}.png").content.startswith(b"\x89PNG")
    assert browse(f"{base}.pdf").status_code == 404


def test_the_moment_dashboard(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    planted(feed)
    moment = feed.target.moments[0].id
    page = html(browse(f"/dashboard/moments/{moment}"))
    assert page.select_one("#monthly svg") is not None
    assert page.select_one("#feelings svg") is not None
    teams = {
        r.td.get_text(strip=True): r.select("td")[1].select_one(".strong").text
        for r in page.select("#moment-teams tbody tr")
    }
    assert teams == {"Contact centre Bank A": "+2.50", "Mortgage advice Bank A": "-1.00"}
    monthly = list(
        csv.DictReader(io.StringIO(browse(f"/dashboard/moments/{moment}/charts/monthly.csv").text))
    )
    assert [(r["period"], float(r["mean"])) for r in monthly] == [
        (f"2026-0{m}-01", 0.0 if m <= 3 else 1.5) for m in range(1, 7)
    ]
    spread = list(
        csv.DictReader(io.StringIO(browse(f"/dashboard/moments/{moment}/charts/feelings.csv").text))
    )
    assert {int(r["feeling"]): int(r["count"]) for r in spread} == {
        -3: 0,
        -2: 60,
        -1: 0,
        0: 60,
        1: 0,
        2: 60,
        3: 60,
    }
    assert browse(f"/dashboard/moments/{moment}/charts/feelings.png").content.startswith(b"\x89PNG")
    assert browse(f"/dashboard/moments/{moment}/charts/nothing.svg").status_code == 404


def test_the_team_dashboard(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    planted(feed)
    contact = feed.world.teams["contact"].id
    page = html(browse(f"/dashboard/teams/{contact}"))
    line = page.select_one("#team-lines .team-score")
    assert "Jun 2026" in line.text
    assert "+100" in line.select_one(".score__value").text  # Ann's nines
    assert page.select_one("#monthly svg") is not None
    assert page.select_one("#distribution svg") is not None
    owned = {r.td.get_text(strip=True): r for r in page.select("#team-moments tbody tr")}
    assert "+0.75" in owned[feed.target.moments[0].name["nl"]].text  # every customer's feeling at its moment
    assert all(
        "No answers" in r.text for name, r in owned.items() if name != feed.target.moments[0].name["nl"]
    )
    rows = list(
        csv.DictReader(io.StringIO(browse(f"/dashboard/teams/{contact}/charts/distribution.csv").text))
    )
    assert int(rows[9]["count"]) == 120
    assert browse(f"/dashboard/teams/{contact}/charts/monthly.svg").text.lstrip().startswith("<svg")


def test_the_team_dashboard_is_for_those_who_may_see_the_team(feed: Feed, browse, bank_b) -> None:  # type: ignore[no-untyped-def]
    scope(feed.db, feed.world.org.id)  # bank_b was built after bank_a: work in bank_a again
    planted(feed)
    other = bank_b.teams["contact"].id
    assert browse(f"/dashboard/teams/{other}").status_code == 404
    assert browse(f"/dashboard/journeys/{bank_b.journey.id}").status_code == 404
    assert browse(f"/dashboard/moments/{bank_b.moments[0].id}").status_code == 404
    assert browse(f"/dashboard/journeys/{bank_b.journey.id}/map.csv").status_code == 404


def test_a_selection_reads_only_what_it_understands() -> None:
    assert Selection.parse("team:3", "2026-Q2").filters() == {
        "team_id": 3,
        "since": date(2026, 4, 1),
        "until": date(2026, 6, 30),
    }
    assert Selection.parse("attr:region=Noord=Oost", "2025").filters() == {
        "attribute": ("region", "Noord=Oost"),
        "since": date(2025, 1, 1),
        "until": date(2025, 12, 31),
    }
    for segment, period in (("team:x", "2026-Q5"), ("attr:=x", "26"), ("'; drop", "2026-Q1; --")):
        assert Selection.parse(segment, period).filters() == {}
    assert Selection.parse(None, None).everything


@pytest.mark.parametrize("path", ["/dashboard/moments/{m}", "/dashboard/journeys/{j}"])
def test_pages_without_answers_say_so(feed: Feed, browse, path: str) -> None:  # type: ignore[no-untyped-def]
    page = html(browse(path.format(m=feed.target.moments[0].id, j=feed.target.survey.journey_id)))
    text = page.text
    assert "No customer has rated" in text


def test_every_team_month_by_month_with_the_changes_that_stand(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    """The contact centre's customers give nines from January to March and zeros in April; mortgage
    advice stays at sevens and nines, and has only five answers in March. Only April's drop is marked."""
    feed.person("ann", "contact")
    feed.person("ben", "advice")
    for month in range(1, 5):
        for number in range(30):
            at = datetime(2026, month, 1 + number % 28, 12)
            feed.respond(9 if month < 4 else 0, at=at, person="ann")
            if month != 3 or number < 5:
                feed.respond(9 if number % 2 else 7, at=at, person="ben")
    page = html(browse("/dashboard/teams"))
    (grid,) = page.select(".team-grid")
    assert [th.text for th in grid.select("thead th")][1:] == ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026"]
    rows = {r.th.get_text(strip=True): r.select("td") for r in grid.select("tbody tr")}
    contact, advice = rows["Contact centre Bank A"], rows["Mortgage advice Bank A"]
    assert [td.get_text(" ", strip=True) for td in contact] == [
        "+100", "+100", "+100", "-100 ▼ changed significantly"
    ]  # fmt: skip
    assert "team-grid__cell--down" in contact[3]["class"]
    assert [td.get_text(strip=True) for td in advice] == ["+50", "+50", "n=5", "+50"]
    assert not grid.select(".team-grid__cell--up")
    assert advice[0]["title"] == "27 to 64, n = 30"  # the adjusted Wald interval of 15 nines and 15 sevens
    data = list(csv.DictReader(io.StringIO(browse("/dashboard/teams.csv").text)))
    april = [r for r in data if r["period"] == "2026-04-01"]
    assert {(r["team"], r["nps"], r["change"], r["significant"]) for r in april} == {
        ("Contact centre Bank A", "-100.0", "-200.0", "True"),
        ("Mortgage advice Bank A", "50.0", "0.0", "False"),  # against February: March had no score
    }
    assert [r["nps"] for r in data if r["period"] == "2026-03-01" and r["team"].startswith("Mortgage")] == [
        ""
    ]
    # Per quarter: the first quarter's nines against the second's zeros, and per week.
    quarters = html(browse("/dashboard/teams?period=quarter")).select_one(".team-grid")
    assert [th.text for th in quarters.select("thead th")][1:] == ["Q1 2026", "Q2 2026"]
    rows = {r.th.get_text(strip=True): r.select("td") for r in quarters.select("tbody tr")}
    assert [td.get_text(" ", strip=True) for td in rows["Contact centre Bank A"]] == [
        "+100", "-100 ▼ changed significantly"
    ]  # fmt: skip
    weeks = html(browse("/dashboard/teams?period=week")).select_one(".team-grid")
    assert len(weeks.select("thead th")) == 13  # the team and the last twelve weeks
    assert all(th.text.startswith("Week ") for th in weeks.select("thead th")[1:])
    assert "2026-04-01" in browse("/dashboard/teams.csv?period=quarter").text
    assert browse("/dashboard/teams?period=decade").status_code == 200  # unknown: per month
    # Team leads do not read responses; a viewer limited to some teams gets their rows only, with the
    # false-discovery control still run over every team.
    assert browse("/dashboard/teams", user="team_lead").status_code == 403
    feed.refresh()
    contact_id = feed.world.teams["contact"].id
    (mine,) = team_grid(feed.store, feed.world.org.id, 10, frozenset({contact_id}))
    assert [(row.team_id, [p.significant for p in row.points]) for row in mine.rows] == [
        (contact_id, [False, False, False, True])
    ]
