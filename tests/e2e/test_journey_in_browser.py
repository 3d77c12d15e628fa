"""A CX lead logs in, builds a journey with three moments and a workshop's expected curve, and sees
exactly those emotions on the journey map."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.axe import violations
from tests.e2e.conftest import open_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_a_cx_lead_maps_a_journey_and_its_expected_curve(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, live_server, "lead@e2e.example", PASSWORD, "/journeys")

    page.goto(f"{live_server}/journeys/new")
    page.fill("[name='name.en']", "Open a savings account")
    page.fill("[name='name.nl']", "Spaarrekening openen")
    page.locator("input[name='start_feeling'][value='1']").check(force=True)
    page.click("#journey-form button[type=submit]")
    page.wait_for_selector("text=Journey created")
    journey_url = page.url

    moments = [
        ("Compare accounts online", "touchpoint", "web", "standard"),
        ("Waiting for the welcome pack", "customer_only", "", "standard"),
        ("Complaint about the interest", "touchpoint", "email", "potential"),
    ]
    for index, (name, contact, channel, kind) in enumerate(moments):
        page.goto(f"{journey_url}/moments/new")
        page.fill("[name='name.en']", name)
        page.select_option("[name='contact']", contact)
        page.select_option("[name='kind']", kind)
        page.select_option("[name='channel']", channel)
        page.click("#moment-form button[type=submit] >> nth=0")
        page.wait_for_selector(f"#moments-table tbody tr:nth-child({index + 1})")
    rows = page.locator("#moments-table tbody tr")
    assert rows.count() == 3
    assert violations(page) == []
    assert [rows.nth(i).locator("td").nth(1).locator(".strong").inner_text() for i in range(3)] == [
        m[0] for m in moments
    ]

    page.click("text=New workshop")
    page.fill("[name='title']", "Savings walk-through")
    page.fill("[name='held_on']", "2026-10-01")
    page.click("#workshop-new button[type=submit]")
    page.wait_for_selector("#workshop-form")
    expected = [2, -3, 1]
    for i, value in enumerate(expected):
        page.locator(f"input[name='entries.{i}.expected_emotion'][value='{value}']").check(force=True)
    page.fill("[name='entries.1.today']", "Nobody tells the customer when the pack will come.")
    page.click("#workshop-form .form-actions button[type=submit]")
    page.wait_for_selector("text=Workshop saved")

    page.goto(f"{journey_url}/map")
    assert violations(page) == []
    svg = page.locator("#journey-map svg")
    assert svg.count() == 1
    points = page.locator("#journey-map svg circle.curve-point[data-curve='0']")
    assert [
        int(points.nth(i).get_attribute("data-emotion") or "x") for i in range(points.count())
    ] == expected
    start = page.locator("#journey-map svg .start-point[data-curve='0']")
    assert start.get_attribute("data-emotion") == "1"
    ys = [float(points.nth(i).get_attribute("cy") or "0") for i in range(points.count())]
    assert ys[1] > ys[2] > ys[0]  # SVG y grows downwards: -3 lowest, then +1, then +2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "journey-map.png"), full_page=True)
    assert errors == []


def test_the_accessibility_check_catches_a_real_violation(browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_context(bypass_csp=True).new_page()
    page.set_content('<html lang="en"><body><main><img src="x.png"><button></button></main></body></html>')
    found = violations(page)
    assert any(line.startswith("image-alt") for line in found)
    assert any(line.startswith("button-name") for line in found)
