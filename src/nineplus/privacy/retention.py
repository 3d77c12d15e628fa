"""Retention: how long responses, the customers' own words and contact data are kept, and the purge.

The organisation sets months for each of the three (empty keeps them); a survey may set its own months
for responses and words. The daily ``retention_purge`` job removes what is past its time:

- responses: submitted (or, never submitted, started) before the cut-off, with their answers, text
  analyses, cases and case notes;
- words: the answers to open questions of older responses are emptied, their text analysis deleted,
  and the comment a won-back customer gave on the re-survey of such a response cleared;
- contact data: the e-mail address, name, external id and attributes of persons not invited, not
  answering and not added within the period; the person stays, without them, so the scores keep their
  team.

``plan`` says what the next purge would remove without removing it (the dry run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import String, and_, cast, func, or_, select, text, update
from sqlalchemy.orm import Session

from nineplus.accounts.models import Organisation
from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import Invalid
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized, utcnow
from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Answer, Person, Question, Response, Survey
from nineplus.improve.models import Case
from nineplus.jobs.runner import handler
from nineplus.outcomes.models import CustomerOutcome
from nineplus.privacy import pseudonyms
from nineplus.privacy.erasure import delete_responses
from nineplus.privacy.models import RetentionPolicy
from nineplus.privacy.pseudonyms import chunks
from nineplus.scans.models import ScanInvitation, ScanRun
from nineplus.text.models import VerbatimAnalysis

ORGANISATION = "organisation"
MAX_MONTHS = 1200
KINDS = ("responses", "verbatims", "contacts")


@dataclass(frozen=True)
class Months:
    responses: int | None = None
    verbatims: int | None = None
    contacts: int | None = None
    basis: str = ""


@dataclass(frozen=True)
class PurgeLine:
    kind: str  # responses, verbatims, contacts
    survey_id: int | None
    survey: str  # the survey's title ("" for contacts)
    months: int
    cutoff: datetime
    count: int


def policies(session: Session) -> tuple[Months, dict[int, Months]]:
    """The organisation's months and each survey's own."""
    default, per_survey = Months(), {}
    for row in session.scalars(select(RetentionPolicy)):
        months = Months(row.responses_months, row.verbatims_months, row.contacts_months, row.basis)
        if row.survey_id is None:
            default = months
        else:
            per_survey[row.survey_id] = months
    return default, per_survey


def set_policy(session: Session, actor: Principal, survey_id: int | None, form: dict[str, Any]) -> Months:
    """Store the months of the organisation (``survey_id`` None) or of one survey; empty keeps forever."""
    require(actor, Permission.MANAGE_PRIVACY)
    kinds = KINDS if survey_id is None else KINDS[:2]
    months: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for kind in kinds:
        raw = str(form.get(f"{kind}_months", "") or "").strip()
        if not raw:
            months[kind] = None
        elif raw.isdigit() and 1 <= int(raw) <= MAX_MONTHS:
            months[kind] = int(raw)
        else:
            errors[f"{kind}_months"] = _("A whole number of months from 1 to 1200, or empty to keep.")
    basis = str(form.get("basis", "") or "").strip()
    if len(basis) > 500:
        errors["basis"] = _("At most 500 characters.")
    if errors:
        raise Invalid(errors)
    if survey_id is not None and (survey_id < 1 or session.get(Survey, survey_id) is None):
        raise Invalid({"survey_id": _("Choose a survey.")})
    key = ORGANISATION if survey_id is None else f"survey:{survey_id}"
    row = session.scalar(select(RetentionPolicy).where(RetentionPolicy.scope_key == key))
    before = None
    if row is None:
        row = RetentionPolicy(scope_key=key, survey_id=survey_id)
        session.add(row)
    else:
        before = {k: getattr(row, f"{k}_months") for k in kinds}
    for kind in kinds:
        setattr(row, f"{kind}_months", months[kind])
    row.basis = basis
    row.updated_at = utcnow()
    session.flush()
    record(session, actor, "retention.set", row, before=before, after={**months, "basis": basis})
    return Months(**months, basis=basis)


def survey_options(session: Session) -> list[tuple[int, str]]:
    locale = get_locale()
    return [(s.id, localized(s.title, locale)) for s in session.scalars(select(Survey).order_by(Survey.id))]


def _effective(default: Months, own: Months | None, kind: str) -> int | None:
    value = getattr(own, kind) if own is not None else None
    return value if value is not None else getattr(default, kind)


def _cutoff(now: datetime, months: int) -> datetime:
    return now - relativedelta(months=months)


def _old_responses(survey_id: int, cutoff: datetime) -> Any:
    when = func.coalesce(Response.submitted_at, Response.started_at)
    return select(Response.id).where(Response.survey_id == survey_id, when < cutoff)


def _open_answers(survey_id: int, cutoff: datetime) -> Any:
    """The answers to open questions, with words still in them, of the survey's responses before cutoff."""
    text_questions = select(Question.id).where(Question.type == "text")
    return and_(
        Answer.response_id.in_(_old_responses(survey_id, cutoff)),
        Answer.question_id.in_(text_questions),
        Answer.value_text.is_not(None),
    )


def _stale_contacts(cutoff: datetime) -> Any:
    """Persons with contact data who were not added, invited (to a survey or a scan), answering, or given
    an outcome within the period."""
    answered = pseudonyms.responses_of_person(Person.id).where(Response.started_at >= cutoff)
    scanned = select(ScanInvitation.id).where(ScanInvitation.person_id == Person.id)
    scanned = scanned.where(ScanInvitation.run_id.in_(select(ScanRun.id).where(ScanRun.created_at >= cutoff)))
    measured = select(CustomerOutcome.id).where(
        CustomerOutcome.person_id == Person.id, CustomerOutcome.created_at >= cutoff
    )
    has_contact = or_(
        Person.email.is_not(None),
        Person.external_id.is_not(None),
        Person.name != "",
        func.coalesce(func.length(cast(Person.attributes, String)), 0) > 2,  # more than {}
    )
    return and_(
        has_contact,
        Person.created_at < cutoff,
        or_(Person.last_invited_at.is_(None), Person.last_invited_at < cutoff),
        ~answered.exists(),
        ~scanned.exists(),
        ~measured.exists(),
    )


def plan(session: Session, now: datetime | None = None) -> list[PurgeLine]:
    """What the purge would remove now (the dry run)."""
    now = now or utcnow()
    default, per_survey = policies(session)
    lines: list[PurgeLine] = []
    locale = get_locale()
    for survey in session.scalars(select(Survey).order_by(Survey.id)):
        title = localized(survey.title, locale)
        months = _effective(default, per_survey.get(survey.id), "responses")
        if months:
            cutoff = _cutoff(now, months)
            count = session.scalar(
                select(func.count()).select_from(_old_responses(survey.id, cutoff).subquery())
            )
            lines.append(PurgeLine("responses", survey.id, title, months, cutoff, int(count or 0)))
        months = _effective(default, per_survey.get(survey.id), "verbatims")
        if months:
            cutoff = _cutoff(now, months)
            count = session.scalar(
                select(func.count()).select_from(Answer).where(_open_answers(survey.id, cutoff))
            )
            lines.append(PurgeLine("verbatims", survey.id, title, months, cutoff, int(count or 0)))
    if default.contacts:
        cutoff = _cutoff(now, default.contacts)
        count = session.scalar(select(func.count()).select_from(Person).where(_stale_contacts(cutoff)))
        lines.append(PurgeLine("contacts", None, "", default.contacts, cutoff, int(count or 0)))
    return lines


def purge(session: Session, now: datetime | None = None) -> list[PurgeLine]:
    """Remove what ``plan`` names; return the lines (what was removed)."""
    now = now or utcnow()
    lines = plan(session, now)
    for line in lines:
        if not line.count:
            continue
        if line.kind == "responses":
            ids = list(session.scalars(_old_responses(line.survey_id, line.cutoff)))  # type: ignore[arg-type]
            delete_responses(session, ids)
        elif line.kind == "verbatims":
            where = _open_answers(line.survey_id, line.cutoff)  # type: ignore[arg-type]
            keys = session.execute(select(Answer.response_id, Answer.question_id).where(where)).all()
            session.execute(update(Answer).where(where).values(value_text=None))
            for chunk in chunks(sorted({r for r, _q in keys})):
                questions = sorted({q for r, q in keys if r in set(chunk)})
                session.execute(
                    VerbatimAnalysis.__table__.delete().where(
                        VerbatimAnalysis.response_id.in_(chunk), VerbatimAnalysis.question_id.in_(questions)
                    )
                )
                session.execute(update(Case).where(Case.response_id.in_(chunk)).values(resurvey_comment=""))
        else:
            session.execute(
                update(Person)
                .where(_stale_contacts(line.cutoff))
                .values(email=None, external_id=None, name="", attributes={})
            )
    if session.get_bind().dialect.name == "sqlite" and any(
        line.count for line in lines if line.kind in ("responses", "verbatims")
    ):
        # the full-text index keeps deleted words in its segments until they are merged
        session.execute(text("INSERT INTO verbatim_search(verbatim_search) VALUES ('optimize')"))
    session.expire_all()
    return lines


@handler("retention_purge", every=timedelta(hours=24))
def _purge_job(session: Session, _payload: dict[str, Any]) -> None:
    """Each organisation with a retention policy, in turn."""
    system(session)
    organisations = list(
        session.scalars(
            select(Organisation.id).where(Organisation.id.in_(select(RetentionPolicy.organisation_id)))
        )
    )
    for organisation_id in organisations:
        scope(session, organisation_id)
        purge(session)
