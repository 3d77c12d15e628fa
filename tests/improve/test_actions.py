"""Improvement actions: a team lead plans one for the own team at a moment, with its goal, owner, dates,
status and themes, links the cases that motivated it and moves it through plan-do-check-act; bad input is
refused per field; another team's lead cannot change it; everyone who sees journeys sees it."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope, system
from nineplus.improve.models import ActionCase, Case, CaseRule, ImprovementAction
from nineplus.improve.service import open_cases
from tests.conftest import html
from tests.factories import World, login
from tests.imports.conftest import build_target
from tests.improve.test_cases import respond


def test_a_team_lead_plans_an_action_links_its_cases_and_moves_it_on(
    client: TestClient, db: Session, bank_a: World
) -> None:
    target = build_target(db, bank_a)
    offer = target.moments[2]
    offer.team_id = bank_a.teams["contact"].id
    db.add(CaseRule(kind="emotion", threshold=-2, service_hours=8, applies_from=utcnow() - timedelta(days=1)))
    db.flush()
    respond(db, target, 5, {2: -3}, at=utcnow() - timedelta(minutes=5))
    open_cases(db, bank_a.org.id)
    db.commit()
    case = db.scalar(select(Case))
    assert case is not None
    case_id, offer_id = case.id, offer.id
    contact, advice, lead = (
        bank_a.teams["contact"].id,
        bank_a.teams["advice"].id,
        bank_a.users["team_lead"].id,
    )
    login(client, db, bank_a.users["team_lead"])
    page = html(client.get("/actions/new"))
    token = page.select_one("input[name=csrf_token]")["value"]
    fields = {
        "csrf_token": token,
        "title": "Offerte binnen vijf werkdagen",
        "goal": "Klanten wachten niet meer weken op hun offerte",
        "moment_id": str(offer_id),
        "team_id": str(contact),
        "owner_id": str(lead),
        "actor": "Binnendienst",
        "starts_on": "2026-11-02",
        "ends_on": "2026-10-01",  # before the start
        "status": "plan",
        "themes": ["wait", "inform"],
    }
    refused = client.post("/actions/new", data=fields)
    assert refused.status_code == 422
    assert html(refused).select_one("#f-ends_on-error") is not None
    other_team = client.post("/actions/new", data={**fields, "ends_on": "", "team_id": str(advice)})
    assert other_team.status_code == 422  # not one of the lead's own teams
    made = client.post("/actions/new", data={**fields, "ends_on": "2027-01-31"})
    assert made.status_code == 303
    action_id = int(made.headers["location"].rsplit("/", 1)[1])
    page = html(client.get(f"/actions/{action_id}"))
    assert [i["value"] for i in page.select("#link-cases input[name=case_ids]")] == [str(case_id)]
    assert (
        client.post(
            f"/actions/{action_id}/cases", data={"csrf_token": token, "case_ids": [str(case_id)]}
        ).status_code
        == 303
    )
    odd = client.post(
        f"/actions/{action_id}", data={**fields, "min_effect_nps": "0", "min_effect_emotion": "x"}
    )
    assert odd.status_code == 422  # a smallest effect of nothing, or no number, is refused per field
    assert html(odd).select_one("#f-min_effect_nps-error") is not None
    assert html(odd).select_one("#f-min_effect_emotion-error") is not None
    moved = client.post(
        f"/actions/{action_id}",
        data={
            **fields,
            "ends_on": "2027-01-31",
            "status": "do",
            "min_effect_nps": "8",
            "min_effect_emotion": "0,4",
        },
    )
    assert moved.status_code == 303
    system(db)
    db.expire_all()
    scope(db, bank_a.org.id)
    action = db.get_one(ImprovementAction, action_id)
    assert (action.status, action.themes, action.moment_id) == ("do", ["inform", "wait"], offer_id)
    assert (action.min_effect_nps, action.min_effect_emotion) == (8.0, 0.4)  # a Dutch decimal comma too
    assert list(db.scalars(select(ActionCase.case_id))) == [case_id]
    assert "Offerte binnen vijf werkdagen" in html(client.get("/actions")).select_one("#actions").text
    # A member sees it but has no form; the advice team's lead could not change it either.
    login(client, db, bank_a.users["member"])
    page = html(client.get(f"/actions/{action_id}"))
    assert page.select_one("#action-form") is None
    assert page.select_one("#action-details") is not None
    assert client.post(f"/actions/{action_id}", data={**fields, "csrf_token": token}).status_code in (
        403,
        404,
    )


def test_an_action_s_effect_is_measured_against_the_teams_without_it(db: Session, bank_a: World) -> None:
    import random
    from datetime import UTC, date, datetime

    from nineplus.feedback.models import Person
    from nineplus.improve.actions import measure

    target = build_target(db, bank_a)
    offer = target.moments[2]
    rng = random.Random(7)
    people = {
        team: [Person(email=f"{team}{i}@example.org", team_id=bank_a.teams[team].id) for i in range(120)]
        for team in ("contact", "advice")
    }
    db.add_all([p for group in people.values() for p in group])
    db.flush()
    start = date(2026, 9, 7)
    for week in range(-12, 12):
        for team, group in people.items():
            for i in range(5):
                lift = 1.5 if team == "contact" and week >= 0 else 0.0  # planted: the feeling, not the NPS
                feeling = max(-3, min(3, round(rng.gauss(-1.0 + lift, 1.0))))
                at = datetime(2026, 9, 8, 10, tzinfo=UTC) + timedelta(weeks=week, days=i % 4)
                respond(
                    db,
                    target,
                    rng.choice([3, 6, 7, 8, 9, 10]),
                    {2: feeling},
                    at=at,
                    person=group[(week * 5 + i) % 120],
                )
    action = ImprovementAction(
        title="Offerte sneller", moment_id=offer.id, team_id=bank_a.teams["contact"].id, starts_on=start
    )
    db.add(action)
    db.flush()
    measured = measure(db, action, today=date(2026, 11, 30))
    assert measured.weeks_after == 12
    assert measured.feeling is not None
    assert measured.feeling.verdict == "improved"
    assert measured.feeling.difference is not None
    assert measured.feeling.difference.low < 1.5 < measured.feeling.difference.high
    assert measured.feeling.controls == (bank_a.teams["advice"].id,)
    assert measured.nps is not None
    assert measured.nps.verdict == "too_little_data"  # 60 respondents a cell cannot settle 5 NPS points
    not_yet = measure(db, action, today=date(2026, 9, 1))
    assert not_yet.why_not is not None
    assert measured.overlapping == ()
    # A second action of the same team at the same moment within the window: the page says their effects
    # cannot be told apart, and the measurement goes on.
    second = ImprovementAction(
        title="Bellen bij vertraging",
        moment_id=offer.id,
        team_id=bank_a.teams["contact"].id,
        starts_on=start + timedelta(weeks=4),
    )
    db.add(second)
    db.flush()
    assert [a.id for a in measure(db, action, today=date(2026, 11, 30)).overlapping] == [second.id]
    assert [a.id for a in measure(db, second, today=date(2026, 11, 30)).overlapping] == [action.id]
    later = measure(db, action, today=date(2026, 9, 14))  # one week in: the second has not started yet
    assert later.overlapping == ()
