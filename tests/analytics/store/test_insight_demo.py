"""The demo organisation's planted effects, as a new user sees them on first start: waiting for the offer
(a moment with no contact) as the moment of truth with its interval and the quadrant, retention that stops
rising at 8, and an employee-customer link in the effect chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts import auth
from nineplus.accounts.models import User
from nineplus.analytics.store import get_store
from nineplus.core.db import get_engine
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import system
from nineplus.demo.loader import demo_login, load_demo
from nineplus.journeys.models import Journey
from nineplus.web.app import create_app
from nineplus.web.deps import SESSION_COOKIE
from tests.conftest import html


@pytest.fixture
def demo(committed_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable]:
    monkeypatch.setenv("NINEPLUS_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    org, _ = load_demo(committed_session)
    committed_session.commit()
    store = get_store(tmp_path / "analytics.duckdb")
    store.refresh(get_engine())
    system(committed_session)
    admin = committed_session.scalars(select(User).where(User.email == demo_login()[0])).one()
    admin.locale = "en"  # the demo admin reads Dutch; these tests read the English words
    token = auth.start_session(committed_session, admin)
    committed_session.commit()
    journey = committed_session.scalars(
        select(Journey).where(Journey.organisation_id == org.id).order_by(Journey.id)
    ).first()
    with TestClient(create_app(run_jobs=False), follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, token)

        def get(path: str):  # type: ignore[no-untyped-def]
            return client.get(path.format(journey=journey.id), headers={"Accept-Language": "en"})

        yield get
    store.close()


def test_the_demo_shows_its_planted_moment_of_truth_plateau_and_chain(demo) -> None:  # type: ignore[no-untyped-def]
    page = html(demo("/dashboard/journeys/{journey}"))
    truths = page.select("#truth-list li")
    assert truths[0].strong.text == "Waiting for the offer"
    assert "no contact" in truths[0].text
    assert truths[0].select_one(".muted").text.count("%") == 2  # its interval
    assert page.select_one("#quadrant svg") is not None
    assert "Waiting for the offer" not in page.select_one("#touchpoints").text

    retention = html(demo("/dashboard/retention?by=segment"))
    readings = [section.text for section in retention.select(".retention-reading")]
    assert "up to 8 and stops rising after it" in readings[0]
    assert len(readings) == 3  # every customer, starters, movers

    chain = html(demo("/dashboard/chain"))
    assert "not proof" in chain.select_one("#not-proof").text
    employee = chain.select_one("#link-employee-customer").text
    assert "Where the employee score (eNPS) was higher, the customer score (NPS) was higher" in employee
    assert "4 teams" in employee
    assert "Where the retention" in chain.select_one("#link-retention-revenue").text


def test_the_demo_s_comments_show_a_moment_s_story_and_a_subject_missing_from_the_map(demo) -> None:  # type: ignore[no-untyped-def]
    page = html(demo("/dashboard/journeys/{journey}"))
    raised = page.select("#raised-moments .candidate")
    assert raised
    assert "taxat" in raised[0].strong.text  # the valuation: customers raise it, the map lacks it
    assert raised[0].select("blockquote")
    waiting = next(a["href"] for a in page.select("#measured-table a") if a.text == "Waiting for the offer")
    story = html(demo(waiting)).select_one("#moment-story")
    assert story.select(".story-themes tbody tr")
    for side in ("against", "towards"):
        words = story.select(f".driver-words--{side} li")
        assert words, side
        assert words[0].select("blockquote"), side  # each word with what customers said
