"""Erasure of a person, found by e-mail address or external id, from every store, with a receipt.

The row store goes first, in the request's transaction: the person and their contact data, their survey
invitations, their responses with every answer and verbatim, the text analysis and its search index,
the cases opened on their responses with their notes, their customer outcomes, their scan invitations and
named scan answers, and any queued e-mail job that names the address. On SQLite the search index is
optimised, so that no deleted segment keeps a lemma; ``secure_delete`` is always on (``core.db``), and the
completion job below rewrites the file whole (VACUUM), since a page rebuilt earlier can keep an old copy
of a row in its free space. PostgreSQL reuses the space of deleted rows as it goes (SECURITY.md).

The analytic store and its Parquet export are written only by the process that runs the jobs, so the
erasure queues ``complete_erasure`` for them: it refreshes the store (the erased responses and the person
leave it), checks that none of their ids is left, writes the export again (the old files are deleted)
and checks the new files too; then the receipt is complete.

The register keeps the identifier only as a keyed hash: ``reapply`` erases again whoever a restored
backup brings back (SECURITY.md: backups are not edited; a restore is followed by ``nineplus privacy
reapply``). Audit events never held contact data or customers' words, so none is removed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import String, cast, delete, event, func, or_, select
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import ORG_KEY
from nineplus.feedback.models import Answer, Person, Question, Response, SurveyInvitation
from nineplus.imports.models import DataImport
from nineplus.improve.models import Case, CaseNote
from nineplus.jobs.models import Job
from nineplus.jobs.runner import enqueue, handler
from nineplus.outcomes.models import CustomerOutcome
from nineplus.privacy import pseudonyms
from nineplus.privacy.models import ErasureRequest
from nineplus.privacy.pseudonyms import chunks
from nineplus.scans.models import ScanAnswer, ScanInvitation
from nineplus.text.models import VerbatimAnalysis
from nineplus.webhooks.models import WebhookDelivery

log = logging.getLogger(__name__)

KINDS = ("email", "external_id")
# SQLite's full-text index marks a deleted row deleted; merging its segments leaves none that keeps it
SEARCH_INDEX_MERGED = ("INSERT INTO verbatim_search(verbatim_search) VALUES ('optimize')",)


def identifier_hash(kind: str, value: str) -> str:
    """The register's keyed hash of an identifier (e-mail addresses compared without case)."""
    normal = value.strip().lower() if kind == "email" else value.strip()
    secret = get_settings().resolved_secret_key().encode()
    return hmac.new(secret, f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()


def _checked(kind: str, value: str) -> str:
    value = (value or "").strip()
    if kind not in KINDS:
        raise Invalid({"kind": _("Choose e-mail address or external id.")})
    if not value or len(value) > 254 or (kind == "email" and "@" not in value):
        field = _("Enter a valid e-mail address.") if kind == "email" else _("Enter the external id.")
        raise Invalid({"value": field})
    return value


def find_persons(session: Session, kind: str, value: str, *, lock: bool = False) -> list[Person]:
    """The organisation's persons with this e-mail address (any case) or external id; ``lock`` takes
    their rows and their invitations' for the transaction (PostgreSQL), so that a submission through one
    of their links either commits before the erasure reads the responses or waits until it is done."""
    value = _checked(kind, value)
    by_email = func.lower(Person.email) == value.lower()
    where = by_email if kind == "email" else Person.external_id == value
    stmt = select(Person).where(where).order_by(Person.id)
    found = list(session.scalars(stmt.with_for_update() if lock else stmt))
    if lock and found:
        ids = [p.id for p in found]
        session.execute(
            select(SurveyInvitation.id).where(SurveyInvitation.person_id.in_(ids)).with_for_update()
        )
    return found


def erase(session: Session, actor: Principal, kind: str, value: str, reason: str = "") -> ErasureRequest:
    """Erase everyone with this identifier from the row store now and queue the analytic store's part;
    return the receipt (also when nobody was found: the requester is owed an answer either way)."""
    require(actor, Permission.MANAGE_PRIVACY)
    value = _checked(kind, value)
    if len(reason) > 1000:
        raise Invalid({"reason": _("At most 1,000 characters.")})
    persons = find_persons(session, kind, value, lock=True)
    addresses = {p.email.lower() for p in persons if p.email} | (
        {value.lower()} if kind == "email" else set()
    )
    identifiers = {p.external_id for p in persons if p.external_id}
    if kind == "external_id":
        identifiers.add(value)
    respondents = sorted(pseudonyms.respondents_of(session, [p.id for p in persons]).values())
    removed, response_ids = _erase_rows(session, [p.id for p in persons], respondents, addresses)
    receipt = ErasureRequest(
        receipt=secrets.token_hex(6).upper(),
        identifier_kind=kind,
        identifier_hash=identifier_hash(kind, value),
        reason=reason.strip(),
        requested_by_id=actor.user_id,
        removed=removed,
    )
    session.add(receipt)
    session.flush()
    entry = {
        "organisation_id": actor.organisation_id,
        "kind": receipt.identifier_kind,
        "hash": receipt.identifier_hash,
        "receipt": receipt.receipt,
    }
    # written once the erasure is committed: a request that fails leaves no entry behind
    event.listen(session, "after_commit", lambda _session: _register_outside(entry), once=True)
    record(session, actor, "privacy.erasure", receipt, after={"receipt": receipt.receipt, "removed": removed})
    enqueue(
        session,
        "complete_erasure",
        {
            "erasure_id": receipt.id,
            "respondents": respondents,  # their pseudonyms, which nothing ties to them any more
            "response_ids": response_ids,
            # the identifiers as keyed hashes only, for the uploads the job looks through
            "hashes": sorted({identifier_hash(k, v) for k, v in _kinds(addresses, identifiers)}),
        },
        organisation_id=actor.organisation_id,
    )
    return receipt


def _erase_rows(
    session: Session, person_ids: list[int], respondents: list[int], addresses: set[str]
) -> tuple[dict[str, int], list[int]]:
    """Delete the persons' rows in every table of the row store (their responses found by their pseudonyms
    and their invitations; the link between person and pseudonym goes with the person); return the counts
    and response ids."""
    invitations = select(SurveyInvitation.id).where(SurveyInvitation.person_id.in_(person_ids))
    response_ids = list(
        session.scalars(
            select(Response.id).where(
                or_(Response.respondent.in_(respondents), Response.invitation_id.in_(invitations))
            )
        )
    )
    cases = select(Case.id).where(Case.response_id.in_(response_ids))
    removed = {
        "persons": len(person_ids),
        "invitations": _count(session, SurveyInvitation, SurveyInvitation.person_id.in_(person_ids)),
        "responses": len(response_ids),
        "answers": _count(session, Answer, Answer.response_id.in_(response_ids)),
        "verbatims": _count(  # the customer's own words: text questions' answers (not a consent's yes)
            session,
            Answer,
            Answer.response_id.in_(response_ids)
            & Answer.value_text.is_not(None)
            & Answer.question_id.in_(select(Question.id).where(Question.type == "text")),
        ),
        "text_analyses": _count(session, VerbatimAnalysis, VerbatimAnalysis.response_id.in_(response_ids)),
        "cases": _count(session, Case, Case.response_id.in_(response_ids)),
        "case_notes": _count(session, CaseNote, CaseNote.case_id.in_(cases)),
        "outcomes": _count(session, CustomerOutcome, CustomerOutcome.person_id.in_(person_ids)),
        "scan_invitations": _count(session, ScanInvitation, ScanInvitation.person_id.in_(person_ids)),
        "scan_answers": _count(session, ScanAnswer, ScanAnswer.person_id.in_(person_ids)),
    }
    delete_responses(session, response_ids)
    session.execute(delete(ScanAnswer).where(ScanAnswer.person_id.in_(person_ids)))
    session.execute(delete(ScanInvitation).where(ScanInvitation.person_id.in_(person_ids)))
    session.execute(delete(CustomerOutcome).where(CustomerOutcome.person_id.in_(person_ids)))
    session.execute(delete(SurveyInvitation).where(SurveyInvitation.person_id.in_(person_ids)))
    session.execute(delete(Person).where(Person.id.in_(person_ids)))
    removed["mail_jobs"] = _delete_jobs_naming(session, addresses)
    removed["import_files"] = 0  # (the job looks through the waiting uploads: they may be large)
    session.expire_all()
    return removed, response_ids


def delete_responses(session: Session, response_ids: list[int]) -> None:
    """Delete responses with their answers, text analyses (and so their search index rows), cases and case
    notes, and the webhook messages about them not yet sent or kept: children first, explicitly,
    whatever the foreign keys would cascade."""
    for chunk in chunks(response_ids):
        of_cases = select(Case.id).where(Case.response_id.in_(chunk))
        session.execute(delete(CaseNote).where(CaseNote.case_id.in_(of_cases)))
        session.execute(delete(Case).where(Case.response_id.in_(chunk)))
        session.execute(delete(VerbatimAnalysis).where(VerbatimAnalysis.response_id.in_(chunk)))
        session.execute(delete(Answer).where(Answer.response_id.in_(chunk)))
        # messages about the response still in the webhook outbox (they carry its answers)
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.response_id.in_(chunk)))
        session.execute(delete(Response).where(Response.id.in_(chunk)))


def _delete_jobs_naming(session: Session, addresses: Iterable[str]) -> int:
    """Jobs (queued or done) whose payload holds one of the addresses, e.g. a plain e-mail to it."""
    organisation = session.info.get(ORG_KEY)
    total = 0
    for address in addresses:
        # the address as a whole JSON string ("ann@x" must not take "joann@x" with it)
        naming = func.lower(cast(Job.payload, String)).contains(json.dumps(address), autoescape=True)
        where = naming & (Job.organisation_id == organisation) if organisation else naming
        total += session.execute(delete(Job).where(where)).rowcount or 0
    return total


def _kinds(addresses: set[str], external_ids: set[str]) -> list[tuple[str, str]]:
    return [("email", a) for a in addresses] + [("external_id", x) for x in external_ids]


def _names(cell: object, hashes: set[str]) -> bool:
    """Whether a cell is one of the erased identifiers (whole, as the register hashes it)."""
    text_value = str(cell or "").strip()
    if not text_value:
        return False
    kinds = ("email", "external_id") if "@" in text_value else ("external_id",)
    return any(identifier_hash(kind, text_value) in hashes for kind in kinds)


def clear_imports_naming(session: Session, hashes: set[str]) -> int:
    """Uploads not yet stored (a file waits on the server for its mapping) whose cells hold one of the
    erased identifiers, read as the importer reads them (CSV in any encoding, XLSX), and import reports
    with rows that name one: the file is deleted (the import can only be uploaded again) and those rows
    dropped. Returns how many imports were touched."""
    from nineplus.imports.sources import open_source

    touched = 0
    for item in session.scalars(select(DataImport)):
        changed = False
        path = Path(item.stored_as)
        if item.status != "done" and path.is_file():
            try:
                source = open_source(path)
                holds = any(_names(cell, hashes) for _line, row in source.rows() for cell in row)
            except Invalid:
                holds = False  # not a table the importer can read: nothing in it can be imported either
            if holds:
                path.unlink()
                item.status, item.message = "failed", "erased: the file held a person whose data was erased"
                changed = True
        kept = [e for e in item.errors or [] if not _names(e.get("value"), hashes)]
        if len(kept) != len(item.errors or []):
            item.errors = kept
            changed = True
        touched += changed
    session.flush()
    return touched


def _count(session: Session, model: type, where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(where)) or 0)


def register_file() -> Path:
    """The register's copy outside the database: a backup restored from before an erasure no longer holds
    the erasure's row, so ``reapply`` also reads this file (keep it, and the secret key, with backups)."""
    return get_settings().data_dir / "erasure-register.jsonl"


def _register_outside(entry: dict[str, Any]) -> None:
    path = register_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as register:
        register.write(json.dumps(entry) + "\n")


def _registered(session: Session, organisation_id: int) -> set[tuple[str, str]]:
    wanted = {(r.identifier_kind, r.identifier_hash) for r in session.scalars(select(ErasureRequest))}
    path = register_file()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line) if line.strip() else {}
            if entry.get("organisation_id") == organisation_id:
                wanted.add((entry["kind"], entry["hash"]))
    return wanted


def receipts(session: Session, actor: Principal, limit: int = 50) -> list[ErasureRequest]:
    require(actor, Permission.MANAGE_PRIVACY)
    return list(session.scalars(select(ErasureRequest).order_by(ErasureRequest.id.desc()).limit(limit)))


def receipt_numbered(session: Session, actor: Principal, number: str) -> ErasureRequest:
    """One of the organisation's receipts by its number, or NotFound."""
    require(actor, Permission.MANAGE_PRIVACY)
    found = session.scalar(select(ErasureRequest).where(ErasureRequest.receipt == number))
    if found is None:
        raise NotFound("erasure_requests")
    return found


def reapply(session: Session, actor: Principal) -> int:
    """Erase again every person whose identifier is in the register (after a backup was restored);
    return how many persons were found."""
    require(actor, Permission.MANAGE_PRIVACY)
    wanted = _registered(session, actor.organisation_id)
    if not wanted:
        return 0
    found = 0
    for person in list(session.scalars(select(Person))):
        for kind, value in (("email", person.email), ("external_id", person.external_id)):
            if value and (kind, identifier_hash(kind, value)) in wanted:
                erase(session, actor, kind, value, reason="reapplied after a restore")
                found += 1
                break
    return found


def remove_late(session: Session, respondents: list[int]) -> list[int]:
    """Delete the responses that arrived under erased pseudonyms after the erasure (an import checked
    before it, a page sent meanwhile): the pseudonym leads to no one now, and the person's words must not
    stay. Returns their ids."""
    late = sorted(
        rid
        for chunk in chunks(respondents)
        for rid in session.scalars(select(Response.id).where(Response.respondent.in_(chunk)))
    )
    if late:
        delete_responses(session, late)
    return late


# The analytic store's part ------------------------------------------------------------------------------


@handler("complete_erasure")
def complete_erasure(session: Session, payload: dict[str, Any]) -> None:
    """Clear the erased persons and responses from the analytic store and its Parquet export, check that
    nothing of them is left in either, and complete the receipt."""
    from nineplus.core.db import compact_sqlite
    from nineplus.privacy import analytic

    # First, before this job's own transaction begins (VACUUM needs none open on its connection): the
    # embedded database is rewritten whole, so no copy of a deleted row survives in a page's free space.
    compacted = compact_sqlite(SEARCH_INDEX_MERGED)
    receipt = session.get(ErasureRequest, payload["erasure_id"])
    if receipt is None or receipt.completed_at is not None:
        return
    respondents, response_ids = payload.get("respondents", []), payload.get("response_ids", [])
    late = remove_late(session, respondents)
    response_ids = sorted({*response_ids, *late})
    files = clear_imports_naming(session, set(payload.get("hashes", [])))
    found = analytic.clear(session, respondents, response_ids)
    receipt.removed = {
        **receipt.removed,
        "import_files": files,
        "late_responses": len(late),
        "analytic_store": found,
        "row_store_rewritten": compacted,
    }
    receipt.completed_at = utcnow()
