"""Journeys, interaction moments, channels, experience values and workshops (DOMAIN sections 1 and 2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nineplus.core.models import Base, TenantMixin, created, intpk

EMOTION_MIN, EMOTION_MAX = -3, 3
_EMOTION = f"BETWEEN {EMOTION_MIN} AND {EMOTION_MAX}"


class Journey(TenantMixin, Base):
    __tablename__ = "journeys"
    __table_args__ = (CheckConstraint(f"start_feeling {_EMOTION}", name="start_feeling"),)

    id: Mapped[intpk]
    name: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    start_feeling: Mapped[int] = mapped_column(SmallInteger, default=0)
    created_at: Mapped[created]
    archived_at: Mapped[datetime | None]

    moments: Mapped[list[Moment]] = relationship(
        lazy="raise", back_populates="journey", order_by="Moment.position"
    )


class Channel(TenantMixin, Base):
    """A channel of the organisation's own, beside the standard list in ``channels.py``."""

    __tablename__ = "channels"

    id: Mapped[intpk]
    name: Mapped[dict[str, str]]
    created_at: Mapped[created]
    archived_at: Mapped[datetime | None]


class Moment(TenantMixin, Base):
    """An interaction moment of a journey; archived (never deleted) once it holds data."""

    __tablename__ = "moments"
    __table_args__ = (
        CheckConstraint("kind IN ('standard', 'potential')", name="kind"),
        CheckConstraint("contact IN ('touchpoint', 'customer_only')", name="contact"),
        CheckConstraint("predictability IN ('scripted', 'faq', 'variable')", name="predictability"),
        CheckConstraint("NOT (channel IS NOT NULL AND channel_id IS NOT NULL)", name="one_channel"),
        Index("ix_moments_journey_position", "journey_id", "position"),
    )

    id: Mapped[intpk]
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    channel: Mapped[str | None] = mapped_column(String(30))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="RESTRICT"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    role_label: Mapped[dict[str, str]] = mapped_column(default=dict)
    predictability: Mapped[str] = mapped_column(String(20), default="faq")
    kind: Mapped[str] = mapped_column(String(20), default="standard")
    contact: Mapped[str] = mapped_column(String(20), default="touchpoint")
    service_guideline: Mapped[dict[str, str]] = mapped_column(default=dict)
    # Words customers use for this moment, per language, comma-separated ("taxatie, taxateur"): a verbatim
    # that uses one is linked to the moment (the moment's own name counts too).
    keywords: Mapped[dict[str, str]] = mapped_column(default=dict)
    created_at: Mapped[created]
    archived_at: Mapped[datetime | None]

    journey: Mapped[Journey] = relationship(lazy="raise", back_populates="moments")


class ExperienceValue(TenantMixin, Base):
    """What the organisation wants every customer to experience (belevingswaarde)."""

    __tablename__ = "experience_values"

    id: Mapped[intpk]
    name: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created]


class Workshop(TenantMixin, Base):
    """A "walk in the customer's shoes" session on one journey."""

    __tablename__ = "workshops"

    id: Mapped[intpk]
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date]
    facilitator: Mapped[str] = mapped_column(String(200), default="")
    participants: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created]

    entries: Mapped[list[WorkshopEntry]] = relationship(lazy="raise", back_populates="workshop")


class WorkshopEntry(TenantMixin, Base):
    """One moment as the workshop saw it: the four questions and the expected emotion."""

    __tablename__ = "workshop_entries"
    __table_args__ = (
        UniqueConstraint("workshop_id", "moment_id"),
        CheckConstraint(f"expected_emotion {_EMOTION}", name="expected_emotion"),
    )

    id: Mapped[intpk]
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    moment_id: Mapped[int] = mapped_column(ForeignKey("moments.id", ondelete="RESTRICT"), index=True)
    wanted: Mapped[str] = mapped_column(Text, default="")
    today: Mapped[str] = mapped_column(Text, default="")
    feeling_today: Mapped[str] = mapped_column(Text, default="")
    quality_view: Mapped[str] = mapped_column(Text, default="")
    expected_emotion: Mapped[int | None] = mapped_column(SmallInteger)

    workshop: Mapped[Workshop] = relationship(lazy="raise", back_populates="entries")


class WalkThrough(TenantMixin, Base):
    """An employee or mystery shopper walks the journey and records, per moment, a feeling and a note.
    Kept apart from customers' responses; drawn as its own curve."""

    __tablename__ = "walk_throughs"
    __table_args__ = (
        CheckConstraint("walker_role IN ('employee', 'mystery_shopper', 'together')", name="walker_role"),
    )

    id: Mapped[intpk]
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"), index=True)
    walker: Mapped[str] = mapped_column(String(200))
    walker_role: Mapped[str] = mapped_column(String(20), default="employee")
    walked_on: Mapped[date]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created]


class WalkThroughEntry(TenantMixin, Base):
    __tablename__ = "walk_through_entries"
    __table_args__ = (
        UniqueConstraint("walk_id", "moment_id"),
        CheckConstraint(f"feeling {_EMOTION}", name="feeling"),
    )

    id: Mapped[intpk]
    walk_id: Mapped[int] = mapped_column(ForeignKey("walk_throughs.id", ondelete="CASCADE"))
    moment_id: Mapped[int] = mapped_column(ForeignKey("moments.id", ondelete="RESTRICT"), index=True)
    feeling: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(Text, default="")
