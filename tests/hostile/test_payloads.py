"""Hostile text in every free-text field, then every page, chart, download and export fetched: no payload
may run. A script or an event handler from the data in a page or an SVG is a failure; so is a cell of a
CSV or XLSX export that a spreadsheet would run as a formula.

Every text column of every model is either in FREE_TEXT (filled with the payload) or in NOT_FREE_TEXT
with the reason, so a new column needs a decision (``test_every_text_column_is_classified``)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import JSON, String, Text, cast, literal, text, update
from sqlalchemy.orm import Session

from nineplus.accounts import auth
from nineplus.analytics.store import get_store
from nineplus.audit.models import AuditEvent
from nineplus.core.db import get_engine
from nineplus.core.models import Base, LocalizedText
from nineplus.core.registry import import_all_models
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Answer, Response
from nineplus.improve.models import CaseNote
from nineplus.journeys.models import WalkThroughEntry
from nineplus.text.service import analyse_organisation
from nineplus.web.app import create_app
from nineplus.web.deps import SESSION_COOKIE
from nineplus.web.limits import Limiter
from nineplus.web.routing import PUBLIC_ROUTES, iter_routes
from tests import factories
from tests.web.test_cross_tenant import fill, param_values, with_a_customer

# A formula for spreadsheets, a script and an event handler for browsers; the short one for short columns.
PAYLOAD = '=HYPERLINK("http://x.example")<script>alert(1)</script><img src=x onerror=alert(2)>'
SHORT = "=1+<img src=x onerror=alert(3)>"

FREE_TEXT: dict[str, tuple[str, ...]] = {
    "organisations": ("name",),
    "case_rules": ("value",),
    "channels": ("name",),
    "experience_values": ("name", "description"),
    "journeys": ("name", "description"),
    "teams": ("name", "description"),
    "users": ("name",),
    "api_keys": ("name",),
    "board_links": ("label",),
    "erasure_requests": ("reason",),
    "growth_targets": ("note",),
    "moments": ("name", "description", "role_label", "service_guideline", "keywords"),
    "persons": ("name", "external_id"),
    "scan_runs": ("title",),
    "walk_throughs": ("walker", "notes"),
    "workshops": ("title", "facilitator", "participants", "notes"),
    "improvement_actions": ("title", "goal", "actor"),
    "surveys": ("title",),
    "walk_through_entries": ("note",),
    "workshop_entries": ("wanted", "today", "feeling_today", "quality_view"),
    "data_imports": ("filename", "message"),
    "retention_policies": ("basis",),
    "survey_versions": ("reason",),
    "questions": ("text", "help"),
    "answers": ("value_text",),
    "cases": ("resurvey_comment",),
    "verbatim_analyses": ("masked",),
    "case_notes": ("text",),
    "audit_events": ("reason",),  # append-only: a new event carries it (below), none is changed
    "webhook_endpoints": ("url", "description"),
    "webhook_deliveries": ("last_error",),  # the receiver's answer: text from outside
    "customer_events": ("reference",),  # another system's id for the event
}
_CODE = "a code from a closed list (a CHECK constraint or the code's own list), never typed text"
_SECRET = "a hash, token or key: never shown"
NOT_FREE_TEXT: dict[str, str] = {
    "organisations.slug": "made from the name: letters, digits and dashes",
    "organisations.locale": _CODE,
    "organisations.timezone": _CODE,
    "case_rules.kind": _CODE,
    "jobs.*": "the job table: never rendered into a page",
    "webhook_endpoints.events": _CODE,
    "webhook_endpoints.secret": "random base64 the admin copies; made by nineplus, never typed",
    "webhook_deliveries.event": _CODE,
    "webhook_deliveries.state": _CODE,
    "webhook_deliveries.payload": "the event's ids and answers, themselves covered in their own tables",
    "customer_events.event_type": "lower-case letters, digits and . _ - (checked on every way in)",
    "customer_events.outcome": "made by nineplus from a closed list of results and refusal reasons",
    "survey_triggers.event_type": "lower-case letters, digits and . _ - (checked on every way in)",
    "text_models.version": _CODE,
    "users.email": "validated as an e-mail address on every way in",
    "users.password_hash": _SECRET,
    "users.role": _CODE,
    "users.locale": _CODE,
    "users.sso_subject": "the sign-in service's issuer and subject for the user, shown nowhere",
    "api_keys.prefix": _SECRET,
    "api_keys.key_hash": _SECRET,
    "api_keys.scopes": _CODE,
    "audit_events.actor": "a user's name and address, or api-key:<id> (the user's name is covered)",
    "audit_events.action": _CODE,
    "audit_events.object_type": _CODE,
    "audit_events.object_id": "a number",
    "audit_events.before": "the changed fields' former values, themselves covered in their own tables",
    "audit_events.after": "the changed fields' new values, themselves covered in their own tables",
    "board_links.token_hash": _SECRET,
    "erasure_requests.receipt": "random hexadecimal",
    "erasure_requests.identifier_kind": _CODE,
    "erasure_requests.identifier_hash": _SECRET,
    "erasure_requests.removed": "counts",
    "invitations.email": "validated as an e-mail address",
    "invitations.role": _CODE,
    "invitations.team_ids": "numbers",
    "invitations.token_hash": _SECRET,
    "login_sessions.token_hash": _SECRET,
    "login_sessions.user_agent": "kept for the owner, shown nowhere",
    "moments.channel": _CODE,
    "walk_throughs.walker_role": _CODE,
    "moments.predictability": _CODE,
    "moments.kind": _CODE,
    "moments.contact": _CODE,
    "password_resets.token_hash": _SECRET,
    "persons.kind": _CODE,
    "persons.email": "validated as an e-mail address on every way in",
    "persons.attributes": "keys and values from imports: covered by the import fuzzing, not filled here",
    "scan_runs.instrument": _CODE,
    "scan_runs.status": _CODE,
    "scan_runs.teams": "numbers",
    "improvement_actions.status": _CODE,
    "improvement_actions.themes": _CODE,
    "scan_answers.role": _CODE,
    "scan_answers.answers": "numbers per statement",
    "scan_invitations.role": _CODE,
    "surveys.audience": _CODE,
    "surveys.kind": _CODE,
    "surveys.status": _CODE,
    "surveys.public_key": _SECRET,
    "data_imports.kind": _CODE,
    "data_imports.stored_as": "a server path, shown nowhere",
    "data_imports.tool": _CODE,
    "data_imports.mapping": "column names of the file: covered by the import fuzzing",
    "data_imports.status": _CODE,
    "data_imports.errors": "messages of our own about the file's rows",
    "retention_policies.scope_key": _CODE,
    "survey_invitations.token_hash": _SECRET,
    "survey_invitations.bounce_status": "a status code such as 5.1.1",
    "survey_invitations.bounce_detail": "from a bounce notice, shown nowhere yet",
    "survey_versions.protocol": "the protocol's fields: frame and period (frame checked on its page)",
    "questions.key": "letters, digits and underscores",
    "questions.type": _CODE,
    "questions.purpose": _CODE,
    "questions.options": "option values and labels, written by the survey's designer: filled below",
    "responses.client_id": "an id the client chose, shown nowhere",
    "responses.locale": _CODE,
    "responses.moments_experienced": "numbers",
    "responses.source_hash": _SECRET,
    "answers.value_choices": "option values of the question",
    "cases.reasons": _CODE,
    "cases.status": _CODE,
    "cases.outcome": _CODE,
    "verbatim_analyses.language": _CODE,
    "verbatim_analyses.lemmas": "the masked text's lemmas, for search only",
    "verbatim_analyses.polarity": _CODE,
    "verbatim_analyses.theme": _CODE,
    "verbatim_analyses.version": _CODE,
    "case_notes.kind": _CODE,
}


def _text_columns() -> Iterator[tuple[str, str, int | None, bool]]:
    """(table, column, length, localised) of every text, JSON or localised column."""
    import_all_models()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            if isinstance(kind, LocalizedText):
                yield table.name, column.name, None, True
            elif isinstance(kind, String | Text | JSON) and not column.primary_key:
                yield table.name, column.name, getattr(kind, "length", None), False


def test_every_text_column_is_classified() -> None:
    unclassified = [
        f"{t}.{c}"
        for t, c, _n, _l in _text_columns()
        if c not in FREE_TEXT.get(t, ()) and f"{t}.{c}" not in NOT_FREE_TEXT and f"{t}.*" not in NOT_FREE_TEXT
    ]
    assert unclassified == [], "a new text column: add it to FREE_TEXT or NOT_FREE_TEXT (with the reason)"


def _fill(db: Session, organisation_id: int) -> int:
    """Write the payload into every free-text column of the organisation's rows; return how many columns."""
    filled = 0
    for table, column, length, localised in _text_columns():
        if column not in FREE_TEXT.get(table, ()) or table == "audit_events":
            continue
        target = Base.metadata.tables[table]
        plain = PAYLOAD if length is None or length >= len(PAYLOAD) + 8 else SHORT
        value: object = literal(plain, String)
        if localised:
            value = {"nl": PAYLOAD, "en": PAYLOAD}
        elif "id" in target.c:  # one per row, for the columns that must be unique (a team's name)
            value = literal(plain, String) + " " + cast(target.c.id, String)
        where = (
            target.c.id == organisation_id
            if table == "organisations"
            else target.c.organisation_id == organisation_id
        )
        db.execute(update(target).where(where).values({column: value}))
        filled += 1
    options = Base.metadata.tables["questions"]
    db.execute(text("SELECT 1"))  # (the options of choice questions: their labels)
    for row in db.execute(options.select().where(options.c.organisation_id == organisation_id)).mappings():
        if row["options"]:
            labelled = [{**o, "label": {"nl": PAYLOAD, "en": PAYLOAD}} for o in row["options"]]
            db.execute(update(options).where(options.c.id == row["id"]).values(options=labelled))
    return filled


@pytest.fixture
def hostile(committed_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    """Bank A with one of everything, every free text hostile, its analytic store filled; an admin's
    browser."""
    monkeypatch.setenv("NINEPLUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NINEPLUS_MINIMUM_N", "1")  # one response shows its scores: the charts draw names
    get_settings.cache_clear()
    db = committed_session
    world = factories.bank(db, "Bank A", prefix="a")
    with_a_customer(db, world)
    scope(db, world.org.id)
    response = db.get_one(Response, db.scalar(text("SELECT max(id) FROM responses")))
    assert world.survey is not None
    why = db.scalar(text("SELECT id FROM questions WHERE version_id = :v"), {"v": response.version_id})
    db.add(Answer(response_id=response.id, question_id=why, value_int=3, value_text="x"))
    db.add(CaseNote(case_id=world.case_id, text="x"))
    assert world.workshop is not None
    assert world.walk is not None
    db.add(WalkThroughEntry(walk_id=world.walk.id, moment_id=world.moments[0].id, feeling=-1))
    db.add(
        AuditEvent(actor="test", action="hostile.reason", object_type="Team", object_id="1", reason=PAYLOAD)
    )
    db.commit()
    analyse_organisation(db, world.org.id)
    system(db)
    filled = _fill(db, world.org.id)
    db.commit()
    store = get_store()
    store.refresh(get_engine(), full=True)
    system(db)
    token = auth.start_session(db, world.users["admin"])
    db.commit()
    app = create_app(run_jobs=False)
    app.state.limiter = Limiter(False)
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, token)
        client.headers["Accept-Language"] = "en"
        yield client, world, filled
    store.close()


SCRIPT_RUNS = re.compile(r"alert\(\d\)")


def _html_problems(body: str) -> list[str]:
    soup = BeautifulSoup(body, "html.parser")
    found = [
        f"<script>{s.get_text()[:40]}" for s in soup.find_all("script") if SCRIPT_RUNS.search(s.get_text())
    ]
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            if name.lower().startswith("on"):
                found.append(f"<{tag.name} {name}={value}>")
        if tag.name == "img" and tag.get("src") == "x":
            found.append("<img src=x>")
    return found


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def _formula_cells(cells: list[str]) -> list[str]:
    return [c[:40] for c in cells if c and c[0] in "=+-@\t\r" and not _is_number(c)]


def _cells(response) -> list[str]:  # type: ignore[no-untyped-def]
    kind = response.headers.get("content-type", "")
    if kind.startswith("text/csv"):
        import csv

        return [cell for row in csv.reader(io.StringIO(response.text.lstrip("\ufeff"))) for cell in row]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [
        str(c)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]


def test_no_payload_runs_in_any_page_chart_or_export(hostile) -> None:  # type: ignore[no-untyped-def]
    client, world, filled = hostile
    values = {**param_values(world), "key": world.survey.public_key}
    pages = exports = 0
    problems: list[str] = []
    skipped: list[str] = []
    for route in iter_routes(client.app):
        if route.method != "GET" or route.is_api or route.path in ("/api/docs",):
            continue
        if (route.method, route.path) in PUBLIC_ROUTES and "{key}" not in route.path:
            continue  # token pages: reached through their own tests (tests/hostile/test_tokens.py)
        variants = [fill(route.path, {**values, "kind": kind}) or route.path for kind in ("svg", "csv")]
        variants = list(dict.fromkeys(variants))  # a path without {kind} once
        if "{dataset}" in route.path:
            variants = [f"{variants[0]}?format={f}" for f in ("csv", "xlsx")]
        for target in variants:
            response = client.get(target)
            if response.status_code >= 500:
                problems.append(f"GET {target} -> {response.status_code}")
                continue
            if response.status_code != 200:
                skipped.append(f"{target} {response.status_code}")
                continue
            kind = response.headers.get("content-type", "")
            if kind.startswith(("text/html", "image/svg+xml")):
                pages += 1
                problems += [f"GET {target}: {p}" for p in _html_problems(response.text)]
            elif kind.startswith("text/csv") or "spreadsheetml" in kind:
                exports += 1
                problems += [f"GET {target}: formula {c!r}" for c in _formula_cells(_cells(response))]
    print(f"payloads: {filled} free-text columns filled; {pages} pages and charts, {exports} exports checked")
    print("not 200:", skipped)
    assert filled >= 45
    assert pages >= 55
    assert exports >= 6
    assert problems == [], "\n".join(problems)
    assert client.get("/journeys").text.count("&lt;script&gt;alert(1)") >= 1  # shown, as text


def test_the_scan_report_pdf_prints_a_payload_as_text(
    client: TestClient, db: Session, bank_a: factories.World, tmp_path: Path
) -> None:
    from tests.scans.test_report import _text
    from tests.scans.test_runs import _level, _run

    run = _run(db, bank_a, [("employee", "contact", _level(4))] * 6)
    run.title = PAYLOAD
    db.commit()
    factories.login(client, db, bank_a.users["cx_lead"])
    answer = client.get(f"/scans/{run.id}/report.pdf")
    assert answer.status_code == 200
    printed = " ".join(_text(answer.content, tmp_path).split())
    assert "<script>alert(1)</script>" in printed  # the markup shown as characters, not run as markup


def test_a_line_break_in_a_subject_smuggles_no_header_into_an_e_mail() -> None:
    from nineplus.core.mail import build_message

    message = build_message("klant@example.org", "Bank A\r\nBcc: everyone@evil.example\r\n\r\nHi", "body")
    assert message["Bcc"] is None
    assert message["Subject"] == "Bank A Bcc: everyone@evil.example Hi"
    assert "\nBcc:" not in message.as_string()
    # every e-mail of the product is plain text: a payload in it is characters, with nothing to run
    assert message.get_content_type() == "text/plain"
    assert not any(part.get_content_type() == "text/html" for part in message.walk())
