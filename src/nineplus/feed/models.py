"""What customers did (a mortgage closed, a claim settled), fed in by other systems, and which surveys a
kind of event sends (the transactional survey)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nineplus.core.models import Base, TenantMixin, created, intpk


class SurveyTrigger(TenantMixin, Base):
    """Events of ``event_type`` invite their customer to ``survey_id``, ``delay_hours`` later, under the
    survey's protocol (its contact-frequency rule among it)."""

    __tablename__ = "survey_triggers"
    __table_args__ = (UniqueConstraint("survey_id", "event_type"),)

    id: Mapped[intpk]
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(100))
    delay_hours: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[created]


class CustomerEvent(TenantMixin, Base):
    """One event as it came in, once per ``reference`` (a repeat is recognised, not stored twice), with
    what it led to. Erasing the person erases their events."""

    __tablename__ = "customer_events"
    __table_args__ = (UniqueConstraint("organisation_id", "reference"),)

    id: Mapped[intpk]
    reference: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime]
    received_at: Mapped[created]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(40))  # "invited", "stored", or "not invited: <reason>"
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))
