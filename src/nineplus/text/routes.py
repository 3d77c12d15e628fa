"""Searching the customers' comments: by word, in any of its forms in Dutch or English (a search for
"wachtte" finds "wachten" and "gewacht", one for "waited" finds "waiting"), by theme and by polarity. Only
masked text is shown."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
MAX_WORDS = 8


@router.get("/dashboard/verbatims", response_class=HTMLResponse)
def verbatims_page(
    request: Request,
    db: Db,
    me: PagePrincipal,
    q: str = "",
    theme: str = "",
    polarity: str = "",
) -> Response:
    from nineplus.text import repository
    from nineplus.text.sentiment import POLARITIES
    from nineplus.text.themes import seeded
    from nineplus.text.tokens import forms as word_forms
    from nineplus.text.tokens import normalise, words

    require(me, Permission.VIEW_RESPONSES)
    themes = {t.key: t.name for t in seeded("nl")}
    chosen_theme = theme if theme in themes else None
    chosen_polarity = polarity if polarity in POLARITIES else None
    searched = words(normalise(q[:200]))[:MAX_WORDS]
    forms = [set(word_forms(word)) for word in searched]  # as written and lemmatised, Dutch and English
    found = repository.search(db, forms, theme=chosen_theme, polarity=chosen_polarity)
    from nineplus.text import embeddings

    meaning, why = embeddings.enabled()
    context = {
        "meaning": meaning,
        "meaning_why": why,
        "q": q,
        "theme": chosen_theme or "",
        "polarity": chosen_polarity or "",
        "themes": themes,
        "polarities": POLARITIES,
        "found": found,
        "limit": 200,
    }
    return render(request, "text/verbatims.html", context)
