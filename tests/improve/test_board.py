"""Team boards: a team's member sees the team's score against its target, this week's comments with
personal data masked, the open cases and the running actions; nobody else's board; a board link shows that
board alone, without login, refreshing itself, until it is revoked; the weekly digest reaches each member
once per week, in the member's language, through a real SMTP server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nineplus.accounts.models import User
from nineplus.core.models import utcnow
from nineplus.core.tenancy import system
from nineplus.feedback.models import Person
from nineplus.improve.digest import queue_digests, week_due
from nineplus.improve.models import BoardDigest, BoardLink, Case, CaseRule, GrowthTarget, ImprovementAction
from nineplus.improve.service import open_cases
from nineplus.jobs import runner
from nineplus.text.service import analyse_organisation
from tests import factories
from tests.conftest import html
from tests.core.test_mail import Inbox, smtp  # noqa: F401 (a fixture)
from tests.factories import World, login
from tests.imports.conftest import build_target, respond

SECRET = "bel me op 06-12345678 of mail jan.de.vries@example.org"


def _team_with_a_week(db: Session, world: World) -> tuple[int, str]:
    """The contact team's customers answered over the last weeks; one detractor this week left a comment
    with a phone number and an e-mail address; a rule opens cases for detractors; an action and a growth
    target are running. Returns the team and the action's title."""
    target = build_target(db, world)
    contact = world.teams["contact"].id
    target.moments[2].team_id = contact
    db.add(CaseRule(kind="nps", threshold=6, service_hours=16, applies_from=utcnow() - timedelta(days=1)))
    now = utcnow()
    for i in range(40):
        person = Person(email=f"board{i}@example.org", team_id=contact)
        db.add(person)
        db.flush()
        when = now - timedelta(days=2 + i % 40, hours=1)
        respond(db, target, [9, 10, 8, 7, 9][i % 5], at=when, person=person, text="Prima geholpen, dank")
    unhappy = Person(email="boos@example.org", team_id=contact)
    db.add(unhappy)
    db.flush()
    respond(
        db,
        target,
        2,
        {2: -3},
        text=f"Niemand belde terug, {SECRET}",
        at=now - timedelta(minutes=30),
        person=unhappy,
    )
    title = "Terugbelbelofte binnen een dag"
    db.add(
        ImprovementAction(
            title=title,
            moment_id=target.moments[2].id,
            team_id=contact,
            starts_on=now.date() - timedelta(days=14),
        )
    )
    db.add(
        GrowthTarget(
            team_id=contact,
            starts_on=now.date() - timedelta(days=30),
            ends_on=now.date() + timedelta(days=150),
            baseline=20.0,
            baseline_n=80,
            target=30.0,
        )
    )
    db.flush()
    open_cases(db, world.org.id, notify_teams=False)
    analyse_organisation(db, world.org.id)
    db.commit()
    return contact, title


def test_a_member_sees_the_team_board_and_no_other(client: TestClient, db: Session, bank_a: World) -> None:
    contact, title = _team_with_a_week(db, bank_a)
    case = db.scalar(select(Case))
    assert case is not None
    case_id = case.id
    login(client, db, bank_a.users["member"])
    assert f'href="/boards/{contact}"' in client.get("/boards").text
    page = html(client.get(f"/boards/{contact}"))
    assert page.select_one("#board-score .stat__value").text.strip().startswith(("+", "-"))
    assert "30" in page.select_one("#board-target .stat__value").text
    quotes = page.select_one("#board-quotes").text
    assert "Niemand belde terug" in quotes
    assert "06-12345678" not in page.text
    assert "jan.de.vries@example.org" not in page.text
    assert f"#{case_id}" in page.select_one("#board-open-cases").text
    assert title in page.select_one("#board-running-actions").text
    assert page.select_one("#board-trend svg") is not None
    assert page.select_one("#board-links") is None  # a member makes no board links
    assert client.get(f"/boards/{bank_a.teams['advice'].id}").status_code == 404  # not the member's team
    # A viewer of every team sees the scores and the actions, not the customers' words or the cases.
    login(client, db, bank_a.users["viewer"])
    seen = html(client.get(f"/boards/{contact}"))
    assert title in seen.select_one("#board-running-actions").text
    assert "Niemand belde terug" not in seen.text
    assert f"#{case_id}" not in seen.select_one("#board-open-cases").text


def test_a_board_link_shows_that_board_alone_until_it_is_revoked(
    client: TestClient, db: Session, bank_a: World
) -> None:
    contact, title = _team_with_a_week(db, bank_a)
    login(client, db, bank_a.users["team_lead"])
    page = html(client.get(f"/boards/{contact}"))
    token = page.select_one("input[name=csrf_token]")["value"]
    refused = client.post(f"/boards/{contact}/links", data={"csrf_token": token, "label": ""})
    assert refused.status_code == 422
    made = html(
        client.post(f"/boards/{contact}/links", data={"csrf_token": token, "label": "TV in de teamruimte"})
    )
    url = made.select_one("#new-link code").text
    secret = url.rsplit("/", 1)[1]
    assert len(secret) >= 30
    system(db)
    link = db.scalar(select(BoardLink))
    assert link is not None
    assert secret not in link.token_hash  # only its hash is kept
    link_id = link.id
    client.cookies.clear()  # the screen in the team room is logged in as nobody
    screen = client.get(f"/board/{secret}")
    assert screen.status_code == 200
    shown = html(screen)
    assert shown.select_one("#main")["hx-trigger"] == "every 300s"  # it fetches itself again
    assert title in shown.text
    assert shown.select_one("a[href^='/cases/']") is None  # no way into the app from the screen
    assert shown.select_one("a[href^='/actions/']") is None
    assert "06-12345678" not in shown.text
    assert screen.headers["Cache-Control"] == "no-store"
    assert client.get("/board/not-a-real-token").status_code == 404
    system(db)
    db.expire_all()
    assert db.scalar(select(BoardLink.last_used_at)) is not None  # "last opened", for the lead to see
    assert client.get(f"/boards/{contact}").status_code in (303, 401)  # the link opens the board alone
    login(client, db, bank_a.users["member"])
    assert client.post(
        f"/boards/{contact}/links/{link_id}/revoke", data={"csrf_token": token}
    ).status_code in (403, 404)
    login(client, db, bank_a.users["team_lead"])
    token = html(client.get(f"/boards/{contact}")).select_one("input[name=csrf_token]")["value"]
    assert (
        client.post(f"/boards/{contact}/links/{link_id}/revoke", data={"csrf_token": token}).status_code
        == 303
    )
    client.cookies.clear()
    assert client.get(f"/board/{secret}").status_code == 404
    # The screen's own refresh (htmx) is told to load the page whole, so the board does not linger.
    refresh = client.get(f"/board/{secret}", headers={"HX-Request": "true"})
    assert (refresh.status_code, refresh.headers.get("HX-Refresh")) == (404, "true")


def test_the_digest_is_due_from_monday_seven_in_the_organisation_s_time() -> None:
    from zoneinfo import ZoneInfo

    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert week_due(datetime(2026, 11, 30, 5, 30, tzinfo=UTC), amsterdam) is None  # Monday 6:30 there
    assert week_due(datetime(2026, 11, 30, 6, 30, tzinfo=UTC), amsterdam) == date(2026, 11, 30)
    assert week_due(datetime(2026, 12, 3, 12, tzinfo=UTC), amsterdam) == date(2026, 11, 30)  # later that week


def test_each_member_gets_the_weekly_digest_once_in_the_own_language(
    committed_session: Session,
    smtp: Inbox,  # noqa: F811
) -> None:
    db = committed_session
    world = factories.bank(db, "Digest Bank", prefix="d")
    contact, title = _team_with_a_week(db, world)
    system(db)
    db.execute(update(User).where(User.id == world.users["member"].id).values(locale="nl"))
    db.commit()
    runner.run_pending()
    smtp.messages.clear()  # (the factory's invitations)
    monday = datetime(2026, 11, 30, 9, tzinfo=UTC)  # 10:00 in Amsterdam
    queue_digests(db, monday)
    queue_digests(db, monday + timedelta(hours=1))  # the job runs every hour: once a week all the same
    runner.run_pending()
    assert len(smtp.messages) == 2  # once per member, though the job ran twice
    told = {m["To"]: m for m in smtp.messages}
    assert set(told) == {world.users["team_lead"].email, world.users["member"].email}  # the contact team
    english = told[world.users["team_lead"].email]
    assert world.teams["contact"].name in english["Subject"]
    body = english.get_content()
    assert "Our NPS over the last 4 weeks" in body
    assert title in body
    assert "customer is waiting for us" in body or "customers are waiting for us" in body
    assert "06-12345678" not in body
    assert f"https://cx.example.org/boards/{contact}" in body
    dutch = told[world.users["member"].email].get_content()
    assert "Onze NPS over de laatste 4 weken" in dutch
    system(db)
    assert db.scalar(select(BoardDigest.team_id).where(BoardDigest.team_id == contact)) == contact


def test_a_team_with_no_data_gets_a_board_that_says_so(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["cx_lead"])
    page = client.get(f"/boards/{bank_a.teams['advice'].id}")
    assert page.status_code == 200
    board = html(page)
    assert board.select_one("#board-score .stat__value").text.strip() == "–"
    assert board.select_one("#board-trend svg") is None
    assert board.select_one("#board-trend p.muted") is not None
    assert board.select_one("#board-quotes p.muted") is not None
    assert board.select_one("#board-open-cases p.muted") is not None
    assert board.select_one("#board-running-actions p.muted") is not None
