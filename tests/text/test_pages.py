"""The comments on the pages: a moment's and a team's story, the search that finds Dutch and English word
forms, and nobody seeing another organisation's comments or searching without the right to read them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.feedback.models import Person
from nineplus.text.service import analyse_organisation
from tests.conftest import html
from tests.factories import World, login
from tests.imports.conftest import build_target
from tests.text.test_service import say


@pytest.fixture(autouse=True)
def _english_browser(client: TestClient) -> None:
    client.headers["Accept-Language"] = "en"


def test_the_search_finds_word_forms_in_both_languages_and_only_one_s_own(
    client: TestClient, db: Session, bank_a: World, bank_b: World
) -> None:
    mine, theirs = build_target(db, bank_a), build_target(db, bank_b)
    say(db, mine, "Ik heb drie weken gewacht op de taxatierapporten", 3)
    say(db, mine, "We waited ages for the valuation report", 2)
    say(db, mine, "De adviseur was vriendelijk", 10)
    say(db, theirs, "Wij wachtten ook lang", 2)
    analyse_organisation(db, bank_a.org.id)
    analyse_organisation(db, bank_b.org.id)
    db.commit()
    login(client, db, bank_a.users["cx_lead"])

    def found(query: str) -> list[str]:
        page = html(client.get("/dashboard/verbatims", params={"q": query}))
        return sorted(q.text.strip("“”") for q in page.select("#results blockquote"))

    assert found("wachten") == ["Ik heb drie weken gewacht op de taxatierapporten"]  # not Bank B's
    assert found("wait") == ["We waited ages for the valuation report"]
    assert found("taxatierapport gewacht") == ["Ik heb drie weken gewacht op de taxatierapporten"]
    assert found("taxatie") == ["Ik heb drie weken gewacht op de taxatierapporten"]  # the start of a compound
    assert found("zebra") == []
    negative = html(client.get("/dashboard/verbatims", params={"polarity": "positive"}))
    assert [q.text.strip("“”") for q in negative.select("#results blockquote")] == [
        "De adviseur was vriendelijk"
    ]
    login(client, db, bank_a.users["team_lead"])
    assert client.get("/dashboard/verbatims").status_code == 403


def test_a_moment_and_a_team_show_what_their_customers_say(
    client: TestClient, db: Session, bank_a: World
) -> None:
    target = build_target(db, bank_a)
    target.moments[2].keywords = {"nl": "offerte", "en": ""}
    ann = Person(email="ann@example.org", name="Ann", team_id=bank_a.teams["advice"].id)
    db.add(ann)
    db.flush()
    for _ in range(15):
        say(db, target, "Wekenlang stilte over de offerte", 2, ann)
        say(db, target, "De offerte kwam snel, top", 10, ann)
    analyse_organisation(db, bank_a.org.id)
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    page = html(client.get(f"/dashboard/moments/{target.moments[2].id}"))
    story = page.select_one("#moment-story")
    assert "30 comments" in story.text
    against = [li.strong.text for li in story.select(".driver-words--against li")]
    assert "stilte" in against
    assert "Wekenlang stilte over de offerte" in story.select_one(".driver-words--against blockquote").text
    team = html(client.get(f"/dashboard/teams/{bank_a.teams['advice'].id}"))
    assert "30 comments" in team.select_one("#team-story").text
    empty = html(client.get(f"/dashboard/moments/{target.moments[0].id}"))
    assert "No customer comments here yet." in empty.select_one("#moment-story").text
