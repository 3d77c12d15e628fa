"""The append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from nineplus.core.models import Base, TenantMixin, created, intpk


class AuditEvent(TenantMixin, Base):
    """Who changed what, when, with the state before and after. Rows are never updated or deleted:
    the ORM refuses it and database triggers (see the first migration) refuse it too."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_org_at", "organisation_id", "at"),)

    id: Mapped[intpk]
    at: Mapped[created]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(300))  # a readable label that survives user deletion
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
