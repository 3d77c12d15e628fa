"""Account pages: login, logout, password reset, invitations, users, teams, API keys, audit log."""

from __future__ import annotations

import logging
from contextlib import suppress

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from nineplus.accounts import apikeys, auth, repository, sso
from nineplus.accounts import service as accounts
from nineplus.accounts.models import Organisation
from nineplus.accounts.roles import ROLE_LABELS, ROLES, SCOPES, Permission
from nineplus.accounts.schemas import (
    AcceptInviteIn,
    ApiKeyIn,
    InviteIn,
    PasswordResetIn,
    RoleChangeIn,
    TeamIn,
)
from nineplus.audit.service import recent
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.security import constant_time_equals, sign
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import system
from nineplus.core.validation import parse
from nineplus.web import limits
from nineplus.web.deps import SESSION_COOKIE, Db, OptionalPrincipal, PagePrincipal, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.pages import safe_next
from nineplus.web.templating import redirect, render

log = logging.getLogger(__name__)
router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
NEW_KEY_COOKIE = "nineplus_new_key"


def _login_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        max_age=settings.session_days * 86400,
        path="/",
    )


# Login, logout, password reset, invitations (public) -------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, me: OptionalPrincipal, next: str = "/") -> Response:
    if me is not None:
        return redirect(request, safe_next(next))
    return render(request, "accounts/login.html", {"next": safe_next(next), "email": "", "sso": sso.button()})


def _sso_callback() -> str:
    return get_settings().base_url.rstrip("/") + "/login/sso/callback"  # as registered at the provider


@router.get("/login/sso")
def sso_start(request: Request, next: str = "/") -> Response:
    """Off to the provider, with this flow's state, nonce and PKCE verifier in a signed cookie."""
    if not sso.enabled():
        raise NotFound("sso")
    try:
        url, cookie = sso.start(_sso_callback(), safe_next(next))
    except Exception:  # the provider unreachable, or its discovery document wrong: say so
        log.warning("single sign-on: the provider's discovery document could not be read", exc_info=True)
        message = _("The sign-in service could not be reached. Try again.")
        context = {"next": safe_next(next), "email": "", "error": message, "sso": sso.button()}
        return render(request, "accounts/login.html", context, status_code=503)
    response = RedirectResponse(url, status_code=303)
    secure = get_settings().secure_cookies
    response.set_cookie(
        sso.COOKIE,
        cookie,
        httponly=True,
        secure=secure,
        samesite="lax",
        max_age=sso.FLOW_SECONDS,
        path="/login",
    )
    return response


@router.get("/login/sso/callback")
def sso_callback(request: Request, db: Db) -> Response:
    """Back from the provider: check its answer, log the user in."""
    if not sso.enabled():
        raise NotFound("sso")
    try:
        params = dict(request.query_params)
        user, target = sso.finish(db, request.cookies.get(sso.COOKIE, ""), params, _sso_callback())
    except sso.SsoError as exc:
        context = {"next": "/", "email": "", "error": str(exc), "sso": sso.button()}
        return render(request, "accounts/login.html", context, status_code=400)
    token = auth.start_session(db, user, request.headers.get("user-agent", ""))
    response = redirect(request, target)
    _login_cookie(response, token)
    response.delete_cookie(sso.COOKIE, path="/login")
    return response


@router.post("/login")
async def login(request: Request, db: Db) -> Response:
    form = await read_form(request)
    email, password = str(form.get("email", ""))[:254], str(form.get("password", ""))[:200]
    target = safe_next(form.get("next"))
    limiter, account = request.app.state.limiter, email.strip().lower()
    from_here = account + " " + limits.address_of(request)
    # Failed attempts are counted per e-mail address typed, whether or not it has an account, so that
    # the lockout's message is the same for both and tells nothing about which accounts exist: from this
    # address, and (a higher bar, against many addresses at once) from all together.
    try:
        limiter.check("login_failures_per_account_address", from_here)
        limiter.check("login_failures_per_account", account)
    except limits.RateLimited as exc:  # the login page itself, with its "forgot your password?" link
        context = {"next": target, "email": email, "error": exc.message, "sso": sso.button()}
        response = render(request, "accounts/login.html", context, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    system(db)
    user = auth.authenticate(db, email, password) if email and password else None
    if user is None:
        if account:  # counted; a limit this reaches refuses the next attempt, with the login page
            with suppress(limits.RateLimited):
                limiter.hit("login_failures_per_account_address", from_here)
            with suppress(limits.RateLimited):
                limiter.hit("login_failures_per_account", account)
        return render(
            request,
            "accounts/login.html",
            {
                "next": target,
                "email": email,
                "error": _("The e-mail address or password is not right, or the account is not active."),
                "sso": sso.button(),
            },
            status_code=400,
        )
    limiter.clear("login_failures_per_account_address", from_here)
    token = auth.start_session(db, user, request.headers.get("user-agent", ""))
    response = redirect(request, target)
    _login_cookie(response, token)
    if user.locale:
        response.set_cookie("nineplus_locale", user.locale, max_age=31536000, samesite="lax", path="/")
    return response


@router.post("/logout")
def logout(request: Request, db: Db) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        system(db)
        auth.end_session(db, token)
    response = redirect(request, "/login", flash=_("You are logged out."), kind="info")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_page(request: Request) -> Response:
    return render(request, "accounts/forgot.html", {"email": ""})


@router.post("/password/forgot")
async def forgot(request: Request, db: Db) -> Response:
    form = await read_form(request)
    email = str(form.get("email", "")).strip()[:254]
    if not email or "@" not in email:
        return render(
            request,
            "accounts/forgot.html",
            {"email": email, "errors": {"email": _("Enter a valid e-mail address.")}},
            status_code=422,
        )
    # counted for every address typed, known or not (no hint of which accounts exist)
    request.app.state.limiter.hit(
        "reset_per_account_address", email.lower() + " " + limits.address_of(request)
    )
    system(db)
    auth.request_password_reset(db, email)
    return render(request, "accounts/forgot.html", {"sent": True, "email": ""})


@router.get("/password/reset/{token}", response_class=HTMLResponse)
def reset_page(request: Request, db: Db, token: str) -> Response:
    system(db)
    auth.open_reset(db, token)
    return render(request, "accounts/reset.html", {"token": token})


@router.post("/password/reset/{token}")
async def reset(request: Request, db: Db, token: str) -> Response:
    form = await read_form(request)
    system(db)
    try:
        auth.open_reset(db, token)
        if form.get("password") != form.get("password_repeat"):
            raise Invalid({"password_repeat": _("The two passwords are not the same.")})
        auth.reset_password(db, token, parse(PasswordResetIn, form))
    except Invalid as exc:
        return render(request, "accounts/reset.html", {"token": token, "errors": exc.errors}, status_code=422)
    return redirect(request, "/login", flash=_("Your password has been changed. Log in with it now."))


@router.get("/invite/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, db: Db, token: str) -> Response:
    system(db)
    invitation = auth.open_invitation(db, token)
    org = db.get_one(Organisation, invitation.organisation_id)
    return render(
        request,
        "accounts/accept.html",
        {"token": token, "invitation": invitation, "organisation": org, "form": {}},
    )


@router.post("/invite/{token}")
async def accept_invitation(request: Request, db: Db, token: str) -> Response:
    form = await read_form(request)
    system(db)
    invitation = auth.open_invitation(db, token)
    org = db.get_one(Organisation, invitation.organisation_id)
    try:
        if form.get("password") != form.get("password_repeat"):
            raise Invalid({"password_repeat": _("The two passwords are not the same.")})
        user = auth.accept_invitation(db, token, parse(AcceptInviteIn, form))
    except Invalid as exc:
        return render(
            request,
            "accounts/accept.html",
            {
                "token": token,
                "invitation": invitation,
                "organisation": org,
                "form": form,
                "errors": exc.errors,
            },
            status_code=422,
        )
    response = redirect(request, "/", flash=_("Welcome to nineplus."))
    _login_cookie(response, auth.start_session(db, user, request.headers.get("user-agent", "")))
    return response


# Teams ----------------------------------------------------------------------------------------------


@router.get("/teams", response_class=HTMLResponse)
def teams_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    return render(request, "accounts/teams.html", {"teams": accounts.list_teams(db, me)})


@router.get("/teams/new", response_class=HTMLResponse)
def new_team_page(request: Request, me: PagePrincipal) -> Response:
    accounts.require(me, Permission.EDIT_TEAMS)
    return render(request, "accounts/team_form.html", {"form": {}, "team": None})


@router.post("/teams/new")
async def create_team(request: Request, db: Db, me: PagePrincipal) -> Response:
    form = await read_form(request)
    try:
        team = accounts.create_team(db, me, parse(TeamIn, form))
    except Invalid as exc:
        return render(
            request,
            "accounts/team_form.html",
            {"form": form, "team": None, "errors": exc.errors},
            status_code=422,
        )
    return redirect(request, f"/teams/{team.id}", flash=_("Team created."))


@router.get("/teams/{team_id}", response_class=HTMLResponse)
def team_page(request: Request, db: Db, me: PagePrincipal, team_id: int) -> Response:
    team = accounts.get_team(db, me, team_id)
    from nineplus.journeys.repository import moments_of_team

    return render(
        request,
        "accounts/team.html",
        {
            "team": team,
            "members": repository.team_members(db, team.id),
            "moments": moments_of_team(db, team.id),
        },
    )


@router.get("/teams/{team_id}/edit", response_class=HTMLResponse)
def edit_team_page(request: Request, db: Db, me: PagePrincipal, team_id: int) -> Response:
    team = accounts.get_team(db, me, team_id)
    accounts.require(me, Permission.EDIT_TEAMS)
    members = [u.id for u in repository.team_members(db, team.id)]
    form = {"name": team.name, "description": team.description, "member_ids": members}
    return render(
        request, "accounts/team_form.html", {"form": form, "team": team, "users": repository.users(db)}
    )


@router.post("/teams/{team_id}/edit")
async def update_team(request: Request, db: Db, me: PagePrincipal, team_id: int) -> Response:
    team = accounts.get_team(db, me, team_id)
    form = await read_form(request, lists=("member_ids",))
    member_ids = [int(i) for i in form.pop("member_ids") if str(i).isdigit()]
    try:
        accounts.update_team(db, me, team.id, parse(TeamIn, form))
        accounts.set_team_members(db, me, team.id, member_ids)
    except Invalid as exc:
        form["member_ids"] = member_ids
        context = {"form": form, "team": team, "errors": exc.errors, "users": repository.users(db)}
        return render(request, "accounts/team_form.html", context, status_code=422)
    return redirect(request, f"/teams/{team.id}", flash=_("Team saved."))


# Users and invitations ------------------------------------------------------------------------------


def _users_context(db: Db, me: PagePrincipal) -> dict[str, object]:
    return {
        "users": repository.users(db),
        "memberships": repository.memberships_by_user(db),
        "teams": {t.id: t for t in repository.teams(db)},
        "invitations": repository.open_invitations(db),
        "roles": [(r, _(ROLE_LABELS[r])) for r in ROLES],
        "role_labels": {r: _(ROLE_LABELS[r]) for r in ROLES},
        "form": {},
    }


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    accounts.require(me, Permission.MANAGE_USERS)
    return render(request, "accounts/users.html", _users_context(db, me))


@router.post("/admin/invitations")
async def invite(request: Request, db: Db, me: PagePrincipal) -> Response:
    accounts.require(me, Permission.MANAGE_USERS)
    form = await read_form(request, lists=("team_ids",))
    form["team_ids"] = [int(t) for t in form["team_ids"] if str(t).isdigit()]
    try:
        auth.invite(db, me, parse(InviteIn, form))
    except Invalid as exc:
        context = {**_users_context(db, me), "form": form, "errors": exc.errors}
        return render(request, "accounts/users.html", context, status_code=422)
    return redirect(request, "/admin/users", flash=_("Invitation sent to %(email)s.", email=form["email"]))


@router.post("/admin/invitations/{invitation_id}/revoke")
def revoke_invitation(request: Request, db: Db, me: PagePrincipal, invitation_id: int) -> Response:
    auth.revoke_invitation(db, me, invitation_id)
    return redirect(request, "/admin/users", flash=_("Invitation withdrawn."))


@router.post("/admin/users/{user_id}/role")
async def change_role(request: Request, db: Db, me: PagePrincipal, user_id: int) -> Response:
    user = accounts.get_user(db, user_id)
    form = await read_form(request)
    accounts.change_role(db, me, user.id, parse(RoleChangeIn, form))
    return redirect(request, "/admin/users", flash=_("Role changed."))


@router.post("/admin/users/{user_id}/active")
async def set_active(request: Request, db: Db, me: PagePrincipal, user_id: int) -> Response:
    form = await read_form(request)
    active = form.get("active") == "1"
    accounts.set_active(db, me, user_id, active)
    if not active:
        auth.revoke_sessions_of(db, user_id)
        auth.use_up_resets(db, user_id)
    return redirect(request, "/admin/users", flash=_("User activated.") if active else _("User deactivated."))


# API keys -------------------------------------------------------------------------------------------


def _keys_context(db: Db) -> dict[str, object]:
    creators = {u.id: u.name for u in repository.users(db)}
    return {"keys": repository.api_keys(db), "scopes": SCOPES, "form": {}, "creators": creators}


@router.get("/admin/api-keys", response_class=HTMLResponse)
def keys_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    accounts.require(me, Permission.MANAGE_API_KEYS)
    context = _keys_context(db)
    shown = _new_key_from_cookie(request)
    if shown is not None:
        key_id, secret = shown
        context.update(new_key=next((k for k in context["keys"] if k.id == key_id), None), secret=secret)  # type: ignore[attr-defined]
    response = render(request, "accounts/api_keys.html", context)
    response.delete_cookie(NEW_KEY_COOKIE, path="/admin/api-keys")
    return response


@router.post("/admin/api-keys")
async def create_key(request: Request, db: Db, me: PagePrincipal) -> Response:
    accounts.require(me, Permission.MANAGE_API_KEYS)
    form = await read_form(request, lists=("scopes",))
    try:
        key, secret = apikeys.create_key(db, me, parse(ApiKeyIn, form))
    except Invalid as exc:
        return render(
            request,
            "accounts/api_keys.html",
            {**_keys_context(db), "form": form, "errors": exc.errors},
            status_code=422,
        )
    # Post/redirect/get, so a reload cannot make a second key. The secret rides to the next page in a
    # short-lived, signed, HttpOnly cookie that the page deletes; the database keeps only its hash.
    response = redirect(request, "/admin/api-keys")
    value = f"{key.id}:{secret}"
    response.set_cookie(
        NEW_KEY_COOKIE,
        f"{value}.{sign(get_settings().resolved_secret_key(), value)}",
        max_age=120,
        httponly=True,
        samesite="strict",
        secure=get_settings().secure_cookies,
        path="/admin/api-keys",
    )
    return response


def _new_key_from_cookie(request: Request) -> tuple[int, str] | None:
    raw = request.cookies.get(NEW_KEY_COOKIE, "")
    value, _sep, signature = raw.rpartition(".")
    if not value or not constant_time_equals(signature, sign(get_settings().resolved_secret_key(), value)):
        return None
    key_id, _sep, secret = value.partition(":")
    return (int(key_id), secret) if key_id.isdigit() else None


@router.post("/admin/api-keys/{key_id}/revoke")
def revoke_key(request: Request, db: Db, me: PagePrincipal, key_id: int) -> Response:
    apikeys.revoke_key(db, me, key_id)
    return redirect(request, "/admin/api-keys", flash=_("API key revoked."))


# Audit log ------------------------------------------------------------------------------------------


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, db: Db, me: PagePrincipal, before: int | None = None) -> Response:
    accounts.require(me, Permission.VIEW_AUDIT)
    events = recent(db, limit=50, before_id=before)
    return render(request, "accounts/audit.html", {"events": events})
