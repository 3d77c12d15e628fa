"""Persisted jobs for the in-process runner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nineplus.core.models import Base, created, intpk

JOB_STATES = ("queued", "running", "done", "failed")


class Job(Base):
    """A unit of background work. Not tenant-scoped: only the runner and the CLI read this table; the
    organisation a job works for travels in ``organisation_id`` and the job scopes its own session."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_state_run_at", "state", "run_at"),
        Index("uq_jobs_dedupe_key", "dedupe_key", unique=True),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_at: Mapped[datetime]
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str] = mapped_column(Text, default="")
    locked_until: Mapped[datetime | None]
    created_at: Mapped[created]
    finished_at: Mapped[datetime | None]
