"""Closing the loop: the rules that turn a response into a case, the cases and what was done on them;
and the improvement actions at interaction moments.

A case belongs to the team that owns the moment the customer was unhappy about (or, without one, to the
respondent's team); its service level runs in working time (``worktime``). One case per response: a
response that several rules catch opens one case that names every reason.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nineplus.core.models import Base, TenantMixin, UTCDateTime, created, intpk

RULE_KINDS = ("nps", "emotion", "theme", "keyword")
STATUSES = ("open", "in_progress", "closed")
OUTCOMES = ("recovered", "not_recovered")


class CaseRule(TenantMixin, Base):
    """``nps``: an NPS answer of at most ``threshold``; ``emotion``: a feeling of at most ``threshold`` at
    a moment; ``theme``: a comment on theme ``value``; ``keyword``: a comment holding a form of ``value``.
    A rule applies to responses submitted after ``applies_from`` (a new rule does not open cases for
    the whole history)."""

    __tablename__ = "case_rules"

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(12))
    threshold: Mapped[int | None]
    value: Mapped[str | None] = mapped_column(String(100))
    service_hours: Mapped[int] = mapped_column(default=16)  # working hours to the first contact
    active: Mapped[bool] = mapped_column(default=True)
    applies_from: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    created_at: Mapped[created]


class Case(TenantMixin, Base):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("response_id"),)

    id: Mapped[intpk]
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("case_rules.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    moment_id: Mapped[int | None] = mapped_column(ForeignKey("moments.id", ondelete="SET NULL"))
    reasons: Mapped[list[str]] = mapped_column(
        JSON, default=list
    )  # what caught it, in words of the rule ("nps:3", "emotion:-3:12", ...)
    status: Mapped[str] = mapped_column(String(12), default="open")
    outcome: Mapped[str | None] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))  # overdue, told
    # The re-survey after recovery: asked for when closing as won back, sent some days later, answered
    # once through a signed link; its score stays with the case, apart from the survey's own scores.
    resurvey_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    resurvey_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    resurvey_score: Mapped[int | None]
    resurvey_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    resurveyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class CaseNote(TenantMixin, Base):
    """Something done or said on a case: a note, a change of status, its outcome."""

    __tablename__ = "case_notes"

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12), default="note")  # note, status, outcome
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created]


class CaseScan(TenantMixin, Base):
    """How far the case rules have looked: responses submitted up to this moment were checked."""

    __tablename__ = "case_scans"
    __table_args__ = (UniqueConstraint("organisation_id"),)

    id: Mapped[intpk]
    checked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


ACTION_STATUSES = ("plan", "do", "check", "act")


class ImprovementAction(TenantMixin, Base):
    """An improvement at an interaction moment: what is done (the action) and why (the goal), who does it
    and who answers for it, the team, when, where it stands in plan-do-check-act, and what motivated it
    (cases, themes). ``min_effect_*``: the smallest change in the moment's score worth detecting, which
    the effect measurement uses (default 5 NPS points, 0.3 on the feeling scale)."""

    __tablename__ = "improvement_actions"

    id: Mapped[intpk]
    moment_id: Mapped[int | None] = mapped_column(ForeignKey("moments.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(200), default="")  # who carries it out
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(8), default="plan")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_effect_nps: Mapped[float] = mapped_column(Float, default=5.0)
    min_effect_emotion: Mapped[float] = mapped_column(Float, default=0.3)
    created_at: Mapped[created]


class ActionCase(TenantMixin, Base):
    """A case that motivated an action."""

    __tablename__ = "action_cases"

    action_id: Mapped[int] = mapped_column(
        ForeignKey("improvement_actions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, autoincrement=False, index=True
    )


class GrowthTarget(TenantMixin, Base):
    """A team's growth target for a period: its own baseline (the NPS of its customers in the months
    before the period, with how many answered), the basic level below which a team first needs its basics
    (and gets a steeper target), and the NPS it aims for by the period's end. Never one absolute score for
    all teams."""

    __tablename__ = "growth_targets"
    __table_args__ = (UniqueConstraint("team_id", "starts_on"),)

    id: Mapped[intpk]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    baseline: Mapped[float | None] = mapped_column(Float)  # NPS points; None: no answers before the period
    baseline_n: Mapped[int] = mapped_column(default=0)
    baseline_until: Mapped[date | None]  # the last day the baseline covers (before the start: so far)
    basic_level: Mapped[float] = mapped_column(Float, default=0.0)
    target: Mapped[float] = mapped_column(Float)
    steeper: Mapped[bool] = mapped_column(default=False)  # the baseline was below the basic level
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created]


class BoardLink(TenantMixin, Base):
    """A link that opens one team's board on a screen without logging in (the TV in the team's room):
    only its hash is kept; it shows that board and nothing else, until it is revoked."""

    __tablename__ = "board_links"

    id: Mapped[intpk]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created]
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(timezone=True))


class BoardDigest(TenantMixin, Base):
    """That a team's weekly digest for the week starting ``week`` was sent (one per team and week)."""

    __tablename__ = "board_digests"
    __table_args__ = (UniqueConstraint("team_id", "week"),)

    id: Mapped[intpk]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    week: Mapped[date]
    sent_at: Mapped[created]
