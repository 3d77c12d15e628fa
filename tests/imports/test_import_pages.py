"""The import pages end to end on a real database: upload, a suggested mapping, the job, the report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nineplus.accounts import auth
from nineplus.core.db import transaction
from nineplus.core.tenancy import system
from nineplus.feedback.models import Response
from nineplus.imports.models import DataImport
from nineplus.jobs import runner
from nineplus.web.app import create_app
from nineplus.web.deps import SESSION_COOKIE
from tests.conftest import html
from tests.factories import bank, csrf_token
from tests.feedback.test_survey_pages import form_values
from tests.imports.conftest import FIXTURES, build_target


@pytest.fixture
def live(committed_db: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, int]]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NINEPLUS_DATA_DIR", str(tmp_path))
    with transaction() as session:
        world = bank(session, "Upload Bank", prefix="u")
        survey_id = build_target(session, world).survey.id
        system(session)
        token = auth.start_session(session, world.users["cx_lead"])
    with TestClient(create_app(run_jobs=False), follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, token)
        yield client, survey_id


def stored(survey_id: int) -> int:
    with transaction(write=False) as session:
        system(session)
        return (
            session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey_id))
            or 0
        )


def test_a_qualtrics_file_is_uploaded_mapped_checked_and_stored(live: tuple[TestClient, int]) -> None:
    client, survey_id = live
    token = csrf_token(client, f"/surveys/{survey_id}/import")
    content = (FIXTURES / "qualtrics_export.csv").read_bytes()
    uploaded = client.post(
        f"/surveys/{survey_id}/import", data={"csrf_token": token}, files={"file": ("export.csv", content)}
    )
    assert uploaded.status_code == 303, uploaded.text
    page = html(client.get(uploaded.headers["location"], headers={"Accept-Language": "en"}))
    assert "Qualtrics export" in page.text
    form = page.select_one("#mapping-form")
    data = form_values(form)
    headers = [row.select_one("td .strong").get_text() for row in form.select("tbody tr")]
    assert data[f"map.{headers.index('ResponseId')}"] == "client_id"
    assert data[f"map.{headers.index('RecipientEmail')}"] == ""
    started = client.post(uploaded.headers["location"], data=data)
    assert started.status_code == 303
    assert runner.run_pending() >= 1
    done = html(client.get(uploaded.headers["location"], headers={"Accept-Language": "en"}))
    assert "Done" in done.select_one("#import-status").get_text()
    assert "3 responses stored; 0 were already there" in done.text
    assert stored(survey_id) == 3


def test_a_broken_file_is_rejected_with_its_report_and_the_valid_rows_can_follow(
    live: tuple[TestClient, int],
) -> None:
    client, survey_id = live
    token = csrf_token(client, f"/surveys/{survey_id}/import")
    content = b"respondent,nps,waarom\nA-1,9,Prima\nA-2,11,Te laat\nA-3,7,\n"
    uploaded = client.post(
        f"/surveys/{survey_id}/import", data={"csrf_token": token}, files={"file": ("scores.csv", content)}
    )
    url = uploaded.headers["location"]
    data = form_values(html(client.get(url)).select_one("#mapping-form"))
    client.post(url, data=data)
    runner.run_pending()
    page = html(client.get(url, headers={"Accept-Language": "en"}))
    assert "Rejected" in page.select_one("#import-status").get_text()
    assert [td.get_text(strip=True) for td in page.select("#import-errors tbody td")][:3] == [
        "3",
        "nps",
        "11",
    ]
    assert stored(survey_id) == 0
    client.post(url, data=form_values(page.select_one("#load-valid")))
    runner.run_pending()
    assert stored(survey_id) == 2
    with transaction(write=False) as session:
        system(session)
        item = session.scalars(select(DataImport).where(DataImport.filename == "scores.csv")).one()
        assert (item.status, item.stored, item.invalid) == ("done", 2, 1)


def test_a_file_that_is_not_a_table_is_refused_at_upload(live: tuple[TestClient, int]) -> None:
    client, survey_id = live
    token = csrf_token(client, f"/surveys/{survey_id}/import")
    refused = client.post(
        f"/surveys/{survey_id}/import", data={"csrf_token": token}, files={"file": ("notes.pdf", b"%PDF-1.7")}
    )
    assert refused.status_code == 422
    fake = client.post(
        f"/surveys/{survey_id}/import",
        data={"csrf_token": token},
        files={"file": ("fake.xlsx", b"not a zip")},
    )
    assert fake.status_code == 422


def test_a_person_list_goes_through_the_same_steps(live: tuple[TestClient, int]) -> None:
    client, _survey_id = live
    token = csrf_token(client, "/persons")
    content = b"klantnummer;E-mailadres;Regio\nK-1;anna@klant.example;Utrecht\nK-2;fout;Zwolle\n"
    uploaded = client.post(
        "/persons/import", data={"csrf_token": token}, files={"file": ("lijst.csv", content)}
    )
    url = uploaded.headers["location"]
    client.post(url, data=form_values(html(client.get(url)).select_one("#mapping-form")))
    runner.run_pending()
    page = html(client.get(url, headers={"Accept-Language": "en"}))
    assert "Rejected" in page.select_one("#import-status").get_text()
    assert [td.get_text(strip=True) for td in page.select("#import-errors tbody td")][:3] == [
        "3",
        "E-mailadres",
        "fout",
    ]
    client.post(url, data=form_values(page.select_one("#load-valid")))
    runner.run_pending()
    assert "1 persons added; 0 updated" in client.get(url, headers={"Accept-Language": "en"}).text
    listed = html(client.get("/persons", headers={"Accept-Language": "en"})).select("#persons tbody tr")
    anna = next(r.get_text(" ", strip=True) for r in listed if "anna@" in r.get_text())
    assert "Regio: Utrecht" in anna
