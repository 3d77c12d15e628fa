"""Surveys and their measurement protocol: design a draft, freeze it when fielding starts, and change a
live survey only by making the next version (audited, with who, when and why)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, get_or_404
from nineplus.core.i18n import gettext as _
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.feedback.models import Question, Survey, SurveyVersion
from nineplus.feedback.schemas import ProtocolIn, QuestionIn, RevisionIn, SurveyIn
from nineplus.journeys.models import Journey, Moment


def get_survey(session: Session, survey_id: int) -> Survey:
    return get_or_404(session, Survey, survey_id)


def versions(session: Session, survey_id: int) -> list[SurveyVersion]:
    stmt = select(SurveyVersion).where(SurveyVersion.survey_id == survey_id).order_by(SurveyVersion.number)
    return list(session.scalars(stmt))


def current_version(session: Session, survey_id: int) -> SurveyVersion:
    stmt = (
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey_id)
        .order_by(SurveyVersion.number.desc())
        .limit(1)
    )
    version = session.scalar(stmt)
    assert version is not None, "every survey has a version from its creation"
    return version


def is_anonymous(version: SurveyVersion) -> bool:
    """Whether the version's protocol is anonymous: no person, device or time of day with a response."""
    return bool((version.protocol or {}).get("anonymous"))


def day_of(moment: datetime, timezone: str = "UTC") -> datetime:
    """An anonymous response's time: the start of its day in the organisation's zone (as a UTC moment),
    so answers cannot be matched to moments of contact and still count on the day they were given."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def questions(session: Session, version_id: int) -> list[Question]:
    stmt = (
        select(Question).where(Question.version_id == version_id).order_by(Question.page, Question.position)
    )
    return list(session.scalars(stmt))


def create_survey(session: Session, actor: Principal, data: SurveyIn) -> Survey:
    """Create a survey with its draft version 1 and the default protocol."""
    require(actor, Permission.MANAGE_SURVEYS)
    journey = get_or_404(session, Journey, data.journey_id)
    if data.moment_id is not None:
        moment = session.get(Moment, data.moment_id)
        if moment is None or moment.journey_id != journey.id:
            raise Invalid({"moment_id": _("Choose a moment of this journey.")})
    survey = Survey(
        journey_id=journey.id,
        moment_id=data.moment_id,
        audience=data.audience,
        kind=data.kind,
        title=data.title.as_dict(),
    )
    session.add(survey)
    session.flush()
    session.add(
        SurveyVersion(
            survey_id=survey.id,
            number=1,
            protocol=ProtocolIn().model_dump(mode="json"),
            created_by_id=actor.user_id,
        )
    )
    session.flush()
    record(session, actor, "survey.created", survey, after={"title": survey.title, "kind": survey.kind})
    return survey


def _draft(session: Session, survey: Survey) -> SurveyVersion:
    version = current_version(session, survey.id)
    if version.frozen_at is not None:
        raise Invalid(
            {"__all__": _("This survey is being fielded: change it by making a new version, with a reason.")}
        )
    return version


def _check_question(session: Session, survey: Survey, data: QuestionIn) -> None:
    if data.per_moment and data.page == 1:
        # Page 1 asks which steps the respondent went through; only a later page can ask about each.
        raise Invalid(
            {"page": _("A question per moment goes on page 2 or later: page 1 asks which steps were taken.")}
        )
    if data.moment_id is not None:
        moment = session.get(Moment, data.moment_id)
        if moment is None or moment.journey_id != survey.journey_id:
            raise Invalid({"moment_id": _("Choose a moment of this journey.")})


def _add(session: Session, version: SurveyVersion, data: QuestionIn, position: int) -> Question:
    question = Question(
        version_id=version.id,
        key=data.key,
        position=position,
        page=data.page,
        type=data.type,
        text=data.text.as_dict(),
        help=data.help.as_dict(),
        options=[{"value": o.value, "label": o.label.as_dict()} for o in data.options],
        per_moment=data.per_moment,
        moment_id=data.moment_id,
        required=data.required,
        purpose=data.purpose,
    )
    session.add(question)
    return question


def add_question(session: Session, actor: Principal, survey_id: int, data: QuestionIn) -> Question:
    """Add a question to the draft (a live survey changes through ``revise``)."""
    require(actor, Permission.MANAGE_SURVEYS)
    survey = get_survey(session, survey_id)
    version = _draft(session, survey)
    _check_question(session, survey, data)
    if any(q.key == data.key for q in questions(session, version.id)):
        raise Invalid({"key": _("Another question of this survey has this key.")})
    position = session.scalar(select(func.count()).where(Question.version_id == version.id)) or 0
    question = _add(session, version, data, position)
    session.flush()
    return question


def set_protocol(session: Session, actor: Principal, survey_id: int, data: ProtocolIn) -> SurveyVersion:
    require(actor, Permission.MANAGE_SURVEYS)
    version = _draft(session, get_survey(session, survey_id))
    version.protocol = data.model_dump(mode="json")
    return version


def start_fielding(session: Session, actor: Principal, survey_id: int) -> Survey:
    """Freeze the draft's protocol and questions and open the survey for answers."""
    require(actor, Permission.MANAGE_SURVEYS)
    survey = get_survey(session, survey_id)
    version = _draft(session, survey)
    if not questions(session, version.id):
        raise Invalid({"__all__": _("Add at least one question before fielding the survey.")})
    _no_consent_when_anonymous(version.protocol, [q.type for q in questions(session, version.id)])
    version.frozen_at = utcnow()
    survey.status = "live"
    record(
        session,
        actor,
        "survey.fielding_started",
        survey,
        after={"version": version.number, "protocol": version.protocol},
    )
    return survey


def _no_consent_when_anonymous(protocol: dict[str, Any], types: list[str]) -> None:
    """An anonymous survey keeps no one to contact or link answers to: asking permission would mislead."""
    if protocol.get("anonymous") and "consent" in types:
        raise Invalid(
            {
                "__all__": _(
                    "An anonymous survey keeps no one to contact or to link answers to: leave out the "
                    "consent question, or make the survey personal."
                )
            }
        )


def close_survey(session: Session, actor: Principal, survey_id: int) -> Survey:
    require(actor, Permission.MANAGE_SURVEYS)
    survey = get_survey(session, survey_id)
    if survey.status == "live":
        survey.status = "closed"
        record(session, actor, "survey.closed", survey)
    return survey


def describe(session: Session, version: SurveyVersion) -> dict[str, Any]:
    """The version's protocol and wording as one JSON-able dict (for the audit log's before and after)."""
    return {
        "number": version.number,
        "protocol": version.protocol,
        "questions": [
            {
                "key": q.key,
                "type": q.type,
                "text": q.text,
                "options": q.options,
                "per_moment": q.per_moment,
                "moment_id": q.moment_id,
                "required": q.required,
                "page": q.page,
                **({"purpose": q.purpose} if q.purpose else {}),
            }
            for q in questions(session, version.id)
        ],
    }


def revise(session: Session, actor: Principal, survey_id: int, data: RevisionIn) -> SurveyVersion:
    """Change a live survey: the new wording and protocol become the next, frozen version. Answers keep
    the version they were given under, so no analysis mixes versions without saying so."""
    require(actor, Permission.MANAGE_SURVEYS)
    survey = get_survey(session, survey_id)
    previous = current_version(session, survey.id)
    if previous.frozen_at is None:
        raise Invalid({"__all__": _("This survey is still a draft: edit it directly.")})
    if len({q.key for q in data.questions}) != len(data.questions):
        raise Invalid({"questions": _("Each question needs its own key.")})
    for index, question in enumerate(data.questions):
        try:
            _check_question(session, survey, question)
        except Invalid as exc:
            raise Invalid({f"questions.{index}.{k}": v for k, v in exc.errors.items()}) from None
    _no_consent_when_anonymous(data.protocol.model_dump(), [q.type for q in data.questions])
    version = SurveyVersion(
        survey_id=survey.id,
        number=previous.number + 1,
        protocol=data.protocol.model_dump(mode="json"),
        reason=data.reason,
        created_by_id=actor.user_id,
        frozen_at=utcnow(),
    )
    session.add(version)
    session.flush()
    for position, question in enumerate(data.questions):
        _add(session, version, question, position)
    session.flush()
    record(
        session,
        actor,
        "survey.revised",
        survey,
        reason=data.reason,
        before=describe(session, previous),
        after=describe(session, version),
    )
    return version
