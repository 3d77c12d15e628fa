"""Consent in an import: where the survey's version asks permission to keep the answers linked, a row's
response is linked to the person it names only when the row says yes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.i18n import begin_request
from nineplus.core.tenancy import system
from nineplus.feedback.models import Person, Response
from nineplus.imports import storing
from nineplus.imports.sources import open_source
from nineplus.privacy import pseudonyms
from tests.factories import World
from tests.imports.bulk.test_response_import import run, session_of
from tests.imports.conftest import build_target
from tests.privacy.test_consent import LINK, in_dutch


def test_an_import_keeps_the_link_only_where_the_row_says_yes(
    db: Session, bank_a: World, tmp_path: Path
) -> None:
    begin_request("en")
    target = build_target(db, bank_a, extra=[in_dutch(LINK, "Mag het bij je naam?")])
    ann = Person(external_id="K-1", name="Ann", team_id=bank_a.teams["advice"].id)
    bob = Person(external_id="K-2", name="Bob")
    db.add_all([ann, bob])
    db.commit()
    rows = tmp_path / "rows.csv"
    rows.write_text("respondent;klantnummer;nps;toestemming\nA-1;K-1;9;ja\nA-2;K-2;3;nee\n", encoding="utf-8")
    link_code = f"q:{target.questions['link'].id}"
    source, suggested, plan = run(db, target, rows, None)
    mapping = {**suggested, "klantnummer": "person", "toestemming": link_code}
    source, _suggested, plan = run(db, target, rows, mapping)
    assert storing.write(plan, source, session_of(db)).stored == 2
    db.commit()
    system(db)
    kept = dict(db.execute(select(Response.client_id, Response.respondent)).all())
    # ann said yes: linked to her; bob said no: linked to no one
    assert sorted(kept.values(), key=str) == sorted([pseudonyms.respondent_of(db, ann.id), None], key=str)
    # The same file without the consent column keeps no link at all: no answer is no permission.
    again = tmp_path / "again.csv"
    again.write_text("respondent;klantnummer;nps\nA-3;K-1;8\n", encoding="utf-8")
    source, suggested, plan = run(db, target, again, {**run(db, target, again)[1], "klantnummer": "person"})
    assert storing.write(plan, open_source(again), session_of(db)).stored == 1
    system(db)
    after = dict(db.execute(select(Response.client_id, Response.respondent)).all())
    [new] = set(after) - set(kept)
    assert after[new] is None


def test_a_person_erased_between_the_check_and_the_write_does_not_come_back(
    db: Session, bank_a: World, tmp_path: Path
) -> None:
    from nineplus.core.tenancy import scope
    from nineplus.imports import staging
    from nineplus.privacy import erasure

    begin_request("en")
    target = build_target(db, bank_a)
    ann = Person(external_id="K-7", email="ann@example.org", name="Ann")
    bob = Person(external_id="K-8", name="Bob")
    db.add_all([ann, bob])
    db.commit()
    rows = tmp_path / "rows.csv"
    rows.write_text("respondent;klantnummer;nps\nA-1;K-7;9\nA-2;K-8;3\nA-3;;7\n", encoding="utf-8")
    source, suggested, plan = run(db, target, rows, None)
    source, _suggested, plan = run(db, target, rows, {**suggested, "klantnummer": "person"})
    assert staging.check(plan, source).valid == 3
    scope(db, bank_a.org.id)
    erasure.erase(db, bank_a.principal(db, "admin"), "external_id", "K-7", "asked by letter")
    db.commit()
    written = storing.write(plan, source, session_of(db))
    assert (written.stored, written.refused) == (2, 1)  # Ann's row is left out
    db.commit()  # a new transaction sees what the writer committed
    system(db)
    kept = set(db.scalars(select(Response.respondent)))
    assert kept == {pseudonyms.respondent_of(db, bob.id), None}
