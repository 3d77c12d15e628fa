"""An import: the uploaded file, its confirmed mapping, and how far checking and storing have come."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nineplus.core.models import Base, TenantMixin, created, intpk

STATUSES = ("mapping", "queued", "checking", "rejected", "storing", "done", "failed")


class DataImport(TenantMixin, Base):
    __tablename__ = "data_imports"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")", name="status"),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(20), default="responses")
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_as: Mapped[str] = mapped_column(String(500))  # the file on the server, under DATA_DIR/imports
    tool: Mapped[str] = mapped_column(String(20), default="plain")
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # header -> target code
    valid_only: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="mapping")
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    valid: Mapped[int] = mapped_column(default=0)
    invalid: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    stored: Mapped[int] = mapped_column(default=0)
    existing: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # the first 500
    message: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created]
    finished_at: Mapped[datetime | None]
