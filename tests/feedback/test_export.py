"""Exports: responses (wide) and answers (long) as CSV, XLSX and Parquet, streamed in batches, with every
text a spreadsheet would run as a formula made inert, and each export written to the audit log."""

from __future__ import annotations

import csv
import io

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.audit.models import AuditEvent
from nineplus.core.models import localized
from nineplus.feedback import export, fielding
from nineplus.feedback.schemas import AnswerIn, SubmitIn
from tests.factories import World, login
from tests.feedback.conftest import Field

PAYLOADS = [
    '=HYPERLINK("http://evil.example","klik")',
    "+31 6 1234",
    "-2+3",
    "@SUM(A1)",
    "=cmd|' /C calc'!A0",
    "Gewoon goed",
]


def answered(db: Session, field: Field, world: World, count: int = len(PAYLOADS)) -> None:
    q = field.questions
    for i in range(count):
        moment = world.moments[i % 2].id
        answers = [
            AnswerIn(question_id=q["nps"].id, value=i % 11),
            AnswerIn(question_id=q["channel"].id, value="web"),
            AnswerIn(question_id=q["emotion"].id, moment_id=moment, value=-3 + i % 7),
            AnswerIn(question_id=q["why"].id, value=PAYLOADS[i % len(PAYLOADS)]),
        ]
        data = SubmitIn(
            client_id=f"export-{i:04d}", moments_experienced=[moment], answers=answers, final=True
        )
        fielding.submit(db, field.survey.id, data)
    db.commit()


def get(client: TestClient, field: Field, dataset: str, fmt: str):  # type: ignore[no-untyped-def]
    reply = client.get(f"/surveys/{field.survey.id}/export/{dataset}", params={"format": fmt})
    assert reply.status_code == 200, reply.text
    return reply


def test_answers_in_long_form_as_csv_with_formulas_made_inert(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    answered(db, field, bank_a)
    login(client, db, bank_a.users["cx_lead"])
    reply = get(client, field, "answers", "csv")
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
    assert len(rows) == 6 * 4
    texts = [r["value_text"] for r in rows if r["question_key"] == "why"]
    assert texts == ["'" + p if p[0] in "=+-@" else p for p in PAYLOADS]
    emotions = [r for r in rows if r["question_key"] == "emotion"]
    assert [int(r["value_number"]) for r in emotions] == [-3, -2, -1, 0, 1, 2]  # numbers stay numbers
    assert emotions[0]["moment"] == localized(bank_a.moments[0].name, "nl")
    assert {r["value_text"] for r in rows if r["question_key"] == "channel"} == {"web"}
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "responses.exported")).one().after == {
        "dataset": "answers",
        "format": "csv",
    }


def test_responses_in_wide_form_as_xlsx_keep_numbers_and_neutralise_text(
    client: TestClient, db: Session, field: Field, bank_a: World
) -> None:
    answered(db, field, bank_a)
    login(client, db, bank_a.users["cx_lead"])
    book = load_workbook(io.BytesIO(get(client, field, "responses", "xlsx").content), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 6
    first_moment = f"emotion [{localized(bank_a.moments[0].name, 'nl')}]"
    assert {"nps", "channel", "why", first_moment} <= set(header)
    why = header.index("why")
    assert body[0][why] == "'" + PAYLOADS[0]  # a string, not a formula
    assert body[0][header.index(first_moment)] == -3
    assert body[2][header.index("nps")] == 2


def test_parquet_keeps_values_as_given(client: TestClient, db: Session, field: Field, bank_a: World) -> None:
    answered(db, field, bank_a)
    login(client, db, bank_a.users["cx_lead"])
    table = pq.read_table(io.BytesIO(get(client, field, "answers", "parquet").content))
    assert table.num_rows == 24
    assert table.schema.field("value_number").type == "int64"
    texts = [
        t
        for k, t in zip(table["question_key"].to_pylist(), table["value_text"].to_pylist(), strict=True)
        if k == "why"
    ]
    assert texts == PAYLOADS


def test_the_csv_is_streamed_a_batch_at_a_time(
    client: TestClient, db: Session, field: Field, bank_a: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered(db, field, bank_a, count=7)
    monkeypatch.setattr(export, "BATCH", 2)
    login(client, db, bank_a.users["cx_lead"])
    with client.stream(
        "GET", f"/surveys/{field.survey.id}/export/responses", params={"format": "csv"}
    ) as reply:
        chunks = [chunk for chunk in reply.iter_bytes() if chunk]
    assert len(chunks) >= 5  # the header, then one chunk per batch of two responses
    assert b"".join(chunks).decode("utf-8-sig").count("export-") == 7


def test_who_may_export(client: TestClient, db: Session, field: Field, bank_a: World) -> None:
    login(client, db, bank_a.users["member"])
    assert client.get(f"/surveys/{field.survey.id}/export/answers").status_code == 403
    login(client, db, bank_a.users["cx_lead"])
    assert client.get(f"/surveys/{field.survey.id}/export/people").status_code == 404
    assert (
        client.get(f"/surveys/{field.survey.id}/export/answers", params={"format": "exe"}).status_code == 422
    )
    client.headers["Authorization"] = f"Bearer {bank_a.api_secret}"
    client.cookies.clear()
    assert client.get(f"/api/v1/surveys/{field.survey.id}/export/answers").status_code == 200


def test_tab_carriage_return_and_nul_starts_are_neutralised_too() -> None:
    assert [export.neutralise(v) for v in ("\tx", "\rx", "\0x", "x=1", -3, None)] == [
        "'\tx",
        "'\rx",
        "'\0x",
        "x=1",
        -3,
        None,
    ]
