"""Webhook endpoints and their outbox: one delivery row per event and endpoint, written in the same
transaction as the event itself, sent (at least once) by the delivery job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nineplus.core.models import Base, TenantMixin, created, intpk

DELIVERY_STATES = ("pending", "delivered", "failed")


class WebhookEndpoint(TenantMixin, Base):
    """Where an organisation wants its events: a URL, the events it subscribes to, and the secret its
    messages are signed with (Standard Webhooks: ``whsec_`` and base64)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[intpk]
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created]


class WebhookDelivery(TenantMixin, Base):
    """One event for one endpoint: the outbox row, and what became of it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[intpk]
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(50))
    # the response a message is about: erasing or purging the response removes the message with it
    response_id: Mapped[int | None] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[created]
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None]
