"""Queries of the accounts capability (the tenancy scoping adds the organisation filter)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.accounts.models import ApiKey, Invitation, Organisation, Team, TeamMembership, User
from nineplus.core.models import utcnow


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.slug == slug))


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def email_taken(session: Session, email: str) -> bool:
    """Whether any organisation has a user with this e-mail address (logins are unique across all).
    A Core query on the session's connection: it deliberately sees every organisation, and reads only
    existence."""
    users_table = User.__table__
    stmt = select(users_table.c.id).where(func.lower(users_table.c.email) == email.strip().lower()).limit(1)
    return session.connection().scalar(stmt) is not None


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(func.lower(User.name))))


def team_ids_of(session: Session, user_id: int) -> frozenset[int]:
    return frozenset(session.scalars(select(TeamMembership.team_id).where(TeamMembership.user_id == user_id)))


def teams(session: Session, only: frozenset[int] | None = None) -> list[Team]:
    stmt = select(Team).order_by(func.lower(Team.name))
    if only is not None:
        stmt = stmt.where(Team.id.in_(only))
    return list(session.scalars(stmt))


def team_members(session: Session, team_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(TeamMembership, TeamMembership.user_id == User.id)
            .where(TeamMembership.team_id == team_id)
            .order_by(func.lower(User.name))
        )
    )


def memberships_by_user(session: Session) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for user_id, team_id in session.execute(select(TeamMembership.user_id, TeamMembership.team_id)):
        out.setdefault(user_id, []).append(team_id)
    return out


def open_invitations(session: Session) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())))
