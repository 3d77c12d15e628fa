"""Jinja2 templates: one environment over every capability's templates, gettext, flashes, partials.

A page is rendered whole, or, for an HTMX request, only one named block of it (jinja2-fragments).
"""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from jinja2_fragments import render_block

from nineplus.core import i18n
from nineplus.core.models import localized
from nineplus.core.security import constant_time_equals, sign
from nineplus.core.settings import get_settings

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [PACKAGE_DIR / "web" / "templates", *sorted(PACKAGE_DIR.glob("*/templates"))]
STATIC_DIR = PACKAGE_DIR / "web" / "static"
FLASH_COOKIE = "nineplus_flash"


@cache
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dict.fromkeys(TEMPLATE_DIRS)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["static_url"] = static_url
    from nineplus.improve.words import EFFECT_VERDICTS, TARGET_VERDICTS

    env.globals["effect_verdicts"] = EFFECT_VERDICTS  # translated where shown: _(effect_verdicts[key])
    env.globals["target_verdicts"] = TARGET_VERDICTS
    env.filters["tr"] = lambda value: localized(value, i18n.get_locale())
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    env.filters["month"] = format_month
    env.filters["period"] = format_period
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)
    return env


@cache
def _static_versions() -> dict[str, str]:
    """Cache-busting suffixes: a short hash of each static file's size and mtime."""
    out = {}
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            stat = path.stat()
            out[path.relative_to(STATIC_DIR).as_posix()] = format(
                hash((stat.st_size, stat.st_mtime_ns)) & 0xFFFFFF, "x"
            )
    return out


def static_url(path: str) -> str:
    version = _static_versions().get(path)
    return f"/static/{path}" + (f"?v={version}" if version else "")


def format_date(value: Any) -> str:
    if value is None:
        return ""
    from babel.dates import format_date as babel_date

    return babel_date(value, format="medium", locale=i18n.get_locale())


def format_month(value: Any) -> str:
    """A month as "Mar 2026" / "mrt 2026"."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMM", value, locale=i18n.get_locale())


def format_period(value: Any, period: str) -> str:
    """A period by its first day: "Week 14, 2026", "Mar 2026" or "Q2 2026" (in the UI language)."""
    if period == "week":
        year, week, _day = value.isocalendar()
        return i18n.gettext("Week %(week)s, %(year)s", week=week, year=year)
    if period == "quarter":
        return i18n.gettext("Q%(quarter)s %(year)s", quarter=(value.month + 2) // 3, year=value.year)
    return format_month(value)


def format_datetime(value: Any) -> str:
    if value is None:
        return ""
    from babel.dates import format_datetime as babel_datetime

    return babel_datetime(value, format="medium", tzinfo="Europe/Amsterdam", locale=i18n.get_locale())


def base_context(request: Request) -> dict[str, Any]:
    from nineplus.web.nav import build_nav

    state = request.state
    user = getattr(state, "user_view", None)
    return {
        "request": request,
        "locale": i18n.get_locale(),
        "locales": i18n.LOCALE_NAMES,
        "csrf_token": getattr(state, "csrf_token", ""),
        "user": user,
        "nav": build_nav(request.url.path, user.permissions) if user else [],
        "flashes": read_flashes(request),
    }


def render_text(request: Request, template: str, context: dict[str, Any]) -> str:
    """A template rendered to text with the page's context (for what is not a page: a PDF's HTML)."""
    return environment().get_template(template).render({**base_context(request), **context})


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
) -> HTMLResponse:
    """Render a page, or only ``block`` of it (also when an HTMX request names a target block)."""
    ctx = {**base_context(request), **(context or {})}
    tmpl = environment().get_template(template)
    if block is None and request.headers.get("HX-Request") and request.headers.get("HX-Target"):
        target = request.headers["HX-Target"]
        if target in tmpl.blocks:
            block = target
    html = tmpl.render(ctx) if block is None else render_block(environment(), template, block, ctx)
    response = HTMLResponse(html, status_code=status_code)
    if status_code >= 400:
        request.state.rollback = True  # a refused form must leave nothing half-written
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(request: Request, url: str, *, flash: str | None = None, kind: str = "success") -> Response:
    """Redirect after a form post (303), or tell HTMX to load the page (HX-Redirect)."""
    if request.headers.get("HX-Request"):
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if flash:
        set_flash(response, flash, kind)
    return response


def set_flash(response: Response, message: str, kind: str = "success") -> None:
    payload = base64.urlsafe_b64encode(json.dumps([{"kind": kind, "message": message}]).encode()).decode()
    signature = sign(get_settings().resolved_secret_key(), payload)
    response.set_cookie(
        FLASH_COOKIE,
        f"{payload}.{signature}",
        max_age=60,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/",
    )


def read_flashes(request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _, signature = raw.rpartition(".")
    if not payload or not constant_time_equals(
        signature, sign(get_settings().resolved_secret_key(), payload)
    ):
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return []
    return [i for i in items if isinstance(i, dict) and i.get("kind") in ("success", "error", "info")]
