"""Oversized and malformed input is refused with a clear message in the user's language and leaves
nothing behind: a request body past 4 MB (413), a file past the upload limit, files that are not what
their name says, broken JSON, a form field too long."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.core.tenancy import system
from nineplus.feedback.models import Response
from nineplus.imports import service as imports
from nineplus.imports.models import DataImport
from nineplus.web.app import BODY_LIMIT
from tests.factories import World, csrf_token, login
from tests.feedback.conftest import Field, build_live_survey


@pytest.fixture
def field(db: Session, bank_a: World) -> Field:
    return build_live_survey(db, bank_a)


def test_a_body_past_the_limit_is_a_413_in_the_caller_s_language(
    client: TestClient, field: Field, db: Session
) -> None:
    url = f"/api/v1/public/surveys/{field.survey.public_key}/responses"
    huge = b'{"client_id": "big-0001", "answers": [], "x": "' + b"a" * BODY_LIMIT + b'"}'
    reply = client.post(
        url, content=huge, headers={"Content-Type": "application/json", "Accept-Language": "nl"}
    )
    assert reply.status_code == 413
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["detail"] == "Wat er is verstuurd is groter dan dit adres aanneemt."
    page = client.post(
        "/login",
        content=b"email=" + b"a" * BODY_LIMIT,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"},
    )
    assert page.status_code == 413
    assert "larger than this address accepts" in page.text
    system(db)
    assert db.scalar(select(func.count()).select_from(Response)) == 0


def test_a_body_without_a_length_is_counted_as_it_comes(client: TestClient, field: Field) -> None:
    url = f"/api/v1/public/surveys/{field.survey.public_key}/responses"

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"client_id": "stream-0001", "x": "'
        for _n in range(5):
            yield b"a" * 1024 * 1024
        yield b'"}'

    reply = client.post(url, content=chunks(), headers={"Content-Type": "application/json"})
    assert reply.status_code == 413
    assert reply.json()["detail"]


def test_broken_json_is_a_422_not_a_500(client: TestClient, field: Field) -> None:
    url = f"/api/v1/public/surveys/{field.survey.public_key}/responses"
    for body in (b"{", b"\xff\xfe", b"[]", b'{"client_id": 5}', b"null"):
        reply = client.post(url, content=body, headers={"Content-Type": "application/json"})
        assert reply.status_code == 422, (body, reply.status_code)
        assert reply.json()["detail"]


def test_an_upload_past_the_limit_and_files_that_are_not_tables_are_refused_in_words(
    client: TestClient, db: Session, bank_a: World, field: Field, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.commit()
    login(client, db, bank_a.users["admin"])
    client.headers["Accept-Language"] = "en"
    token = csrf_token(client, "/persons")
    # an upload may be far larger than any other request's body
    rows = b"naam;e-mail\n" + b"".join(b"Klant %d;klant%d@example.org\n" % (n, n) for n in range(200_000))
    assert len(rows) > 5 * 1024 * 1024
    fine = client.post("/persons/import", data={"csrf_token": token}, files={"file": ("list.csv", rows)})
    assert fine.status_code == 303
    monkeypatch.setattr(imports, "MAX_UPLOAD", 1024)  # (a 512 MB file is not written in a test)
    big = client.post(
        "/persons/import", data={"csrf_token": token}, files={"file": ("list.csv", b"a;b\n" + b"1;2\n" * 400)}
    )
    assert big.status_code == 422
    assert "The file is larger than" in big.text
    for name, content in (
        ("list.csv", b"\x00\x01\x02\x03" * 50),  # binary, named CSV
        ("list.xlsx", b"PK\x03\x04 not really a zip"),
        ("list.csv", b""),
        ("list.exe", b"MZ\x90\x00"),
        ("list.csv", "naam;e-mail\n".encode("utf-16")),
    ):
        reply = client.post("/persons/import", data={"csrf_token": token}, files={"file": (name, content)})
        assert reply.status_code in (303, 422), (name, reply.status_code)
        if reply.status_code == 303:  # taken as a table: its page must say what is wrong, not fail
            assert client.get(reply.headers["location"]).status_code == 200
    system(db)
    assert db.scalar(select(func.count()).select_from(DataImport).where(DataImport.status == "done")) == 0


def test_a_form_field_is_cut_at_its_limit_and_a_long_name_is_refused_in_words(
    client: TestClient, db: Session, bank_a: World
) -> None:
    login(client, db, bank_a.users["admin"])
    client.headers["Accept-Language"] = "en"
    token = csrf_token(client, "/teams")
    reply = client.post("/teams/new", data={"csrf_token": token, "name": "x" * 100_000})
    assert reply.status_code == 422
    assert "at most" in reply.text.lower()
