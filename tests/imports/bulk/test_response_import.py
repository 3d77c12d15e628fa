"""Importing responses: Qualtrics and LimeSurvey exports recognised and mapped, a broken file rejected
with a row-level report and nothing written, valid rows only on request, and a re-import that adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.core.db import new_session
from nineplus.core.i18n import begin_request
from nineplus.feedback.models import Answer, Person, Response
from nineplus.imports import responses, staging, storing
from nineplus.imports.sources import open_source
from nineplus.privacy import pseudonyms
from tests.factories import World
from tests.imports.conftest import FIXTURES, Target


def session_of(db: Session):  # type: ignore[no-untyped-def]
    """The writer's sessions: write sessions of the product's engine, as the import job uses."""
    db.commit()
    return lambda: new_session(write=True)


def run(db: Session, target: Target, path: Path, mapping: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    source = open_source(path)
    suggested = responses.suggest(source, list(target.questions.values()), target.moments)
    plan = responses.plan(db, target.survey.id, source, mapping or suggested, "Europe/Amsterdam")
    return source, suggested, plan


def counts(db: Session, target: Target) -> tuple[int, int]:
    db.commit()  # a new transaction sees what the writer committed
    of_survey = Response.survey_id == target.survey.id
    return (
        db.scalar(select(func.count()).select_from(Response).where(of_survey)) or 0,
        db.scalar(select(func.count()).select_from(Answer).join(Response).where(of_survey)) or 0,
    )


def test_a_qualtrics_export_is_recognised_mapped_and_imported_once(db: Session, target: Target) -> None:
    source, suggested, plan = run(db, target, FIXTURES / "qualtrics_export.csv")
    assert (source.tool, source.skip) == ("qualtrics", 2)
    q, m = target.questions, target.moments
    assert suggested["ResponseId"] == "client_id"
    assert suggested["EndDate"] == "submitted_at"
    assert suggested["UserLanguage"] == "locale"
    assert suggested["Finished"] == "finished"
    assert suggested["Q1"] == f"q:{q['nps'].id}"
    assert suggested["Q1_NPS_GROUP"] == ""  # the group is derived from the score, not an answer
    assert suggested["Q2"] == f"q:{q['kanaal'].id}"
    assert suggested["Q3_2"] == f"q:{q['emo'].id}:{m[1].id}"
    assert suggested["Q4"] == f"q:{q['waarom'].id}"
    assert suggested["RecipientEmail"] == ""  # contact data stays out of the responses

    checked = staging.check(plan, source)
    assert (checked.rows, checked.valid, checked.invalid, checked.skipped) == (4, 3, 0, 1)
    written = storing.write(plan, source, session_of(db))
    assert (written.stored, written.existing) == (3, 0)
    assert counts(db, target) == (3, 3 * 3 + 2 + 3 + 3)  # nps + kanaal + why each; 3, 2 and 3 emotions
    piet = db.scalars(
        select(Response).where(Response.survey_id == target.survey.id).order_by(Response.started_at)
    ).all()[1]
    assert piet.submitted_at.isoformat() == "2026-03-02T10:45:02+00:00"  # 11:45:02 in Amsterdam
    assert piet.moments_experienced == [m[0].id, m[1].id]
    again = storing.write(plan, source, session_of(db))
    assert (again.stored, again.existing) == (0, 3)
    assert counts(db, target)[0] == 3


def test_a_limesurvey_export_is_recognised_and_unfinished_rows_are_skipped(
    db: Session, target: Target
) -> None:
    source, suggested, plan = run(db, target, FIXTURES / "limesurvey_export.csv")
    assert source.tool == "limesurvey"
    q, m = target.questions, target.moments
    assert suggested["id"] == "client_id"
    assert suggested["submitdate"] == "submitted_at"
    assert suggested["NPS"] == f"q:{q['nps'].id}"
    assert suggested["EMO[SQ001]"] == f"q:{q['emo'].id}:{m[0].id}"
    assert suggested["EMO[SQ003]"] == f"q:{q['emo'].id}:{m[2].id}"
    report = storing.write(plan, source, session_of(db))
    assert (report.stored, report.skipped) == (2, 1)
    english = db.scalars(select(Response).where(Response.locale == "en")).one()
    assert english.moments_experienced == [m[0].id, m[1].id, m[2].id]


def test_a_broken_file_is_rejected_row_by_row_and_writes_nothing(
    db: Session, target: Target, tmp_path: Path
) -> None:
    begin_request("en")
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "respondent;datum;nps;kanaal;waarom\n"
        "A-1;2026-01-05 10:00;9;telefoon;Prima\n"
        "A-2;2026-01-05 11:00;11;website;Te laat\n"
        "A-3;gisteren;7;fax;\n"
        "A-4;2026-01-06 09:00;zeven;kantoor;Redelijk\n",
        encoding="utf-8",
    )
    source, suggested, plan = run(db, target, broken)
    assert suggested == {
        "respondent": "client_id",
        "datum": "submitted_at",
        "nps": f"q:{target.questions['nps'].id}",
        "kanaal": f"q:{target.questions['kanaal'].id}",
        "waarom": f"q:{target.questions['waarom'].id}",
    }
    report = staging.check(plan, source)
    assert (report.valid, report.invalid) == (1, 3)
    assert [(e.row, e.column, e.value) for e in report.errors] == [
        (3, "nps", "11"),
        (4, "datum", "gisteren"),
        (4, "kanaal", "fax"),
        (5, "nps", "zeven"),
    ]
    assert "0 to 10" in report.errors[0].reason
    assert counts(db, target) == (0, 0)  # checking writes nothing
    valid_only = storing.write(plan, source, session_of(db))
    assert (valid_only.stored, valid_only.invalid) == (1, 3)
    assert counts(db, target) == (1, 3)


def test_an_xlsx_file_reads_like_its_csv(db: Session, target: Target, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["client_id", "nps", "waarom"])
    sheet.append(["X-1", 8, "Vlot geregeld"])
    sheet.append(["X-2", 6.0, None])
    path = tmp_path / "scores.xlsx"
    book.save(path)
    _source, _suggested, plan = run(db, target, path)
    report = storing.write(plan, open_source(path), session_of(db))
    assert report.stored == 2
    assert sorted(
        db.scalars(select(Answer.value_int).where(Answer.question_id == target.questions["nps"].id))
    ) == [6, 8]


def test_qualtrics_dates_are_read_in_the_zone_its_export_names(
    db: Session, target: Target, tmp_path: Path
) -> None:
    text = (
        (FIXTURES / "qualtrics_export.csv")
        .read_text(encoding="utf-8")
        .replace("Europe/Amsterdam", "America/Denver")
    )
    path = tmp_path / "denver.csv"
    path.write_text(text, encoding="utf-8")
    _source, _suggested, plan = run(db, target, path)
    storing.write(plan, open_source(path), session_of(db))
    times = sorted(r.submitted_at.isoformat() for r in db.scalars(select(Response)))
    assert "2026-03-02T18:45:02+00:00" in times  # 11:45:02 in Denver (UTC-7), not in Amsterdam


def test_shifted_rows_odd_dates_and_blank_headers_are_reported_not_guessed(
    db: Session, target: Target, tmp_path: Path
) -> None:
    begin_request("en")
    path = tmp_path / "odd.csv"
    path.write_text(
        "respondent;datum;nps;\nA-1;2026-01-05;9;\nA-2;0001-01-01;8;\nA-3;2026-01-06;7;extra;cel\n",
        encoding="utf-8",
    )
    source, suggested, plan = run(db, target, path)
    assert source.headers[-1] == "column 4"
    assert suggested["column 4"] == ""
    report = staging.check(plan, source)
    assert [(e.row, e.column) for e in report.errors] == [(3, "datum"), (4, "")]
    assert "5 cells" in report.errors[1].reason


def test_a_file_that_is_not_utf8_after_its_start_is_refused(
    db: Session, target: Target, tmp_path: Path
) -> None:
    from nineplus.core.errors import Invalid

    path = tmp_path / "mixed.csv"
    path.write_bytes(b"respondent,nps,waarom\n" + b"A,9,goed\n" * 9000 + "B,8,caf\u00e9\n".encode("cp1252"))
    _source, _suggested, plan = run(db, target, path)
    with pytest.raises(Invalid, match="UTF-8"):
        staging.check(plan, open_source(path))


def test_rows_without_an_id_in_another_file_are_not_taken_for_earlier_ones(
    db: Session, target: Target, tmp_path: Path
) -> None:
    january, february = tmp_path / "jan.csv", tmp_path / "feb.csv"
    january.write_text("nps\n10\n9\n", encoding="utf-8")
    february.write_text("nps\n10\n7\n", encoding="utf-8")
    for path in (january, february):
        _source, _suggested, plan = run(db, target, path)
        assert storing.write(plan, open_source(path), session_of(db)).stored == 2
    _source, _suggested, plan = run(db, target, january)
    assert storing.write(plan, open_source(january), session_of(db)).existing == 2  # the same file again


def test_a_customer_number_column_names_the_respondent(
    db: Session, target: Target, bank_a: World, bank_b: World, tmp_path: Path
) -> None:
    """A column of customer numbers (or, mapped by hand, e-mail addresses) links each response to the
    organisation's person, case-insensitively; a number no person of this organisation has is a row error,
    even when another organisation's person has it."""
    begin_request("en")
    ann = Person(organisation_id=bank_a.org.id, external_id="K-100", email="ann@example.org", name="Ann")
    bob = Person(organisation_id=bank_a.org.id, external_id="K-200", email="Bob@Example.org", name="Bob")
    other = Person(organisation_id=bank_b.org.id, external_id="K-300", name="Elsewhere")
    db.add_all([ann, bob, other])
    db.commit()
    history = tmp_path / "history.csv"
    history.write_text(
        "respondent;klantnummer;nps\nA-1;K-100;9\nA-2;k-200;3\nA-3;K-300;7\nA-4;;8\n", encoding="utf-8"
    )
    source, suggested, plan = run(db, target, history)
    assert suggested["klantnummer"] == "person"
    report = staging.check(plan, source)
    assert (report.valid, report.invalid) == (3, 1)
    assert [(e.row, e.column, e.value) for e in report.errors] == [(4, "klantnummer", "K-300")]
    assert "No person of this organisation" in report.errors[0].reason
    written = storing.write(plan, source, session_of(db))
    assert written.stored == 3
    db.commit()
    linked = dict(
        db.execute(
            select(Response.client_id, Response.respondent).where(Response.survey_id == target.survey.id)
        ).all()
    )
    keys = pseudonyms.respondents_of(db, [ann.id, bob.id])
    assert sorted(linked.values(), key=str) == sorted([keys[ann.id], keys[bob.id], None], key=str)

    by_mail = tmp_path / "by_mail.csv"
    by_mail.write_text("respondent;mail;nps\nB-1;BOB@example.org;10\n", encoding="utf-8")
    source, suggested, _plan = run(db, target, by_mail)
    assert suggested["mail"] == ""  # an address is contact data: linked only when the user says so
    _source, _suggested, plan = run(db, target, by_mail, {**suggested, "mail": "person"})
    assert staging.check(plan, source).valid == 1
    assert storing.write(plan, source, session_of(db)).stored == 1
    db.commit()
    of_bob = select(func.count()).select_from(Response).where(Response.respondent == keys[bob.id])
    assert db.scalar(of_bob) == 2  # A-2 and B-1
