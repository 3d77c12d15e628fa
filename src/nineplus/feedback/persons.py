"""Persons from an uploaded list, and inviting a selection of them to a survey.

A list is a CSV file (comma or semicolon, UTF-8 or Windows-1252, as spreadsheets save it) with a header
row. The columns the product knows are recognised in Dutch and English (e-mail, external id, name, team,
kind); every other column becomes an attribute of the person (region, product, segment...). A person
is matched on the external id, else on the e-mail address, so loading the same list again updates the
persons instead of doubling them. The list is checked as a whole first: when any row is wrong, nothing is
stored and every problem is reported with its row, column, value and reason.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.accounts.models import Team
from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.core.mail import queue_composed
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.core.validation import message_for
from nineplus.feedback import fielding, service
from nineplus.feedback.models import Person
from nineplus.feedback.schemas import PersonIn

MAX_ROWS = 20_000  # a larger list goes through the import of the data issue (streamed)
MAX_ATTRIBUTES = 50
COLUMNS = {
    "email": {"email", "e-mail", "e-mailadres", "emailadres", "mail", "email address", "e-mail address"},
    "external_id": {
        "external_id",
        "external id",
        "id",
        "klantnummer",
        "customer_id",
        "customer number",
        "personeelsnummer",
        "employee_id",
        "employee number",
        "relatienummer",
    },
    "name": {"name", "naam", "full name", "volledige naam"},
    "team": {"team", "afdeling", "department"},
    "kind": {"kind", "type", "soort"},
}
KINDS = {"customer": "customer", "klant": "customer", "employee": "employee", "medewerker": "employee"}


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file (the header is row 1)
    column: str
    value: str
    reason: str


@dataclass
class PersonImport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)  # the columns that became attributes


def read_csv(content: bytes) -> list[dict[str, str]]:
    """The rows of a CSV upload as dicts by header; Invalid when it is not a readable list."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    if not text.strip():
        raise Invalid({"file": _("The file is empty.")})
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = [h.strip() for h in (reader.fieldnames or []) if h and h.strip()]
    if not headers:
        raise Invalid({"file": _("The first row must name the columns.")})
    if len({h.lower() for h in headers}) != len(headers):
        raise Invalid({"file": _("Two columns have the same name.")})
    rows = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise Invalid({"file": _("A list may hold at most %(max)s rows here.", max=MAX_ROWS)})
        rows.append({(k or "").strip(): (v if isinstance(v, str) else "").strip() for k, v in raw.items()})
    return rows


def _column_roles(headers: list[str]) -> dict[str, str]:
    """header -> known field, for the headers the product recognises."""
    roles = {}
    for header in headers:
        for role, names in COLUMNS.items():
            if header.lower() in names and role not in roles.values():
                roles[header] = role
    return roles


def import_persons(session: Session, actor: Principal, rows: list[dict[str, str]]) -> PersonImport:
    """Check every row, then (only when all are valid) create or update the persons."""
    require(actor, Permission.MANAGE_SURVEYS)
    report = PersonImport()
    headers = list(rows[0]) if rows else []
    roles = _column_roles(headers)
    by_role = {role: header for header, role in roles.items()}
    if "email" not in by_role and "external_id" not in by_role:
        raise Invalid({"file": _("The list needs a column with e-mail addresses or one with external ids.")})
    report.attributes = [h for h in headers if h not in roles][:MAX_ATTRIBUTES]
    teams = {t.name.strip().lower(): t.id for t in session.scalars(select(Team))}
    valid: list[tuple[int, PersonIn]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        errors_before = len(report.errors)
        person = _person_of_row(number, row, by_role, report, teams)
        if person is None or len(report.errors) > errors_before:
            continue
        key = f"id:{person.external_id}" if person.external_id else f"email:{person.email}"
        if key in seen:
            column = by_role["external_id"] if person.external_id else by_role["email"]
            reason = _("Also on row %(row)s.", row=seen[key])
            report.errors.append(RowError(number, column, row.get(column, ""), reason))
            continue
        seen[key] = number
        valid.append((number, person))
    if report.errors:
        return report
    for _number, data in valid:
        existing = _existing(session, data)
        if existing is None:
            session.add(fielding.new_person(data))
            report.created += 1
        else:
            if data.email and data.email.lower() != existing.email:
                existing.email = data.email.lower()
                existing.bounced_at = None  # a corrected address may be tried again
            existing.external_id = existing.external_id or data.external_id
            existing.name = data.name or existing.name
            existing.kind = data.kind
            existing.team_id = data.team_id if data.team_id is not None else existing.team_id
            existing.attributes = {**(existing.attributes or {}), **data.attributes}
            report.updated += 1
    session.flush()
    return report


def _person_of_row(
    number: int, row: dict[str, str], by_role: dict[str, str], report: PersonImport, teams: dict[str, int]
) -> PersonIn | None:
    def cell(role: str) -> str:
        return row.get(by_role[role], "") if role in by_role else ""

    team_id = None
    if cell("team"):
        team_id = teams.get(cell("team").lower())
        if team_id is None:
            report.errors.append(RowError(number, by_role["team"], cell("team"), _("No team has this name.")))
    kind = "customer"
    if cell("kind"):
        kind = KINDS.get(cell("kind").lower(), "")
        if not kind:
            reason = _("Use customer or employee (klant or medewerker).")
            report.errors.append(RowError(number, by_role["kind"], cell("kind"), reason))
            return None
    attributes = {h: row[h] for h in report.attributes if row.get(h)}
    try:
        return PersonIn(
            kind=kind,  # type: ignore[arg-type]
            email=cell("email") or None,
            external_id=cell("external_id") or None,
            name=cell("name"),
            team_id=team_id,
            attributes=attributes,
        )
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ())]
            column = {
                "email": by_role.get("email"),
                "external_id": by_role.get("external_id"),
                "name": by_role.get("name"),
            }.get(loc[0] if loc else "")
            if loc and loc[0] == "attributes":
                column = loc[1] if len(loc) > 1 else _("attributes")
            column = column or by_role.get("email") or by_role.get("external_id", "")
            reason = message_for(error) if loc else _("Give an e-mail address or an external id.")
            report.errors.append(RowError(number, column, row.get(column, ""), reason))
        return None


def _existing(session: Session, data: PersonIn) -> Person | None:
    if data.external_id:
        found = session.scalar(select(Person).where(Person.external_id == data.external_id))
        if found is not None:
            return found
    if data.email:
        return session.scalar(select(Person).where(Person.email == data.email.lower()).order_by(Person.id))
    return None


# Listing and inviting ------------------------------------------------------------------------------------


def persons(
    session: Session,
    *,
    kind: str | None = None,
    team_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Person], int]:
    """A page of persons (newest first) and how many match in all."""
    stmt = select(Person)
    count = select(func.count()).select_from(Person)
    if kind:
        stmt, count = stmt.where(Person.kind == kind), count.where(Person.kind == kind)
    if team_id:
        stmt, count = stmt.where(Person.team_id == team_id), count.where(Person.team_id == team_id)
    found = list(session.scalars(stmt.order_by(Person.id.desc()).limit(limit).offset(offset)))
    return found, session.scalar(count) or 0


@dataclass
class InviteReport:
    invited: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason (fielding.REFUSALS) -> persons


def invite_selection(
    session: Session, actor: Principal, survey_id: int, *, kind: str, team_id: int | None = None
) -> InviteReport:
    """Invite every person of ``kind`` (and team) whom the survey's protocol allows; count the others by
    reason. Each invitation's e-mail is queued in this transaction."""
    require(actor, Permission.MANAGE_SURVEYS)
    survey = service.get_survey(session, survey_id)
    if survey.status != "live":
        raise Invalid({"__all__": _("Only a survey that is being fielded can invite.")})
    protocol = service.current_version(session, survey.id).protocol
    now = utcnow()
    report = InviteReport()
    stmt = select(Person).where(Person.kind == kind).order_by(Person.id)
    if team_id is not None:
        stmt = stmt.where(Person.team_id == team_id)
    for person in session.scalars(stmt).all():
        reason = "no_email" if not person.email else fielding.refusal(person, protocol, now)
        if reason is not None:
            report.skipped[reason] += 1
            continue
        invitation, _token = fielding.invite(session, actor, survey.id, person.id, now)
        queue_composed(session, "survey_invitation", {"invitation_id": invitation.id}, actor.organisation_id)
        report.invited += 1
    return report
