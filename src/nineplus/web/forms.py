"""Read HTML forms into the nested dicts the Pydantic schemas expect."""

from __future__ import annotations

from typing import Any

from fastapi import Request

MAX_FIELD_LENGTH = 20_000


async def read_form(request: Request, *, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """Turn ``name.nl=...`` into ``{"name": {"nl": ...}}``; fields in ``lists`` keep every value.
    Empty optional numbers arrive as ''; the caller's schema decides what that means."""
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = [str(v)[:MAX_FIELD_LENGTH] for v in form.getlist(key) if isinstance(v, str)]
        value: Any = values if key in lists else (values[-1] if values else "")
        target = out
        parts = key.split(".")
        for part in parts[:-1]:
            nxt = target.setdefault(part, {})
            if not isinstance(nxt, dict):
                break
            target = nxt
        else:
            target[parts[-1]] = value
    for key in lists:
        out.setdefault(key, [])
    return out


def pop_indexed(form: dict[str, Any], key: str, *blank_to_none: str) -> list[dict[str, Any]]:
    """Take ``key.0.x``, ``key.1.x`` ... out of a read form as a list in index order; the fields named in
    ``blank_to_none`` turn from '' into None (an optional number left empty)."""
    raw = form.pop(key, {})
    if not isinstance(raw, dict):
        return []
    ordered = sorted((k for k in raw if k.isdigit() and isinstance(raw[k], dict)), key=int)
    return [none_if_blank(raw[k], *blank_to_none) for k in ordered]


def none_if_blank(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        if data.get(key) == "":
            data[key] = None
    return data
