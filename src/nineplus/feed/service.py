"""Customer events in, transactional surveys out.

Another system (a CRM, the mortgage back office) tells nineplus what a customer did: through the API
(``POST /api/v1/events``) or a CSV file in the drop folder (``feed/folder.py``). Each event names its
customer (an external id and/or an e-mail address), who is added or updated as a person; each survey
with a trigger for the event's type then invites that customer, after the trigger's delay, unless the
survey's protocol refuses (unsubscribed, bounced, an excluded domain, or invited within its
contact-frequency days; two events in one batch count too). An event is recorded once per reference:
sent again (a retry, a file read twice after a crash), it is recognised and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, EmailStr, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, get_or_404
from nineplus.core.i18n import gettext as _
from nineplus.core.mail import queue_composed
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.feed.models import CustomerEvent, SurveyTrigger
from nineplus.feedback import fielding, service
from nineplus.feedback.models import Person, Survey

EventType = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")]
MAX_EVENTS = 1000  # per request or per transaction of a file


class CustomerIn(BaseModel):
    external_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None
    ) = None
    email: EmailStr | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    attributes: dict[
        Annotated[str, StringConstraints(max_length=50)], Annotated[str, StringConstraints(max_length=200)]
    ] = Field(default_factory=dict, max_length=30)


class EventIn(BaseModel):
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="Your id of the event: the same reference sent again is recognised, not stored twice."
    )
    type: EventType = Field(description="What happened, e.g. `mortgage.closed` (lower case, digits, . _ -).")
    occurred_at: datetime | None = Field(None, description="When it happened (default: now).")
    customer: CustomerIn


@dataclass(frozen=True)
class Outcome:
    reference: str
    result: str  # "invited", "stored", "repeat", "not invited: <reason>", "refused: <reason>"
    event_id: int | None = None


def receive(
    session: Session, actor: Principal, events: list[EventIn], now: datetime | None = None
) -> list[Outcome]:
    """Record the events and send the surveys they trigger, in the session's transaction."""
    require(actor, Permission.MANAGE_SURVEYS)  # it makes and changes persons and sends them e-mail
    if len(events) > MAX_EVENTS:
        raise Invalid({"events": _("At most %(n)s events at a time.", n=MAX_EVENTS)})
    now = now or utcnow()
    from nineplus.privacy.erasure import _registered, identifier_hash

    erased = {h for _kind, h in _registered(session, actor.organisation_id)}
    references = [e.reference for e in events]
    stored = select(CustomerEvent.reference, CustomerEvent.id).where(CustomerEvent.reference.in_(references))
    seen: dict[str, int] = {str(row[0]): int(row[1]) for row in session.execute(stored)}
    triggers: dict[str, list[tuple[Survey, SurveyTrigger]]] = {}
    for trigger, survey in session.execute(
        select(SurveyTrigger, Survey).join(Survey, Survey.id == SurveyTrigger.survey_id)
    ):
        triggers.setdefault(trigger.event_type, []).append((survey, trigger))
    outcomes = []
    for event in events:
        if event.reference in seen:
            outcomes.append(Outcome(event.reference, "repeat", seen[event.reference]))
            continue
        customer = event.customer
        if customer.external_id is None and customer.email is None:
            outcomes.append(
                Outcome(event.reference, "refused: " + _("the customer has no external id or e-mail"))
            )
            continue
        named = [("email", str(customer.email))] if customer.email else []
        named += [("external_id", customer.external_id)] if customer.external_id else []
        if any(identifier_hash(kind, value) in erased for kind, value in named):
            outcomes.append(Outcome(event.reference, "refused: " + _("this customer was erased")))
            continue
        person = _person(session, customer)
        result, survey_id = _invite(session, actor, person, triggers.get(event.type, []), now)
        row = CustomerEvent(
            reference=event.reference,
            event_type=event.type,
            occurred_at=event.occurred_at or now,
            person_id=person.id,
            outcome=result[:40],
            survey_id=survey_id,
        )
        session.add(row)
        session.flush()
        seen[event.reference] = row.id
        outcomes.append(Outcome(event.reference, result, row.id))
    return outcomes


def _person(session: Session, customer: CustomerIn) -> Person:
    """The customer as a person: found by external id, else by e-mail address; added when new; their
    name, address and attributes brought up to date."""
    email = str(customer.email).strip().lower() if customer.email else None
    person = None
    # Locked: two requests about one customer at once must see each other's invitation (contact rule).
    if customer.external_id:
        person = session.scalar(
            select(Person).where(Person.external_id == customer.external_id).with_for_update()
        )
    if person is None and email:
        person = session.scalar(
            select(Person).where(Person.email == email).order_by(Person.id).limit(1).with_for_update()
        )
    if person is None:
        person = Person(kind="customer", external_id=customer.external_id, email=email, name=customer.name)
        session.add(person)
    else:
        if email and email != person.email:
            person.email, person.bounced_at = email, None  # a new address: not known to bounce
        person.name = customer.name or person.name
        if customer.external_id and not person.external_id:
            person.external_id = customer.external_id
    if customer.attributes:
        person.attributes = {**(person.attributes or {}), **customer.attributes}
    session.flush()
    return person


def _invite(
    session: Session,
    actor: Principal,
    person: Person,
    triggered: list[tuple[Survey, SurveyTrigger]],
    now: datetime,
) -> tuple[str, int | None]:
    if not triggered:
        return "stored", None
    reasons = []
    for survey, trigger in triggered:
        if survey.status != "live":
            reasons.append("survey not live")
            continue
        version = service.current_version(session, survey.id)
        if service.is_anonymous(version):
            reasons.append("anonymous survey")
            continue
        protocol = version.protocol
        reason = "no_email" if not person.email else fielding.refusal(person, protocol, now)
        if reason is not None:
            reasons.append(reason)
            continue
        # The invitation counts from when it is sent: its expiry, its reminder and the contact rule.
        send_at = now + timedelta(hours=trigger.delay_hours)
        invitation, _token = fielding.make_invitation(session, survey, protocol, person, send_at)
        queue_composed(
            session,
            "survey_invitation",
            {"invitation_id": invitation.id},
            actor.organisation_id,
            run_at=send_at,
        )
        return "invited", survey.id
    return "not invited: " + ", ".join(sorted(set(reasons))), None


# -- triggers -------------------------------------------------------------------------------------------


def triggers(session: Session) -> list[tuple[SurveyTrigger, Survey]]:
    return [
        (t, s)
        for t, s in session.execute(
            select(SurveyTrigger, Survey)
            .join(Survey, Survey.id == SurveyTrigger.survey_id)
            .order_by(SurveyTrigger.id)
        )
    ]


def add_trigger(
    session: Session, me: Principal, survey_id: int, event_type: str, delay_hours: int
) -> SurveyTrigger:
    require(me, Permission.MANAGE_SURVEYS)
    survey = service.get_survey(session, survey_id)
    errors: dict[str, str] = {}
    kind = event_type.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,99}", kind):
        errors["event_type"] = _("Lower-case letters, digits and . _ - only, e.g. mortgage.closed.")
    if not 0 <= delay_hours <= 24 * 60:
        errors["delay_hours"] = _("Give the hours to wait, from 0 to 1440.")
    if service.is_anonymous(service.current_version(session, survey.id)):
        errors["survey_id"] = _("An anonymous survey is answered through its anonymous link only.")
    if not errors and session.scalar(
        select(SurveyTrigger.id).where(SurveyTrigger.survey_id == survey.id, SurveyTrigger.event_type == kind)
    ):
        errors["event_type"] = _("This survey has a trigger for this event already.")
    if errors:
        raise Invalid(errors)
    trigger = SurveyTrigger(survey_id=survey.id, event_type=kind, delay_hours=delay_hours)
    session.add(trigger)
    session.flush()
    record(
        session,
        me,
        "trigger.added",
        trigger,
        after={"survey_id": survey.id, "event_type": kind, "delay_hours": delay_hours},
    )
    return trigger


def remove_trigger(session: Session, me: Principal, trigger_id: int) -> None:
    require(me, Permission.MANAGE_SURVEYS)
    trigger = get_or_404(session, SurveyTrigger, trigger_id)
    record(
        session,
        me,
        "trigger.removed",
        trigger,
        before={"survey_id": trigger.survey_id, "event_type": trigger.event_type},
    )
    session.delete(trigger)


def recent(session: Session, limit: int = 50) -> list[CustomerEvent]:
    return list(session.scalars(select(CustomerEvent).order_by(CustomerEvent.id.desc()).limit(limit)))


def outcome_counts(outcomes: list[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
    return counts


def as_json(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    return [{"reference": o.reference, "result": o.result, "event_id": o.event_id} for o in outcomes]
