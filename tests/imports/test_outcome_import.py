"""Customer outcomes per person and period: periods, amounts and yes/no in the forms spreadsheets hold them,
unknown persons reported, one row per person and period (a re-import updates it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.i18n import begin_request
from nineplus.core.tenancy import scope
from nineplus.feedback import fielding
from nineplus.feedback.schemas import PersonIn
from nineplus.imports import outcomes
from nineplus.imports.sources import open_source
from nineplus.outcomes.models import CustomerOutcome
from tests.factories import World


def prepare(db: Session, world: World, tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    scope(db, world.org.id)
    actor = world.principal(db, "cx_lead")
    for number in ("K-1", "K-2"):
        fielding.create_person(
            db, actor, PersonIn(external_id=number, email=f"{number.lower()}@klant.example")
        )
    db.commit()  # the check reads in sessions of its own (here: this one, which it rolls back)
    path = tmp_path / "outcomes.csv"
    path.write_text(text, encoding="utf-8")
    source = open_source(path)
    plan = outcomes.plan(db, world.org.id, source, outcomes.suggest(source))
    plan.open_session = lambda: db
    return source, plan


def test_outcomes_are_read_in_the_forms_spreadsheets_use_and_a_reimport_updates(
    db: Session, bank_a: World, tmp_path: Path
) -> None:
    text = (
        "klantnummer;periode;actief;omzet;opzegdatum\n"
        "K-1;2026-01;ja;1.234,56;\n"
        "K-1;2026-Q2;nee;€ 99;2026-05-17\n"
        "K-2;2026-03-31;yes;1250.50;\n"
    )
    source, plan = prepare(db, bank_a, tmp_path, text)
    assert outcomes.suggest(source) == {
        "klantnummer": "external_id",
        "periode": "period",
        "actief": "active",
        "omzet": "revenue",
        "opzegdatum": "churned_on",
    }
    assert outcomes.check(plan, source).invalid == 0
    first = outcomes.write(plan, source, lambda: db)
    assert (first.stored, first.existing) == (3, 0)
    rows = db.scalars(
        select(CustomerOutcome).order_by(CustomerOutcome.person_id, CustomerOutcome.period_start)
    ).all()
    assert [(r.period_start, r.active, r.revenue, r.churned_on) for r in rows] == [
        (date(2026, 1, 1), True, Decimal("1234.56"), None),
        (date(2026, 4, 1), False, Decimal("99.00"), date(2026, 5, 17)),
        (date(2026, 3, 1), True, Decimal("1250.50"), None),  # a date stands for its month
    ]
    again = outcomes.write(plan, source, lambda: db)
    assert (again.stored, again.existing) == (0, 3)
    assert len(db.scalars(select(CustomerOutcome)).all()) == 3


def test_wrong_values_and_unknown_persons_are_reported_per_row(
    db: Session, bank_a: World, tmp_path: Path
) -> None:
    begin_request("en")
    text = (
        "customer_id,period,active,revenue\n"
        "K-1,2026-13,yes,10\n"
        "K-1,2026-02,misschien,10\n"
        "K-2,2026-02,yes,tien euro\n"
        "K-9,2026-02,yes,10\n"
        "K-2,2026-02,no,12\n"
        "K-2,2026-02,no,12\n"
    )
    source, plan = prepare(db, bank_a, tmp_path, text)
    report = outcomes.check(plan, source)
    assert sorted((e.row, e.column, e.value) for e in report.errors) == [
        (2, "period", "2026-13"),
        (3, "active", "misschien"),
        (4, "revenue", "tien euro"),
        (5, "customer_id", "K-9"),
        (7, "period", "2026-02"),
    ]
    assert (report.valid, report.invalid) == (1, 5)
    assert "person list first" in next(e.reason for e in report.errors if e.row == 5)


def test_an_amount_that_could_be_thousands_or_decimals_is_refused() -> None:
    assert [outcomes._money(t) for t in ("1250,50", "1.234,56", "1,234.56", "€ 99", "-12.5")] == [
        Decimal("1250.50"),
        Decimal("1234.56"),
        Decimal("1234.56"),
        Decimal("99"),
        Decimal("-12.5"),
    ]
    assert [outcomes._money(t) for t in ("1.250", "1,234", "1.2.3", "tien")] == [None, None, None, None]
