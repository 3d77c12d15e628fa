"""Request dependencies: the database session (the request owns the transaction), who is asking, CSRF."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from nineplus.accounts import apikeys, auth
from nineplus.accounts.models import Organisation, User
from nineplus.accounts.roles import ROLE_LABELS, Permission
from nineplus.core import db, i18n
from nineplus.core.errors import DomainError, NotFound
from nineplus.core.principal import Principal
from nineplus.core.security import constant_time_equals, new_token, sign, token_hash
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system

log = logging.getLogger(__name__)

SESSION_COOKIE = "nineplus_session"
CSRF_COOKIE = "nineplus_csrf"
LOCALE_COOKIE = "nineplus_locale"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(DomainError):
    status_code = 401


class CsrfFailed(DomainError):
    status_code = 403


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; write requests take SQLite's write lock up front. Commits before the
    response is sent, so nothing is acknowledged that is not durably stored."""
    factory = getattr(request.app.state, "session_factory", None) or db.new_session
    session = factory(write=request.method not in SAFE_METHODS)
    try:
        yield session
        if getattr(request.state, "rollback", False):
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


Db = Annotated[Session, Depends(get_db, scope="function")]


@dataclass(frozen=True)
class UserView:
    """What templates may know about the logged-in user."""

    id: int
    name: str
    email: str
    role: str
    organisation_name: str
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def role_label(self) -> str:
        return i18n.gettext(ROLE_LABELS.get(self.role, self.role))


def _session_principal(request: Request, session: Session) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    system(session)
    principal = auth.principal_from_session(session, token)
    if principal is None:
        session.info.pop("nineplus_system", None)
        return None
    login_id = session.info.pop(auth.TOUCH_KEY, None)
    if login_id is not None:
        _touch(request, login_id)
    scope(session, principal.organisation_id)
    user = session.get_one(User, principal.user_id)
    org = session.get_one(Organisation, principal.organisation_id)
    request.state.user_view = UserView(
        id=user.id,
        name=user.name,
        email=user.email,
        role=user.role,
        organisation_name=org.name,
        permissions=frozenset(p.value for p in Permission if principal.can(p)),
    )
    if user.locale in i18n.LOCALES:
        i18n.set_locale(user.locale)
    return principal


def resolve_user_for_error_page(request: Request) -> None:
    """Error pages of unknown addresses ran no route dependency; find the user so the page keeps its menu."""
    if hasattr(request.state, "user_view") or not request.cookies.get(SESSION_COOKIE):
        return
    factory = getattr(request.app.state, "session_factory", None) or db.new_session
    session = factory(write=False)
    try:
        _session_principal(request, session)
        session.commit()
    finally:
        session.close()


def _touch(request: Request, login_id: int) -> None:
    """Save a session's last use in a short write of its own: a page that only reads takes no write lock,
    and a busy database (SQLite: another writer) costs the page nothing but this update, skipped."""
    factory = getattr(request.app.state, "session_factory", None) or db.new_session
    touching = factory(write=False)
    sqlite = touching.get_bind().dialect.name == "sqlite"
    try:
        if sqlite:
            touching.execute(text("PRAGMA busy_timeout = 100"))
        system(touching)
        auth.touch(touching, login_id)
        touching.commit()
    except OperationalError:
        touching.rollback()  # skipped: the next request, five minutes on, tries again
    finally:
        if sqlite:
            touching.execute(text("PRAGMA busy_timeout = 30000"))
        touching.close()


def optional_principal(request: Request, session: Db) -> Principal | None:
    principal = _session_principal(request, session)
    request.state.principal = principal
    return principal


def page_principal(request: Request, session: Db) -> Principal:
    """The logged-in user of an HTML page; anonymous visitors are sent to the login page."""
    principal = optional_principal(request, session)
    if principal is None:
        raise LoginRequired("login")
    return principal


def api_principal(request: Request, session: Db) -> Principal:
    """An API key (``Authorization: Bearer np_...``) or the browser session (with X-CSRF-Token on writes)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        system(session)
        principal = apikeys.principal_from_key(session, header[7:].strip())
        if principal is None:
            session.info.pop("nineplus_system", None)
            raise LoginRequired("api_key")
        scope(session, principal.organisation_id)
        request.state.principal = principal
        request.state.api_key_use = principal  # audited once the answer is sent (web.app.PerRequest)
        return principal
    principal = optional_principal(request, session)
    if principal is None:
        raise LoginRequired("login")
    if request.method not in SAFE_METHODS:
        check_csrf_value(request, request.headers.get("X-CSRF-Token", ""))
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]
ApiPrincipal = Annotated[Principal, Depends(api_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


# CSRF: a random cookie per browser, and in every form (or the X-CSRF-Token header) its HMAC. A page on
# another site can neither read the cookie nor compute the HMAC.


def _csrf_basis(request: Request, csrf_cookie: str) -> str:
    """What the token signs: the login session when there is one (so a token planted through a cookie
    of the attacker's choosing is worthless for a logged-in victim), else the browser's CSRF cookie."""
    session_cookie = request.cookies.get(SESSION_COOKIE)
    return "session:" + token_hash(session_cookie) if session_cookie else "browser:" + csrf_cookie


def ensure_csrf_cookie(request: Request) -> str | None:
    """Make sure the browser has a CSRF cookie and compute the page's token; return a new cookie or None."""
    existing = request.cookies.get(CSRF_COOKIE)
    value = existing if existing and len(existing) >= 20 else new_token(24)
    request.state.csrf_cookie = value
    request.state.csrf_token = sign(
        get_settings().resolved_secret_key(), "csrf:" + _csrf_basis(request, value)
    )
    return None if value == existing else value


def check_csrf_value(request: Request, presented: str) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    expected = sign(get_settings().resolved_secret_key(), "csrf:" + _csrf_basis(request, cookie))
    if not cookie or not presented or not constant_time_equals(presented, expected):
        raise CsrfFailed("csrf")


async def csrf_protect(request: Request) -> None:
    """Router dependency of every HTML page: unsafe methods need the token (form field or header)."""
    if request.method in SAFE_METHODS:
        return
    presented = request.headers.get("X-CSRF-Token", "")
    if not presented:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            presented = str(form.get("csrf_token", ""))
    check_csrf_value(request, presented)


def choose_locale(request: Request) -> str:
    """The anonymous visitor's language: the cookie they chose, else Accept-Language."""
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in i18n.LOCALES:
        return chosen
    return i18n.negotiate(request.headers.get("Accept-Language"), get_settings().default_locale)


def record_api_key_use(
    app: object, principal: Principal | None, method: str, path: str, status: int, secret: str | None = None
) -> None:
    """Write the audit event of one request made with an API key, in a transaction of its own; a key the
    request did not get as far as resolving (``secret``) is looked up first (an unknown one: nothing)."""
    factory = getattr(getattr(app, "state", None), "session_factory", None) or db.new_session
    if principal is None:  # looked up in a read: a made-up key costs no write
        reading = factory(write=False)
        try:
            system(reading)
            principal = apikeys.principal_from_key(reading, secret or "")
        finally:
            reading.close()
        if principal is None:
            return
    session = factory(write=True)
    try:
        scope(session, principal.organisation_id)
        apikeys.record_use(session, principal, method, path, status)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not audit the use of an API key")
    finally:
        session.close()


ID_MAX = 2**31 - 1  # ids are INTEGER columns (32 bits on PostgreSQL)


def logged_in(request: Request) -> bool:
    """Whether the request's session cookie belongs to a valid login (for the upload size limit)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return False
    factory = getattr(request.app.state, "session_factory", None) or db.new_session
    session = factory(write=False)
    try:
        system(session)
        return auth.principal_from_session(session, token) is not None
    finally:
        session.close()


async def check_path_ids(request: Request) -> None:
    """A global dependency: an id in the path that no row can have (0, negative, past 32 bits) names no
    object: 404, before any query (a database would refuse the number with an error of its own)."""
    for name, value in request.path_params.items():
        if name.endswith("_id") and isinstance(value, str):
            try:
                number = int(value)
            except ValueError:
                continue  # not a number: the route's own validation answers
            if not 0 < number <= ID_MAX:
                raise NotFound(name)
