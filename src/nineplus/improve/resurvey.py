"""The re-survey after recovery: when a case is closed as won back, its worker may ask the customer again,
DAYS days later, one question: how likely now to recommend the organisation. It is a follow-up to the
customer's own complaint, not a survey invitation, so the survey's contact-frequency rule does not apply;
an unsubscribe or a bounce does. The answer stays with the case (the recovery's effect), never in the
survey's scores, which it would bias: only the unhappy are asked again.

The link is signed with the server's secret (nothing to store), and answers once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nineplus.accounts.models import Organisation
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.i18n import set_locale
from nineplus.core.mail import Email, composer, queue_composed
from nineplus.core.models import utcnow
from nineplus.core.security import constant_time_equals, id_of_signed, signed_id
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.improve import fields
from nineplus.improve.models import Case

DAYS = 7


def _person(session: Session, case: Case) -> Any:
    from nineplus.privacy import pseudonyms

    return pseudonyms.person_of_response(session, case.response_id)


def refusal(session: Session, case: Case) -> str | None:
    """Why this customer cannot be asked again, in words; None when they can."""
    from nineplus.privacy import consent

    if not consent.granted(session, case.response_id, "contact"):
        return _("The customer did not agree to be contacted about their answers.")
    person = _person(session, case)
    if person is None:
        return _("The answers are linked to no customer, so no one can be asked again.")
    if not person.email:
        return _("The customer left no e-mail address, so cannot be asked again.")
    if person.unsubscribed_at is not None:
        return _("The customer asked for no more surveys.")
    if person.bounced_at is not None:
        return _("E-mail to this customer bounced.")
    return None


def ask(session: Session, case: Case, now: datetime) -> None:
    """Plan the re-survey (in the caller's transaction); the e-mail is written when it is sent."""
    case.resurvey_due_at = now + timedelta(days=DAYS)
    payload = {"case_id": case.id, "due": case.resurvey_due_at.isoformat()}
    queue_composed(session, "case_resurvey", payload, case.organisation_id, run_at=case.resurvey_due_at)


def withdraw(case: Case) -> None:
    """A case reopened before the re-survey went out: it does not go out."""
    if case.resurvey_sent_at is None:
        case.resurvey_due_at = None


def token(case: Case) -> str:
    return signed_id("case-resurvey", case.organisation_id, case.id)


def case_of(session: Session, link: str) -> Case:
    """The case a re-survey link names (the session is left scoped to its organisation), or NotFound."""
    system(session)
    case_id = id_of_signed(link)
    case = session.get(Case, case_id) if case_id is not None else None
    if case is None or case.resurvey_sent_at is None or not constant_time_equals(token(case), link):
        raise NotFound("cases")
    scope(session, case.organisation_id)  # (forgets what the system step loaded: read again)
    return session.get_one(Case, case_id)


def opened(session: Session, link: str) -> tuple[Case, str, str]:
    """What a re-survey link opens: the case, the language the customer answered in, the organisation's
    name."""
    from nineplus.feedback.models import Response

    case = case_of(session, link)
    organisation = session.get_one(Organisation, case.organisation_id)
    locale = session.scalar(select(Response.locale).where(Response.id == case.response_id))
    return case, locale or organisation.locale, organisation.name


def answer(session: Session, case: Case, form: dict[str, Any]) -> None:
    """Store the customer's answer once; a score from 0 to 10 is needed, a comment is optional. The answer
    is written only where none is yet, in one statement, so two racing submits store one."""
    if case.resurveyed_at is not None:
        raise Invalid({"score": _("You answered already: thank you.")})
    score = fields.whole(str(form.get("score", "")).strip())
    if score is None or not 0 <= score <= 10:
        raise Invalid({"score": _("Choose a score from 0 to 10.")})
    stored = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.resurveyed_at.is_(None))
        .values(
            resurvey_score=score,
            resurvey_comment=str(form.get("comment", "")).strip()[:2000],
            resurveyed_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if stored != 1:
        raise Invalid({"score": _("You answered already: thank you.")})
    session.refresh(case)


@composer("case_resurvey")
def _resurvey_email(session: Session, payload: dict[str, Any]) -> Email | None:
    from nineplus.feedback.fielding import unsubscribe_token
    from nineplus.feedback.models import Response

    system(session)
    organisation_id = session.scalar(select(Case.organisation_id).where(Case.id == payload["case_id"]))
    if organisation_id is None:
        return None
    scope(session, organisation_id)
    case = session.get_one(Case, payload["case_id"])
    still = case.status == "closed" and case.outcome == "recovered" and case.resurvey_due_at is not None
    # A case closed, reopened and closed again has two of these queued: only the latest plan sends.
    due = datetime.fromisoformat(str(payload.get("due", "1970-01-01T00:00:00+00:00")))
    planned = case.resurvey_due_at == due
    if not still or not planned or case.resurvey_sent_at is not None or refusal(session, case) is not None:
        return None
    person = _person(session, case)
    organisation = session.get_one(Organisation, case.organisation_id)
    locale = session.scalar(select(Response.locale).where(Response.id == case.response_id))
    set_locale(locale or organisation.locale)
    case.resurvey_sent_at = utcnow()
    base = get_settings().base_url.rstrip("/")
    text = "\n\n".join(
        [
            _("Recently you told us you were not happy, and we have been in touch with you since."),
            _(
                "How likely are you now to recommend %(organisation)s to friends or family? One question: "
                "%(link)s",
                organisation=organisation.name,
                link=f"{base}/rs/{token(case)}",
            ),
            _("No more surveys from us: %(link)s", link=f"{base}/u/{unsubscribe_token(person)}"),
            organisation.name,
        ]
    )
    return Email(person.email, _("How are things now?"), text)
