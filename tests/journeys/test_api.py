"""/api/v1 for journeys, moments and workshops, used with an API key as another system would."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.audit.models import AuditEvent
from nineplus.core.tenancy import system
from nineplus.journeys.models import Moment
from tests.factories import World


@pytest.fixture
def api(client: TestClient, bank_a: World) -> TestClient:
    """The client, speaking English, with Bank A's admin-scoped key on every request."""
    client.headers["Authorization"] = f"Bearer {bank_a.api_secret}"
    client.headers["Accept-Language"] = "en"
    return client


def moment_body(name: str, channel: str = "phone", **extra: object) -> dict[str, object]:
    return {"name": {"en": name}, "channel": channel, **extra}


def assert_validation_error(response, *fields: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["errors"], dict)
    assert set(body["errors"]) == set(fields)
    assert all(isinstance(m, str) and m for m in body["errors"].values())
    return body["errors"]


# Full CRUD -------------------------------------------------------------------------------------------


def test_a_journey_is_created_listed_read_and_replaced(api: TestClient, bank_a: World) -> None:
    response = api.post(
        "/api/v1/journeys",
        json={
            "name": {"nl": "Autoschade", "en": "Car damage"},
            "description": {"en": "From damage to repair"},
            "start_feeling": -1,
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == {"nl": "Autoschade", "en": "Car damage"}
    assert created["description"] == {"en": "From damage to repair"}
    assert (created["start_feeling"], created["archived"]) == (-1, False)
    assert created["created_at"]
    journey_id = created["id"]

    listed = api.get("/api/v1/journeys").json()
    assert [j["id"] for j in listed] == [bank_a.journey.id, journey_id]  # type: ignore[union-attr]
    assert api.get(f"/api/v1/journeys/{journey_id}").json() == created

    replaced = api.put(
        f"/api/v1/journeys/{journey_id}", json={"name": {"en": "Car claim"}, "start_feeling": -2}
    )
    assert replaced.status_code == 200
    assert (replaced.json()["name"], replaced.json()["description"], replaced.json()["start_feeling"]) == (
        {"en": "Car claim"},
        {},
        -2,
    )
    assert api.get(f"/api/v1/journeys/{journey_id}").json()["name"] == {"en": "Car claim"}


def test_deleting_a_journey_archives_it(api: TestClient, bank_a: World) -> None:
    assert bank_a.journey is not None
    assert api.delete(f"/api/v1/journeys/{bank_a.journey.id}").status_code == 204
    assert api.get("/api/v1/journeys").json() == []
    archived = api.get("/api/v1/journeys", params={"include_archived": "true"}).json()
    assert [(j["id"], j["archived"]) for j in archived] == [(bank_a.journey.id, True)]
    assert api.get(f"/api/v1/journeys/{bank_a.journey.id}").json()["archived"] is True


def test_moments_are_added_at_the_end_and_reordered(api: TestClient, bank_a: World) -> None:
    assert bank_a.journey is not None
    assert bank_a.channel is not None
    base = f"/api/v1/journeys/{bank_a.journey.id}/moments"
    first = api.post(
        base,
        json=moment_body(
            "Notary",
            channel=f"custom:{bank_a.channel.id}",
            team_id=bank_a.teams["advice"].id,
            kind="potential",
        ),
    )
    assert first.status_code == 201
    notary = first.json()
    assert (notary["position"], notary["channel"], notary["team_id"], notary["kind"], notary["archived"]) == (
        3,
        f"custom:{bank_a.channel.id}",
        bank_a.teams["advice"].id,
        "potential",
        False,
    )
    waiting = api.post(base, json=moment_body("Waiting", channel="", contact="customer_only")).json()
    assert waiting["position"] == 4

    existing = [m.id for m in bank_a.moments]
    assert [m["id"] for m in api.get(base).json()] == [*existing, notary["id"], waiting["id"]]

    new_order = [waiting["id"], *existing[::-1], notary["id"]]
    response = api.put(f"{base}/order", json={"moment_ids": new_order})
    assert response.status_code == 200
    assert [m["id"] for m in response.json()] == new_order
    assert [m["position"] for m in response.json()] == [0, 1, 2, 3, 4]
    assert [m["id"] for m in api.get(base).json()] == new_order


def test_a_moment_is_read_and_replaced(api: TestClient, bank_a: World) -> None:
    moment_id = bank_a.moments[1].id
    read = api.get(f"/api/v1/moments/{moment_id}").json()
    assert (read["name"], read["channel"], read["contact"], read["position"]) == (
        {"en": "Moment 2 Bank A"},
        "",
        "customer_only",
        1,
    )
    response = api.put(
        f"/api/v1/moments/{moment_id}",
        json=moment_body(
            "Call back", channel="phone", predictability="scripted", role_label={"en": "Adviser"}
        ),
    )
    assert response.status_code == 200
    replaced = response.json()
    assert (
        replaced["name"],
        replaced["channel"],
        replaced["contact"],
        replaced["team_id"],
        replaced["role_label"],
        replaced["position"],
    ) == ({"en": "Call back"}, "phone", "touchpoint", None, {"en": "Adviser"}, 1)


def test_deleting_moments_archives_those_with_data_and_deletes_the_rest(
    api: TestClient, db: Session, bank_a: World
) -> None:
    assert bank_a.journey is not None
    base = f"/api/v1/journeys/{bank_a.journey.id}/moments"
    fresh = api.post(base, json=moment_body("Fresh")).json()
    with_data = bank_a.moments[0].id

    archived = api.delete(f"/api/v1/moments/{with_data}")
    assert archived.status_code == 200
    assert archived.json() == {"outcome": "archived"}
    deleted = api.delete(f"/api/v1/moments/{fresh['id']}")
    assert deleted.json() == {"outcome": "deleted"}

    assert api.get(f"/api/v1/moments/{fresh['id']}").status_code == 404
    assert api.get(f"/api/v1/moments/{with_data}").json()["archived"] is True
    assert [m["id"] for m in api.get(base).json()] == [m.id for m in bank_a.moments[1:]]
    everything = api.get(base, params={"include_archived": "true"}).json()
    assert [(m["id"], m["archived"]) for m in everything] == [
        (with_data, True),
        (bank_a.moments[1].id, False),
        (bank_a.moments[2].id, False),
    ]
    system(db)
    assert db.get(Moment, fresh["id"]) is None

    restored = api.post(f"/api/v1/moments/{with_data}/restore")
    assert restored.status_code == 200
    assert restored.json()["archived"] is False
    assert [m["id"] for m in api.get(base).json()] == [bank_a.moments[1].id, bank_a.moments[2].id, with_data]


def test_a_workshop_is_recorded_and_its_entries_stored(api: TestClient, bank_a: World) -> None:
    assert bank_a.journey is not None
    m1, m2, m3 = (m.id for m in bank_a.moments)
    response = api.post(
        f"/api/v1/journeys/{bank_a.journey.id}/workshops",
        json={"title": "Second look", "held_on": "2026-05-20", "facilitator": "Fay"},
    )
    assert response.status_code == 201
    workshop = response.json()
    assert (workshop["title"], workshop["held_on"], workshop["facilitator"], workshop["entries"]) == (
        "Second look",
        "2026-05-20",
        "Fay",
        [],
    )

    saved = api.put(
        f"/api/v1/workshops/{workshop['id']}/entries",
        json={
            "entries": [
                {"moment_id": m3, "wanted": "A clear e-mail", "expected_emotion": 2},
                {
                    "moment_id": m1,
                    "wanted": "Quick answer",
                    "today": "Long wait",
                    "feeling_today": "Annoyed",
                    "quality_view": "Slow bank",
                    "expected_emotion": -1,
                },
                {"moment_id": m2},
            ]
        },
    )
    assert saved.status_code == 200
    entries = saved.json()["entries"]
    assert [e["moment_id"] for e in entries] == sorted([m1, m3])
    by_moment = {e["moment_id"]: e for e in entries}
    assert by_moment[m1] == {
        "moment_id": m1,
        "wanted": "Quick answer",
        "today": "Long wait",
        "feeling_today": "Annoyed",
        "quality_view": "Slow bank",
        "expected_emotion": -1,
    }
    assert by_moment[m3]["expected_emotion"] == 2

    assert api.get(f"/api/v1/workshops/{workshop['id']}").json() == saved.json()
    listed = api.get(f"/api/v1/journeys/{bank_a.journey.id}/workshops").json()
    assert [w["title"] for w in listed] == [f"Workshop {bank_a.org.name}", "Second look"]

    assert api.delete(f"/api/v1/workshops/{workshop['id']}").status_code == 204
    assert api.get(f"/api/v1/workshops/{workshop['id']}").status_code == 404


def test_api_changes_are_audited_as_the_key(api: TestClient, db: Session, bank_a: World) -> None:
    assert bank_a.api_key is not None
    created = api.post("/api/v1/journeys", json={"name": {"en": "Audited"}}).json()
    system(db)
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "journey.created", AuditEvent.object_id == str(created["id"])
        )
    ).one()
    assert event.actor == f"api-key:{bank_a.api_key.id}"
    assert event.actor_user_id is None
    assert event.organisation_id == bank_a.org.id


# Validation ------------------------------------------------------------------------------------------


def test_a_start_feeling_out_of_range_is_a_422_keyed_by_field(api: TestClient, db: Session) -> None:
    errors = assert_validation_error(
        api.post("/api/v1/journeys", json={"name": {"en": "Too happy"}, "start_feeling": 4}), "start_feeling"
    )
    assert "3" in errors["start_feeling"]
    assert len(api.get("/api/v1/journeys").json()) == 1


def test_a_missing_name_is_a_422_keyed_by_field(api: TestClient) -> None:
    assert_validation_error(api.post("/api/v1/journeys", json={"start_feeling": 0}), "name")
    assert_validation_error(api.post("/api/v1/journeys", json={"name": {"nl": "", "en": ""}}), "name")


def test_unknown_fields_are_refused(api: TestClient) -> None:
    assert_validation_error(
        api.post("/api/v1/journeys", json={"name": {"en": "x"}, "colour": "red"}), "colour"
    )


def test_several_problems_are_reported_together(api: TestClient) -> None:
    errors = assert_validation_error(
        api.post("/api/v1/journeys", json={"name": {"en": "x" * 201}, "start_feeling": "very"}),
        "name.en",
        "start_feeling",
    )
    assert "200" in errors["name.en"]


def test_a_malformed_json_body_is_a_422_json_answer(api: TestClient) -> None:
    response = api.post(
        "/api/v1/journeys", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_touchpoint_without_a_channel_is_a_422_keyed_by_channel(api: TestClient, bank_a: World) -> None:
    assert bank_a.journey is not None
    base = f"/api/v1/journeys/{bank_a.journey.id}/moments"
    assert_validation_error(api.post(base, json=moment_body("Call", channel="")), "channel")
    assert_validation_error(
        api.post(base, json=moment_body("Wait", channel="phone", contact="customer_only")), "channel"
    )
    assert len(api.get(base).json()) == 3


def test_a_moment_with_another_organisations_team_is_a_422(
    api: TestClient, bank_a: World, bank_b: World
) -> None:
    assert bank_a.journey is not None
    response = api.post(
        f"/api/v1/journeys/{bank_a.journey.id}/moments",
        json=moment_body("x", team_id=bank_b.teams["contact"].id),
    )
    assert_validation_error(response, "team_id")


def test_a_reorder_missing_a_moment_is_a_422_and_changes_nothing(api: TestClient, bank_a: World) -> None:
    assert bank_a.journey is not None
    base = f"/api/v1/journeys/{bank_a.journey.id}/moments"
    ids = [m.id for m in bank_a.moments]
    assert_validation_error(api.put(f"{base}/order", json={"moment_ids": ids[:2]}), "moment_ids")
    assert_validation_error(
        api.put(f"{base}/order", json={"moment_ids": [ids[0], ids[0], ids[1]]}), "moment_ids"
    )
    assert [m["id"] for m in api.get(base).json()] == ids


def test_workshop_entries_are_validated(api: TestClient, bank_a: World, bank_b: World) -> None:
    assert bank_a.workshop is not None
    path = f"/api/v1/workshops/{bank_a.workshop.id}/entries"
    m1 = bank_a.moments[0].id
    assert_validation_error(
        api.put(path, json={"entries": [{"moment_id": m1, "expected_emotion": -4}]}),
        "entries.0.expected_emotion",
    )
    assert_validation_error(
        api.put(path, json={"entries": [{"moment_id": bank_b.moments[0].id}]}), "entries.0.moment_id"
    )
    assert_validation_error(
        api.put(path, json={"entries": [{"moment_id": m1}, {"moment_id": m1}]}), "entries"
    )
    entries = api.get(f"/api/v1/workshops/{bank_a.workshop.id}").json()["entries"]
    assert [e["expected_emotion"] for e in entries] == [1, -2, 0]


def test_a_missing_object_is_a_404_json_answer(api: TestClient) -> None:
    for path in (
        "/api/v1/journeys/999999",
        "/api/v1/moments/999999",
        "/api/v1/workshops/999999",
        "/api/v1/journeys/999999/moments",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["detail"]


# The schema ------------------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_journey_paths_and_explains_the_key(client: TestClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/journeys"])
    assert {"get", "put", "delete"} <= set(paths["/api/v1/journeys/{journey_id}"])
    assert {"get", "post"} <= set(paths["/api/v1/journeys/{journey_id}/moments"])
    assert "put" in paths["/api/v1/journeys/{journey_id}/moments/order"]
    assert "put" in paths["/api/v1/workshops/{workshop_id}/entries"]
    assert all(p.startswith("/api/v1/") for p in paths), "HTML pages leak into the API schema"
    assert "Authorization: Bearer" in schema["info"]["description"]
    assert schema["paths"]["/api/v1/journeys"]["post"]["summary"] == "Create a journey"
