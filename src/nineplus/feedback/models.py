"""Surveys, their frozen versions and questions, persons, invitations, responses and long-form answers."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from nineplus.core.models import Base, TenantMixin, created, intpk
from nineplus.core.tenancy import ORG_KEY

QUESTION_TYPES = (
    "nps",
    "csat",
    "effort",
    "emotion",
    "start_feeling",
    "single",
    "multiple",
    "text",
    "consent",
)
# What a consent question can ask permission for. Only "yes" grants it; "no" and no answer withhold it.
CONSENT_PURPOSES = (
    "contact",  # to be contacted about the answers (a case's follow-up, asking again after it)
    "link",  # to keep the answers linked to the respondent (without it they are kept unlinked)
)
# The scale each numeric type stores (inclusive); choices and text carry no scale.
SCALES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "effort": (1, 7),
    "emotion": (-3, 3),
    "start_feeling": (-3, 3),
}


class Person(TenantMixin, Base):
    """A customer or employee the organisation may invite; the one place personal data lives."""

    __tablename__ = "persons"
    __table_args__ = (
        UniqueConstraint("organisation_id", "external_id"),
        CheckConstraint("kind IN ('customer', 'employee')", name="kind"),
        Index("ix_persons_org_email", "organisation_id", "email"),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(10), default="customer")
    email: Mapped[str | None] = mapped_column(String(254))
    external_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unsubscribed_at: Mapped[datetime | None]
    # Mail to this address came back for good (a permanent bounce): no invitation goes there until it is
    # corrected.
    bounced_at: Mapped[datetime | None]
    last_invited_at: Mapped[datetime | None]
    created_at: Mapped[created]
    respondent_key: Mapped[RespondentKey] = relationship(
        cascade="all, delete-orphan", lazy="raise", passive_deletes=True
    )


def new_respondent() -> int:
    """A random pseudonym: 63 bits, so that it fits a signed 64-bit column and never repeats in practice."""
    return secrets.randbits(63)


class RespondentKey(TenantMixin, Base):
    """The link between a person and the pseudonym their responses carry, kept apart from both.

    A response holds only its respondent's pseudonym (a random number); so do the analytic store and its
    Parquet exports, with the person's team, attributes and outcomes. Only this table ties a pseudonym to a
    person, and it is read through ``privacy.pseudonyms`` alone: to follow up a case, to re-survey, to
    export or erase one person's data. Every person has one, made with the person."""

    __tablename__ = "respondent_keys"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    respondent: Mapped[int] = mapped_column(BigInteger, unique=True, default=new_respondent)


@event.listens_for(Session, "before_flush")
def _key_new_persons(session: Session, _context: Any, _instances: Any) -> None:
    """Give every new person their pseudonym (in the same flush, so no person is ever without one)."""
    for obj in session.new:
        if isinstance(obj, Person) and "respondent_key" not in obj.__dict__:
            obj.respondent_key = RespondentKey(
                organisation_id=obj.organisation_id or session.info.get(ORG_KEY), respondent=new_respondent()
            )


class Survey(TenantMixin, Base):
    """A questionnaire on a journey: a relationship survey, or a transactional one about one moment."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("audience IN ('customer', 'employee')", name="audience"),
        CheckConstraint("kind IN ('relationship', 'transactional')", name="kind"),
        CheckConstraint("status IN ('draft', 'live', 'closed')", name="status"),
    )

    id: Mapped[intpk]
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="RESTRICT"), index=True)
    moment_id: Mapped[int | None] = mapped_column(ForeignKey("moments.id", ondelete="RESTRICT"))
    audience: Mapped[str] = mapped_column(String(10), default="customer")
    kind: Mapped[str] = mapped_column(String(15), default="relationship")
    title: Mapped[dict[str, str]]
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # The anonymous link's identifier: random, so surveys cannot be enumerated.
    public_key: Mapped[str] = mapped_column(
        String(32), unique=True, default=lambda: secrets.token_urlsafe(16)
    )
    created_at: Mapped[created]


class SurveyVersion(TenantMixin, Base):
    """One agreed measurement protocol. Version 1 is the draft until fielding starts; from then on a
    version is frozen and a change makes the next version (audited, with a reason)."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[intpk]
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    # Sampling frame, exclusions and period: {"frame": str, "excluded_domains": [...], "starts_on": ..., ...}
    protocol: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    frozen_at: Mapped[datetime | None]


class Question(TenantMixin, Base):
    """A question of one survey version; ``key`` stays the same across versions of the survey."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        CheckConstraint("type IN (" + ", ".join(f"'{t}'" for t in QUESTION_TYPES) + ")", name="type"),
    )

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int]
    page: Mapped[int] = mapped_column(default=1)
    type: Mapped[str] = mapped_column(String(20))
    text: Mapped[dict[str, str]]
    help: Mapped[dict[str, str]] = mapped_column(default=dict)
    options: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list
    )  # [{"value": "a", "label": {...}}]
    per_moment: Mapped[bool] = mapped_column(default=False)  # asked once for every moment experienced
    moment_id: Mapped[int | None] = mapped_column(ForeignKey("moments.id", ondelete="RESTRICT"))
    required: Mapped[bool] = mapped_column(default=False)
    # What a consent question asks permission for (CONSENT_PURPOSES), frozen with the version like its
    # wording, so that an answer records what the respondent agreed to. None for other questions.
    purpose: Mapped[str | None] = mapped_column(String(20))


class SurveyInvitation(TenantMixin, Base):
    """A personal, single-use link. The token is NOT NULL and unique, and is used up in the same
    transaction that stores the answers (a used token answers once; a retry of the same submit is
    recognised by its response id)."""

    __tablename__ = "survey_invitations"
    __table_args__ = (Index("ix_survey_invitations_survey_person", "survey_id", "person_id"),)

    id: Mapped[intpk]
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[created]
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    # A delivery status notice came back to this invitation's return address (VERP).
    bounced_at: Mapped[datetime | None]
    bounce_status: Mapped[str | None] = mapped_column(String(10))  # e.g. 5.1.1 (permanent), 4.2.2
    bounce_detail: Mapped[str | None] = mapped_column(String(300))


class Response(TenantMixin, Base):
    """One respondent's answers to one survey version. ``client_id`` makes a retried submit idempotent."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("organisation_id", "client_id"),
        UniqueConstraint("invitation_id"),
        Index("ix_responses_org_survey_submitted", "organisation_id", "survey_id", "submitted_at"),
    )

    id: Mapped[intpk]
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id", ondelete="RESTRICT"))
    # The personal link it is being given through, until it is sent: then the link is let go (the
    # invitation is marked used), so that only the pseudonym ties a submitted response to anyone.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="SET NULL")
    )
    invited: Mapped[bool] = mapped_column(default=False, server_default=false())  # through a personal link
    # The respondent's pseudonym when known (the invited person, or the person an imported row names by
    # customer number or e-mail address): never the person. Links the response to the respondent's
    # attributes and outcomes in the analytics; ``RespondentKey`` alone ties it to the person.
    respondent: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # The respondent's team when they answered (a customer who moves later keeps this response's team).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    moments_experienced: Mapped[list[int]] = mapped_column(JSON, default=list)
    pages_done: Mapped[int] = mapped_column(default=0)  # where a closed tab resumes
    started_at: Mapped[created]
    submitted_at: Mapped[datetime | None]
    # A keyed hash of the sender's network address and browser (never the address itself): lets the
    # honesty checks see a burst of responses from one device without storing who it was.
    source_hash: Mapped[str | None] = mapped_column(String(16))


def _moment_key(context: Any) -> int:
    return context.get_current_parameters().get("moment_id") or 0


class Answer(TenantMixin, Base):
    """One answer in long form: a row per response, question and (where the question asks it per
    moment) moment. Never a column per question.

    The table is clustered on its key (response, question, moment): on SQLite a WITHOUT ROWID table, so
    a response's answers lie together and a bulk import appends instead of filling a surrogate id and
    three secondary indexes. ``moment_key`` is the moment's id, or 0 for a question asked once (a key
    column cannot be NULL); ``moment_id`` keeps the reference to the moment. Answers are read through
    their response (by survey and period), so there is no index on the question or the organisation.
    """

    __tablename__ = "answers"
    __table_args__ = ({"sqlite_with_rowid": False},)

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="RESTRICT"), primary_key=True, autoincrement=False
    )
    moment_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=_moment_key)
    moment_id: Mapped[int | None] = mapped_column(ForeignKey("moments.id", ondelete="RESTRICT"))
    organisation_id: Mapped[int] = mapped_column(  # no index of its own: see above
        ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
    )
    value_int: Mapped[int | None]
    value_text: Mapped[str | None] = mapped_column(Text)
    value_choices: Mapped[list[str] | None] = mapped_column(JSON)
