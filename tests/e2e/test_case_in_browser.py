"""A CX lead opens the demo's cases, works one (a note, a refused close without an outcome, then closing it
as won back) in Chromium, and the page says so; the pages pass axe-core."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import Databases
from tests.e2e.axe import violations
from tests.e2e.conftest import BIN, free_port, live_env, open_page, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = live_env(databases, tmp_path_factory)
    subprocess.run(
        [BIN / "nineplus", "demo", "load", "--lang", "en"], env=env, check=True, capture_output=True
    )
    yield from serve(env, tmp_path_factory, free_port())


def test_a_case_is_worked_and_closed_in_the_browser(demo_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, demo_server, "admin@polderbank.example", "demo-nineplus-2026", "/cases")
    page.click("button[name=locale][value=en]")  # the demo admin reads Dutch; this test reads English
    page.wait_for_load_state()
    page.goto(f"{demo_server}/cases")
    first = page.locator("#cases tbody tr a").first
    assert first.count() == 1
    assert violations(page) == []
    first.click()
    page.wait_for_selector("#case-summary")
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
    assert [e for e in errors if "status of 422" not in e] == []  # (the refused close answers 422)
