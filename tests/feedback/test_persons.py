"""Persons from an uploaded list (recognised columns in Dutch and English, the rest as attributes), a
row-level report that stores nothing when a row is wrong, and inviting a group under the protocol."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.core.errors import Invalid
from nineplus.core.i18n import begin_request
from nineplus.core.models import utcnow
from nineplus.feedback import persons
from nineplus.feedback.models import Person, SurveyInvitation
from nineplus.imports import persons as person_import
from nineplus.imports.report import Report
from nineplus.imports.sources import open_source
from nineplus.jobs.models import Job
from tests.conftest import html
from tests.factories import World, csrf_token, login
from tests.feedback.conftest import Field

LIST = """klantnummer;E-mailadres;Naam;Team;Soort;Regio;Product
K-1001;anna@klant.example;Anna de Boer;{team};klant;Utrecht;Hypotheek
K-1002;bram@klant.example;Bram Smit;;klant;Zwolle;Sparen
M-0007;cora@a.example;Cora Vos;{team};medewerker;;
"""


def load(db: Session, world: World, text: str) -> Report:
    """A list through the import pipeline: checked as a whole, written only when every row is right."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "list.csv"
        path.write_text(text, encoding="utf-8")
        source = open_source(path)
        plan = person_import.plan(db, world.org.id, source, person_import.suggest(source))
        report = person_import.check(plan, source)
        if report.invalid:
            return report
        return person_import.write(plan, source, lambda: db)


def test_a_list_becomes_persons_with_their_attributes_and_a_second_load_updates_them(
    db: Session, bank_a: World
) -> None:
    team = bank_a.teams["contact"].name
    report = load(db, bank_a, LIST.format(team=team))
    assert (report.stored, report.existing, report.errors) == (3, 0, [])
    anna = db.scalars(select(Person).where(Person.external_id == "K-1001")).one()
    assert (anna.email, anna.name, anna.kind) == ("anna@klant.example", "Anna de Boer", "customer")
    assert anna.team_id == bank_a.teams["contact"].id
    assert anna.attributes == {"Regio": "Utrecht", "Product": "Hypotheek"}
    cora = db.scalars(select(Person).where(Person.external_id == "M-0007")).one()
    assert (cora.kind, cora.attributes) == ("employee", {})

    again = load(db, bank_a, LIST.format(team=team).replace("Utrecht", "Amersfoort"))
    assert (again.stored, again.existing) == (0, 3)
    assert db.scalar(select(func.count()).select_from(Person).where(Person.external_id.like("%-%"))) == 3
    anna = db.scalars(select(Person).where(Person.external_id == "K-1001")).one()
    assert anna.attributes["Regio"] == "Amersfoort"


def test_a_wrong_row_stops_the_whole_list_and_every_problem_is_named(db: Session, bank_a: World) -> None:
    begin_request("en")
    text = (
        "email,name,team,kind,segment\n"
        "goed@klant.example,Goed,,customer,A\n"
        "geen-adres,Fout,,customer,B\n"
        "x@klant.example,Onbekend team,Nergens,customer,C\n"
        "y@klant.example,Soort,,leverancier,D\n"
        "goed@klant.example,Twee keer,,customer,E\n"
        ",,,,F\n"
    )
    report = load(db, bank_a, text)
    found = {(e.row, e.column, e.value) for e in report.errors}
    assert found == {
        (3, "email", "geen-adres"),
        (4, "team", "Nergens"),
        (5, "kind", "leverancier"),
        (6, "email", "goed@klant.example"),
        (7, "email", ""),
    }
    assert "row 2" in next(e.reason for e in report.errors if e.row == 6)
    assert (report.stored, report.existing) == (0, 0)
    assert db.scalar(select(func.count()).select_from(Person).where(Person.email.like("%klant.example"))) == 0


def test_a_list_without_an_identifying_column_or_rows_is_refused(db: Session, bank_a: World) -> None:
    with pytest.raises(Invalid):
        load(db, bank_a, "naam,regio\nAnna,Utrecht\n")
    with pytest.raises(Invalid):
        load(db, bank_a, "   \n")
    with pytest.raises(Invalid):
        load(db, bank_a, "email,Email\na@b.example,c@d.example\n")


def test_the_persons_page_sends_a_list_to_the_column_mapping(
    client: TestClient, db: Session, bank_a: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NINEPLUS_DATA_DIR", str(tmp_path))
    login(client, db, bank_a.users["cx_lead"])
    token = csrf_token(client, "/persons")
    good = LIST.format(team=bank_a.teams["contact"].name).encode("cp1252")  # as Excel saves it
    loaded = client.post("/persons/import", data={"csrf_token": token}, files={"file": ("klanten.csv", good)})
    assert loaded.status_code == 303
    page = html(client.get(loaded.headers["location"], headers={"Accept-Language": "en"}))
    chosen = {
        row.select_one("td .strong").get_text(): row.select_one("option[selected]")["value"]
        for row in page.select("#mapping-form tbody tr")
    }
    assert chosen == {
        "klantnummer": "external_id",
        "E-mailadres": "email",
        "Naam": "name",
        "Team": "team",
        "Soort": "kind",
        "Regio": "attribute",
        "Product": "attribute",
    }
    nothing = client.post("/persons/import", data={"csrf_token": token})
    assert nothing.status_code == 422


def test_a_group_is_invited_under_the_protocol_and_the_rest_counted_by_reason(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    load(db, bank_a, LIST.format(team=bank_a.teams["contact"].name))
    extra = "external_id,email,kind\nK-2001,,customer\nK-2002,weg@klant.example,customer\n"
    load(db, bank_a, extra)
    db.scalars(select(Person).where(Person.external_id == "K-2002")).one().bounced_at = utcnow()
    db.scalars(select(Person).where(Person.external_id == "K-1002")).one().unsubscribed_at = utcnow()
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    token = csrf_token(client, f"/surveys/{field.survey.id}")
    url = f"/surveys/{field.survey.id}/invite-group"
    done = client.post(url, data={"csrf_token": token, "kind": "customer", "team_id": ""})
    assert done.status_code == 303
    invited = db.scalars(select(SurveyInvitation).where(SurveyInvitation.survey_id == field.survey.id)).all()
    people = {db.get_one(Person, i.person_id).email for i in invited}
    assert people == {"anna@klant.example", "klant@example.org"}  # the field's own person is a customer too
    assert db.scalar(select(func.count()).select_from(Job).where(Job.kind == "send_email")) >= 2
    report = persons.invite_selection(db, field.actor, field.survey.id, kind="customer")
    assert report.invited == 0
    assert report.skipped == {"recently": 2, "unsubscribed": 1, "bounced": 1, "no_email": 1}
    employees = persons.invite_selection(db, field.actor, field.survey.id, kind="employee")
    assert employees.skipped == {"excluded": 1}  # cora@a.example: a.example is an internal domain here
    assert client.post(url, data={"csrf_token": token, "kind": "supplier"}).status_code == 422


def test_another_organisations_persons_stay_out_of_sight(
    client: TestClient, db: Session, bank_a: World, bank_b: World
) -> None:
    load(db, bank_b, "email,name\nb-only@klant.example,Van Bank B\n")
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    assert "b-only@klant.example" not in client.get("/persons").text
    login(client, db, bank_a.users["member"])
    assert client.get("/persons").status_code == 403


def test_a_list_without_a_kind_column_leaves_employees_employees(db: Session, bank_a: World) -> None:
    load(db, bank_a, "personeelsnummer;e-mail;soort\nM-1;m1@a.example;medewerker\n")
    load(db, bank_a, "personeelsnummer;e-mail;afdeling\nM-1;m1@a.example;\n")
    assert db.scalars(select(Person).where(Person.external_id == "M-1")).one().kind == "employee"
