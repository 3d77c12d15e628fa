"""Organisations, teams, users, invitations, login sessions, password resets and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nineplus.accounts.roles import ROLES
from nineplus.core.models import Base, TenantMixin, created, intpk, name_str

_ROLE_CHECK = "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[intpk]
    name: Mapped[name_str]
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Amsterdam")
    created_at: Mapped[created]


class Team(TenantMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[intpk]
    name: Mapped[name_str]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    created_at: Mapped[created]


class User(TenantMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="role"),)

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[name_str]
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str | None] = mapped_column(String(5))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created]
    last_login_at: Mapped[datetime | None]
    # "<issuer> <subject>" of the single sign-on account this user logs in with (None: not linked)
    sso_subject: Mapped[str | None] = mapped_column(String(400))

    memberships: Mapped[list[TeamMembership]] = relationship(lazy="raise", back_populates="user")


class TeamMembership(TenantMixin, Base):
    __tablename__ = "team_memberships"
    __table_args__ = (UniqueConstraint("user_id", "team_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship(lazy="raise", back_populates="memberships")
    team: Mapped[Team] = relationship(lazy="raise")


class Invitation(TenantMixin, Base):
    """A staff member invited by e-mail; the token is stored hashed and works once."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="role"),)

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    team_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginSession(TenantMixin, Base):
    """A browser login; the cookie holds a random token, the table only its hash, so it can be revoked."""

    __tablename__ = "login_sessions"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    # the last request made with it (kept to within SEEN_EVERY): a session idle too long has expired
    last_seen_at: Mapped[datetime | None]


class PasswordReset(TenantMixin, Base):
    __tablename__ = "password_resets"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApiKey(TenantMixin, Base):
    """An organisation's key for /api/v1; shown once, stored as a hash, revocable."""

    __tablename__ = "api_keys"

    id: Mapped[intpk]
    name: Mapped[name_str]
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
