"""Logging in and out, login sessions, staff invitations and password resets.

Tokens (session cookie, invitation and reset links) are random and stored only as SHA-256 hashes.
Lookups across organisations (login by e-mail, a token from a link) run on a system session; the
principal they produce then scopes everything else.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nineplus.accounts import repository
from nineplus.accounts.models import Invitation, LoginSession, Organisation, PasswordReset, User
from nineplus.accounts.roles import Permission, has_permission
from nineplus.accounts.schemas import AcceptInviteIn, InviteIn, PasswordResetIn
from nineplus.accounts.service import require, set_memberships
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, NotFound, get_or_404
from nineplus.core.i18n import gettext as _
from nineplus.core.i18n import set_locale
from nineplus.core.mail import Email, composer, queue_composed
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.core.security import hash_password, needs_rehash, new_token, token_hash, verify_password
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope
from nineplus.jobs.runner import handler

INVITATION_DAYS = 7
RESET_HOURS = 2
RESET_RESEND_MINUTES = 5


def principal_for(session: Session, user: User) -> Principal:
    return Principal(
        organisation_id=user.organisation_id,
        role=user.role,
        user_id=user.id,
        name=user.name,
        email=user.email,
        team_ids=repository.team_ids_of(session, user.id),
    )


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None. Unknown e-mails cost the same time."""
    user = repository.user_by_email(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def start_session(session: Session, user: User, user_agent: str = "") -> str:
    """Create a login session and return the cookie token."""
    token = new_token()
    session.add(
        LoginSession(
            organisation_id=user.organisation_id,
            user_id=user.id,
            token_hash=token_hash(token),
            expires_at=utcnow() + timedelta(days=get_settings().session_days),
            user_agent=user_agent[:300],
        )
    )
    return token


def principal_from_session(session: Session, token: str) -> Principal | None:
    """Resolve a session cookie to its principal; expired, revoked or deactivated means None."""
    row = session.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    login, user = row
    now = utcnow()
    idle = timedelta(hours=get_settings().session_idle_hours)
    if login.revoked_at is not None or login.expires_at <= now or not user.is_active:
        return None
    if (login.last_seen_at or login.created_at) + idle <= now:
        return None  # idle too long
    if login.last_seen_at is None or now - login.last_seen_at > SEEN_EVERY:
        # Written now and then, and not in this (perhaps read-only) transaction: web.deps does it apart.
        session.info[TOUCH_KEY] = login.id
    return principal_for(session, user)


TOUCH_KEY = "nineplus_touch_session"


def touch(session: Session, login_id: int) -> None:
    """Record that a login session was used just now (its idle expiry counts from here)."""
    session.execute(update(LoginSession).where(LoginSession.id == login_id).values(last_seen_at=utcnow()))


SEEN_EVERY = timedelta(minutes=5)


def sessions_of(session: Session, user_id: int) -> list[LoginSession]:
    """The user's login sessions that are still valid, newest first."""
    now = utcnow()
    found = session.scalars(
        select(LoginSession)
        .where(
            LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None), LoginSession.expires_at > now
        )
        .order_by(LoginSession.id.desc())
    )
    idle = timedelta(hours=get_settings().session_idle_hours)
    return [s for s in found if (s.last_seen_at or s.created_at) + idle > now]


def end_own_sessions(
    session: Session, user_id: int, keep_token: str | None, session_id: int | None = None
) -> int:
    """End one of the user's sessions (``session_id``), or all but the browser's own; return how many."""
    where = [LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)]
    if session_id is not None:
        where.append(LoginSession.id == session_id)
    if keep_token:
        where.append(LoginSession.token_hash != token_hash(keep_token))
    return session.execute(update(LoginSession).where(*where).values(revoked_at=utcnow())).rowcount or 0


def end_session(session: Session, token: str) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == token_hash(token), LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_sessions_of(session: Session, user_id: int) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# Invitations ----------------------------------------------------------------------------------------


def invite(session: Session, actor: Principal, data: InviteIn) -> Invitation:
    """Invite a staff member by e-mail; the link is made when the e-mail is sent."""
    require(actor, Permission.MANAGE_USERS)
    if repository.email_taken(session, data.email):
        raise Invalid({"email": _("A user with this e-mail address already exists.")})
    if any(i.email == data.email.lower() for i in repository.open_invitations(session)):
        raise Invalid(
            {"email": _("This address already has an open invitation. Withdraw it to send a new one.")}
        )
    invitation = Invitation(
        email=data.email.lower(),
        role=data.role,
        team_ids=sorted(set(data.team_ids)),
        token_hash=token_hash(new_token()),  # nobody knows this one; sending the e-mail replaces it
        invited_by_id=actor.user_id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    known = {t.id for t in repository.teams(session)}
    if set(invitation.team_ids) - known:
        raise Invalid({"team_ids": _("Choose teams of your own organisation.")})
    session.add(invitation)
    session.flush()
    record(
        session,
        actor,
        "invitation.created",
        invitation,
        after={"email": invitation.email, "role": invitation.role, "team_ids": invitation.team_ids},
    )
    queue_composed(session, "invitation", {"invitation_id": invitation.id}, actor.organisation_id)
    return invitation


def revoke_invitation(session: Session, actor: Principal, invitation_id: int) -> None:
    require(actor, Permission.MANAGE_USERS)
    invitation = get_or_404(session, Invitation, invitation_id)
    invitation.revoked_at = utcnow()
    record(session, actor, "invitation.revoked", invitation)


def open_invitation(session: Session, token: str) -> Invitation:
    """Find a usable invitation by its token (system session) or raise NotFound."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= utcnow()
    ):
        raise NotFound("invitation")
    inviter = session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    if inviter is not None and (
        not inviter.is_active or not has_permission(inviter.role, Permission.MANAGE_USERS)
    ):
        raise NotFound("invitation")  # an invitation is only as good as its sender's standing
    return invitation


def accept_invitation(session: Session, token: str, data: AcceptInviteIn) -> User:
    """Create the invited user (system session; scoped to the invitation's organisation from here)."""
    invitation = open_invitation(session, token)
    if repository.user_by_email(session, invitation.email) is not None:
        raise Invalid({"__all__": _("A user with this e-mail address already exists.")})
    invitation_id, organisation_id = invitation.id, invitation.organisation_id
    scope(session, organisation_id)
    invitation = session.get_one(Invitation, invitation_id)
    user = User(
        email=invitation.email,
        name=data.name,
        password_hash=hash_password(data.password),
        role=invitation.role,
    )
    session.add(user)
    session.flush()
    set_memberships(session, user, list(invitation.team_ids))
    invitation.accepted_at = utcnow()
    actor = principal_for(session, user)
    record(session, actor, "invitation.accepted", invitation, after={"user_id": user.id, "role": user.role})
    return user


# Password reset -------------------------------------------------------------------------------------


def request_password_reset(session: Session, email: str) -> None:
    """Queue a reset e-mail if the address belongs to an active user; say nothing either way."""
    user = repository.user_by_email(session, email)
    if user is None or not user.is_active:
        return
    recent = session.scalar(
        select(PasswordReset.id).where(
            PasswordReset.user_id == user.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.created_at > utcnow() - timedelta(minutes=RESET_RESEND_MINUTES),
        )
    )
    if recent is not None:
        return  # one link per few minutes: asking again does not flood the inbox
    reset = PasswordReset(
        organisation_id=user.organisation_id,
        user_id=user.id,
        token_hash=token_hash(new_token()),  # replaced by the link's token when the e-mail is sent
        expires_at=utcnow() + timedelta(hours=RESET_HOURS),
    )
    session.add(reset)
    session.flush()
    queue_composed(session, "password_reset", {"reset_id": reset.id}, user.organisation_id)


def use_up_resets(session: Session, user_id: int) -> None:
    """Make every open reset link of the user unusable (after a password change or deactivation)."""
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )


def issue_invitation_link(session: Session, invitation: Invitation) -> str:
    """Give the invitation a fresh token and return its link (the old link stops working)."""
    token = new_token()
    invitation.token_hash = token_hash(token)
    return f"{get_settings().base_url.rstrip('/')}/invite/{token}"


def issue_reset_link(session: Session, reset: PasswordReset) -> str:
    token = new_token()
    reset.token_hash = token_hash(token)
    return f"{get_settings().base_url.rstrip('/')}/password/reset/{token}"


@composer("invitation")
def _invitation_email(session: Session, payload: dict) -> Email | None:
    invitation = session.get(Invitation, payload["invitation_id"])
    if (
        invitation is None
        or invitation.accepted_at
        or invitation.revoked_at
        or invitation.expires_at <= utcnow()
    ):
        return None
    org = session.get_one(Organisation, invitation.organisation_id)
    inviter = session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
    set_locale(org.locale)
    return Email(
        invitation.email,
        _("You are invited to %(org)s on nineplus", org=org.name),
        _(
            "%(name)s invited you to work with customer journeys in nineplus.\n\n"
            "Open this link within %(days)s days to choose your password:\n%(link)s\n",
            name=inviter.name if inviter else org.name,
            days=INVITATION_DAYS,
            link=issue_invitation_link(session, invitation),
        ),
    )


@composer("password_reset")
def _reset_email(session: Session, payload: dict) -> Email | None:
    reset = session.get(PasswordReset, payload["reset_id"])
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    user = session.get_one(User, reset.user_id)
    set_locale(user.locale or session.get_one(Organisation, user.organisation_id).locale)
    return Email(
        user.email,
        _("Reset your nineplus password"),
        _(
            "Someone asked to reset the password of this account. If it was you, open this link within "
            "%(hours)s hours:\n%(link)s\n\nIf it was not you, ignore this e-mail.",
            hours=RESET_HOURS,
            link=issue_reset_link(session, reset),
        ),
    )


def open_reset(session: Session, token: str) -> PasswordReset:
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise NotFound("reset")
    return reset


def reset_password(session: Session, token: str, data: PasswordResetIn) -> User:
    """Set a new password, use up the token and end every open session of the user."""
    reset = open_reset(session, token)
    user = session.get_one(User, reset.user_id)
    user.password_hash = hash_password(data.password)
    use_up_resets(session, user.id)
    revoke_sessions_of(session, user.id)
    scope(session, user.organisation_id)
    record(session, principal_for(session, user), "user.password_reset", user)
    return user


def change_password(session: Session, actor: Principal, current: str, data: PasswordResetIn) -> None:
    """Change one's own password after checking the current one; other sessions are logged out."""
    user = session.get_one(User, actor.user_id)
    if not verify_password(user.password_hash, current):
        raise Invalid({"current_password": _("This is not your current password.")})
    user.password_hash = hash_password(data.password)
    use_up_resets(session, user.id)
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    record(session, actor, "user.password_changed", user)


@handler("purge_expired_tokens", every=timedelta(hours=6))
def _purge_expired(session: Session, _payload: dict) -> None:
    """Delete login sessions, resets and invitations that expired more than a week ago."""
    cutoff = utcnow() - timedelta(days=7)
    for model in (LoginSession, PasswordReset, Invitation):
        for row in session.scalars(select(model).where(model.expires_at < cutoff)):
            session.delete(row)
