"""Importing customer outcomes: per person and period, still a customer or not, revenue, a churn date.

A row names its person by external id or e-mail address (the person list comes first) and its period by
a date, a month (2026-03) or a quarter (2026-Q1); the period is stored as its first day. A row with only
a churn date takes the month of that date. A second import of the same file updates the same rows: one
row per person and period.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core import db
from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.core.tenancy import scope
from nineplus.feedback.models import Person
from nineplus.imports import pipeline
from nineplus.imports.report import Report, RowError, extra_cells
from nineplus.imports.sources import Source
from nineplus.outcomes.models import CustomerOutcome

FIELDS = ("external_id", "email", "period", "active", "churned_on", "revenue")
COLUMNS = {
    "external_id": {"external_id", "external id", "id", "klantnummer", "customer_id", "customer number",
                    "relatienummer"},
    "email": {"email", "e-mail", "e-mailadres", "emailadres"},
    "period": {"period", "periode", "month", "maand", "quarter", "kwartaal", "date", "datum"},
    "active": {"active", "actief", "still_customer", "nog klant", "klant", "customer"},
    "churned_on": {"churned_on", "churn_date", "churn date", "opzegdatum", "vertrokken op", "einddatum"},
    "revenue": {"revenue", "omzet", "turnover", "opbrengst"},
}  # fmt: skip
YES = {"1", "yes", "ja", "true", "waar", "y", "j", "active", "actief"}
NO = {"0", "no", "nee", "false", "onwaar", "n", "churned", "vertrokken"}


def suggest(source: Source) -> dict[str, str]:
    return pipeline.suggest_roles(source, COLUMNS)


def choices() -> list[tuple[str, str]]:
    return [
        ("", _("Ignore this column")),
        ("external_id", _("External id of the person")),
        ("email", _("E-mail address of the person")),
        ("period", _("Period (a date, 2026-03 or 2026-Q1)")),
        ("active", _("Still a customer at the end of the period (yes or no)")),
        ("churned_on", _("Churn date")),
        ("revenue", _("Revenue in the period")),
    ]


@dataclass
class Plan:
    organisation_id: int
    columns: dict[str, int]  # field -> column index
    headers: list[str]
    # Where the check looks the persons up (a read session of its own by default).
    open_session: Callable[[], Session] = field(default=lambda: db.new_session())


def plan(session: Session, organisation_id: int, source: Source, mapping: dict[str, str]) -> Plan:
    by_index, errors = pipeline.read_roles(source, mapping, FIELDS)
    columns = {role: index for index, role in by_index.items()}
    if not errors and "external_id" not in columns and "email" not in columns:
        errors["__all__"] = _("Map a column with the person's external id or e-mail address.")
    if not errors and not {"active", "churned_on", "revenue"} & set(columns):
        errors["__all__"] = _("Map at least one of: still a customer, churn date, revenue.")
    if errors:
        raise Invalid(errors)
    scope(session, organisation_id)
    return Plan(organisation_id, columns, source.headers)


def _period(text: str) -> date | None:
    text = text.strip()
    quarter = re.fullmatch(r"(\d{4})[-\s]?[Qq]([1-4])", text)
    if quarter:
        return date(int(quarter.group(1)), 3 * int(quarter.group(2)) - 2, 1)
    month = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if month and 1 <= int(month.group(2)) <= 12:
        return date(int(month.group(1)), int(month.group(2)), 1)
    day = _day(text)
    return day.replace(day=1) if day else None  # a date stands for its month


def _day(text: str) -> date | None:
    text = text.strip()
    for pattern, order in (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})", "dmy"),
    ):
        match = re.fullmatch(pattern + r"(?:[ T].*)?", text)
        if match:
            a, b, c = (int(g) for g in match.groups())
            try:
                return date(a, b, c) if order == "ymd" else date(c, b, a)
            except ValueError:
                return None
    return None


def _money(text: str) -> Decimal | None:
    """An amount as spreadsheets write it: 1250.50, 1250,50, 1.234,56, 1,234.56 or € 99. A lone separator
    followed by exactly three digits (1.250, 1,234) could mean thousands or decimals: refused."""
    cleaned = text.strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        cleaned = cleaned.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in cleaned or "." in cleaned:
        mark = "," if "," in cleaned else "."
        whole, _sep, fraction = cleaned.rpartition(mark)
        if cleaned.count(mark) > 1 or len(fraction) == 3:
            return None
        cleaned = f"{whole}.{fraction}"
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() and abs(value) < Decimal("1e12") else None


@dataclass
class Row:
    key: tuple[str, str]  # ("id" or "email", value)
    period: date
    values: dict[str, Any]


def convert(plan: Plan, line: int, cells: list[str], report: Report, seen: dict[Any, int]) -> Row | None:
    def cell(role: str) -> str:
        return cells[plan.columns[role]].strip() if role in plan.columns else ""

    def error(role: str, reason: str) -> None:
        errors.append(
            RowError(
                line, plan.headers[plan.columns[role]] if role in plan.columns else role, cell(role), reason
            )
        )

    extra = extra_cells(line, cells, len(plan.headers))
    if extra is not None and report.rejected([extra]):
        return None
    errors: list[RowError] = []
    key = ("id", cell("external_id")) if cell("external_id") else ("email", cell("email").lower())
    if not key[1]:
        error(
            "external_id" if "external_id" in plan.columns else "email",
            _("Give the person's external id or e-mail address."),
        )
    values: dict[str, Any] = {}
    if cell("active"):
        if cell("active").lower() in YES:
            values["active"] = True
        elif cell("active").lower() in NO:
            values["active"] = False
        else:
            error("active", _("Use yes or no."))
    if cell("churned_on"):
        values["churned_on"] = _day(cell("churned_on"))
        if values["churned_on"] is None:
            error("churned_on", _("Enter a date as YYYY-MM-DD."))
    if cell("revenue"):
        values["revenue"] = _money(cell("revenue"))
        if values["revenue"] is None:
            error("revenue", _("Enter an amount such as 1250.50 or 1250,50 (is 1.250 a thousand or one?)."))
    period = _period(cell("period")) if cell("period") else None
    if cell("period") and period is None:
        error("period", _("Enter a date, a month (2026-03) or a quarter (2026-Q1)."))
    elif period is None and values.get("churned_on"):
        period = values["churned_on"].replace(day=1)
    elif period is None and not errors:
        error("period", _("This row needs a period."))
    if not errors and not values:
        errors.append(RowError(line, "", "", _("The row holds no outcome.")))
    if not errors:
        assert period is not None
        if (key, period) in seen:
            error("period", _("Also on row %(row)s.", row=seen[(key, period)]))
        else:
            seen[(key, period)] = line
    if report.rejected(errors):
        return None
    assert period is not None
    return Row(key, period, values)


def _persons(session: Session, rows: list[Row]) -> dict[tuple[str, str], int]:
    ids = [r.key[1] for r in rows if r.key[0] == "id"]
    emails = [r.key[1] for r in rows if r.key[0] == "email"]
    found = {
        ("id", x): pid
        for x, pid in session.execute(
            select(Person.external_id, Person.id).where(Person.external_id.in_(ids))
        )
    }
    for email, pid in session.execute(
        select(Person.email, Person.id).where(Person.email.in_(emails)).order_by(Person.id.desc())
    ):
        found[("email", email)] = pid
    return found  # type: ignore[return-value]


def _converter(plan: Plan) -> pipeline.Convert[Row]:
    seen: dict[Any, int] = {}
    return lambda line, cells, report: convert(plan, line, cells, report, seen)


def check(plan: Plan, source: Source, progress: pipeline.Progress = None) -> Report:
    """Every row checked, including that its person exists; nothing written."""
    report = Report()
    for chunk in pipeline.chunks(source, _converter(plan), report):
        session = scope(plan.open_session(), plan.organisation_id)
        try:
            known = _persons(session, [row for _line, row in chunk])
            session.rollback()
        finally:
            session.close()
        for line, row in chunk:
            if row.key not in known:
                report.valid -= 1
                report.invalid += 1
                column = plan.headers[plan.columns["external_id" if row.key[0] == "id" else "email"]]
                reason = _("No person has this id or address; load the person list first.")
                report.add_error(RowError(line, column, row.key[1], reason))
        if progress:
            progress(report.rows)
    return report


def write(
    plan: Plan, source: Source, open_session: Callable[[], Session], progress: pipeline.Progress = None
) -> Report:
    """Store the valid rows whose person exists: one row per person and period, updated on a re-import."""
    return pipeline.write_chunks(
        source, _converter(plan), open_session, _store, progress, plan.organisation_id
    )


def _store(session: Session, chunk: list[tuple[int, Row]], report: Report) -> None:
    known = _persons(session, [row for _line, row in chunk])
    rows = [row for _line, row in chunk if row.key in known]
    person_ids = {known[row.key] for row in rows}
    existing = {
        (o.person_id, o.period_start): o
        for o in session.scalars(select(CustomerOutcome).where(CustomerOutcome.person_id.in_(person_ids)))
    }
    for row in rows:
        person_id = known[row.key]
        outcome = existing.get((person_id, row.period))
        if outcome is None:
            outcome = CustomerOutcome(person_id=person_id, period_start=row.period)
            session.add(outcome)
            existing[(person_id, row.period)] = outcome
            report.stored += 1
        else:
            report.existing += 1
        for name, value in row.values.items():
            setattr(outcome, name, value)
    report.invalid += len(chunk) - len(rows)
