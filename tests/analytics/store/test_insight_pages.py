"""The insight pages on planted data: the journey's moments of truth (with their intervals, the quadrant
and the downloads), retention per score and segment from imported outcomes, and the effect chain; and
each page's message where the data do not allow a model."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime

from nineplus.feedback.models import Person
from nineplus.outcomes.models import CustomerOutcome
from tests.analytics.store.conftest import Feed
from tests.conftest import html


def plant_moment_of_truth(feed: Feed, customers: int = 300) -> None:
    """The second moment (no contact: the customer's side) drives the NPS, the first a little, the third
    not at all; a fifth of the customers never went through the third moment."""
    rng = random.Random(3)
    feed.target.moments[1].contact = "customer_only"
    feed.db.commit()
    answers = []
    for _ in range(customers):
        feelings = {index: rng.randint(-3, 3) for index in range(3)}
        if rng.random() < 0.2:
            del feelings[2]
        score = 6 + 1.2 * feelings[1] + 0.3 * feelings[0] + rng.gauss(0, 1)
        answers.append((max(0, min(10, round(score))), feelings))
    feed.respond_many(answers)
    feed.refresh()


def test_the_journey_page_names_the_planted_moment_of_truth_off_the_touchpoints(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    plant_moment_of_truth(feed)
    journey = feed.target.survey.journey_id
    names = [m.name["nl"] for m in feed.target.moments]
    page = html(browse(f"/dashboard/journeys/{journey}"))
    truths = page.select("#truth-list li")
    assert [li.strong.text for li in truths] == [names[1]]
    assert "no contact" in truths[0].text
    assert truths[0].select_one(".muted").text.count("%") == 2  # the interval
    touchpoints = [li.text.strip() for li in page.select("#touchpoints li")]
    assert touchpoints == [names[0], names[2]]  # the moment of truth is not a touchpoint
    assert page.select_one("#quadrant svg") is not None
    rows = {row.th.text.split(". ", 1)[1]: row for row in page.select("#truth-table tbody tr")}
    assert "Focus here" in rows[names[1]].text or "Keep it up" in rows[names[1]].text

    data = list(csv.DictReader(io.StringIO(browse(f"/dashboard/journeys/{journey}/truths.csv").text)))
    by_name = {row["moment"]: row for row in data}
    assert by_name[names[1]]["moment_of_truth"] == "True"
    assert by_name[names[0]]["moment_of_truth"] == by_name[names[2]]["moment_of_truth"] == "False"
    shares = [float(row["driver_share"]) for row in data]
    assert abs(sum(shares) - 1) < 1e-3
    assert float(by_name[names[1]]["driver_share"]) > 0.6 > float(by_name[names[0]]["driver_share"])
    low, high = float(by_name[names[1]]["share_low"]), float(by_name[names[1]]["share_high"])
    assert low < float(by_name[names[1]]["driver_share"]) < high
    # the third moment's customers: only those who went through it (never mean-filled)
    assert int(by_name[names[2]]["customers"]) < 300 == int(by_name[names[1]]["customers"])
    assert abs(float(by_name[names[1]]["shapley_share"]) - float(by_name[names[1]]["driver_share"])) < 0.05
    svg = browse(f"/dashboard/journeys/{journey}/truths.svg")
    assert svg.headers["content-type"].startswith("image/svg")
    assert names[1] in svg.text
    assert browse(f"/dashboard/journeys/{journey}/truths.png").content[:4] == b"\x89PNG"
    assert browse(f"/dashboard/journeys/{journey}/truths.pdf").status_code == 404


def test_too_few_customers_for_a_driver_model_is_said_not_guessed(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    feed.respond_many([(8, {0: 1, 1: 2, 2: 0})] * 20)
    feed.refresh()
    journey = feed.target.survey.journey_id
    page = html(browse(f"/dashboard/journeys/{journey}"))
    section = page.select_one("#moments-of-truth")
    assert "needs 50 customers" in section.text
    assert "Now: 20." in section.text
    assert page.select_one("#quadrant") is None
    assert browse(f"/dashboard/journeys/{journey}/truths.csv").status_code == 404
    assert page.select_one("#raised-moments") is not None  # the slot for moments raised in the verbatims


# Retention ---------------------------------------------------------------------------------------------

# Per score, 100 customers and how many stayed: rising to 8 on the logit scale, flat after it.
STAYED = {3: 20, 4: 30, 5: 40, 6: 52, 7: 64, 8: 76, 9: 76, 10: 76}


def plant_retention(feed: Feed) -> None:
    """Customers answer in May 2026; their outcomes for June and July say whether they are still customers
    (all are in June). Half are in segment "a", half in "b" (the same curve)."""
    customers = []
    scores = []
    for score, stayed in STAYED.items():
        for number in range(100):
            person = Person(
                email=f"c{score}-{number}@example.org",
                name=f"c{score}-{number}",
                team_id=feed.world.teams["advice"].id,
                attributes={"segment": "a" if number % 2 else "b"},
            )
            customers.append((person, number < stayed))
            scores.append(score)
    feed.db.add_all([person for person, _ in customers])
    feed.db.flush()
    feed.respond_many(
        [(score, {}) for score in scores], at=datetime(2026, 5, 10, 12), persons=[p for p, _ in customers]
    )
    feed.db.add_all(
        CustomerOutcome(
            organisation_id=feed.world.org.id,
            person_id=person.id,
            period_start=date(2026, month, 1),
            active=stayed or month == 6,  # those who left did so in July
        )
        for person, stayed in customers
        for month in (6, 7)
    )
    # A customer whose outcomes stop in June is not known three months on: left out.
    late = Person(email="late@example.org", name="late", team_id=feed.world.teams["advice"].id)
    feed.db.add(late)
    feed.db.flush()
    feed.respond_many([(2, {})], at=datetime(2026, 5, 10, 12), persons=[late])
    feed.db.add(
        CustomerOutcome(
            organisation_id=feed.world.org.id, person_id=late.id, period_start=date(2026, 6, 1), active=True
        )
    )
    # An outcome before the answer says nothing about what followed it.
    feed.db.add(
        CustomerOutcome(
            organisation_id=feed.world.org.id,
            person_id=customers[0][0].id,
            period_start=date(2026, 1, 1),
            active=False,
        )
    )
    feed.db.commit()
    feed.refresh()


def test_retention_stops_rising_at_the_planted_plateau_and_says_what_that_means(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    plant_retention(feed)
    page = html(browse("/dashboard/retention"))
    reading = page.select_one("#reading-1").text
    assert "n = 800" in reading
    assert "up to 8 and stops rising after it" in reading
    assert "customers who gave 8 stayed +12.0 percentage points more often than those who gave 7" in reading
    assert "those who gave 9, +0.0 more than those who gave 8" in reading
    assert "not proof" in page.select_one("#not-proof").text
    cells = [td.text for td in page.select("#retention-table tbody tr")[3].select("td")]
    assert cells[0].startswith("20%")
    assert "n = 100" in cells[0]
    data = list(csv.DictReader(io.StringIO(browse("/dashboard/retention/chart.csv").text)))
    assert [(row["score"], row["retained"]) for row in data] == [(str(s), str(k)) for s, k in STAYED.items()]
    assert float(data[0]["fitted"]) == 0.2

    split = html(browse("/dashboard/retention?by=segment"))
    titles = [h.text for h in split.select(".retention-reading h2")]
    assert [t.split(" n =")[0].strip() for t in titles] == ["Every customer", "segment: a", "segment: b"]
    assert "n = 400" in titles[1]
    assert html(browse("/dashboard/retention?by=nonsense")).select_one("#reading-2") is None  # unknown key


def test_retention_without_outcomes_says_how_to_get_them(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    feed.respond_many([(8, {})] * 5)
    feed.refresh()
    page = html(browse("/dashboard/retention"))
    assert "No customer has both an NPS answer and an outcome" in page.select_one("#no-outcomes").text
    assert browse("/dashboard/retention/chart.csv").status_code == 404


def test_the_effect_chain_needs_three_teams_and_is_closed_to_team_leads(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    plant_retention(feed)  # one team of customers
    page = html(browse("/dashboard/chain"))
    assert "not proof" in page.select_one("#not-proof").text
    link = page.select_one("#link-customer-retention").text
    assert "Too few teams and months" in link
    assert browse("/dashboard/chain", user="team_lead").status_code == 403
    assert browse("/dashboard/chain.csv", user="team_lead").status_code == 403
    rows = list(csv.DictReader(io.StringIO(browse("/dashboard/chain.csv").text)))
    assert {row["month"] for row in rows} == {"2026-05-01", "2026-06-01", "2026-07-01"}
    assert next(r for r in rows if r["month"] == "2026-06-01")["retention"] == "100.0"
    assert next(r for r in rows if r["month"] == "2026-07-01")["retention"] == "54.25"
    assert [h.text for h in page.select(".chain-link h2")] == [
        "Employee score (eNPS) → customer score (NPS)",
        "Customer score (NPS) → retention (% still a customer)",
        "Retention (% still a customer) → revenue per customer",
    ]  # every link, with or without figures


def test_an_unexplained_score_and_a_moment_few_went_through_are_said_so(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    answers = []
    for number in range(120):
        feelings = {0: rng.randint(-3, 3), 1: rng.randint(-3, 3)}
        if number < 20:
            feelings[2] = rng.randint(-3, 3)  # only 20 went through the third moment
        answers.append((rng.randint(0, 10), feelings))  # the score has nothing to do with the feelings
    feed.respond_many(answers)
    feed.refresh()
    page = html(browse(f"/dashboard/journeys/{feed.target.survey.journey_id}"))
    assert "explain only" in page.select_one("#weak-model").text
    third = page.select("#truth-table tbody tr")[2]
    assert "too few customers" in third.text
    assert page.select("#truth-list li") == []  # no moment of truth where nothing is explained
