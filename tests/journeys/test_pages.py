"""The journey pages: list, detail, forms, moving moments with HTMX, the map and its exports, workshops."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.core.tenancy import system
from nineplus.journeys.models import Journey, Moment, Workshop, WorkshopEntry
from tests.conftest import html
from tests.factories import World, csrf_token, login

SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _english_browser(client: TestClient) -> None:
    client.headers["Accept-Language"] = "en"


@pytest.fixture
def admin(client: TestClient, db: Session, bank_a: World) -> World:
    """Bank A with its admin logged in."""
    login(client, db, bank_a.users["admin"])
    return bank_a


def post_as_user(client: TestClient, path: str, data: dict[str, object], page: str = "/account", **kwargs):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)}, **kwargs)


def journey_count(db: Session) -> int:
    system(db)
    return db.scalar(select(func.count()).select_from(Journey)) or 0


def set_locale(db: Session, world: World, who: str, locale: str) -> None:
    system(db)
    world.users[who].locale = locale
    db.commit()


def row_ids(fragment) -> list[int]:  # type: ignore[no-untyped-def]
    return [
        int(tr["data-moment-id"]) for tr in fragment.select("table#moments-table tbody tr[data-moment-id]")
    ]


# Journeys list and detail ----------------------------------------------------------------------------


def test_the_journeys_page_lists_the_journey_in_a_table(
    client: TestClient, admin: World, bank_b: World
) -> None:
    assert admin.journey is not None
    response = client.get("/journeys")
    assert response.status_code == 200
    rows = html(response).select("main table tbody tr")
    assert len(rows) == 1
    link = rows[0].select_one(f'a[href="/journeys/{admin.journey.id}"]')
    assert link.get_text(strip=True) == "Mortgage Bank A"
    assert rows[0].select_one("td.num").get_text(strip=True) == "3"
    assert rows[0].select_one(f'a[href="/journeys/{admin.journey.id}/map"]') is not None


def test_an_archived_journey_is_listed_only_on_request(client: TestClient, db: Session, admin: World) -> None:
    assert admin.journey is not None
    assert post_as_user(client, f"/journeys/{admin.journey.id}/archive", {}).status_code == 303
    assert html(client.get("/journeys")).select("main table tbody tr") == []
    archived = html(client.get("/journeys", params={"archived": "true"})).select("main table tbody tr")
    assert [r.select_one("a")["href"] for r in archived] == [f"/journeys/{admin.journey.id}"]


def test_the_detail_page_lists_the_moments_in_order(client: TestClient, admin: World) -> None:
    assert admin.journey is not None
    page = html(client.get(f"/journeys/{admin.journey.id}"))
    assert page.select_one("main h1").get_text(strip=True) == "Mortgage Bank A"
    assert row_ids(page) == [m.id for m in admin.moments]
    rows = page.select("table#moments-table tbody tr")
    assert [r.select("td")[1].select_one(".strong").get_text(strip=True) for r in rows] == [
        "Moment 1 Bank A",
        "Moment 2 Bank A",
        "Moment 3 Bank A",
    ]
    assert [r.select("td")[2].get_text(strip=True) for r in rows] == ["Phone", "—", "E-mail"]
    workshop_links = [a["href"] for a in page.select('main a[href^="/workshops/"]')]
    assert workshop_links == [f"/workshops/{admin.workshop.id}"]  # type: ignore[union-attr]


def test_a_viewer_sees_the_moments_without_edit_controls(
    client: TestClient, db: Session, bank_a: World
) -> None:
    assert bank_a.journey is not None
    login(client, db, bank_a.users["viewer"])
    page = html(client.get(f"/journeys/{bank_a.journey.id}"))
    assert row_ids(page) == [m.id for m in bank_a.moments]
    assert page.select('form[action^="/moments/"]') == []
    assert page.select_one(f'a[href="/journeys/{bank_a.journey.id}/moments/new"]') is None


# New journey form ------------------------------------------------------------------------------------


def test_the_new_journey_form_creates_a_journey(client: TestClient, db: Session, admin: World) -> None:
    form = html(client.get("/journeys/new")).select_one("form#journey-form")
    assert {i["name"] for i in form.select("input[name^='name.']")} == {"name.nl", "name.en"}
    assert [r["value"] for r in form.select("input[name=start_feeling]")] == [str(n) for n in range(-3, 4)]
    before = journey_count(db)
    response = post_as_user(
        client,
        "/journeys/new",
        {
            "name.nl": "Autoschade",
            "name.en": "Car damage",
            "description.en": "From damage to repair",
            "start_feeling": "-1",
        },
        page="/journeys/new",
    )
    assert response.status_code == 303
    match = re.fullmatch(r"/journeys/(\d+)", response.headers["location"])
    assert match
    assert journey_count(db) == before + 1
    journey = db.get_one(Journey, int(match.group(1)))
    assert journey.name == {"nl": "Autoschade", "en": "Car damage"}
    assert journey.description == {"en": "From damage to repair"}
    assert journey.start_feeling == -1
    assert journey.organisation_id == admin.org.id
    assert (
        html(client.get(response.headers["location"])).select_one("main h1").get_text(strip=True)
        == "Car damage"
    )


def test_a_journey_without_a_name_is_shown_again_with_the_error_and_not_saved(
    client: TestClient, db: Session, admin: World
) -> None:
    before = journey_count(db)
    response = post_as_user(
        client,
        "/journeys/new",
        {"name.nl": "", "name.en": "  ", "description.en": "Kept text", "start_feeling": "2"},
    )
    assert response.status_code == 422
    page = html(response)
    error = page.select_one("form#journey-form #f-name-error")
    assert error is not None
    assert error.get_text(strip=True)
    assert page.select_one(".form-errors a[href='#f-name']") is not None
    assert page.select_one('[id="f-description.en"]').get_text(strip=True) == "Kept text"
    assert page.select_one("input[name=start_feeling][checked]")["value"] == "2"
    assert journey_count(db) == before


def test_a_start_feeling_out_of_range_is_refused_on_the_form(
    client: TestClient, db: Session, admin: World
) -> None:
    before = journey_count(db)
    response = post_as_user(client, "/journeys/new", {"name.en": "Too happy", "start_feeling": "4"})
    assert response.status_code == 422
    assert html(response).select_one("#f-start_feeling-error") is not None
    assert journey_count(db) == before


# Moments ---------------------------------------------------------------------------------------------


def test_the_moment_form_offers_channels_and_teams_and_creates_a_moment(
    client: TestClient, db: Session, admin: World
) -> None:
    assert admin.journey is not None
    assert admin.channel is not None
    path = f"/journeys/{admin.journey.id}/moments/new"
    form = html(client.get(path)).select_one("form#moment-form")
    channels = [o["value"] for o in form.select("select#f-channel option")]
    assert channels[0] == ""
    assert {"phone", "email", f"custom:{admin.channel.id}"} <= set(channels)
    teams = {o["value"]: o.get_text(strip=True) for o in form.select("select#f-team_id option")}
    assert teams == {"": "No owning team", **{str(t.id): t.name for t in admin.teams.values()}}

    response = post_as_user(
        client,
        path,
        {
            "name.en": "Visit the notary",
            "contact": "touchpoint",
            "kind": "standard",
            "channel": f"custom:{admin.channel.id}",
            "team_id": str(admin.teams["advice"].id),
            "predictability": "variable",
        },
        page=path,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/journeys/{admin.journey.id}"
    system(db)
    moment = db.scalars(
        select(Moment).where(Moment.journey_id == admin.journey.id).order_by(Moment.position.desc())
    ).first()
    assert moment is not None
    assert (
        moment.name,
        moment.position,
        moment.channel,
        moment.channel_id,
        moment.team_id,
        moment.predictability,
    ) == ({"en": "Visit the notary"}, 3, None, admin.channel.id, admin.teams["advice"].id, "variable")
    assert row_ids(html(client.get(f"/journeys/{admin.journey.id}")))[-1] == moment.id


def test_save_and_add_another_returns_to_an_empty_moment_form(client: TestClient, admin: World) -> None:
    assert admin.journey is not None
    path = f"/journeys/{admin.journey.id}/moments/new"
    response = post_as_user(
        client,
        path,
        {
            "name.en": "Quick",
            "contact": "customer_only",
            "kind": "standard",
            "channel": "",
            "team_id": "",
            "predictability": "faq",
            "and_another": "1",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == path


def test_an_invalid_moment_is_shown_again_with_the_channel_error(
    client: TestClient, db: Session, admin: World
) -> None:
    assert admin.journey is not None
    path = f"/journeys/{admin.journey.id}/moments/new"
    response = post_as_user(
        client,
        path,
        {
            "name.en": "Waiting",
            "contact": "customer_only",
            "kind": "standard",
            "channel": "phone",
            "team_id": "",
            "predictability": "faq",
        },
    )
    assert response.status_code == 422
    page = html(response)
    assert page.select_one("#f-channel-error") is not None
    assert page.select_one("select#f-channel option[selected]")["value"] == "phone"
    system(db)
    assert (
        db.scalar(select(func.count()).select_from(Moment).where(Moment.journey_id == admin.journey.id)) == 3
    )


def test_moving_a_moment_with_htmx_returns_only_the_moments_fragment(
    client: TestClient, admin: World
) -> None:
    m1, m2, m3 = (m.id for m in admin.moments)
    response = post_as_user(
        client,
        f"/moments/{m2}/move",
        {"direction": "up"},
        headers={"HX-Request": "true", "HX-Target": "moments"},
    )
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.find("html") is None
    assert fragment.find("body") is None
    top = [el for el in fragment.contents if getattr(el, "name", None)]
    assert [el.get("id") for el in top] == ["moments"]
    assert row_ids(fragment) == [m2, m1, m3]
    # The new order is stored, and the fragment's own forms keep working.
    assert row_ids(html(client.get(f"/journeys/{admin.journey.id}"))) == [m2, m1, m3]  # type: ignore[union-attr]
    move_down = fragment.select_one(f'form[action="/moments/{m2}/move"] button[value="down"]')
    assert move_down is not None
    assert not move_down.has_attr("disabled")
    assert fragment.select_one(f'form[action="/moments/{m2}/move"] button[value="up"]').has_attr("disabled")
    assert fragment.select_one('input[name="csrf_token"]')["value"]


def test_moving_a_moment_without_htmx_redirects_to_the_journey(client: TestClient, admin: World) -> None:
    assert admin.journey is not None
    m1, m2, m3 = (m.id for m in admin.moments)
    response = post_as_user(client, f"/moments/{m1}/move", {"direction": "down"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/journeys/{admin.journey.id}"
    assert row_ids(html(client.get(response.headers["location"]))) == [m2, m1, m3]


def test_deleting_a_moment_with_data_archives_it_and_says_so(client: TestClient, admin: World) -> None:
    assert admin.journey is not None
    m1, m2, m3 = (m.id for m in admin.moments)
    response = post_as_user(client, f"/moments/{m1}/delete", {})
    assert response.status_code == 303
    page = html(client.get(response.headers["location"]))
    assert row_ids(page) == [m2, m3]
    assert page.select_one(f'form[action="/moments/{m1}/restore"]') is not None
    assert page.select_one(".flash--info .flash__message").get_text(strip=True)


# The journey map -------------------------------------------------------------------------------------


def test_the_map_page_draws_the_workshops_expected_emotions_in_moment_order(
    client: TestClient, admin: World
) -> None:
    assert admin.journey is not None
    page = html(client.get(f"/journeys/{admin.journey.id}/map"))
    svg = page.select_one("figure#journey-map > svg")
    assert svg is not None
    points = svg.select('circle.curve-point[data-curve="0"]')
    assert [(int(p["data-moment-id"]), p["data-emotion"]) for p in points] == [
        (m.id, e) for m, e in zip(admin.moments, ("1", "-2", "0"), strict=True)
    ]
    assert [int(g["data-moment-id"]) for g in svg.select("g.moment")] == [m.id for m in admin.moments]
    assert svg.select_one('polygon.start-point[data-curve="0"]')["data-emotion"] == "2"


def test_the_map_follows_a_new_moment_order(client: TestClient, admin: World) -> None:
    assert admin.journey is not None
    m1, m2, m3 = (m.id for m in admin.moments)
    post_as_user(client, f"/moments/{m3}/move", {"direction": "up"})
    svg = html(client.get(f"/journeys/{admin.journey.id}/map")).select_one("figure#journey-map > svg")
    points = svg.select('circle.curve-point[data-curve="0"]')
    assert [(int(p["data-moment-id"]), p["data-emotion"]) for p in points] == [
        (m1, "1"),
        (m3, "0"),
        (m2, "-2"),
    ]


def test_the_svg_download_is_an_svg_attachment(client: TestClient, admin: World) -> None:
    assert admin.journey is not None
    response = client.get(f"/journeys/{admin.journey.id}/map.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(rf'filename="journey-map-{admin.journey.id}-[A-Za-z0-9._-]+\.svg"', disposition)
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    assert root.tag == f"{SVG_NS}svg"
    emotions = [
        c.get("data-emotion")
        for c in root.iter(f"{SVG_NS}circle")
        if c.get("class") == "curve-point" and c.get("data-curve") == "0"
    ]
    assert emotions == ["1", "-2", "0"]


def test_the_png_download_is_a_png(client: TestClient, admin: World) -> None:
    assert admin.journey is not None
    response = client.get(f"/journeys/{admin.journey.id}/map.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    "name", ["Łódź hypotheek", "Vĳfsterrenreis", "旅程"], ids=["polish", "dutch-ij", "chinese"]
)
def test_the_map_downloads_work_for_names_outside_latin_1(
    client: TestClient, db: Session, admin: World, name: str
) -> None:
    assert admin.journey is not None
    system(db)
    admin.journey.name = {"en": name}
    db.commit()
    for suffix in ("svg", "png"):
        response = client.get(f"/journeys/{admin.journey.id}/map.{suffix}")
        assert response.status_code == 200, suffix
        assert response.headers["content-disposition"].startswith("attachment;")
    svg = ET.fromstring(client.get(f"/journeys/{admin.journey.id}/map.svg").content)  # noqa: S314
    assert svg.find(f"{SVG_NS}title").text == name  # type: ignore[union-attr]


# Workshops -------------------------------------------------------------------------------------------


def test_the_workshop_page_saves_the_four_answers_and_the_emotion_per_moment(
    client: TestClient, db: Session, admin: World
) -> None:
    assert admin.workshop is not None
    path = f"/workshops/{admin.workshop.id}"
    page = html(client.get(path))
    fieldsets = page.select("form#workshop-form fieldset.workshop-moment")
    assert [int(f["data-moment-id"]) for f in fieldsets] == [m.id for m in admin.moments]
    assert page.select_one('input[name="entries.1.expected_emotion"][checked]')["value"] == "-2"

    m1, m2, m3 = (m.id for m in admin.moments)
    data: dict[str, object] = {
        "title": "Workshop renamed",
        "held_on": "2026-03-13",
        "facilitator": "Fay",
        "participants": "Ann, Bo",
        "notes": "Good session",
        "entries.0.moment_id": str(m1),
        "entries.0.wanted": "A call back",
        "entries.0.today": "Voicemail",
        "entries.0.feeling_today": "Ignored",
        "entries.0.quality_view": "Sloppy",
        "entries.0.expected_emotion": "-3",
        "entries.1.moment_id": str(m2),
        "entries.1.wanted": "",
        "entries.1.today": "",
        "entries.1.feeling_today": "",
        "entries.1.quality_view": "",
        "entries.1.expected_emotion": "",
        "entries.2.moment_id": str(m3),
        "entries.2.wanted": "Clear e-mail",
        "entries.2.expected_emotion": "2",
    }
    response = post_as_user(client, path, data, page=path)
    assert response.status_code == 303
    assert response.headers["location"] == path

    system(db)
    db.expire_all()
    workshop = db.get_one(Workshop, admin.workshop.id)
    assert (workshop.title, workshop.facilitator, workshop.participants, workshop.notes) == (
        "Workshop renamed",
        "Fay",
        "Ann, Bo",
        "Good session",
    )
    entries = {
        e.moment_id: e
        for e in db.scalars(select(WorkshopEntry).where(WorkshopEntry.workshop_id == admin.workshop.id))
    }
    assert set(entries) == {m1, m3}
    first = entries[m1]
    assert (first.wanted, first.today, first.feeling_today, first.quality_view, first.expected_emotion) == (
        "A call back",
        "Voicemail",
        "Ignored",
        "Sloppy",
        -3,
    )
    assert (entries[m3].wanted, entries[m3].expected_emotion) == ("Clear e-mail", 2)

    again = html(client.get(path))
    assert again.select_one('[id="f-entries.0.wanted"]').get_text(strip=True) == "A call back"
    assert again.select_one('input[name="entries.0.expected_emotion"][checked]')["value"] == "-3"
    assert again.select_one('input[name="entries.1.expected_emotion"][checked]')["value"] == ""
    assert again.select_one('input[name="entries.2.expected_emotion"][checked]')["value"] == "2"


def test_an_invalid_workshop_form_changes_nothing(client: TestClient, db: Session, admin: World) -> None:
    assert admin.workshop is not None
    path = f"/workshops/{admin.workshop.id}"
    m1 = admin.moments[0].id
    response = post_as_user(
        client,
        path,
        {
            "title": "",
            "held_on": "2026-03-13",
            "entries.0.moment_id": str(m1),
            "entries.0.wanted": "Changed",
            "entries.0.expected_emotion": "3",
        },
    )
    assert response.status_code == 422
    assert html(response).select_one("#f-title-error") is not None
    system(db)
    db.expire_all()
    assert db.get_one(Workshop, admin.workshop.id).title == "Workshop Bank A"
    entry = db.scalars(select(WorkshopEntry).where(WorkshopEntry.moment_id == m1)).one()
    assert (entry.wanted, entry.expected_emotion) == ("quick help", 1)


def test_a_workshop_form_refused_for_its_entries_saves_none_of_its_details(
    client: TestClient, db: Session, admin: World
) -> None:
    assert admin.workshop is not None
    path = f"/workshops/{admin.workshop.id}"
    m1 = admin.moments[0].id
    response = post_as_user(
        client,
        path,
        {
            "title": "Renamed while refused",
            "held_on": "2026-04-01",
            "facilitator": "Someone else",
            "entries.0.moment_id": str(m1),
            "entries.0.expected_emotion": "3",
            "entries.1.moment_id": str(m1),  # the same moment twice
            "entries.1.expected_emotion": "-3",
        },
    )
    assert response.status_code == 422
    assert html(response).select_one("#form-errors") is not None
    system(db)
    db.expire_all()
    workshop = db.get_one(Workshop, admin.workshop.id)
    assert (workshop.title, workshop.facilitator, workshop.held_on.isoformat()) == (
        "Workshop Bank A",
        "",
        "2026-03-12",
    )


def test_a_viewer_sees_the_workshop_form_disabled(client: TestClient, db: Session, bank_a: World) -> None:
    assert bank_a.workshop is not None
    login(client, db, bank_a.users["viewer"])
    page = html(client.get(f"/workshops/{bank_a.workshop.id}"))
    fieldsets = page.select("form#workshop-form > fieldset")
    assert len(fieldsets) == 1 + len(bank_a.moments)
    assert all(f.has_attr("disabled") for f in fieldsets)
    assert page.select_one("form#workshop-form button[type=submit]") is None


# Errors and languages --------------------------------------------------------------------------------


def test_a_missing_journey_is_a_404_page(client: TestClient, admin: World) -> None:
    response = client.get("/journeys/999999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    page = html(response)
    assert page.html["lang"] == "en"
    assert page.select_one(".error-page__code").get_text(strip=True) == "404"
    assert page.select_one("nav.sidebar__nav") is not None  # still inside the app shell


def test_the_404_page_is_in_the_users_language(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["admin"])
    english = html(client.get("/journeys/999999"))
    set_locale(db, bank_a, "admin", "nl")
    response = client.get("/journeys/999999")
    assert response.status_code == 404
    dutch = html(response)
    assert dutch.html["lang"] == "nl"
    english_title = english.select_one("h1#error-title").get_text(" ", strip=True)
    dutch_title = dutch.select_one("h1#error-title").get_text(" ", strip=True)
    assert dutch_title != english_title
    assert dutch.select_one(".error-page__message").get_text(strip=True) != english.select_one(
        ".error-page__message"
    ).get_text(strip=True)


def test_an_unknown_address_is_a_404_page_in_the_users_language(
    client: TestClient, db: Session, bank_a: World
) -> None:
    set_locale(db, bank_a, "viewer", "nl")
    login(client, db, bank_a.users["viewer"])
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = html(response)
    assert page.html["lang"] == "nl"
    assert page.select_one(".error-page__code").get_text(strip=True) == "404"


def test_the_dutch_ui_shows_the_dutch_journey_name(client: TestClient, db: Session, bank_a: World) -> None:
    assert bank_a.journey is not None
    set_locale(db, bank_a, "viewer", "nl")
    login(client, db, bank_a.users["viewer"])
    page = html(client.get(f"/journeys/{bank_a.journey.id}"))
    assert page.html["lang"] == "nl"
    assert page.select_one("main h1").get_text(strip=True) == "Hypotheek Bank A"
    # A moment with only an English name shows that name rather than nothing.
    first_row = page.select_one("table#moments-table tbody tr")
    assert first_row.select("td")[1].select_one(".strong").get_text(strip=True) == "Moment 1 Bank A"
    # The Dutch map is titled in Dutch too.
    svg = html(client.get(f"/journeys/{bank_a.journey.id}/map")).select_one("figure#journey-map > svg")
    assert svg.select_one("title").get_text(strip=True) == "Hypotheek Bank A"


def test_another_organisations_journey_pages_are_404(client: TestClient, admin: World, bank_b: World) -> None:
    assert bank_b.journey is not None
    assert bank_b.workshop is not None
    for path in (
        f"/journeys/{bank_b.journey.id}",
        f"/journeys/{bank_b.journey.id}/map",
        f"/journeys/{bank_b.journey.id}/map.svg",
        f"/workshops/{bank_b.workshop.id}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Bank B" not in response.text
