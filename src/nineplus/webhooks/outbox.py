"""Events into the outbox, in the transaction of the change that makes them: a response submitted, a case
opened, a scan closed. An event that rolls back sends nothing; one that commits is delivered at least once
(``webhooks/delivery.py``).

The message follows Standard Webhooks: ``{"type": ..., "timestamp": ..., "data": {...}}``, its id
``msg_<delivery id>`` (a receiver drops a message it has seen), signed with the endpoint's secret.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from nineplus.core.i18n import N_
from nineplus.core.models import utcnow
from nineplus.webhooks.models import WebhookDelivery, WebhookEndpoint

EVENTS = {
    "response.submitted": N_("A response was submitted (through a link, the page or the API)"),
    "case.opened": N_("A case was opened for an unhappy customer"),
    "scan.closed": N_("An organisation scan was closed"),
}


def subscribers(session: Session, organisation_ids: Iterable[int], event: str) -> dict[int, list[int]]:
    """The active endpoints per organisation that subscribe to ``event`` (one query)."""
    wanted = sorted(set(organisation_ids))
    if not wanted:
        return {}
    found: dict[int, list[int]] = defaultdict(list)
    rows = session.execute(
        select(WebhookEndpoint.organisation_id, WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.organisation_id.in_(wanted), WebhookEndpoint.active.is_(True)
        )
    )
    for organisation_id, endpoint_id, events in rows:
        if event in (events or []):
            found[organisation_id].append(endpoint_id)
    return found


def emit(
    session: Session, event: str, items: list[tuple[int, dict[str, Any] | Callable[[], dict[str, Any]]]]
) -> int:
    """Put ``event`` with each (organisation, data) into the outbox of every endpoint that wants it, in the
    session's transaction; return how many deliveries were written. ``data`` may be a function, called
    only for an organisation with an endpoint for the event: without endpoints, an event costs one query."""
    assert event in EVENTS, event
    endpoints = subscribers(session, (organisation_id for organisation_id, _data in items), event)
    if not endpoints:
        return 0
    items = [(org, data() if callable(data) else data) for org, data in items if org in endpoints]
    now = utcnow()
    rows = [
        {
            "organisation_id": organisation_id,
            "endpoint_id": endpoint_id,
            "event": event,
            "payload": {"type": event, "timestamp": now.isoformat(), "data": data},
            "response_id": data.get("response_id") if event == "response.submitted" else None,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for organisation_id, data in items
        for endpoint_id in endpoints.get(organisation_id, [])
    ]
    if rows:
        session.execute(insert(WebhookDelivery), rows)
    return len(rows)


def response_data(
    response_id: int,
    survey_id: int,
    version_id: int,
    submitted_at: Any,
    answers: Iterable[tuple[int, int | None, Any]],
) -> dict[str, Any]:
    """A submitted response as a message carries it: ids, the moment, and each answer (question, moment,
    value). No person: the respondent's identity stays in nineplus."""
    return {
        "response_id": response_id,
        "survey_id": survey_id,
        "version_id": version_id,
        "submitted_at": submitted_at.isoformat() if hasattr(submitted_at, "isoformat") else submitted_at,
        "answers": [
            {"question_id": question_id, "moment_id": moment_id, "value": value}
            for question_id, moment_id, value in answers
        ],
    }


def answer_value(value_int: Any, value_text: Any, value_choices: Any) -> Any:
    return value_int if value_int is not None else value_choices if value_choices is not None else value_text


def emit_response(session: Session, response: Any) -> int:
    """``response.submitted`` for a response the session has just completed (the web pages)."""
    from nineplus.feedback.models import Answer

    def data() -> dict[str, Any]:
        answers = session.execute(
            select(Answer.question_id, Answer.moment_id, Answer.value_int, Answer.value_text)
            .add_columns(Answer.value_choices)
            .where(Answer.response_id == response.id)
        ).all()
        return response_data(
            response.id,
            response.survey_id,
            response.version_id,
            response.submitted_at,
            [(q, m, answer_value(i, t, c)) for q, m, i, t, c in answers],
        )

    return emit(session, "response.submitted", [(response.organisation_id, data)])
