"""The customer's page of the re-survey after recovery: one question through a signed link, answered once
(no login)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.core.errors import Invalid
from nineplus.core.i18n import set_locale
from nineplus.improve import resurvey as service
from nineplus.web.deps import Db, csrf_protect
from nineplus.web.forms import read_form
from nineplus.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _context(db: Db, token: str) -> dict[str, object]:
    case, locale, organisation = service.opened(db, token)
    set_locale(locale)
    return {"case": case, "token": token, "organisation": organisation}


@router.get("/rs/{token}", response_class=HTMLResponse)
def resurvey_page(request: Request, db: Db, token: str) -> Response:
    context = _context(db, token)
    return render(request, "improve/resurvey.html", {**context, "errors": {}, "form": {}})


@router.post("/rs/{token}", response_class=HTMLResponse)
async def resurvey_answer(request: Request, db: Db, token: str) -> Response:
    context = _context(db, token)
    form = await read_form(request)
    try:
        service.answer(db, context["case"], form)  # type: ignore[arg-type]
    except Invalid as exc:
        context |= {"errors": exc.errors, "form": form}
        return render(request, "improve/resurvey.html", context, status_code=422)
    return render(request, "improve/resurvey.html", {**context, "errors": {}, "form": {}, "thanks": True})
