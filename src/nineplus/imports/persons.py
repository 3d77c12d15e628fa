"""Importing persons (customer and employee lists) through the import pipeline.

Recognised columns, in Dutch and English: e-mail, external id (klantnummer, personeelsnummer...), name,
team (by name) and kind (customer or employee); every other column is kept as an attribute (region,
product, segment) unless the mapping says to ignore it. A person is matched on the external id, else on
the e-mail address, so a second import of the same list updates the persons instead of doubling them.
The same key twice in one file is an error on the second row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.models import Team
from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.core.tenancy import scope
from nineplus.core.validation import message_for
from nineplus.feedback import fielding
from nineplus.feedback.models import Person
from nineplus.feedback.schemas import PersonIn
from nineplus.imports import pipeline
from nineplus.imports.report import Report, RowError, extra_cells
from nineplus.imports.sources import Source

MAX_ATTRIBUTES = 50
FIELDS = ("email", "external_id", "name", "team", "kind")
COLUMNS = {
    "email": {"email", "e-mail", "e-mailadres", "emailadres", "mail", "email address", "e-mail address"},
    "external_id": {"external_id", "external id", "id", "klantnummer", "customer_id", "customer number",
                    "personeelsnummer", "employee_id", "employee number", "relatienummer"},
    "name": {"name", "naam", "full name", "volledige naam"},
    "team": {"team", "afdeling", "department"},
    "kind": {"kind", "type", "soort"},
}  # fmt: skip
KINDS = {"customer": "customer", "klant": "customer", "employee": "employee", "medewerker": "employee"}


def suggest(source: Source) -> dict[str, str]:
    """header -> "email" | "external_id" | "name" | "team" | "kind" | "attribute"."""
    return pipeline.suggest_roles(source, COLUMNS, "attribute")


def choices() -> list[tuple[str, str]]:
    return [
        ("", _("Ignore this column")),
        ("email", _("E-mail address")),
        ("external_id", _("External id")),
        ("name", _("Name")),
        ("team", _("Team (by name)")),
        ("kind", _("Kind: customer or employee")),
        ("attribute", _("Keep as an attribute")),
    ]


@dataclass
class Plan:
    organisation_id: int
    columns: dict[int, str]  # column index -> field or "attribute"
    headers: list[str]
    teams: dict[str, int]  # team name (lower case) -> id

    def column(self, field_name: str) -> int | None:
        return next((i for i, f in self.columns.items() if f == field_name), None)


def plan(session: Session, organisation_id: int, source: Source, mapping: dict[str, str]) -> Plan:
    columns, errors = pipeline.read_roles(source, mapping, (*FIELDS, "attribute"), repeatable=("attribute",))
    if not errors and "email" not in columns.values() and "external_id" not in columns.values():
        errors["__all__"] = _("The list needs a column with e-mail addresses or one with external ids.")
    if sum(1 for role in columns.values() if role == "attribute") > MAX_ATTRIBUTES:
        errors["__all__"] = _("Keep at most %(max)s columns as attributes.", max=MAX_ATTRIBUTES)
    if errors:
        raise Invalid(errors)
    scope(session, organisation_id)
    teams = {t.name.strip().lower(): t.id for t in session.scalars(select(Team))}
    return Plan(organisation_id, columns, source.headers, teams)


def convert(plan: Plan, line: int, cells: list[str], report: Report, seen: dict[str, int]) -> PersonIn | None:
    """One row as a person, or None with its errors in ``report``."""

    def cell(role: str) -> str:
        index = plan.column(role)
        return cells[index].strip() if index is not None else ""

    def header(role: str) -> str:
        index = plan.column(role)
        return plan.headers[index] if index is not None else role

    extra = extra_cells(line, cells, len(plan.headers))
    if extra is not None and report.rejected([extra]):
        return None
    errors: list[RowError] = []
    team_id = None
    if cell("team"):
        team_id = plan.teams.get(cell("team").lower())
        if team_id is None:
            errors.append(RowError(line, header("team"), cell("team"), _("No team has this name.")))
    kind = "customer"
    if cell("kind"):
        kind = KINDS.get(cell("kind").lower(), "")
        if not kind:
            reason = _("Use customer or employee (klant or medewerker).")
            errors.append(RowError(line, header("kind"), cell("kind"), reason))
    attributes = {
        plan.headers[i][:200]: cells[i].strip()[:200]
        for i, role in plan.columns.items()
        if role == "attribute" and cells[i].strip()
    }
    person = None
    if not errors:
        try:
            person = PersonIn(
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
                fallback = "email" if plan.column("email") is not None else "external_id"
                role = loc[0] if loc and loc[0] in FIELDS else fallback
                reason = message_for(error) if loc else _("Give an e-mail address or an external id.")
                errors.append(RowError(line, header(role), cell(role), reason))
    if person is not None and not errors:
        key = f"id:{person.external_id}" if person.external_id else f"email:{(person.email or '').lower()}"
        if key in seen:
            role = "external_id" if person.external_id else "email"
            errors.append(RowError(line, header(role), cell(role), _("Also on row %(row)s.", row=seen[key])))
        else:
            seen[key] = line
    if report.rejected(errors):
        return None
    return person


def _converter(plan: Plan) -> pipeline.Convert[tuple[PersonIn, bool]]:
    """Rows as (person, whether the row said its kind): a list without kinds must not change them."""
    seen: dict[str, int] = {}
    kind_column = plan.column("kind")

    def convert_row(line: int, cells: list[str], report: Report) -> tuple[PersonIn, bool] | None:
        person = convert(plan, line, cells, report, seen)
        if person is None:
            return None
        return person, kind_column is not None and bool(cells[kind_column].strip())

    return convert_row


def check(plan: Plan, source: Source, progress: pipeline.Progress = None) -> Report:
    return pipeline.check_rows(source, _converter(plan), progress)


def write(
    plan: Plan, source: Source, open_session: Callable[[], Session], progress: pipeline.Progress = None
) -> Report:
    """Create or update the persons of the valid rows, a chunk per transaction."""

    def store(session: Session, chunk: list[tuple[int, tuple[PersonIn, bool]]], report: Report) -> None:
        created, updated = _store(session, [item for _line, item in chunk])
        report.stored += created
        report.existing += updated

    return pipeline.write_chunks(
        source, _converter(plan), open_session, store, progress, plan.organisation_id
    )


def _store(session: Session, rows: list[tuple[PersonIn, bool]]) -> tuple[int, int]:
    chunk = [person for person, _kind_given in rows]
    kind_given = {id(person): given for person, given in rows}
    ids = [p.external_id for p in chunk if p.external_id]
    emails = [p.email.lower() for p in chunk if p.email and not p.external_id]
    by_id = {p.external_id: p for p in session.scalars(select(Person).where(Person.external_id.in_(ids)))}
    by_email: dict[str, Person] = {}
    for person in session.scalars(select(Person).where(Person.email.in_(emails)).order_by(Person.id)):
        by_email.setdefault(person.email or "", person)
    created = updated = 0
    for data in chunk:
        key = (data.email or "").lower()
        existing = by_id.get(data.external_id) if data.external_id else by_email.get(key)
        if existing is None:
            session.add(fielding.new_person(data))
            created += 1
            continue
        if data.email and data.email.lower() != existing.email:
            existing.email = data.email.lower()
            existing.bounced_at = None  # a corrected address may be tried again
        existing.external_id = existing.external_id or data.external_id
        existing.name = data.name or existing.name
        if kind_given[id(data)]:  # a list without the column leaves an employee an employee
            existing.kind = data.kind
        existing.team_id = data.team_id if data.team_id is not None else existing.team_id
        existing.attributes = {**(existing.attributes or {}), **data.attributes}
        updated += 1
    session.flush()
    return created, updated
