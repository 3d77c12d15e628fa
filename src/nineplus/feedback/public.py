"""The public response pages: a personal link (/r/<token>) and the anonymous link (/s/<key>).

They work without JavaScript and without a login. Every page's answers are committed before the next page
is shown, so a closed tab loses nothing: the personal link resumes where it stopped, the anonymous link
resumes through a cookie that holds only the response's random client id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from nineplus.core.errors import Invalid
from nineplus.core.i18n import get_locale
from nineplus.core.security import new_token
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.feedback import fielding, public_api, respond
from nineplus.feedback.models import Person, Survey, SurveyInvitation
from nineplus.web.deps import Db, csrf_protect
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
CLIENT_COOKIE = "nineplus_response_"


def _by_token(db: Session, token: str) -> tuple[Survey, SurveyInvitation]:
    system(db)
    invitation = fielding.find_invitation(db, token)
    organisation_id, invitation_id = invitation.organisation_id, invitation.id
    scope(db, organisation_id)
    invitation = db.get_one(SurveyInvitation, invitation_id)
    return db.get_one(Survey, invitation.survey_id), invitation


def _by_key(db: Session, key: str) -> Survey:
    return fielding.survey_by_key(db, key)


def _show(
    request: Request,
    db: Session,
    survey: Survey,
    response: Any,
    action: str,
    page_number: int | None,
    *,
    client_id: str,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    if survey.status != "live":
        return render(request, "feedback/closed.html", {"survey": survey}, status_code=410)
    if page_number is None:
        page_number = (response.pages_done + 1) if response else 1
    page = respond.build_page(db, survey, response, page_number)
    if values is not None:
        page.values.update(values)
    return render(
        request,
        "feedback/respond.html",
        {"survey": survey, "page": page, "action": action, "client_id": client_id, "errors": errors or {}},
        status_code=status_code,
    )


async def _save(
    request: Request,
    db: Session,
    survey: Survey,
    response: Any,
    action: str,
    token: str | None,
    client_id: str,
) -> tuple[Response | None, Any]:
    """Store the posted page; return (error page, None) or (None, the stored response)."""
    form = await _form_with_lists(request)
    page_number = int(form.get("page", "1")) if str(form.get("page", "1")).isdigit() else 1
    page = respond.build_page(db, survey, response, page_number)
    try:
        data = respond.submission(form, page, client_id, get_locale())
        source = public_api.source_of(request) if token is None else None  # personal links need none
        stored = fielding.submit(db, survey.id, data, token, source)
    except Invalid as exc:
        target = respond.page_of_errors(db, survey, response, exc.errors) or page.number
        values = {k: v for k, v in form.items() if k.startswith("q")} if target == page.number else None
        shown = respond.response_of_client(db, survey, client_id)
        error_page = _show(
            request,
            db,
            survey,
            shown,
            action,
            target,
            client_id=client_id,
            errors=exc.errors,
            values=values,
            status_code=422,
        )
        return error_page, None
    return None, (stored, page)


async def _form_with_lists(request: Request) -> dict[str, Any]:
    """Every field as a list when it repeats (checkboxes), else as one value."""
    raw = await request.form()
    out: dict[str, Any] = {}
    for key in raw:
        values = [str(v)[:5000] for v in raw.getlist(key) if isinstance(v, str)]
        out[key] = values if key == "moments" or len(values) > 1 or key.endswith("[]") else values[-1]
    if "moments" not in out:
        out["moments"] = []
    return {k.removesuffix("[]"): v for k, v in out.items()}


# Personal link ---------------------------------------------------------------------------------------


@router.get("/r/{token}", response_class=HTMLResponse)
def personal_page(request: Request, db: Db, token: str, page: int | None = None) -> Response:
    survey, invitation = _by_token(db, token)
    if invitation.used_at is not None:
        return render(request, "feedback/thanks.html", {"survey": survey, "already": True})
    response = respond.response_of_invitation(db, invitation)
    client_id = response.client_id if response else new_token(16)
    return _show(request, db, survey, response, f"/r/{token}", page, client_id=client_id)


@router.post("/r/{token}")
async def personal_submit(request: Request, db: Db, token: str) -> Response:
    survey, invitation = _by_token(db, token)
    response = respond.response_of_invitation(db, invitation)
    form = await request.form()
    client_id = response.client_id if response else str(form.get("client_id", ""))[:64] or new_token(16)
    try:
        error, result = await _save(request, db, survey, response, f"/r/{token}", token, client_id)
    except fielding.AlreadyAnswered:
        return render(request, "feedback/thanks.html", {"survey": survey, "already": True}, status_code=409)
    if error is not None:
        return error
    stored, page = result
    if stored.submitted_at is not None:
        return redirect(request, f"/r/{token}/thanks")
    return redirect(request, f"/r/{token}?page={page.number + 1}")


@router.get("/r/{token}/thanks", response_class=HTMLResponse)
def personal_thanks(request: Request, db: Db, token: str) -> Response:
    survey, _invitation = _by_token(db, token)
    return render(request, "feedback/thanks.html", {"survey": survey, "already": False})


# Anonymous link --------------------------------------------------------------------------------------


@router.get("/s/{key}", response_class=HTMLResponse)
def anonymous_page(request: Request, db: Db, key: str, page: int | None = None) -> Response:
    survey = _by_key(db, key)
    response = respond.response_of_client(db, survey, request.cookies.get(CLIENT_COOKIE + key))
    if response is not None and response.submitted_at is not None:
        response = None  # answered before on this device: a new response
    client_id = response.client_id if response else new_token(16)
    return _show(request, db, survey, response, f"/s/{key}", page, client_id=client_id)


@router.post("/s/{key}")
async def anonymous_submit(request: Request, db: Db, key: str) -> Response:
    survey = _by_key(db, key)
    form = await request.form()
    client_id = str(form.get("client_id", ""))[:64]
    response = respond.response_of_client(db, survey, client_id)
    error, result = await _save(request, db, survey, response, f"/s/{key}", None, client_id)
    if error is not None:
        return error
    stored, page = result
    target = f"/s/{key}/thanks" if stored.submitted_at is not None else f"/s/{key}?page={page.number + 1}"
    reply = redirect(request, target)
    reply.set_cookie(
        CLIENT_COOKIE + key,
        client_id,
        max_age=7 * 86400,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path=f"/s/{key}",
    )
    return reply


@router.get("/s/{key}/thanks", response_class=HTMLResponse)
def anonymous_thanks(request: Request, db: Db, key: str) -> Response:
    return render(request, "feedback/thanks.html", {"survey": _by_key(db, key), "already": False})


# Unsubscribe -----------------------------------------------------------------------------------------


def _by_unsubscribe(db: Session, token: str) -> Any:
    system(db)
    person = fielding.person_of_unsubscribe(db, token)
    person_id, organisation_id = person.id, person.organisation_id
    scope(db, organisation_id)
    return db.get_one(Person, person_id)


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, db: Db, token: str) -> Response:
    person = _by_unsubscribe(db, token)
    return render(
        request, "feedback/unsubscribe.html", {"token": token, "done": person.unsubscribed_at is not None}
    )


@router.post("/u/{token}")
def unsubscribe(request: Request, db: Db, token: str) -> Response:
    fielding.unsubscribe(db, _by_unsubscribe(db, token))
    return render(request, "feedback/unsubscribe.html", {"token": token, "done": True})
