"""Imports from the web page: keep the upload, confirm the mapping, then check and store in a job.

The job never holds a write transaction for long: it reads the file in the job runner's thread, stores
a chunk per transaction, and writes its progress to the import's row in short transactions of their own,
which the page shows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from nineplus.accounts.models import Organisation
from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core import db
from nineplus.core.errors import Invalid, get_or_404
from nineplus.core.i18n import gettext as _
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import current_organisation, scope
from nineplus.feedback import service as surveys
from nineplus.imports import outcomes, persons, responses, staging, storing
from nineplus.imports.models import DataImport
from nineplus.imports.sources import Source, open_source
from nineplus.jobs.runner import enqueue, extend_lock, handler
from nineplus.journeys.repository import moments as journey_moments

PROGRESS_EVERY = 5000

MAX_UPLOAD = 512 * 1024 * 1024  # a million responses in CSV is about 150 MB
UPLOAD_BODY = MAX_UPLOAD + 1024 * 1024  # the file and the form around it (every other request: web.app)


async def read_upload(upload: Any) -> bytes:
    """An uploaded file's bytes, refused (Invalid, in words) when it is larger than MAX_UPLOAD."""
    content: bytes = await upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise Invalid({"file": _("The file is larger than %(mb)s MB.", mb=MAX_UPLOAD // 1024 // 1024)})
    return content


def folder(organisation_id: int) -> Path:
    return get_settings().data_dir / "imports" / str(organisation_id)


KINDS = ("responses", "persons", "outcomes")
# Each engine checks a file (keeping nothing, or what ``discard`` removes) and writes its valid rows.
RESPONSES = SimpleNamespace(check=staging.check, write=storing.write, discard=staging.discard)
ENGINES: dict[str, Any] = {"responses": RESPONSES, "persons": persons, "outcomes": outcomes}


def permission_for(kind: str) -> Permission:
    return Permission.SUBMIT_RESPONSES if kind == "responses" else Permission.MANAGE_SURVEYS


def upload(
    session: Session, actor: Principal, kind: str, filename: str, content: bytes, survey_id: int | None = None
) -> DataImport:
    """Keep the file, recognise its layout and suggest a mapping; the import waits for confirmation."""
    if kind not in KINDS:
        raise Invalid({"kind": _("Choose one of the listed options.")})
    require(actor, permission_for(kind))
    if kind == "responses":
        assert survey_id is not None
        if surveys.get_survey(session, survey_id).status == "draft":
            raise Invalid({"file": _("Start fielding the survey before importing responses into it.")})
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx"):
        raise Invalid({"file": _("Upload a CSV or XLSX file.")})
    path = folder(actor.organisation_id) / f"{uuid.uuid4().hex}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    try:
        source = open_source(path)
    except Invalid:
        path.unlink(missing_ok=True)
        raise
    if kind == "responses":
        questions, moments = _questions_and_moments(session, survey_id)  # type: ignore[arg-type]
        mapping = responses.suggest(source, questions, moments)
    else:
        mapping = ENGINES[kind].suggest(source)
    item = DataImport(
        kind=kind,
        survey_id=survey_id if kind == "responses" else None,
        filename=Path(filename).name[:255],
        stored_as=str(path),
        tool=source.tool,
        mapping=mapping,
        created_by_id=actor.user_id,
    )
    session.add(item)
    session.flush()
    return item


def _questions_and_moments(session: Session, survey_id: int) -> tuple[list[Any], list[Any]]:
    survey = surveys.get_survey(session, survey_id)
    questions = surveys.questions(session, surveys.current_version(session, survey.id).id)
    return questions, journey_moments(session, survey.journey_id)


def choices(session: Session, item: DataImport, locale: str) -> list[tuple[str, str]]:
    """What a column of this import can hold, for the mapping page."""
    if item.kind != "responses":
        return ENGINES[item.kind].choices()  # type: ignore[no-any-return]
    questions, moments = _questions_and_moments(session, item.survey_id)  # type: ignore[arg-type]
    return responses.question_choices(questions, moments, locale)


def source_of(item: DataImport) -> Source:
    return open_source(Path(item.stored_as))


def _plan(session: Session, item: DataImport, source: Source, mapping: dict[str, str]) -> Any:
    if item.kind != "responses":
        return ENGINES[item.kind].plan(session, item.organisation_id, source, mapping)
    organisation = session.get_one(Organisation, item.organisation_id)
    timezone = organisation.timezone or "Europe/Amsterdam"
    return responses.plan(session, item.survey_id, source, mapping, timezone)  # type: ignore[arg-type]


def confirm(
    session: Session, actor: Principal, import_id: int, mapping: dict[str, str], *, valid_only: bool
) -> DataImport:
    """Check the mapping and queue the job that checks and stores the rows."""
    item = get_or_404(session, DataImport, import_id)
    require(actor, permission_for(item.kind))
    if item.status not in ("mapping", "rejected", "failed"):
        raise Invalid({"__all__": _("This import is already running or done.")})
    _plan(session, item, source_of(item), mapping)
    item.mapping, item.valid_only, item.status = mapping, valid_only, "queued"
    item.errors, item.message, item.rows_done = [], "", 0
    record(session, actor, "import.started", item, after={"file": item.filename, "valid_only": valid_only})
    enqueue(
        session, "run_import", {"import_id": item.id}, organisation_id=item.organisation_id, max_attempts=1
    )
    return item


def _update(organisation_id: int, import_id: int, **values: Any) -> None:
    with db.transaction() as session:
        scope(session, organisation_id)
        item = session.get_one(DataImport, import_id)
        for name, value in values.items():
            setattr(item, name, value)


def run(
    organisation_id: int, import_id: int, open_session: Callable[[], Session] | None = None
) -> DataImport:
    """Check every row; unless that rejects the file, store the valid rows. Progress lands on the row."""
    open_session = open_session or (lambda: db.new_session(write=True))
    with db.transaction(write=False) as session:
        scope(session, organisation_id)
        item = session.get_one(DataImport, import_id)
        kind, valid_only = item.kind, item.valid_only
        source = source_of(item)
        plan = _plan(session, item, source, dict(item.mapping))
        session.expunge_all()
    engine = ENGINES[kind]
    try:
        return _check_and_store(engine, plan, source, organisation_id, import_id, valid_only, open_session)
    finally:
        discard = getattr(engine, "discard", None)  # the response importer keeps checked rows on disk
        if discard is not None:
            discard(plan)


def _check_and_store(
    engine: Any,
    plan: Any,
    source: Source,
    organisation_id: int,
    import_id: int,
    valid_only: bool,
    open_session: Callable[[], Session],
) -> DataImport:
    # The check pass counts the rows as it goes; the store pass then shows how far against that count.
    _update(organisation_id, import_id, status="checking", rows_total=0, rows_done=0)

    last_beat = [time.monotonic()]

    def progress(rows: int) -> None:
        _update(organisation_id, import_id, rows_done=rows)
        if time.monotonic() - last_beat[0] > 30:
            extend_lock()  # a large file runs longer than a job's claim lasts
            last_beat[0] = time.monotonic()

    report = engine.check(plan, source, progress)
    errors = [e.__dict__ for e in report.errors]
    counts = {"valid": report.valid, "invalid": report.invalid, "skipped": report.skipped, "errors": errors}
    if report.invalid and not valid_only:
        _update(
            organisation_id,
            import_id,
            status="rejected",
            rows_done=report.rows,
            finished_at=utcnow(),
            **counts,
        )
        return _load(organisation_id, import_id)
    _update(organisation_id, import_id, status="storing", rows_total=report.rows, rows_done=0, **counts)
    written = engine.write(plan, source, open_session, progress)
    Path(source.path).unlink(missing_ok=True)  # stored now: the upload (perhaps contact data) goes
    refused = (
        _("%(count)s rows were refused: the survey is not open, or their id is taken.", count=written.refused)
        if written.refused
        else ""
    )
    _update(
        organisation_id,
        import_id,
        message=refused,
        status="done",
        rows_done=written.rows,
        stored=written.stored,
        existing=written.existing,
        finished_at=utcnow(),
    )
    return _load(organisation_id, import_id)


def _load(organisation_id: int, import_id: int) -> DataImport:
    with db.transaction(write=False) as session:
        scope(session, organisation_id)
        item = session.get_one(DataImport, import_id)
        session.expunge(item)
        return item


@handler("run_import")
def _run_import_job(session: Session, payload: dict[str, Any]) -> None:
    # The runner's own session stays unused: it would hold SQLite's write lock for the whole import.
    organisation_id = current_organisation(session)
    assert organisation_id is not None, "an import job belongs to an organisation"
    import_id = int(payload["import_id"])
    try:
        run(organisation_id, import_id)
    except Exception as exc:
        _update(organisation_id, import_id, status="failed", message=f"{type(exc).__name__}: {exc}"[:2000])
        raise
