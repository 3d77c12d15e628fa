"""Organisations, users and teams: the rules."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts import repository
from nineplus.accounts.models import Organisation, Team, TeamMembership, User
from nineplus.accounts.roles import Permission
from nineplus.accounts.schemas import RoleChangeIn, TeamIn, UserCreateIn
from nineplus.audit.service import record
from nineplus.core.errors import Forbidden, Invalid, NotFound, get_or_404
from nineplus.core.i18n import gettext as _
from nineplus.core.principal import Principal
from nineplus.core.security import hash_password
from nineplus.core.tenancy import scope


def require(actor: Principal, permission: Permission) -> None:
    """Raise Forbidden unless ``actor`` holds ``permission``."""
    if not actor.can(permission):
        raise Forbidden(permission.value)


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "org"


def create_organisation(
    session: Session, name: str, *, locale: str = "nl", slug: str | None = None
) -> Organisation:
    """Create an organisation and scope ``session`` to it (a system session must call this)."""
    org = Organisation(name=name.strip(), slug=slug or slugify(name), locale=locale)
    session.add(org)
    session.flush()
    scope(session, org.id)
    return org


def create_user(session: Session, data: UserCreateIn, team_ids: list[int] | None = None) -> User:
    """Create a user in the session's organisation (CLI and demo; staff normally join by invitation)."""
    if repository.email_taken(session, data.email):
        raise Invalid({"email": _("A user with this e-mail address already exists.")})
    user = User(
        email=data.email.lower(),
        name=data.name,
        password_hash=hash_password(data.password),
        role=data.role,
        locale=data.locale,
    )
    session.add(user)
    session.flush()
    set_memberships(session, user, team_ids or [])
    return user


def set_memberships(session: Session, user: User, team_ids: list[int]) -> None:
    """Make exactly ``team_ids`` the teams of ``user``."""
    if set(team_ids) - {t.id for t in repository.teams(session)}:
        raise Invalid({"team_ids": _("Choose teams of your own organisation.")})
    current = session.scalars(select(TeamMembership).where(TeamMembership.user_id == user.id))
    _sync(
        session,
        {m.team_id: m for m in current},
        set(team_ids),
        lambda team_id: TeamMembership(user_id=user.id, team_id=team_id),
    )


def _sync(session: Session, current: dict[int, TeamMembership], wanted: set[int], make) -> None:  # type: ignore[no-untyped-def]
    """Delete the memberships not wanted and add the missing ones (keyed by the other side's id)."""
    for key, membership in current.items():
        if key not in wanted:
            session.delete(membership)
    for key in wanted - set(current):
        session.add(make(key))
    session.flush()


def get_user(session: Session, user_id: int) -> User:
    return get_or_404(session, User, user_id)


def change_role(session: Session, actor: Principal, user_id: int, data: RoleChangeIn) -> User:
    require(actor, Permission.MANAGE_USERS)
    user = get_user(session, user_id)
    if user.id == actor.user_id and data.role != "admin":
        raise Invalid({"role": _("You cannot take the admin role from yourself.")})
    before = {"role": user.role}
    user.role = data.role
    record(session, actor, "user.role_changed", user, before=before, after={"role": user.role})
    return user


def set_active(session: Session, actor: Principal, user_id: int, active: bool) -> User:
    require(actor, Permission.MANAGE_USERS)
    user = get_user(session, user_id)
    if user.id == actor.user_id:
        raise Invalid({"__all__": _("You cannot deactivate yourself.")})
    before = {"is_active": user.is_active}
    user.is_active = active
    record(
        session,
        actor,
        "user.activated" if active else "user.deactivated",
        user,
        before=before,
        after={"is_active": active},
    )
    return user


def set_locale(session: Session, user_id: int, locale: str) -> None:
    get_user(session, user_id).locale = locale


# Teams ----------------------------------------------------------------------------------------------


def visible_team_ids(session: Session, actor: Principal) -> frozenset[int] | None:
    """The teams ``actor`` may see: None means all of the organisation's teams."""
    return None if actor.can(Permission.VIEW_ALL_TEAMS) else actor.team_ids


def list_teams(session: Session, actor: Principal) -> list[Team]:
    return repository.teams(session, visible_team_ids(session, actor))


def get_team(session: Session, actor: Principal, team_id: int) -> Team:
    """Return a team the actor may see; another organisation's team, or one not visible, is 404."""
    team = session.get(Team, team_id)
    visible = visible_team_ids(session, actor)
    if team is None or (visible is not None and team.id not in visible):
        raise NotFound("team")
    return team


def create_team(session: Session, actor: Principal, data: TeamIn) -> Team:
    require(actor, Permission.EDIT_TEAMS)
    _check_team_name(session, data.name)
    team = Team(name=data.name, description=data.description.as_dict())
    session.add(team)
    session.flush()
    record(session, actor, "team.created", team, after={"name": team.name})
    return team


def update_team(session: Session, actor: Principal, team_id: int, data: TeamIn) -> Team:
    require(actor, Permission.EDIT_TEAMS)
    team = get_team(session, actor, team_id)
    if data.name != team.name:
        _check_team_name(session, data.name)
    before = {"name": team.name, "description": team.description}
    team.name, team.description = data.name, data.description.as_dict()
    record(
        session,
        actor,
        "team.updated",
        team,
        before=before,
        after={"name": team.name, "description": team.description},
    )
    return team


def set_team_members(session: Session, actor: Principal, team_id: int, user_ids: list[int]) -> Team:
    """Make exactly ``user_ids`` the members of the team (users of the same organisation only)."""
    require(actor, Permission.EDIT_TEAMS)
    team = get_team(session, actor, team_id)
    known = {u.id for u in repository.users(session)}
    if set(user_ids) - known:
        raise Invalid({"member_ids": _("Choose users of your own organisation.")})
    rows = session.scalars(select(TeamMembership).where(TeamMembership.team_id == team.id))
    current = {m.user_id: m for m in rows}
    _sync(
        session,
        dict(current),
        set(user_ids),
        lambda user_id: TeamMembership(user_id=user_id, team_id=team.id),
    )
    if set(current) != set(user_ids):
        record(
            session,
            actor,
            "team.members_changed",
            team,
            before={"member_ids": sorted(current)},
            after={"member_ids": sorted(set(user_ids))},
        )
    session.flush()
    return team


def _check_team_name(session: Session, name: str) -> None:
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise Invalid({"name": _("A team with this name already exists.")})
