"""Cases: the job opens one for a response a rule catches, on the right team, due in working time; the
team works it in the browser; nobody sees another team's or organisation's cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Person, Response
from nineplus.improve.models import Case, CaseNote, CaseRule
from nineplus.improve.service import open_cases
from nineplus.text.service import analyse_organisation
from tests.conftest import html
from tests.factories import World, login
from tests.imports.conftest import Target, build_target
from tests.imports.conftest import respond as answered

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)  # a Wednesday


def respond(
    db: Session, target: Target, nps: int, *args: Any, at: datetime = NOW - timedelta(minutes=10), **kw: Any
) -> Response:
    """A response submitted ten minutes before NOW unless told otherwise."""
    return answered(db, target, nps, *args, at=at, **kw)


@pytest.fixture
def target(db: Session, bank_a: World) -> Target:
    found = build_target(db, bank_a)
    found.moments[2].team_id = bank_a.teams["advice"].id  # the offer belongs to mortgage advice
    rules = [
        CaseRule(kind="nps", threshold=6, service_hours=8),
        CaseRule(kind="emotion", threshold=-2, service_hours=4),
        CaseRule(kind="keyword", value="taxateur", service_hours=16),
    ]
    for rule in rules:
        rule.applies_from = NOW - timedelta(days=1)
    db.add_all(rules)
    db.flush()
    return found


def test_the_job_opens_one_case_per_caught_response_on_the_team_of_the_moment(
    db: Session, bank_a: World, target: Target
) -> None:
    customer = Person(email="klant@example.org", name="Klant", team_id=bank_a.teams["contact"].id)
    db.add(customer)
    db.flush()
    happy = respond(db, target, 9, {0: 2})
    low = respond(db, target, 4, person=customer)
    bad_offer = respond(db, target, 8, {2: -3})
    respond(db, target, 2, at=NOW - timedelta(days=2))  # before the rules applied
    assert open_cases(db, bank_a.org.id, now=NOW) == 2
    assert open_cases(db, bank_a.org.id, now=NOW) == 0  # looked at again: no second case
    cases = {c.response_id: c for c in db.scalars(select(Case))}
    assert set(cases) == {low.id, bad_offer.id}
    assert happy.id not in cases
    assert cases[low.id].team_id == bank_a.teams["contact"].id  # the respondent's team
    assert cases[low.id].reasons == ["nps:4"]
    assert cases[bad_offer.id].team_id == bank_a.teams["advice"].id  # the team that owns the moment
    assert cases[bad_offer.id].moment_id == target.moments[2].id
    # Due in working time: four working hours from when it was opened.
    opened = cases[bad_offer.id].opened_at
    from nineplus.improve.worktime import Office, working_hours_between

    assert working_hours_between(opened, cases[bad_offer.id].due_at, Office()) == pytest.approx(4.0)


def test_a_keyword_rule_waits_for_the_comment_to_be_analysed(
    db: Session, bank_a: World, target: Target
) -> None:
    response = respond(db, target, 8, text="De taxateur kwam pas na drie weken")
    assert open_cases(db, bank_a.org.id, now=NOW) == 0  # not analysed yet: held
    analyse_organisation(db, bank_a.org.id)
    assert open_cases(db, bank_a.org.id, now=NOW) == 1
    case = db.scalar(select(Case))
    assert case is not None
    assert (case.response_id, case.reasons) == (response.id, ["keyword:taxateur"])


def test_the_team_works_a_case_in_the_browser_and_nobody_else_sees_it(
    client: TestClient, db: Session, bank_a: World, bank_b: World, target: Target
) -> None:
    customer = Person(email="klant@example.org", name="Klant", team_id=bank_a.teams["contact"].id)
    db.add(customer)
    db.flush()
    respond(db, target, 3, person=customer, text="Niemand belde terug")
    respond(db, target, 8, {2: -3})  # mortgage advice's case
    analyse_organisation(db, bank_a.org.id)
    open_cases(db, bank_a.org.id, now=NOW)
    db.commit()
    mine = db.scalar(select(Case).where(Case.team_id == bank_a.teams["contact"].id))
    theirs = db.scalar(select(Case).where(Case.team_id == bank_a.teams["advice"].id))
    assert mine is not None
    assert theirs is not None
    mine_id = mine.id
    login(client, db, bank_a.users["member"])  # a member of the contact centre
    listed = html(client.get("/cases"))
    assert [a["href"] for a in listed.select("#cases a")] == [f"/cases/{mine_id}"]
    assert "NPS 3" in listed.select_one("#cases tbody tr").text  # why it was opened
    assert client.get(f"/cases/{theirs.id}").status_code == 404
    page = html(client.get(f"/cases/{mine_id}"))
    assert "Niemand belde terug" in page.select_one("#case-response").text
    token = page.select_one("input[name=csrf_token]")["value"]
    refused = client.post(
        f"/cases/{mine_id}/status", data={"status": "closed", "outcome": "", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "won back" in html(refused).select_one("#case-error").text
    client.post(
        f"/cases/{mine_id}/notes", data={"text": "Klant gebeld, excuses gemaakt", "csrf_token": token}
    )
    done = client.post(
        f"/cases/{mine_id}/status", data={"status": "closed", "outcome": "recovered", "csrf_token": token}
    )
    assert done.status_code == 303
    system(db)
    db.expire_all()
    scope(db, bank_a.org.id)
    closed = db.get(Case, mine_id)
    assert closed is not None
    assert (closed.status, closed.outcome) == ("closed", "recovered")
    assert closed.closed_at is not None
    kinds = [
        n.kind for n in db.scalars(select(CaseNote).where(CaseNote.case_id == mine_id).order_by(CaseNote.id))
    ]
    assert kinds == ["note", "status", "outcome"]
    assert "Klant gebeld" in html(client.get(f"/cases/{mine_id}")).select_one("#case-notes").text
    # Another organisation's user, and a role without cases, see nothing of it.
    login(client, db, bank_b.users["admin"])
    assert client.get(f"/cases/{mine_id}").status_code == 404
    assert html(client.get("/cases")).select("#cases a") == []
    login(client, db, bank_a.users["viewer"])
    assert client.get("/cases").status_code == 403


def test_the_cx_lead_adds_and_switches_rules_and_bad_input_is_refused_in_words(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get("/cases/rules"))
    assert page.select_one("#no-rules") is not None
    token = page.select_one("input[name=csrf_token]")["value"]

    def add(**fields: str):  # type: ignore[no-untyped-def]
        return client.post("/cases/rules/new", data={"csrf_token": token, **fields})

    refused = add(kind="nps", threshold="11", service_hours="16")
    assert refused.status_code == 422
    assert "0 to 10" in html(refused).select_one("#f-threshold-error").text
    refused = add(kind="keyword", keyword="", service_hours="0")
    assert refused.status_code == 422
    errors = html(refused)
    assert errors.select_one("#f-keyword-error") is not None
    assert errors.select_one("#f-service_hours-error") is not None
    assert add(kind="nps", threshold="6", service_hours="16").status_code == 303
    assert add(kind="theme", theme="wait", service_hours="8").status_code == 303
    system(db)
    scope(db, bank_a.org.id)
    found = {(r.kind, r.threshold, r.value, r.active) for r in db.scalars(select(CaseRule))}
    assert found == {("nps", 6, None, True), ("theme", None, "wait", True)}
    nps = db.scalar(select(CaseRule).where(CaseRule.kind == "nps"))
    assert nps is not None
    nps_id = nps.id
    assert client.post(f"/cases/rules/{nps_id}/switch", data={"csrf_token": token}).status_code == 303
    system(db)
    db.expire_all()
    scope(db, bank_a.org.id)
    assert db.get_one(CaseRule, nps_id).active is False
    assert "Waiting" in html(client.get("/cases/rules")).select_one("#rules").text
    login(client, db, bank_a.users["team_lead"])
    assert client.get("/cases/rules").status_code == 403


def test_a_case_on_a_moment_archived_since_and_an_action_of_a_team_without_data_read_clearly(
    client: TestClient, db: Session, bank_a: World, target: Target
) -> None:
    from nineplus.improve.actions import measure
    from nineplus.improve.models import ImprovementAction
    from nineplus.journeys.service import set_moment_archived

    respond(db, target, 8, {2: -3})
    open_cases(db, bank_a.org.id, now=NOW)
    set_moment_archived(db, bank_a.principal(db, "cx_lead"), target.moments[2].id, archived=True)
    db.commit()
    case = db.scalar(select(Case))
    assert case is not None
    case_id = case.id
    login(client, db, bank_a.users["admin"])
    page = html(client.get(f"/cases/{case_id}"))
    assert "Offerte ontvangen" in page.select_one("#case-summary").text  # the archived moment, by name
    system(db)
    scope(db, bank_a.org.id)
    action = ImprovementAction(
        title="Sneller",
        moment_id=target.moments[0].id,
        team_id=bank_a.teams["advice"].id,
        starts_on=NOW.date(),
    )
    db.add(action)
    db.flush()
    measured = measure(db, action, today=NOW.date() + timedelta(weeks=2))
    assert measured.feeling is not None
    assert measured.feeling.verdict == "too_little_data"  # a team with no respondents at all
    assert measured.feeling.cells["treated_before"][0] == 0
