"""The scan's PDF report (WeasyPrint): it renders, turns into an image (pdftoppm, poppler), and its text
(pdftotext) holds the advice in the reader's language; a run under the minimum group shows no scores in
the report either."""

from __future__ import annotations

import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nineplus.scans.instrument import load_dir
from tests.factories import World, login
from tests.scans.test_runs import _level, _run


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True
    )
    image = tmp_path / "page-1.png"
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.stat().st_size > 5_000  # a page with something on it
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_report_renders_with_its_advice_in_the_reader_s_language(
    client: TestClient, db: Session, bank_a: World, tmp_path: Path
) -> None:
    phone = [_level(4, values_phone=5), _level(4, values_phone=1)] * 4
    run = _run(db, bank_a, [("employee", "contact", given) for given in phone])
    db.commit()
    login(client, db, bank_a.users["cx_lead"])  # reads English
    page = client.get(f"/scans/{run.id}")
    assert f'href="/scans/{run.id}/report.pdf"' in page.text
    answer = client.get(f"/scans/{run.id}/report.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content[:5] == b"%PDF-"
    text = " ".join(_text(answer.content, tmp_path).split())
    values = load_dir()["seven_levels"].dimension("values")
    assert " ".join(values.advice.en.split())[:60] in text  # the advice, in English
    assert "divided" in text
    assert "Where to start" in text


def test_a_run_under_the_minimum_shows_no_scores_in_the_report(
    client: TestClient, db: Session, bank_a: World, tmp_path: Path
) -> None:
    run = _run(db, bank_a, [("employee", "contact", _level(4))] * 3)
    db.commit()
    login(client, db, bank_a.users["cx_lead"])
    answer = client.get(f"/scans/{run.id}/report.pdf")
    assert answer.status_code == 200
    text = " ".join(_text(answer.content, tmp_path).split())
    assert "Too few answers" in text
    assert "Score per part" not in text
