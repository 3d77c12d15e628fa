"""A scan run: one instrument (at one version) answered by the organisation's employees and managers.

Anonymous by default: an answer is stored with its role and department only; the invitation (its token)
records that it was used, and on which day, never which answer it gave. Days, not moments, so that the
order of use and of answers cannot be matched either. A named run keeps the person with the answer.

What stays: on PostgreSQL the link's use and the answer are written in one transaction, so someone who can
read the database's system columns could pair them; and a team with one manager is one person by team and
role alone, which the minimum group on every breakdown guards.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from nineplus.core.models import Base, TenantMixin, UTCDateTime, created, intpk

ROLES = ("employee", "manager")


class ScanRun(TenantMixin, Base):
    __tablename__ = "scan_runs"

    id: Mapped[intpk]
    instrument: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    anonymous: Mapped[bool] = mapped_column(default=True)
    min_group: Mapped[int] = mapped_column(default=5)  # no score of fewer respondents is shown
    status: Mapped[str] = mapped_column(String(8), default="open")  # open, closed
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("scan_runs.id", ondelete="SET NULL"))
    teams: Mapped[list[int]] = mapped_column(JSON, default=list)  # the departments asked
    # Answered through one shared link for everyone instead of personal links: nobody is e-mailed, the
    # respondents say their role and department, and the results are not broken down (anyone with the
    # link can answer more than once, so a breakdown could be filled up to its minimum on purpose).
    open_link: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class ScanInvitation(TenantMixin, Base):
    """A personal single-use link to a run: to an employee (a person) or a manager (a user)."""

    __tablename__ = "scan_invitations"

    id: Mapped[intpk]
    run_id: Mapped[int] = mapped_column(ForeignKey("scan_runs.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    used_on: Mapped[date | None]


class ScanAnswer(TenantMixin, Base):
    """One respondent's answers (item key -> point on the scale), with the role and the department. Its id
    is random, not a sequence, so that the order of answers cannot be matched to the order of the links
    used (in a server log, say)."""

    __tablename__ = "scan_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid4().hex)
    run_id: Mapped[int] = mapped_column(ForeignKey("scan_runs.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))  # named runs
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # named runs
    submitted_on: Mapped[date]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
