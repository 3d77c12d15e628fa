"""Who may do what: the permission matrix as the README states it, and as the pages enforce it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.accounts.models import ApiKey, User
from nineplus.accounts.roles import MATRIX, ROLES, Permission, permission_table_markdown
from nineplus.audit.models import AuditEvent
from nineplus.core.tenancy import system
from nineplus.journeys.models import Journey, Workshop
from tests.conftest import html
from tests.factories import World, csrf_token, login

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def _english_browser(client: TestClient) -> None:
    client.headers["Accept-Language"] = "en"


def post_as_user(
    client: TestClient, path: str, data: dict[str, object] | None = None, page: str = "/account"
):  # type: ignore[no-untyped-def]
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, page)})


def assert_403_page(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    page = html(response)
    assert page.select_one(".error-page__code").get_text(strip=True) == "403"
    assert page.select_one("h1#error-title") is not None


def count(db: Session, model: type) -> int:
    system(db)
    return db.scalar(select(func.count()).select_from(model)) or 0


def team_names_on_teams_page(client: TestClient) -> list[str]:
    response = client.get("/teams")
    assert response.status_code == 200
    return sorted(a.get_text(strip=True) for a in html(response).select("main table tbody a"))


# The matrix and the README ---------------------------------------------------------------------------


def test_the_readme_shows_the_permission_table_of_the_code() -> None:
    assert README.exists(), f"{README} is missing; it must show the permission table"
    assert permission_table_markdown() in README.read_text(encoding="utf-8")


def test_the_permission_table_has_a_row_per_permission_and_a_column_per_role() -> None:
    lines = permission_table_markdown().splitlines()
    assert len(lines) == 2 + len(Permission)
    assert all(line.count("|") == len(ROLES) + 2 for line in lines)
    admin_column = [line.split("|")[2].strip() for line in lines[2:]]
    assert admin_column == ["yes"] * len(Permission)


def test_only_the_admin_manages_users_and_api_keys() -> None:
    for role in ROLES:
        assert (Permission.MANAGE_USERS in MATRIX[role]) == (role == "admin")
        assert (Permission.MANAGE_API_KEYS in MATRIX[role]) == (role == "admin")


# Teams -----------------------------------------------------------------------------------------------


def test_a_team_member_sees_only_their_own_teams(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["member"])
    assert team_names_on_teams_page(client) == [bank_a.teams["contact"].name]
    assert client.get(f"/teams/{bank_a.teams['contact'].id}").status_code == 200


def test_a_team_member_gets_404_for_another_team_of_their_organisation(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["member"])
    response = client.get(f"/teams/{bank_a.teams['advice'].id}")
    assert response.status_code == 404
    assert html(response).select_one(".error-page__code").get_text(strip=True) == "404"
    assert bank_a.teams["advice"].name not in response.text


def test_a_viewer_sees_every_team(client: TestClient, db: Session, bank_a: World, bank_b: World) -> None:
    login(client, db, bank_a.users["viewer"])
    assert team_names_on_teams_page(client) == sorted(t.name for t in bank_a.teams.values())
    assert client.get(f"/teams/{bank_a.teams['advice'].id}").status_code == 200


def test_the_teams_api_shows_a_team_member_only_their_teams(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["member"])
    response = client.get("/api/v1/teams")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()] == [bank_a.teams["contact"].id]
    assert client.get(f"/api/v1/teams/{bank_a.teams['advice'].id}").status_code == 404


# Journeys and workshops ------------------------------------------------------------------------------

NEW_JOURNEY = {"name.en": "Car damage", "start_feeling": "-1"}


@pytest.mark.parametrize("who", ["viewer", "member", "team_lead"])
def test_roles_without_edit_rights_get_403_when_creating_a_journey(
    client: TestClient, db: Session, bank_a: World, who: str
) -> None:
    login(client, db, bank_a.users[who])
    before = count(db, Journey)
    assert_403_page(client.get("/journeys/new"))
    assert_403_page(post_as_user(client, "/journeys/new", NEW_JOURNEY))
    assert count(db, Journey) == before


@pytest.mark.parametrize("who", ["viewer", "member"])
def test_viewers_and_team_members_cannot_open_the_users_page(
    client: TestClient, db: Session, bank_a: World, who: str
) -> None:
    login(client, db, bank_a.users[who])
    assert_403_page(client.get("/admin/users"))


def test_the_menu_shows_only_what_the_role_may_use(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["member"])
    links = {a["href"] for a in html(client.get("/account")).select("nav.sidebar__nav a.nav__link")}
    assert "/journeys" in links
    assert not links & {"/admin/users", "/admin/api-keys", "/admin/audit"}
    login(client, db, bank_a.users["admin"])
    links = {a["href"] for a in html(client.get("/account")).select("nav.sidebar__nav a.nav__link")}
    assert {"/admin/users", "/admin/api-keys", "/admin/audit"} <= links


def test_a_team_lead_can_record_a_workshop_but_not_create_a_journey(
    client: TestClient, db: Session, bank_a: World
) -> None:
    assert bank_a.journey is not None
    login(client, db, bank_a.users["team_lead"])
    journey_page = html(client.get(f"/journeys/{bank_a.journey.id}"))
    assert journey_page.select_one(f'a[href="/journeys/{bank_a.journey.id}/workshops/new"]') is not None
    assert journey_page.select_one(f'a[href="/journeys/{bank_a.journey.id}/edit"]') is None

    before = count(db, Workshop)
    response = post_as_user(
        client,
        f"/journeys/{bank_a.journey.id}/workshops/new",
        {"title": "Team lead session", "held_on": "2026-04-01"},
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/workshops/")
    assert count(db, Workshop) == before + 1

    assert_403_page(post_as_user(client, "/journeys/new", NEW_JOURNEY))
    assert_403_page(
        post_as_user(
            client, f"/journeys/{bank_a.journey.id}/edit", {"name.en": "Renamed", "start_feeling": "0"}
        )
    )


@pytest.mark.parametrize("who", ["viewer", "member"])
def test_viewers_and_team_members_cannot_record_workshops(
    client: TestClient, db: Session, bank_a: World, who: str
) -> None:
    assert bank_a.journey is not None
    login(client, db, bank_a.users[who])
    before = count(db, Workshop)
    response = post_as_user(
        client,
        f"/journeys/{bank_a.journey.id}/workshops/new",
        {"title": "Not allowed", "held_on": "2026-04-01"},
    )
    assert_403_page(response)
    assert count(db, Workshop) == before


def test_a_cx_lead_edits_journeys_but_manages_neither_users_nor_api_keys(
    client: TestClient, db: Session, bank_a: World
) -> None:
    assert bank_a.journey is not None
    login(client, db, bank_a.users["cx_lead"])
    response = post_as_user(
        client, f"/journeys/{bank_a.journey.id}/edit", {"name.en": "Mortgage, renamed", "start_feeling": "1"}
    )
    assert response.status_code == 303
    system(db)
    db.expire_all()
    journey = db.get_one(Journey, bank_a.journey.id)
    assert (journey.name, journey.start_feeling) == ({"en": "Mortgage, renamed"}, 1)

    keys_before = count(db, ApiKey)
    assert_403_page(client.get("/admin/users"))
    assert_403_page(client.get("/admin/api-keys"))
    assert_403_page(post_as_user(client, "/admin/api-keys", {"name": "Sneaky", "scopes": "admin"}))
    assert_403_page(post_as_user(client, "/admin/invitations", {"email": "x@a.example", "role": "admin"}))
    assert_403_page(
        post_as_user(client, f"/admin/users/{bank_a.users['cx_lead'].id}/role", {"role": "admin"})
    )
    assert count(db, ApiKey) == keys_before
    db.expire_all()
    assert db.get_one(User, bank_a.users["cx_lead"].id).role == "cx_lead"


def test_a_cx_lead_reads_the_audit_log(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["cx_lead"])
    assert client.get("/admin/audit").status_code == 200
    login(client, db, bank_a.users["team_lead"])
    assert_403_page(client.get("/admin/audit"))


# Roles -----------------------------------------------------------------------------------------------


def role_events(db: Session, user_id: int) -> list[AuditEvent]:
    system(db)
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "user.role_changed", AuditEvent.object_id == str(user_id))
            .order_by(AuditEvent.id)
        )
    )


def test_an_admin_changes_a_role_and_the_audit_log_keeps_before_and_after(
    client: TestClient, db: Session, bank_a: World
) -> None:
    member = bank_a.users["member"]
    login(client, db, bank_a.users["admin"])
    page = html(client.get("/admin/users"))
    select_el = page.select_one(f'form[action="/admin/users/{member.id}/role"] select[name="role"]')
    assert select_el.select_one("option[selected]")["value"] == "team_member"

    response = post_as_user(
        client, f"/admin/users/{member.id}/role", {"role": "team_lead"}, page="/admin/users"
    )
    assert response.status_code == 303
    db.expire_all()
    assert db.get_one(User, member.id).role == "team_lead"
    [event] = role_events(db, member.id)
    assert (event.before, event.after) == ({"role": "team_member"}, {"role": "team_lead"})
    assert event.actor_user_id == bank_a.users["admin"].id
    assert event.object_type == "User"
    assert event.organisation_id == bank_a.org.id


def test_the_new_role_takes_effect_on_the_next_request(
    client: TestClient, db: Session, bank_a: World
) -> None:
    viewer = bank_a.users["viewer"]
    login(client, db, viewer)
    assert_403_page(client.get("/journeys/new"))
    system(db)
    db.get_one(User, viewer.id).role = "cx_lead"
    db.commit()
    assert client.get("/journeys/new").status_code == 200


def test_an_admin_cannot_take_the_admin_role_from_themselves(
    client: TestClient, db: Session, bank_a: World
) -> None:
    admin = bank_a.users["admin"]
    login(client, db, admin)
    response = post_as_user(client, f"/admin/users/{admin.id}/role", {"role": "viewer"}, page="/admin/users")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert html(response).select(".error-page__errors li")
    db.expire_all()
    assert db.get_one(User, admin.id).role == "admin"
    assert role_events(db, admin.id) == []
    assert client.get("/admin/users").status_code == 200


def test_an_unknown_role_is_refused(client: TestClient, db: Session, bank_a: World) -> None:
    member = bank_a.users["member"]
    login(client, db, bank_a.users["admin"])
    response = post_as_user(client, f"/admin/users/{member.id}/role", {"role": "superuser"})
    assert response.status_code == 422
    db.expire_all()
    assert db.get_one(User, member.id).role == "team_member"
    assert role_events(db, member.id) == []


def test_a_role_change_is_shown_on_the_audit_page(client: TestClient, db: Session, bank_a: World) -> None:
    member = bank_a.users["member"]
    login(client, db, bank_a.users["admin"])
    post_as_user(client, f"/admin/users/{member.id}/role", {"role": "viewer"}, page="/admin/users")

    rows = html(client.get("/admin/audit")).select("main table tbody tr")
    changes = [r for r in rows if r.select("td")[2].get_text(strip=True) == "user.role_changed"]
    assert len(changes) == 1
    cells = changes[0].select("td")
    assert cells[1].get_text(strip=True) == f"{bank_a.users['admin'].name} <{bank_a.users['admin'].email}>"
    assert cells[3].get_text(strip=True) == f"User #{member.id}"
    assert json.loads(cells[5].get_text(strip=True)) == {"role": "team_member"}
    assert json.loads(cells[6].get_text(strip=True)) == {"role": "viewer"}


def test_the_audit_page_shows_only_the_own_organisations_events(
    client: TestClient, db: Session, bank_a: World, bank_b: World
) -> None:
    login(client, db, bank_a.users["admin"])
    actors = {
        r.select("td")[1].get_text(strip=True) for r in html(client.get("/admin/audit")).select("tbody tr")
    }
    assert actors
    assert not any("Bank B" in actor for actor in actors)


def test_an_expired_invitation_is_not_listed_as_open(client: TestClient, db: Session, bank_a: World) -> None:
    from datetime import timedelta

    from nineplus.core.models import utcnow

    assert bank_a.invitation is not None
    bank_a.invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    login(client, db, bank_a.users["admin"])
    page = html(client.get("/admin/users"))
    assert bank_a.invitation.email not in page.get_text()


def test_an_admin_edits_a_teams_members_on_its_page(client: TestClient, db: Session, bank_a: World) -> None:
    from nineplus.accounts.repository import team_members

    login(client, db, bank_a.users["admin"])
    team = bank_a.teams["advice"]
    viewer, member = bank_a.users["viewer"], bank_a.users["member"]
    token = csrf_token(client, f"/teams/{team.id}/edit")
    data = {"csrf_token": token, "name": team.name, "member_ids": [str(viewer.id), str(member.id)]}
    response = client.post(f"/teams/{team.id}/edit", data=data)
    assert response.status_code == 303
    system(db)
    assert {u.id for u in team_members(db, team.id)} == {viewer.id, member.id}
    response = client.post(f"/teams/{team.id}/edit", data={"csrf_token": token, "name": team.name})
    assert response.status_code == 303
    assert team_members(db, team.id) == []


def test_the_same_address_cannot_be_invited_twice(client: TestClient, db: Session, bank_a: World) -> None:
    login(client, db, bank_a.users["admin"])
    token = csrf_token(client, "/admin/users")
    data = {"csrf_token": token, "email": bank_a.invitation.email, "role": "viewer"}  # type: ignore[union-attr]
    response = client.post("/admin/invitations", data=data)
    assert response.status_code == 422
    assert html(response).select_one("#f-email-error") is not None
