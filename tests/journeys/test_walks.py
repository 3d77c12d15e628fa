"""Walk-throughs: an employee or mystery shopper records a feeling and a note per moment, drawn as a curve."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.core.errors import Forbidden, Invalid
from nineplus.core.tenancy import scope
from nineplus.journeys import service as journeys
from nineplus.journeys import walks
from nineplus.journeys.schemas import WalkEntriesIn, WalkEntryIn, WalkThroughIn
from tests.conftest import html
from tests.factories import World, csrf_token, login

SVG = "{http://www.w3.org/2000/svg}"


def test_a_walk_is_stored_per_moment_and_apart_from_responses(db: Session, bank_a: World) -> None:
    scope(db, bank_a.org.id)
    actor = bank_a.principal(db, "team_lead")
    walk = walks.create_walk(
        db,
        actor,
        bank_a.journey.id,  # type: ignore[union-attr]
        WalkThroughIn(walker="Mila", walker_role="mystery_shopper", walked_on=date(2026, 5, 1)),
    )
    details = WalkThroughIn(walker="Mila", walker_role="mystery_shopper", walked_on=date(2026, 5, 1))
    walks.save_walk(
        db,
        actor,
        walk.id,
        details,
        WalkEntriesIn(
            entries=[
                WalkEntryIn(moment_id=bank_a.moments[0].id, feeling=1, note="Friendly"),
                WalkEntryIn(moment_id=bank_a.moments[1].id, feeling=-2, note="Nobody called"),
                WalkEntryIn(moment_id=bank_a.moments[2].id),
            ]
        ),
    )
    stored = {e.moment_id: (e.feeling, e.note) for e in walks.entries(db, [walk.id])}
    assert stored == {bank_a.moments[0].id: (1, "Friendly"), bank_a.moments[1].id: (-2, "Nobody called")}
    assert journeys.remove_moment(db, bank_a.principal(db, "admin"), bank_a.moments[1].id) == "archived"


def test_a_walk_refuses_moments_of_another_journey_and_viewers(
    db: Session, bank_a: World, bank_b: World
) -> None:
    scope(db, bank_a.org.id)
    walk = bank_a.walk
    assert walk is not None
    details = WalkThroughIn(walker="x", walked_on=date(2026, 5, 1))
    with pytest.raises(Invalid):
        walks.save_walk(
            db,
            bank_a.principal(db, "admin"),
            walk.id,
            details,
            WalkEntriesIn(entries=[WalkEntryIn(moment_id=bank_b.moments[0].id, feeling=1)]),
        )
    with pytest.raises(Forbidden):
        walks.create_walk(db, bank_a.principal(db, "viewer"), bank_a.journey.id, details)  # type: ignore[union-attr]


def test_the_walk_page_saves_and_the_map_draws_its_curve(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["team_lead"])
    walk = bank_a.walk
    assert walk is not None
    token = csrf_token(client, f"/walks/{walk.id}")
    data = {
        "csrf_token": token,
        "walker": "Walker Bank A",
        "walker_role": "employee",
        "walked_on": "2026-04-01",
    }
    for i, (moment, feeling) in enumerate(zip(bank_a.moments, ("2", "-3", ""), strict=True)):
        data[f"entries.{i}.moment_id"] = str(moment.id)
        data[f"entries.{i}.feeling"] = feeling
    assert client.post(f"/walks/{walk.id}", data=data).status_code == 303
    svg = ET.fromstring(client.get(f"/journeys/{bank_a.journey.id}/map.svg").content)  # type: ignore[union-attr]  # noqa: S314
    curves = {c.get("data-curve") for c in svg.iter(f"{SVG}circle") if c.get("class") == "curve-point"}
    walk_curve = max(curves)  # workshops first, then walk-throughs
    points = [
        c.get("data-emotion")
        for c in svg.iter(f"{SVG}circle")
        if c.get("class") == "curve-point" and c.get("data-curve") == walk_curve
    ]
    assert points == ["2", "-3"]
    page = html(client.get(f"/journeys/{bank_a.journey.id}", headers={"Accept-Language": "en"}))  # type: ignore[union-attr]
    assert page.select_one(f"a[href='/walks/{walk.id}']") is not None
