"""Single sign-on for staff through OpenID Connect (the authorization code flow with PKCE).

The provider is found through its discovery document (``NINEPLUS_OIDC_ISSUER``). The login starts at
``/login/sso``: a random state, nonce and PKCE verifier go into a short-lived cookie signed with the
server's secret, and the browser goes to the provider. The provider sends it back to
``/login/sso/callback`` with a code; the code is exchanged (with the verifier) for an ID token, whose
signature (the provider's published keys), issuer, audience, expiry and nonce are checked. The user is
found by the token's e-mail address in ``NINEPLUS_OIDC_ORGANISATION`` (created on a first login), and
the role comes from the token's claims through ``NINEPLUS_OIDC_ROLE_MAP``: the claims decide, at every
login. Local accounts with a password keep working beside it.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from nineplus.accounts import repository
from nineplus.accounts.models import User
from nineplus.accounts.roles import ROLES
from nineplus.audit.service import record
from nineplus.core.i18n import gettext as _
from nineplus.core.models import utcnow
from nineplus.core.security import constant_time_equals, sign
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system

log = logging.getLogger(__name__)

COOKIE = "nineplus_sso"
FLOW_SECONDS = 600  # the time a user has at the provider
TIMEOUT = 10.0


class SsoError(Exception):
    """The login through the provider failed; the message is for the user (in their language)."""


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    verifier: str
    next: str
    until: float


def enabled() -> bool:
    settings = get_settings()
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_organisation)


def button() -> str:
    """The login page's button text, or '' when single sign-on is off."""
    return get_settings().oidc_label if enabled() else ""


@lru_cache(maxsize=4)
def _discovery(issuer: str) -> dict[str, Any]:
    answer = httpx.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=TIMEOUT)
    answer.raise_for_status()
    document: dict[str, Any] = answer.json()
    if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise ValueError("the provider's discovery document names another issuer")
    return document


def _client(redirect_uri: str) -> OAuth2Client:
    settings = get_settings()
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        scope="openid email profile",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT,
    )


def start(redirect_uri: str, next_path: str) -> tuple[str, str]:
    """The provider's authorization URL and the signed cookie that keeps this flow's secrets."""
    document = _discovery(get_settings().oidc_issuer)
    flow = Flow(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        verifier=secrets.token_urlsafe(48),
        next=next_path,
        until=time.time() + FLOW_SECONDS,
    )
    with _client(redirect_uri) as client:
        url, _state = client.create_authorization_url(
            document["authorization_endpoint"],
            state=flow.state,
            nonce=flow.nonce,
            code_verifier=flow.verifier,
        )
    return url, _seal(flow)


def _seal(flow: Flow) -> str:
    body = base64.urlsafe_b64encode(json.dumps(flow.__dict__).encode()).decode()
    return body + "." + sign(get_settings().resolved_secret_key(), "sso:" + body)


def _open(cookie: str) -> Flow:
    body, _dot, signature = cookie.rpartition(".")
    if not body or not constant_time_equals(
        sign(get_settings().resolved_secret_key(), "sso:" + body), signature
    ):
        raise SsoError(_("The login was not started here, or it took too long. Try again."))
    flow = Flow(**json.loads(base64.urlsafe_b64decode(body)))
    if flow.until < time.time():
        raise SsoError(_("The login was not started here, or it took too long. Try again."))
    return flow


def finish(session: Session, cookie: str, params: dict[str, str], redirect_uri: str) -> tuple[User, str]:
    """Check the provider's answer and return the user it logs in (and where to go next)."""
    if "error" in params:
        raise SsoError(_("The sign-in service refused the login: %(reason)s", reason=params["error"][:100]))
    flow = _open(cookie)
    if not constant_time_equals(params.get("state", ""), flow.state) or not params.get("code"):
        raise SsoError(_("The login was not started here, or it took too long. Try again."))
    claims = _id_token_claims(params["code"], flow, redirect_uri)
    return _user_for(session, claims), flow.next


def _id_token_claims(code: str, flow: Flow, redirect_uri: str) -> dict[str, Any]:
    settings = get_settings()
    document = _discovery(settings.oidc_issuer)
    try:
        with _client(redirect_uri) as client:
            token = client.fetch_token(document["token_endpoint"], code=code, code_verifier=flow.verifier)
        keys = KeySet.import_key_set(httpx.get(document["jwks_uri"], timeout=TIMEOUT).json())
        decoded = jwt.decode(token["id_token"], keys)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": document["issuer"]},
            aud={"essential": True, "value": settings.oidc_client_id},
            nonce={"essential": True, "value": flow.nonce},
            exp={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, KeyError, ValueError) as exc:
        raise SsoError(_("The sign-in service's answer could not be checked. Try again.")) from exc
    except Exception as exc:  # the provider unreachable or answering an error: the user is told, not a 500
        log.warning("single sign-on: the provider's token or keys could not be fetched: %s", exc)
        raise SsoError(_("The sign-in service could not be reached. Try again.")) from exc
    return dict(decoded.claims)


def role_map() -> list[tuple[str, str]]:
    """``NINEPLUS_OIDC_ROLE_MAP`` as (claim value, role) pairs, the strongest role first (a role that does
    not exist, there or in ``NINEPLUS_OIDC_DEFAULT_ROLE``, stops the start)."""
    default = get_settings().oidc_default_role
    if default and default not in ROLES:
        raise ValueError(f"NINEPLUS_OIDC_DEFAULT_ROLE: {default!r} is not a role ({', '.join(ROLES)})")
    pairs = []
    for part in filter(None, (p.strip() for p in get_settings().oidc_role_map.split(";"))):
        value, _eq, role = part.partition("=")
        if role.strip() not in ROLES:
            raise ValueError(f"NINEPLUS_OIDC_ROLE_MAP: {role.strip()!r} is not a role ({', '.join(ROLES)})")
        pairs.append((value.strip(), role.strip()))
    return sorted(pairs, key=lambda pair: ROLES.index(pair[1]))


def role_from(claims: dict[str, Any]) -> str | None:
    """The strongest role the claims' groups map to; else the default role (None: no access)."""
    given = claims.get(get_settings().oidc_roles_claim)
    values = {given} if isinstance(given, str) else set(given or [])
    for value, role in role_map():
        if value in values:
            return role
    return get_settings().oidc_default_role or None


def _last_admin(session: Session, user: User) -> bool:
    from sqlalchemy import func, select

    admins = select(func.count()).select_from(User).where(User.role == "admin", User.is_active.is_(True))
    return (session.scalar(admins) or 0) <= 1


def _user_for(session: Session, claims: dict[str, Any]) -> User:
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is not True:  # absent or "false" is not verified
        raise SsoError(_("The sign-in service gave no verified e-mail address."))
    subject = f"{get_settings().oidc_issuer.rstrip('/')} {claims.get('sub', '')}"
    role = role_from(claims)
    if role is None:
        raise SsoError(
            _("Your account at the sign-in service has no role in nineplus. Ask an administrator.")
        )
    system(session)
    organisation = repository.organisation_by_slug(session, get_settings().oidc_organisation)
    if organisation is None:
        raise SsoError(_("Single sign-on is not set up for an organisation here."))
    user = repository.user_by_email(session, email)
    if user is not None and user.organisation_id != organisation.id:
        raise SsoError(_("This e-mail address belongs to another organisation here."))
    organisation_id, user_id = organisation.id, user.id if user else None
    scope(session, organisation_id)
    from nineplus.accounts import auth

    if user_id is None:
        name = str(claims.get("name") or email.split("@")[0])[:200]
        user = User(
            organisation_id=organisation_id,
            email=email,
            name=name,
            role=role,
            password_hash=None,
            sso_subject=subject,
        )
        session.add(user)
        session.flush()
        record(session, auth.principal_for(session, user), "user.created_by_sso", user, after={"role": role})
        return user
    user = session.get_one(User, user_id)
    if not user.is_active:
        raise SsoError(_("This account is deactivated."))
    if user.sso_subject is None and user.password_hash is not None:
        # A local account is not taken over by whoever holds its address at the provider.
        raise SsoError(_("This address has an account with a password here: log in with the password."))
    if user.sso_subject is not None and user.sso_subject != subject:
        raise SsoError(_("This address belongs to another account at the sign-in service."))
    user.sso_subject = subject
    if user.role != role and user.role == "admin" and _last_admin(session, user):
        role = user.role  # the organisation's last admin stays one (an admin changes it here)
    if user.role != role:
        before = user.role
        user.role = role
        record(
            session,
            auth.principal_for(session, user),
            "user.role_from_sso",
            user,
            before={"role": before},
            after={"role": role},
        )
    user.last_login_at = utcnow()
    return user
