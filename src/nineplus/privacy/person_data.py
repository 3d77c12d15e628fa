"""A person's own data, for their request to see it: everything the row store holds about them, as JSON
and as CSV (one row per value: section, item, field, value)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from nineplus.accounts.models import Team
from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import get_or_404
from nineplus.core.models import localized
from nineplus.core.principal import Principal
from nineplus.core.spreadsheet import neutralise as safe_cell
from nineplus.feedback.models import Answer, Person, Question, Response, Survey, SurveyInvitation
from nineplus.improve.models import Case, CaseNote
from nineplus.journeys.models import Moment
from nineplus.outcomes.models import CustomerOutcome
from nineplus.privacy import pseudonyms
from nineplus.scans.models import ScanAnswer


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def person_data(session: Session, actor: Principal, person_id: int, locale: str = "en") -> dict[str, Any]:
    """Everything about one person; the export is audited (who asked for whose data)."""
    require(actor, Permission.MANAGE_PRIVACY)
    person = get_or_404(session, Person, person_id)
    team = session.get(Team, person.team_id) if person.team_id else None
    data: dict[str, Any] = {
        "person": {
            "id": person.id,
            "kind": person.kind,
            "email": person.email,
            "external_id": person.external_id,
            "name": person.name,
            "team": team.name if team else None,
            "attributes": person.attributes,
            "created_at": _plain(person.created_at),
            "last_invited_at": _plain(person.last_invited_at),
            "unsubscribed_at": _plain(person.unsubscribed_at),
            "bounced_at": _plain(person.bounced_at),
        }
    }
    titles = {s.id: localized(s.title, locale) for s in session.scalars(select(Survey))}
    invitations = list(
        session.scalars(
            select(SurveyInvitation)
            .where(SurveyInvitation.person_id == person.id)
            .order_by(SurveyInvitation.id)
        )
    )
    data["invitations"] = [
        {
            "survey": titles.get(i.survey_id, ""),
            "created_at": _plain(i.created_at),
            "sent_at": _plain(i.sent_at),
            "used_at": _plain(i.used_at),
            "bounced_at": _plain(i.bounced_at),
        }
        for i in invitations
    ]
    responses = list(
        session.scalars(
            select(Response)
            .where(
                or_(
                    Response.id.in_(pseudonyms.responses_of_person(person.id)),
                    Response.invitation_id.in_([i.id for i in invitations]),
                )
            )
            .order_by(Response.id)
        )
    )
    data["responses"] = [_response(session, r, titles, locale) for r in responses]
    cases = list(session.scalars(select(Case).where(Case.response_id.in_([r.id for r in responses]))))
    data["cases"] = [_case(session, c) for c in cases]
    data["outcomes"] = [
        {
            "period_start": _plain(o.period_start),
            "active": o.active,
            "churned_on": _plain(o.churned_on),
            "revenue": _plain(o.revenue),
        }
        for o in session.scalars(
            select(CustomerOutcome).where(CustomerOutcome.person_id == person.id).order_by(CustomerOutcome.id)
        )
    ]
    data["scan_answers"] = [
        {"run_id": a.run_id, "submitted_on": _plain(a.submitted_on), "answers": a.answers}
        for a in session.scalars(select(ScanAnswer).where(ScanAnswer.person_id == person.id))
    ]
    from nineplus.feed.models import CustomerEvent

    data["events"] = [  # what other systems told us the customer did (customer events)
        {
            "reference": e.reference,
            "type": e.event_type,
            "occurred_at": _plain(e.occurred_at),
            "received_at": _plain(e.received_at),
            "outcome": e.outcome,
        }
        for e in session.scalars(
            select(CustomerEvent).where(CustomerEvent.person_id == person.id).order_by(CustomerEvent.id)
        )
    ]
    record(session, actor, "privacy.export", person)
    return data


def _response(session: Session, response: Response, titles: dict[int, str], locale: str) -> dict[str, Any]:
    rows = session.execute(
        select(Answer, Question, Moment)
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(Moment, Moment.id == Answer.moment_id)
        .where(Answer.response_id == response.id)
        .order_by(Question.position, Answer.moment_key)
    ).all()
    return {
        "id": response.id,
        "survey": titles.get(response.survey_id, ""),
        "started_at": _plain(response.started_at),
        "submitted_at": _plain(response.submitted_at),
        "language": response.locale,
        "answers": [
            {
                "question": localized(question.text, locale),
                "moment": localized(moment.name, locale) if moment is not None else None,
                "value": answer.value_int
                if answer.value_int is not None
                else answer.value_text
                if answer.value_text is not None
                else answer.value_choices,
            }
            for answer, question, moment in rows
        ],
    }


def _case(session: Session, case: Case) -> dict[str, Any]:
    notes = session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))
    return {
        "response_id": case.response_id,
        "status": case.status,
        "outcome": case.outcome,
        "opened_at": _plain(case.opened_at),
        "closed_at": _plain(case.closed_at),
        "resurvey_score": case.resurvey_score,
        "resurvey_comment": case.resurvey_comment,
        "notes": [{"at": _plain(n.created_at), "kind": n.kind, "text": n.text} for n in notes],
    }


def as_csv(data: dict[str, Any]) -> str:
    """One row per value: section, item (its number in the section), field, value; every cell is made
    safe for spreadsheets (no formula runs when the file is opened)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "field", "value"])
    for field, value in data["person"].items():
        writer.writerow(["person", 1, field, _cell(value)])
    for section in ("invitations", "responses", "cases", "outcomes", "scan_answers"):
        for number, item in enumerate(data[section], start=1):
            for field, value in item.items():
                if section == "responses" and field == "answers":
                    for answer in value:
                        label = answer["question"] + (f" ({answer['moment']})" if answer["moment"] else "")
                        writer.writerow([section, number, safe_cell(label), _cell(answer["value"])])
                elif section == "cases" and field == "notes":
                    for note in value:
                        writer.writerow([section, number, f"note {note['at']}", safe_cell(note["text"])])
                else:
                    writer.writerow([section, number, field, _cell(value)])
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A CSV cell: a number as it is (a score of -2 is no formula), any text made safe for spreadsheets."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return safe_cell(_flat(value))


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)
