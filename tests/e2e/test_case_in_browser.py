"""In Chromium, on the demo: a CX lead finds a detractor's case on its team's board, works it (a note, a
refused close without an outcome, then closing it as won back) and sees it leave the board; the team's lead
puts the board on the team room's screen with a board link, and revokes it; the pages pass axe-core."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Databases
from tests.e2e.axe import violations
from tests.e2e.conftest import BIN, free_port, live_env, open_page, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_env(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = live_env(databases, tmp_path_factory)
    subprocess.run(
        [BIN / "nineplus", "demo", "load", "--lang", "en"], env=env, check=True, capture_output=True
    )
    return env


@pytest.fixture(scope="module")
def demo_server(demo_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve(demo_env, tmp_path_factory, free_port())


def _detractor_answers(env: dict[str, str], base: str) -> tuple[str, int]:
    """A customer answers the demo survey through its public link: a 2, and -3 at the orientation meeting;
    the job runner (off in the live server) then runs once, as it would within two minutes. Returns the
    team that owns the meeting and the case's number."""
    engine = create_engine(env["NINEPLUS_DATABASE_URL"])
    with engine.connect() as c:
        key = c.execute(text("select public_key from surveys where audience = 'customer'")).scalar_one()
        questions = dict(
            c.execute(
                text(
                    "select q.key, q.id from questions q join survey_versions v on v.id = q.version_id"
                    " join surveys s on s.id = v.survey_id where s.audience = 'customer'"
                )
            ).all()
        )
        moments = c.execute(text("select id, name, team_id from moments")).all()
        names = {m.id: (json.loads(m.name) if isinstance(m.name, str) else m.name) for m in moments}
        meeting = next(m for m in moments if names[m.id]["en"] == "Orientation meeting at the branch")
        team = c.execute(text("select name from teams where id = :id"), {"id": meeting.team_id}).scalar_one()
        before = c.execute(text("select coalesce(max(id), 0) from cases")).scalar_one()
    body = {
        "client_id": "e2e-detractor-0001",
        "locale": "en",
        "moments_experienced": [meeting.id],
        "answers": [
            {"question_id": questions["nps"], "value": 2},
            {"question_id": questions["emotion"], "moment_id": meeting.id, "value": -3},
            {"question_id": questions["why"], "value": "The adviser had not read my file and rushed me out."},
        ],
    }
    reply = httpx.post(f"{base}/api/v1/public/surveys/{key}/responses", json=body, timeout=10)
    assert reply.status_code == 201, reply.text
    subprocess.run([BIN / "nineplus", "jobs", "run"], env=env, check=True, capture_output=True)
    with engine.connect() as c:
        case = c.execute(text("select id from cases where id > :before"), {"before": before}).scalar_one()
    engine.dispose()
    return team, case


def test_a_detractor_s_case_is_found_on_the_team_board_worked_and_closed(  # type: ignore[no-untyped-def]
    demo_env: dict[str, str], demo_server: str, browser
) -> None:
    team, number = _detractor_answers(demo_env, demo_server)
    page, errors = open_page(
        browser, demo_server, "admin@polderbank.example", "demo-nineplus-2026", "/boards"
    )
    page.click("button[name=locale][value=en]")  # the demo admin reads Dutch; this test reads English
    page.wait_for_load_state()
    page.goto(f"{demo_server}/boards")
    page.click(f"#boards a:text('{team}')")
    page.wait_for_selector("#board-open-cases")
    assert violations(page) == []
    detractor = page.locator("#board-open-cases li", has_text=f"#{number}")
    assert detractor.count() == 1  # on the board of the team that owns the moment
    assert "NPS 2" in detractor.inner_text()
    detractor.locator("a").click()
    page.wait_for_selector("#case-summary")
    assert team in page.locator("#case-summary").inner_text()
    assert page.locator("#case-summary .badge").inner_text() in ("open", "overdue")
    page.fill("#note-form textarea[name=text]", "Called the customer and apologised")
    page.click("#note-form button[type=submit]")
    page.wait_for_selector("text=Note added.")
    assert "Called the customer and apologised" in page.locator("#case-notes").inner_text()
    page.select_option("#status-form select[name=status]", "closed")
    page.click("#status-form button[type=submit]")
    page.wait_for_selector("#case-error")
    assert "won back" in page.locator("#case-error").inner_text()
    page.select_option("#status-form select[name=status]", "closed")
    page.select_option("#status-form select[name=outcome]", "recovered")
    page.click("#status-form button[type=submit]")
    page.wait_for_selector("text=Case closed.")
    assert "won back" in page.locator("#case-summary .badge").inner_text()
    assert violations(page) == []
    page.goto(f"{demo_server}/boards")
    page.click(f"#boards a:text('{team}')")
    page.wait_for_selector("#board-open-cases")
    assert f"#{number}" not in page.locator("#board-open-cases").inner_text()  # worked: off the board
    assert [e for e in errors if "status of 422" not in e] == []  # (the refused close answers 422)


def test_a_team_lead_puts_the_board_on_the_team_room_screen_and_revokes_it(demo_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(
        browser, demo_server, "ayse.demir@polderbank.example", "demo-nineplus-2026", "/boards"
    )
    page.click("#boards a:text('Hypotheekadvies')")
    page.fill("#link-form input[name=label]", "TV teamruimte")
    page.click("#link-form button[type=submit]")
    page.wait_for_selector("#new-link code")
    link = page.locator("#new-link code").inner_text()
    # The screen is logged in as nobody (bypass_csp only lets the test inject axe-core).
    screen = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True).new_page()
    answer = screen.goto(demo_server + "/board/" + link.rsplit("/", 1)[1])
    assert answer is not None
    assert answer.status == 200
    assert screen.locator("h1").inner_text() == "Hypotheekadvies"
    assert "weekly status message" in screen.locator("#board-running-actions").inner_text()
    assert screen.locator("#board-score .stat__value").inner_text().strip() != ""
    assert screen.locator("a[href^='/']").count() == 0  # nothing on the screen leads into the app
    assert violations(screen) == []
    page.click("#board-links form[action$='/revoke'] button")
    page.wait_for_load_state()
    gone = screen.reload()
    assert gone is not None
    assert gone.status == 404
    assert errors == []


def test_a_cx_lead_reads_a_demo_scan_and_downloads_its_report(demo_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(
        browser, demo_server, "marloes.bakker@polderbank.example", "demo-nineplus-2026", "/scans"
    )
    page.locator("#runs a").first.click()
    page.wait_for_selector("#scan-advice")
    assert page.locator("#scan-radar svg").count() == 1
    assert page.locator("#scan-dimensions tbody tr").count() >= 4
    assert violations(page) == []
    report = page.request.get(demo_server + page.locator("#scan-report").get_attribute("href"))
    assert report.status == 200
    assert report.headers["content-type"] == "application/pdf"
    assert report.body()[:5] == b"%PDF-"
    assert errors == []
