"""Erasure receipts and retention policies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nineplus.core.models import Base, TenantMixin, UTCDateTime, created, intpk


class ErasureRequest(TenantMixin, Base):
    """One erasure, and its receipt. It keeps what was asked only as a keyed hash (HMAC with the server's
    secret) of the e-mail address or external id, so that the erasure can be applied again to a restored
    backup (``reapply``) without the register itself holding the identifier."""

    __tablename__ = "erasure_requests"
    __table_args__ = (UniqueConstraint("receipt"),)

    id: Mapped[intpk]
    receipt: Mapped[str] = mapped_column(String(24))  # the number the requester is given
    identifier_kind: Mapped[str] = mapped_column(String(12))  # email, external_id
    identifier_hash: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(1000), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[created]
    # what each store gave up: {"persons": 1, "responses": 3, ..., "analytic_store": {...}}
    removed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the analytic store and its Parquet export are cleared by a job after the row store's commit
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class RetentionPolicy(TenantMixin, Base):
    """How long the organisation keeps responses, the customers' own words and contact data (months;
    None keeps them). ``survey_id`` None is the organisation's default; a survey's row overrides it for
    responses and words."""

    __tablename__ = "retention_policies"
    __table_args__ = (UniqueConstraint("organisation_id", "scope_key"),)

    id: Mapped[intpk]
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    # "organisation" or "survey:<id>": NOT NULL, so the unique constraint holds for the default row too
    # (NULL is not equal to NULL in a unique index)
    scope_key: Mapped[str] = mapped_column(String(40))
    responses_months: Mapped[int | None]
    verbatims_months: Mapped[int | None]
    contacts_months: Mapped[int | None]  # the organisation's row only
    # why these periods (the record of processing asks for it), e.g. "tax law: 7 years"
    basis: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[created]
