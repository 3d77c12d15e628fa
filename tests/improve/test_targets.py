"""Growth targets: a team grows from its own baseline; a team below the basic level gets a steeper target;
progress comes with its interval and says "reached" only when the interval does; a target changed after
its period started needs a reason and goes to the audit log as such; a team with no answers has no
baseline and gets a clear message; another team's lead cannot change it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.analytics.scores import Nps
from nineplus.audit.models import AuditEvent
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Person
from nineplus.improve.models import GrowthTarget
from nineplus.improve.targets import GROWTH, STEEP, progress, suggest
from tests.conftest import html
from tests.factories import World, login
from tests.imports.conftest import Target, build_target, respond


def test_a_team_below_the_basic_level_gets_a_steeper_target() -> None:
    assert suggest(30.0, 0.0) is not None
    assert suggest(30.0, 0.0).target == 30 + GROWTH  # type: ignore[union-attr]
    low = suggest(-8.0, 0.0)
    assert low is not None
    assert (low.target, low.steeper) == (-8 + STEEP, True)
    far = suggest(-60.0, 0.0)  # far below: half the way to the basic level, more than STEEP
    assert far is not None
    assert far.target == -30
    assert suggest(None, 0.0) is None  # no baseline: nothing to grow from


def test_progress_says_reached_only_when_the_interval_does() -> None:
    goal = GrowthTarget(baseline=10.0, baseline_n=300, target=15.0, basic_level=0.0)
    clear = progress(Nps(400, 240, 40), goal, ended=False)  # NPS 50, interval well above 15
    assert clear.verdict == "reached"
    assert clear.growth is not None
    assert clear.growth[1] < 40 < clear.growth[2]
    close = progress(Nps(100, 40, 22), goal, ended=False)  # NPS 18 from 100: the interval covers 15
    assert close.verdict == "too_early"
    short = progress(Nps(400, 80, 200), goal, ended=False)  # NPS -30: wholly below
    assert short.verdict == "not_yet"
    assert progress(Nps(400, 80, 200), goal, ended=True).verdict == "not_reached"
    assert progress(Nps(0, 0, 0), goal, ended=False).verdict == "no_answers"


def _answers(db: Session, target: Target, team_id: int, scores: list[int], at: datetime) -> None:
    for i, score in enumerate(scores):
        person = Person(email=f"t{team_id}-{at:%m%d}-{i}@example.org", team_id=team_id)
        db.add(person)
        db.flush()
        respond(db, target, score, at=at, person=person)


def test_a_lead_sets_a_target_from_the_baseline_and_a_later_change_is_audited(
    client: TestClient, db: Session, bank_a: World
) -> None:
    survey = build_target(db, bank_a)
    contact, advice = bank_a.teams["contact"].id, bank_a.teams["advice"].id
    # Before the period: the contact team's customers gave 30 detractors and 10 promoters (NPS -40).
    _answers(db, survey, contact, [3] * 30 + [10] * 10 + [8] * 10, datetime(2026, 3, 10, 10, tzinfo=UTC))
    db.commit()
    login(client, db, bank_a.users["team_lead"])
    page = html(client.get(f"/targets/new?team={contact}&starts_on=2026-07-01"))
    suggestion = page.select_one("#suggestion")
    assert suggestion is not None
    assert "-40" in suggestion.text
    assert page.select_one("#f-target")["value"] == "-20"  # half the way to the basic level of 0
    token = page.select_one("input[name=csrf_token]")["value"]
    fields = {
        "csrf_token": token,
        "team_id": str(contact),
        "starts_on": "2026-07-01",
        "ends_on": "2026-06-01",
    }
    refused = client.post("/targets/new", data={**fields, "basic_level": "0", "target": "abc"})
    assert refused.status_code == 422
    assert html(refused).select_one("#f-ends_on-error") is not None
    assert html(refused).select_one("#f-target-error") is not None
    other = client.post(
        "/targets/new",
        data={**fields, "team_id": str(advice), "ends_on": "2026-12-31", "basic_level": "0", "target": "5"},
    )
    assert other.status_code == 422  # not the lead's own team
    made = client.post(
        "/targets/new", data={**fields, "ends_on": "2026-12-31", "basic_level": "0", "target": "-20"}
    )
    assert made.status_code == 303
    target_id = int(made.headers["location"].rsplit("/", 1)[1])
    again = client.post(
        "/targets/new", data={**fields, "ends_on": "2026-09-30", "basic_level": "0", "target": "-20"}
    )
    assert again.status_code == 422  # one target per team and period
    system(db)
    goal = db.scalar(select(GrowthTarget).where(GrowthTarget.id == target_id))
    assert goal is not None
    assert (goal.baseline, goal.baseline_n, goal.steeper) == (-40.0, 50, True)
    # The period has started (today is after 1 July 2026): any change needs its own reason (the standing
    # note is no reason), and is audited as a change after the start.
    page = html(client.get(f"/targets/{target_id}"))
    assert page.select_one("#f-reason") is not None
    form = {
        "csrf_token": token,
        "starts_on": "2026-07-01",
        "ends_on": "2026-12-31",
        "basic_level": "0",
        "note": "Eerst de basis op orde",
    }
    silent = client.post(f"/targets/{target_id}", data={**form, "target": "-30"})
    assert silent.status_code == 422
    assert html(silent).select_one("#f-reason-error") is not None
    quiet = client.post(f"/targets/{target_id}", data={**form, "target": "-20", "ends_on": "2027-03-31"})
    assert quiet.status_code == 422  # the end date too
    moved = client.post(
        f"/targets/{target_id}", data={**form, "starts_on": "2026-08-01", "target": "-20", "reason": "x"}
    )
    assert moved.status_code == 422  # the start of a running period stays
    long = client.post(f"/targets/{target_id}", data={**form, "target": "-30", "reason": "x" * 1001})
    assert long.status_code == 422
    changed = client.post(
        f"/targets/{target_id}", data={**form, "target": "-30", "reason": "Reorganisatie in juli"}
    )
    assert changed.status_code == 303
    system(db)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "target.change_after_start"))
    assert event is not None
    assert (event.before, event.after, event.reason) == (
        {"target": -20.0},
        {"target": -30.0},
        "Reorganisatie in juli",
    )
    page = html(client.get(f"/targets/{target_id}"))
    assert "Reorganisatie in juli" in page.select_one("#target-history").text
    listed = html(client.get("/targets")).select_one(f"#target-{target_id}")
    assert listed is not None
    assert listed.select_one(".steeper") is not None
    # A member of the team sees it and cannot change it.
    login(client, db, bank_a.users["member"])
    assert html(client.get(f"/targets/{target_id}")).select_one("#target-form") is None
    assert client.post(f"/targets/{target_id}", data={**form, "target": "0", "reason": "x"}).status_code in (
        403,
        404,
    )


def test_a_team_without_answers_has_no_baseline_and_is_told_so(
    client: TestClient, db: Session, bank_a: World
) -> None:
    build_target(db, bank_a)
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    advice = bank_a.teams["advice"].id
    page = html(client.get(f"/targets/new?team={advice}&starts_on=2026-07-01"))
    assert (
        "no baseline" in page.select_one("#suggestion").text or "geen" in page.select_one("#suggestion").text
    )
    token = page.select_one("input[name=csrf_token]")["value"]
    made = client.post(
        "/targets/new",
        data={
            "csrf_token": token,
            "team_id": str(advice),
            "starts_on": "2026-07-01",
            "ends_on": "2026-12-31",
            "basic_level": "0",
            "target": "10",
        },
    )
    assert made.status_code == 303
    page = html(client.get("/targets"))
    assert page.select_one("#targets") is not None
    scope(db, bank_a.org.id)
    goal = db.scalar(select(GrowthTarget))
    assert goal is not None
    assert (goal.baseline, goal.steeper) == (None, False)
    assert date(2026, 7, 1) == goal.starts_on


def test_a_target_set_ahead_is_measured_again_once_its_period_starts_and_never_overlaps(
    client: TestClient, db: Session, bank_a: World
) -> None:
    """Set before its period, a target's baseline covers the months before it only so far; the hourly
    job measures it again once the period has started. Moving it onto another target's period is refused
    per field, not a server error."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from nineplus.core.models import utcnow
    from nineplus.improve.targets import settle_baselines

    survey = build_target(db, bank_a)
    contact = bank_a.teams["contact"].id
    today = utcnow().astimezone(ZoneInfo(bank_a.org.timezone)).date()
    _answers(
        db,
        survey,
        contact,
        [9] * 20 + [3] * 10,
        datetime.combine(today - timedelta(days=20), datetime.min.time(), UTC),
    )
    db.commit()
    login(client, db, bank_a.users["team_lead"])
    token = html(client.get("/targets/new")).select_one("input[name=csrf_token]")["value"]
    start, end = today + timedelta(days=10), today + timedelta(days=190)
    fields = {"csrf_token": token, "team_id": str(contact), "basic_level": "0", "target": "40"}
    first = client.post("/targets/new", data={**fields, "starts_on": str(start), "ends_on": str(end)})
    later = client.post(
        "/targets/new",
        data={**fields, "starts_on": str(end + timedelta(days=1)), "ends_on": str(end + timedelta(days=90))},
    )
    assert (first.status_code, later.status_code) == (303, 303)
    first_id = int(first.headers["location"].rsplit("/", 1)[1])
    later_id = int(later.headers["location"].rsplit("/", 1)[1])
    form = {"csrf_token": token, "basic_level": "0", "target": "40", "note": ""}
    onto = client.post(
        f"/targets/{later_id}",
        data={**form, "starts_on": str(start), "ends_on": str(end + timedelta(days=90))},
    )
    assert onto.status_code == 422  # the same start as the other: refused, not a 500
    assert html(onto).select_one("#f-starts_on-error") is not None
    system(db)
    goal = db.scalar(select(GrowthTarget).where(GrowthTarget.id == first_id))
    assert goal is not None
    assert (goal.baseline, goal.baseline_n, goal.baseline_until) == (100 * 10 / 30, 30, today)
    assert "so far" in html(client.get(f"/targets/{first_id}")).select_one("#target-progress").text
    # The start comes, with answers in the days before it; once the period has started the job measures
    # the baseline again (here the start is moved to yesterday rather than waiting for it).
    scope(db, bank_a.org.id)
    _answers(
        db, survey, contact, [3] * 30, datetime.combine(today - timedelta(days=3), datetime.min.time(), UTC)
    )
    db.execute(
        GrowthTarget.__table__.update()
        .where(GrowthTarget.id == first_id)
        .values(starts_on=today - timedelta(days=1), baseline_until=today - timedelta(days=5))
    )
    db.commit()
    settle_baselines(db, {})
    system(db)
    db.expire_all()
    goal = db.scalar(select(GrowthTarget).where(GrowthTarget.id == first_id))
    assert goal is not None
    assert (goal.baseline_until, goal.baseline_n) == (today - timedelta(days=2), 60)
    assert goal.baseline == pytest.approx(100 * (20 - 40) / 60)
