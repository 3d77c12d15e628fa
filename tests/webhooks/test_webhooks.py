"""Webhooks: events go into the outbox in the transaction that makes them, are posted signed (checked by
the standardwebhooks package), retried with growing pauses while the receiver fails, wait as failed after
the last attempt, and are sent again on request. Private addresses are refused unless allowed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nineplus.audit.models import AuditEvent
from nineplus.core.db import transaction
from nineplus.core.errors import Forbidden, Invalid
from nineplus.core.models import utcnow
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.web.app import create_app
from nineplus.webhooks import delivery, service
from nineplus.webhooks.models import WebhookDelivery, WebhookEndpoint
from nineplus.webhooks.outbox import emit
from tests import factories
from tests.feedback.conftest import Field, build_live_survey
from tests.feedback.test_public_api import body, url
from tests.webhooks.receiver import Receiver


@pytest.fixture
def allow_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NINEPLUS_WEBHOOK_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def hooked(committed_db: str, allow_local: None, receiver: Receiver) -> tuple[factories.World, Field, int]:
    """A bank with a live survey and a webhook to the receiver, committed."""
    with transaction() as session:
        world = factories.bank(session, "Hook Bank", prefix="h")
        field = build_live_survey(session, world)
        endpoint = service.add_endpoint(
            session, world.principal(session, "admin"), receiver.url, ["response.submitted", "case.opened"]
        )
        receiver.secret = endpoint.secret
        return world, field, endpoint.id


def _deliveries(endpoint_id: int) -> list[WebhookDelivery]:
    with transaction(write=False) as session:
        system(session)
        return list(
            session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == endpoint_id)
                .order_by(WebhookDelivery.id)
            )
        )


def _due_now(endpoint_id: int) -> None:
    """Let the clock pass the pause (the tests do not wait minutes)."""
    with transaction() as session:
        system(session)
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == "pending")
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def test_a_submitted_response_is_posted_signed_once_the_receiver_answers(
    hooked: tuple[factories.World, Field, int], receiver: Receiver
) -> None:
    world, field, endpoint_id = hooked
    with TestClient(create_app(run_jobs=False)) as client:
        answer = client.post(url(field), json=body(field, world, "hook-0001"))
        assert answer.status_code == 201, answer.text
        again = client.post(url(field), json=body(field, world, "hook-0001"))  # the same client id, retried
        assert again.status_code == 200
    [queued] = _deliveries(endpoint_id)  # one event: the repeat stored nothing new
    assert (queued.event, queued.state) == ("response.submitted", "pending")
    assert delivery.deliver_due() == 1
    [message] = receiver.received  # its signature checked by the standardwebhooks package
    assert message["id"] == f"msg_{queued.id}"
    data = message["payload"]["data"]
    assert message["payload"]["type"] == "response.submitted"
    assert data["survey_id"] == field.survey.id
    values = {a["question_id"]: a["value"] for a in data["answers"] if a["moment_id"] is None}
    assert values[field.questions["nps"].id] == 8
    assert values[field.questions["why"].id].startswith("De hypotheekadviseur")
    assert "person" not in str(data)
    assert "email" not in str(data)
    [sent] = _deliveries(endpoint_id)
    assert (sent.state, sent.attempts, sent.last_status) == ("delivered", 1, 200)
    assert delivery.deliver_due() == 0  # nothing twice


def test_an_event_whose_transaction_rolls_back_sends_nothing(
    hooked: tuple[factories.World, Field, int],
) -> None:
    world, _field, endpoint_id = hooked

    def failing_change() -> None:
        with transaction() as session:
            system(session)
            emit(session, "response.submitted", [(world.org.id, {"response_id": 1})])
            raise RuntimeError("the change that made the event failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert _deliveries(endpoint_id) == []


def test_a_failing_receiver_gets_the_events_later_then_they_wait_failed_until_sent_again(
    hooked: tuple[factories.World, Field, int], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, _field, endpoint_id = hooked
    monkeypatch.setenv("NINEPLUS_WEBHOOK_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    with transaction() as session:
        system(session)
        emit(session, "case.opened", [(world.org.id, {"case_id": n}) for n in range(3)])
    receiver.status = 503
    assert delivery.deliver_due() == 0
    first, second, third = _deliveries(endpoint_id)
    assert (first.attempts, first.last_status, first.state) == (1, 503, "pending")
    assert first.next_attempt_at > utcnow() + timedelta(seconds=3)  # the pause: 5 s
    assert (second.attempts, third.attempts) == (0, 0)  # not tried: the endpoint is failing
    assert second.next_attempt_at == first.next_attempt_at
    assert receiver.refused == 1  # one post, not three timeouts
    _due_now(endpoint_id)
    delivery.deliver_due()
    assert _deliveries(endpoint_id)[0].next_attempt_at - utcnow() > timedelta(seconds=8)  # doubled: 10 s
    _due_now(endpoint_id)
    delivery.deliver_due()
    failed = _deliveries(endpoint_id)[0]
    assert (failed.state, failed.attempts) == ("failed", 3)
    receiver.status = 200
    _due_now(endpoint_id)
    assert delivery.deliver_due() == 2  # the other two
    assert len(receiver.received) == 2
    with transaction() as session:
        scope(session, world.org.id)
        service.replay(session, world.principal(session, "admin"), endpoint_id, failed.id)
    assert delivery.deliver_due() == 1
    assert receiver.ids() == {f"msg_{d.id}" for d in _deliveries(endpoint_id)}
    assert all(d.state == "delivered" for d in _deliveries(endpoint_id))
    with transaction(write=False) as session:
        system(session)
        replayed = session.scalars(select(AuditEvent).where(AuditEvent.action == "webhook.replayed")).one()
        assert replayed.before["state"] == "failed"


def test_an_opened_case_is_an_event(hooked: tuple[factories.World, Field, int], receiver: Receiver) -> None:
    world, field, endpoint_id = hooked
    from nineplus.improve import service as improve

    with transaction() as session:
        scope(session, world.org.id)
        rule = {"kind": "nps", "threshold": "6", "service_hours": "8"}
        improve.add_rule(session, world.principal(session, "admin"), rule)
    with TestClient(create_app(run_jobs=False)) as client:
        assert client.post(url(field), json=body(field, world, "unhappy-0001", nps=2)).status_code == 201
    with transaction() as session:
        improve.open_cases_job(session, {})
    assert {d.event for d in _deliveries(endpoint_id)} == {"response.submitted", "case.opened"}
    assert delivery.deliver_due() == 2
    case = next(m for m in receiver.received if m["payload"]["type"] == "case.opened")
    assert case["payload"]["data"]["reasons"]


def test_addresses_must_be_public_https_unless_allowed(
    db: Session, bank_a: factories.World, request: pytest.FixtureRequest
) -> None:
    from nineplus.core import i18n

    previous = i18n.get_locale()
    i18n.set_locale("en")  # the messages in English, whatever an earlier test in this process set
    request.addfinalizer(lambda: i18n.set_locale(previous))
    admin = bank_a.principal(db, "admin")
    with pytest.raises(Invalid) as plain:
        service.add_endpoint(db, admin, "http://crm.example.org/hooks", ["scan.closed"])
    assert "https" in plain.value.errors["url"]
    with pytest.raises(Invalid) as local:
        service.add_endpoint(db, admin, "https://127.0.0.1/hooks", ["scan.closed"])
    assert "private network" in local.value.errors["url"]
    with pytest.raises(Invalid) as none:
        service.add_endpoint(db, admin, "https://crm.example.org/hooks", ["no.such.event"])
    assert "events" in none.value.errors
    member = bank_a.principal(db, "member")
    with pytest.raises(Forbidden):
        service.add_endpoint(db, member, "https://crm.example.org/hooks", ["scan.closed"])


def test_a_delivery_to_a_private_address_is_refused_at_sending_time(
    hooked: tuple[factories.World, Field, int], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, _field, endpoint_id = hooked  # added while private addresses were allowed
    monkeypatch.setenv("NINEPLUS_WEBHOOK_ALLOW_PRIVATE", "false")
    get_settings.cache_clear()
    with transaction() as session:
        system(session)
        emit(session, "case.opened", [(world.org.id, {"case_id": 1})])
    assert delivery.deliver_due() == 0
    [refused] = _deliveries(endpoint_id)
    assert "private" in refused.last_error
    assert receiver.received == []


def test_the_pages_add_show_test_and_switch_a_webhook(
    client: TestClient, db: Session, bank_a: factories.World, allow_local: None
) -> None:
    factories.login(client, db, bank_a.users["admin"])
    token = factories.csrf_token(client, "/admin/webhooks")
    page = client.get("/admin/webhooks")
    assert page.status_code == 200
    added = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": token,
            "url": "https://crm.example.org/hooks",
            "events": ["case.opened"],
            "description": "CRM",
        },
    )
    assert added.status_code == 303
    system(db)
    endpoint = db.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == bank_a.org.id)
    ).one()
    shown = client.get(added.headers["location"])
    assert endpoint.secret in shown.text
    assert endpoint.secret.startswith("whsec_")
    assert client.post(f"/admin/webhooks/{endpoint.id}/test", data={"csrf_token": token}).status_code == 303
    assert "ping" in client.get(f"/admin/webhooks/{endpoint.id}").text
    off = client.post(f"/admin/webhooks/{endpoint.id}/active", data={"csrf_token": token, "active": "false"})
    assert off.status_code == 303
    db.refresh(endpoint)
    assert endpoint.active is False
    refused = client.post(
        "/admin/webhooks", data={"csrf_token": token, "url": "ftp://x", "events": ["case.opened"]}
    )
    assert refused.status_code == 422
    factories.login(client, db, bank_a.users["cx_lead"])
    assert client.get("/admin/webhooks").status_code == 403


def test_deliveries_that_arrived_are_forgotten_after_30_days(
    hooked: tuple[factories.World, Field, int], receiver: Receiver
) -> None:
    world, _field, endpoint_id = hooked
    with transaction() as session:
        system(session)
        emit(session, "case.opened", [(world.org.id, {"case_id": n}) for n in range(2)])
    assert delivery.deliver_due() == 2
    first, second = _deliveries(endpoint_id)
    with transaction() as session:
        system(session)
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == first.id)
            .values(delivered_at=utcnow() - timedelta(days=31))
        )
    with transaction() as session:
        delivery.purge_webhook_deliveries(session, {})
    assert [d.id for d in _deliveries(endpoint_id)] == [second.id]


def test_a_switched_off_endpoint_keeps_its_messages_and_an_erased_response_takes_its_message_along(
    hooked: tuple[factories.World, Field, int], receiver: Receiver
) -> None:
    world, field, endpoint_id = hooked
    with TestClient(create_app(run_jobs=False)) as client:
        assert client.post(url(field), json=body(field, world, "off-00001")).status_code == 201
    with transaction() as session:  # switched off before its message went out
        scope(session, world.org.id)
        service.set_active(session, world.principal(session, "admin"), endpoint_id, False)
    assert delivery.deliver_due() == 0  # the message waits for the endpoint to be on again
    [waiting] = _deliveries(endpoint_id)
    assert (waiting.state, waiting.attempts, waiting.response_id) == ("pending", 0, waiting.response_id)
    assert waiting.response_id is not None
    from nineplus.privacy.erasure import delete_responses

    with transaction() as session:
        system(session)
        delete_responses(session, [waiting.response_id])  # what erasure and retention do
    assert _deliveries(endpoint_id) == []
    assert receiver.received == []
    assert delivery.private_address("100.64.0.1")  # shared address space: not public either
