"""Persons, personal invitation tokens and the storing of answers.

A personal token is NOT NULL and unique, is stored as a hash, and is used up by a conditional UPDATE in
the same transaction that stores the final answers: of two submits that race, one wins and the other is
told the survey was already answered. A retried submit carries the same client id and is recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nineplus.accounts.models import Organisation, Team
from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.core import metrics
from nineplus.core.errors import Conflict, Invalid, NotFound, get_or_404
from nineplus.core.i18n import N_, set_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.mail import Email, composer, queue_composed
from nineplus.core.models import localized, utcnow
from nineplus.core.principal import Principal
from nineplus.core.security import constant_time_equals, id_of_signed, new_token, sign, signed_id, token_hash
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.feedback import bounces, service
from nineplus.feedback.models import (
    SCALES,
    Answer,
    Person,
    Question,
    Response,
    Survey,
    SurveyInvitation,
    SurveyVersion,
)
from nineplus.feedback.schemas import AnswerIn, PersonIn, SubmitIn
from nineplus.journeys.repository import moments as journey_moments
from nineplus.privacy import consent, pseudonyms

INVITATION_DAYS = 30
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # removed from text answers (a regex class)
_CONTROL = re.compile(CONTROL_CHARACTERS)
TEXT_LIMIT = 5000  # characters of a text answer


class AlreadyAnswered(Conflict):
    """This personal link has been used to answer already."""


def create_person(session: Session, actor: Principal, data: PersonIn) -> Person:
    require(actor, Permission.MANAGE_SURVEYS)
    if data.team_id is not None and session.get(Team, data.team_id) is None:
        raise Invalid({"team_id": _("Choose a team of your own organisation.")})
    if data.external_id and session.scalar(select(Person.id).where(Person.external_id == data.external_id)):
        raise Invalid({"external_id": _("Another person has this external id.")})
    person = new_person(data)
    session.add(person)
    session.flush()
    return person


def new_person(data: PersonIn) -> Person:
    """The row for a validated person (the address kept in lower case)."""
    return Person(
        kind=data.kind,
        email=data.email.lower() if data.email else None,
        external_id=data.external_id,
        name=data.name,
        team_id=data.team_id,
        attributes=data.attributes,
    )


def invite(
    session: Session, actor: Principal, survey_id: int, person_id: int, now: datetime | None = None
) -> tuple[SurveyInvitation, str]:
    """Make a personal single-use link for a person, under the survey's frozen protocol."""
    require(actor, Permission.MANAGE_SURVEYS)
    now = now or utcnow()
    survey = service.get_survey(session, survey_id)
    person = get_or_404(session, Person, person_id)
    if survey.status != "live":
        raise Invalid({"__all__": _("Only a survey that is being fielded can invite.")})
    version = service.current_version(session, survey.id)
    if service.is_anonymous(version):
        raise Invalid({"__all__": _("An anonymous survey is answered through its anonymous link only.")})
    protocol = version.protocol
    reason = refusal(person, protocol, now)
    if reason is not None:
        raise Invalid({"person_id": refusal_message(reason, protocol)})
    return make_invitation(session, survey, protocol, person, now)


def make_invitation(
    session: Session, survey: Survey, protocol: dict[str, Any], person: Person, now: datetime
) -> tuple[SurveyInvitation, str]:
    """The invitation row and its link's token, and the reminder the protocol asks for. The caller has
    checked the person against the protocol (``refusal``)."""
    invitation = SurveyInvitation(
        survey_id=survey.id,
        person_id=person.id,
        token_hash=token_hash(new_token()),  # replaced below, once the row has its id
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    person.last_invited_at = now
    session.add(invitation)
    session.flush()
    token = invitation_token(invitation)
    invitation.token_hash = token_hash(token)
    reminder_days = int(protocol.get("reminder_days", 0))
    if reminder_days:
        queue_composed(
            session,
            "survey_reminder",
            {"invitation_id": invitation.id},
            survey.organisation_id,
            run_at=now + timedelta(days=reminder_days),
        )
    return invitation, token


@dataclass(frozen=True, slots=True)
class QuestionView:
    """What validating answers needs of a question, as plain values: read a thousand times a second by
    the public endpoint and a million times by an import, where an ORM attribute costs ten times more."""

    id: int
    key: str
    type: str
    options: list[dict[str, Any]]
    per_moment: bool
    moment_id: int | None
    required: bool
    text: dict[str, str]
    purpose: str | None = None  # a consent question's

    @staticmethod
    def of(question: Question) -> QuestionView:
        return QuestionView(
            question.id,
            question.key,
            question.type,
            list(question.options or []),
            question.per_moment,
            question.moment_id,
            question.required,
            dict(question.text or {}),
            question.purpose,
        )


REFUSALS = ("unsubscribed", "bounced", "excluded", "recently", "no_email")
REFUSAL_LABELS = {  # short, for counts ("not invited: unsubscribed 2, ...")
    "unsubscribed": N_("unsubscribed"),
    "bounced": N_("address bounced"),
    "excluded": N_("excluded domain"),
    "recently": N_("invited recently"),
    "no_email": N_("no e-mail address"),
}


def refusal(person: Person, protocol: dict[str, Any], now: datetime) -> str | None:
    """Why the protocol does not let this person be invited now (one of REFUSALS), or None."""
    if person.unsubscribed_at is not None:
        return "unsubscribed"
    if person.bounced_at is not None:
        return "bounced"
    domain = (person.email or "").rpartition("@")[2]
    if domain and domain in protocol.get("excluded_domains", []):
        return "excluded"
    days = int(protocol.get("contact_days", 0))
    if person.last_invited_at is not None and days and person.last_invited_at > now - timedelta(days=days):
        return "recently"
    return None


def refusal_message(reason: str, protocol: dict[str, Any]) -> str:
    return {
        "unsubscribed": _("This person has unsubscribed from surveys."),
        "bounced": _("Mail to this address bounced; correct the address first."),
        "excluded": _("This address is excluded by the survey's protocol."),
        "recently": _(
            "This person was invited less than %(days)s days ago.", days=protocol.get("contact_days", 0)
        ),
        "no_email": _("This person has no e-mail address."),
    }[reason]


def invitation_token(invitation: SurveyInvitation) -> str:
    """The link's token: derived from the row and the server's secret key, so the invitation and the
    reminder carry the same link, while the database alone (a backup, a replica) holds only its hash."""
    secret = get_settings().resolved_secret_key()
    return sign(secret, f"survey-invitation:{invitation.organisation_id}:{invitation.id}")[:43]


def unsubscribe_token(person: Person) -> str:
    return signed_id("unsubscribe", person.organisation_id, person.id)


def person_of_unsubscribe(session: Session, token: str) -> Person:
    """The person an unsubscribe link names (a system session), or NotFound."""
    person_id = id_of_signed(token)
    person = session.get(Person, person_id) if person_id is not None else None
    if person is None or not constant_time_equals(unsubscribe_token(person), token):
        raise NotFound("person")
    return person


def unsubscribe(session: Session, person: Person) -> None:
    """Honour an unsubscribe: no invitation or reminder reaches this person again."""
    if person.unsubscribed_at is None:
        person.unsubscribed_at = utcnow()


def survey_by_key(session: Session, key: str) -> Survey:
    """The survey behind an anonymous link's key, with the session scoped to its organisation (the key
    names no organisation, so the lookup is a system step); NotFound for an unknown key."""
    system(session)
    found = session.scalar(select(Survey).where(Survey.public_key == key))
    if found is None:
        raise NotFound("survey")
    survey_id, organisation_id = found.id, found.organisation_id
    scope(session, organisation_id)
    return session.get_one(Survey, survey_id)


def find_invitation(session: Session, token: str) -> SurveyInvitation:
    """The invitation a link's token belongs to (a system session: the link names no organisation)."""
    invitation = session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.token_hash == token_hash(token))
    )
    if invitation is None:
        raise NotFound("survey_invitation")
    return invitation


def check_value(question: Question, value: Any) -> dict[str, Any]:
    """Validate one answer value against its question; return the columns to store."""
    if value is None or value == "" or value == []:
        return {}
    if question.type in SCALES:
        low, high = SCALES[question.type]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | str)
            or not str(value).lstrip("-").isdigit()
        ):
            raise Invalid({f"q{question.id}": _("Enter a whole number.")})
        number = int(value)
        if not low <= number <= high:
            raise Invalid(
                {f"q{question.id}": _("Choose a value from %(low)s to %(high)s.", low=low, high=high)}
            )
        return {"value_int": number}
    allowed = {o["value"] for o in question.options}
    if question.type == "single":
        if not isinstance(value, str) or value not in allowed:
            raise Invalid({f"q{question.id}": _("Choose one of the listed options.")})
        return {"value_choices": [value]}
    if question.type == "multiple":
        chosen = value if isinstance(value, list) else [value]
        if (
            not all(isinstance(c, str) for c in chosen)
            or not set(chosen) <= allowed
            or len(set(chosen)) != len(chosen)
        ):
            raise Invalid({f"q{question.id}": _("Choose one of the listed options.")})
        return {"value_choices": chosen}
    if question.type == "consent":
        if str(value) not in ("yes", "no"):
            raise Invalid({f"q{question.id}": _("Choose one of the listed options.")})
        return {"value_text": str(value)}
    text = _CONTROL.sub("", str(value)).strip()  # control characters break exports and mean nothing
    if len(text) > TEXT_LIMIT:
        raise Invalid({f"q{question.id}": _("Use at most %(max)s characters.", max=TEXT_LIMIT)})
    return {"value_text": text}


def answer_value(answer: Answer, kind: str) -> int | str | list[str] | None:
    """An answer's value as its question type gives it: a number, a text, or the choice(s)."""
    if answer.value_int is not None:
        return answer.value_int
    if answer.value_choices is not None:
        return answer.value_choices if kind == "multiple" else answer.value_choices[0]
    return answer.value_text


def asked(question: Question, experienced: list[int]) -> list[int | None]:
    """The moments a question is asked for, given the moments the respondent went through (routing)."""
    if question.per_moment:
        return list(experienced)
    if question.moment_id is not None:
        return [question.moment_id] if question.moment_id in experienced or not experienced else []
    return [None]


def _through(session: Session, response: Response, invitation: SurveyInvitation) -> bool:
    """Whether ``response`` may be given (or retried) through ``invitation``: it is being given through
    it, or was sent through it (a sent response keeps only its respondent's pseudonym), or came through
    no personal link at all."""
    if response.invitation_id is not None:
        return response.invitation_id == invitation.id
    if not response.invited:
        return True
    return response.respondent == pseudonyms.respondent_of(session, invitation.person_id)


def _response_for(
    session: Session, survey: Survey, invitation: SurveyInvitation | None, data: SubmitIn
) -> Response:
    existing = session.scalar(select(Response).where(Response.client_id == data.client_id))
    if existing is not None:
        if invitation and not _through(session, existing, invitation):
            if existing.submitted_at is not None and invitation.used_at is not None:
                # sent, and no longer tied to anyone (no permission to link): a retry, or another tab
                raise AlreadyAnswered("survey_invitation")
            raise Invalid({"client_id": _("This response belongs to another survey.")})
        if existing.survey_id != survey.id:
            raise Invalid({"client_id": _("This response belongs to another survey.")})
        return existing
    if invitation is not None:
        if invitation.used_at is not None:  # locked by ``submit``: sent already
            raise AlreadyAnswered("survey_invitation")
        earlier = session.scalar(select(Response).where(Response.invitation_id == invitation.id))
        if earlier is not None:
            if earlier.submitted_at is not None:
                raise AlreadyAnswered("survey_invitation")
            return earlier  # the same link, another device or a closed tab: carry on where it stopped
    person = session.get_one(Person, invitation.person_id) if invitation else None
    response = Response(
        survey_id=survey.id,
        version_id=service.current_version(session, survey.id).id,
        invitation_id=invitation.id if invitation else None,
        invited=invitation is not None,
        **pseudonyms.given_by(session, person),
        client_id=data.client_id,
        locale=data.locale,
    )
    try:
        with session.begin_nested():
            session.add(response)
    except IntegrityError:
        raise AlreadyAnswered("survey_invitation") from None  # a concurrent submit took this link first
    return response


def submit(
    session: Session, survey_id: int, data: SubmitIn, token: str | None = None, source: str | None = None
) -> Response:
    """Store one page of answers (and, with ``final``, submit). The caller's transaction commits it;
    the respondent is thanked only after that commit."""
    survey = service.get_survey(session, survey_id)
    if survey.status != "live":
        raise Invalid({"__all__": _("This survey is not open for answers.")})
    invitation = None
    if token is not None:
        invitation = find_invitation(session, token)
        if invitation.survey_id != survey.id:
            raise NotFound("survey_invitation")
        if invitation.expires_at <= utcnow():
            raise Invalid({"__all__": _("This link has expired.")})
        # Locked (on PostgreSQL) until this transaction ends, before any response is read: a page from a
        # second device waits while another sends the last one, then finds it sent. (A sent response no
        # longer names its invitation, so the unique invitation id cannot stop a second response alone.)
        session.refresh(invitation, with_for_update=True)
    response = _response_for(session, survey, invitation, data)
    anonymous = service.is_anonymous(session.get_one(SurveyVersion, response.version_id))
    if anonymous and invitation is not None:
        raise Invalid({"__all__": _("An anonymous survey is answered through its anonymous link only.")})
    if source and not response.source_hash and not anonymous:
        response.source_hash = source
    zone = session.get_one(Organisation, survey.organisation_id).timezone
    if anonymous:
        response.started_at = service.day_of(response.started_at or utcnow(), zone)
    if response.submitted_at is not None:
        return response  # a retry of a submit that already went through: same answer, nothing stored twice
    if data.moments_experienced is not None:
        known = {m.id for m in journey_moments(session, survey.journey_id)}
        if not set(data.moments_experienced) <= known:
            raise Invalid({"moments_experienced": _("Choose moments of this journey.")})
        response.moments_experienced = sorted(set(data.moments_experienced))
    by_id = {q.id: q for q in service.questions(session, response.version_id)}
    _store_answers(session, response, by_id, data.answers)
    response.pages_done = max(response.pages_done, data.page)
    if data.final:
        _finish(session, response, by_id, invitation)
    session.flush()
    return response


AnswerKey = tuple[int, int | None]  # (question id, moment id or None)


def answer_field(question_id: int, moment_id: int | None) -> str:
    return f"q{question_id}" if moment_id is None else f"q{question_id}.m{moment_id}"


def checked_answers(
    by_id: dict[int, Question], experienced: list[int], answers: list[AnswerIn]
) -> dict[AnswerKey, dict[str, Any]]:
    """Validate answers against their version's questions and the routing; return the columns to store
    per (question, moment). An empty dict of columns means the answer was cleared."""
    rows: dict[AnswerKey, dict[str, Any]] = {}
    for item in answers:
        question = by_id.get(item.question_id)
        if question is None:
            raise Invalid({"answers": _("An answer names a question this survey does not ask.")})
        name = answer_field(question.id, item.moment_id)
        if item.moment_id not in asked(question, experienced):
            raise Invalid({name: _("This question is not asked for that moment.")})
        try:
            rows[(question.id, item.moment_id)] = check_value(question, item.value)
        except Invalid as exc:
            raise Invalid({name: next(iter(exc.errors.values()))}) from None
    return rows


def missing_required(
    by_id: dict[int, Question], experienced: list[int], given: set[AnswerKey]
) -> dict[str, str]:
    """The required answers (per moment where routed so) that ``given`` lacks, as field errors."""
    return {
        answer_field(q.id, moment_id): _("This field is required.")
        for q in by_id.values()
        if q.required
        for moment_id in asked(q, experienced)
        if (q.id, moment_id) not in given
    }


def _store_answers(
    session: Session, response: Response, by_id: dict[int, Question], answers: list[AnswerIn]
) -> None:
    rows = checked_answers(by_id, response.moments_experienced, answers)
    for (question_id, moment_id), values in rows.items():
        condition = (Answer.response_id == response.id) & (Answer.question_id == question_id)
        condition &= Answer.moment_id.is_(None) if moment_id is None else Answer.moment_id == moment_id
        session.execute(delete(Answer).where(condition))
        if values:
            session.add(
                Answer(
                    response_id=response.id,
                    question_id=question_id,
                    moment_id=moment_id,
                    moment_key=moment_id or 0,
                    **values,
                )
            )


def _finish(
    session: Session, response: Response, by_id: dict[int, Question], invitation: SurveyInvitation | None
) -> None:
    session.flush()
    given = {
        (a.question_id, a.moment_id)
        for a in session.scalars(select(Answer).where(Answer.response_id == response.id))
    }
    missing = missing_required(by_id, response.moments_experienced, given)
    if missing:
        raise Invalid(missing)
    if invitation is not None:
        used = session.execute(
            update(SurveyInvitation)
            .where(SurveyInvitation.id == invitation.id, SurveyInvitation.used_at.is_(None))
            # the day only: the exact moment would pair the invitation with its response again
            .values(used_at=utcnow().replace(hour=0, minute=0, second=0, microsecond=0))
        ).rowcount
        if used != 1:
            raise AlreadyAnswered("survey_invitation")
        response.invitation_id = None  # answered: the invitation no longer leads to the response
    asks_link = any(q.type == "consent" and q.purpose == "link" for q in by_id.values())
    if response.respondent is not None and asks_link and not consent.granted(session, response.id, "link"):
        _unlink(session, response, by_id)  # (the public link's hot path asks nothing more of the database)
    anonymous = service.is_anonymous(session.get_one(SurveyVersion, response.version_id))
    zone = session.get_one(Organisation, response.organisation_id).timezone
    response.submitted_at = service.day_of(utcnow(), zone) if anonymous else utcnow()
    metrics.after_commit(session, lambda: metrics.responses_stored(1, "web"))
    from nineplus.webhooks.outbox import emit_response

    session.flush()
    emit_response(session, response)  # into the outbox, in this transaction


def _unlink(session: Session, response: Response, by_id: dict[int, Question]) -> None:
    """Keep the response but tie it to no one: the respondent did not agree to the link. Their own name
    is masked in their words first (the text analysis, which masks it otherwise, will not know it)."""
    from nineplus.text.masking import mask

    person = pseudonyms.person_of(session, response.respondent)
    if person is not None and person.name.strip():
        texts = [q.id for q in by_id.values() if q.type == "text"]
        for answer in session.scalars(
            select(Answer).where(Answer.response_id == response.id, Answer.question_id.in_(texts))
        ):
            if answer.value_text:
                answer.value_text = mask(answer.value_text, response.locale or "nl", [person.name]).text
    response.respondent = None


def invite_by_email(
    session: Session, actor: Principal, survey_id: int, email: str, name: str = ""
) -> SurveyInvitation:
    """Invite an address (a known person, or a new customer) and queue the e-mail with the link."""
    person = session.scalar(select(Person).where(Person.email == email.strip().lower()))
    if person is None:
        person = create_person(session, actor, PersonIn(email=email, name=name))
    invitation, _token = invite(session, actor, survey_id, person.id)
    queue_composed(session, "survey_invitation", {"invitation_id": invitation.id}, actor.organisation_id)
    return invitation


@composer("survey_invitation")
def _survey_email(session: Session, payload: dict[str, Any]) -> Email | None:
    return _survey_mail(session, payload, reminder=False)


@composer("survey_reminder")
def _survey_reminder(session: Session, payload: dict[str, Any]) -> Email | None:
    return _survey_mail(session, payload, reminder=True)


def _survey_mail(session: Session, payload: dict[str, Any], *, reminder: bool) -> Email | None:
    invitation = session.get(SurveyInvitation, payload["invitation_id"])
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
        return None
    person = session.get_one(Person, invitation.person_id)
    survey = session.get_one(Survey, invitation.survey_id)
    if person.email is None or person.unsubscribed_at or person.bounced_at or survey.status != "live":
        return None
    organisation = session.get_one(Organisation, invitation.organisation_id)
    set_locale(organisation.locale)
    base = get_settings().base_url.rstrip("/")
    link = f"{base}/r/{invitation_token(invitation)}"
    if not reminder:
        invitation.sent_at = utcnow()
    subject = (
        _("A reminder: %(org)s would like to hear from you", org=organisation.name)
        if reminder
        else _("%(org)s would like to hear from you", org=organisation.name)
    )
    body = _(
        "%(title)s\n\nWould you tell us how it went? It takes about two minutes:\n%(link)s\n\n"
        "The link is personal and works until %(date)s.",
        title=localized(survey.title, organisation.locale),
        link=link,
        date=invitation.expires_at.date().isoformat(),
    )
    body += "\n\n" + _("No more surveys from us? %(link)s", link=f"{base}/u/{unsubscribe_token(person)}")
    return Email(person.email, subject, body, return_path=bounces.return_path(invitation))
