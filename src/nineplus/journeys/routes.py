"""Journey pages: journeys, moments, workshops, the journey map, experience values and channels."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts import repository as accounts_repo
from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require, visible_team_ids
from nineplus.analytics.store import read_store
from nineplus.core.errors import Invalid
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized
from nineplus.core.principal import Principal
from nineplus.core.settings import get_settings
from nineplus.core.validation import parse
from nineplus.journeys import mapdata, repository, service
from nineplus.journeys import walks as walk_service
from nineplus.journeys.channels import CONTACTS, KINDS, PREDICTABILITY, STANDARD_CHANNELS
from nineplus.journeys.journey_map import svg_to_png
from nineplus.journeys.schemas import (
    ChannelIn,
    ExperienceValueIn,
    JourneyIn,
    MomentIn,
    WorkshopEntriesIn,
    WorkshopIn,
)
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import none_if_blank, pop_indexed, read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _download_headers(journey_id: int, name: str, extension: str) -> dict[str, str]:
    """An attachment header that survives any journey name: an ASCII fallback and the UTF-8 name."""
    readable = f"journey-map-{journey_id}-{name}.{extension}"
    ascii_name = unicodedata.normalize("NFKD", readable).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9.]+", "-", ascii_name).strip("-")[:80] or f"journey-map.{extension}"
    return {
        "Content-Disposition": (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(readable, safe='')}"
        )
    }


# Journeys -------------------------------------------------------------------------------------------


@router.get("/journeys", response_class=HTMLResponse)
def journeys_page(request: Request, db: Db, me: PagePrincipal, archived: bool = False) -> Response:
    require(me, Permission.VIEW_JOURNEYS)
    return render(
        request,
        "journeys/list.html",
        {
            "journeys": repository.journeys(db, include_archived=archived),
            "moment_counts": repository.moment_counts(db),
            "show_archived": archived,
        },
    )


@router.get("/journeys/new", response_class=HTMLResponse)
def new_journey_page(request: Request, me: PagePrincipal) -> Response:
    require(me, Permission.EDIT_JOURNEYS)
    return render(request, "journeys/journey_form.html", {"form": {"start_feeling": 0}, "journey": None})


@router.post("/journeys/new")
async def create_journey(request: Request, db: Db, me: PagePrincipal) -> Response:
    form = await read_form(request)
    try:
        journey = service.create_journey(db, me, parse(JourneyIn, form))
    except Invalid as exc:
        return render(
            request,
            "journeys/journey_form.html",
            {"form": form, "journey": None, "errors": exc.errors},
            status_code=422,
        )
    return redirect(request, f"/journeys/{journey.id}", flash=_("Journey created. Now add its moments."))


def _journey_context(db: Db, journey_id: int, me: Principal) -> dict[str, Any]:
    journey = service.get_journey(db, journey_id)
    moments = repository.moments(db, journey.id, include_archived=True)
    custom = {c.id: c.name for c in repository.channels(db, include_archived=True)}
    return {
        "journey": journey,
        "moments": [m for m in moments if m.archived_at is None],
        "archived_moments": [m for m in moments if m.archived_at is not None],
        "channel_labels": {m.id: mapdata.channel_label(m, custom) for m in moments},
        "teams": {t.id: t for t in accounts_repo.teams(db)},
        "workshops": repository.workshops(db, journey.id),
        "walks": walk_service.walks(db, journey.id),
        "predictability": PREDICTABILITY,
        "visible_team_ids": visible_team_ids(db, me),
    }


@router.get("/journeys/{journey_id}", response_class=HTMLResponse)
def journey_page(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    require(me, Permission.VIEW_JOURNEYS)
    return render(request, "journeys/detail.html", _journey_context(db, journey_id, me))


@router.get("/journeys/{journey_id}/edit", response_class=HTMLResponse)
def edit_journey_page(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    journey = service.get_journey(db, journey_id)
    require(me, Permission.EDIT_JOURNEYS)
    form = {"name": journey.name, "description": journey.description, "start_feeling": journey.start_feeling}
    return render(request, "journeys/journey_form.html", {"form": form, "journey": journey})


@router.post("/journeys/{journey_id}/edit")
async def update_journey(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    journey = service.get_journey(db, journey_id)
    form = await read_form(request)
    try:
        service.update_journey(db, me, journey.id, parse(JourneyIn, form))
    except Invalid as exc:
        return render(
            request,
            "journeys/journey_form.html",
            {"form": form, "journey": journey, "errors": exc.errors},
            status_code=422,
        )
    return redirect(request, f"/journeys/{journey.id}", flash=_("Journey saved."))


@router.post("/journeys/{journey_id}/archive")
def archive_journey(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    service.set_journey_archived(db, me, journey_id, True)
    return redirect(request, "/journeys", flash=_("Journey archived."))


@router.post("/journeys/{journey_id}/restore")
def restore_journey(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    service.set_journey_archived(db, me, journey_id, False)
    return redirect(request, f"/journeys/{journey_id}", flash=_("Journey restored."))


# Moments --------------------------------------------------------------------------------------------


def _moment_options(db: Db, keep_channel_id: int | None = None) -> dict[str, Any]:
    """Choices for the moment form; an archived channel stays offered to the moment that uses it."""
    locale = get_locale()
    archived = _("archived")
    channels = [("", _("None (customer-only moment)"))]
    channels += [(code, _(label)) for code, label in STANDARD_CHANNELS.items()]
    channels += [
        (f"custom:{c.id}", localized(c.name, locale) + (f" ({archived})" if c.archived_at else ""))
        for c in repository.channels(db, include_archived=True)
        if c.archived_at is None or c.id == keep_channel_id
    ]
    return {
        "channel_options": channels,
        "team_options": [("", _("No owning team"))] + [(str(t.id), t.name) for t in accounts_repo.teams(db)],
        "predictability_options": [(k, _(v)) for k, v in PREDICTABILITY.items()],
        "kind_options": [(k, _(v)) for k, v in KINDS.items()],
        "contact_options": [(k, _(v)) for k, v in CONTACTS.items()],
    }


def _moment_form(moment: Any) -> dict[str, Any]:
    return {
        "name": moment.name,
        "description": moment.description,
        "channel": service.channel_code(moment),
        "team_id": moment.team_id or "",
        "role_label": moment.role_label,
        "predictability": moment.predictability,
        "kind": moment.kind,
        "contact": moment.contact,
        "service_guideline": moment.service_guideline,
        "keywords": moment.keywords,
    }


@router.get("/journeys/{journey_id}/moments/new", response_class=HTMLResponse)
def new_moment_page(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    journey = service.get_journey(db, journey_id)
    require(me, Permission.EDIT_JOURNEYS)
    form = {"kind": "standard", "contact": "touchpoint", "predictability": "faq", "channel": "phone"}
    return render(
        request,
        "journeys/moment_form.html",
        {"journey": journey, "moment": None, "form": form, **_moment_options(db)},
    )


@router.post("/journeys/{journey_id}/moments/new")
async def create_moment(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    journey = service.get_journey(db, journey_id)
    form = none_if_blank(await read_form(request), "team_id")
    and_another = bool(form.pop("and_another", None))
    try:
        service.create_moment(db, me, journey.id, parse(MomentIn, form))
    except Invalid as exc:
        return render(
            request,
            "journeys/moment_form.html",
            {"journey": journey, "moment": None, "form": form, "errors": exc.errors, **_moment_options(db)},
            status_code=422,
        )
    target = f"/journeys/{journey.id}/moments/new" if and_another else f"/journeys/{journey.id}"
    return redirect(request, target, flash=_("Moment added."))


@router.get("/moments/{moment_id}/edit", response_class=HTMLResponse)
def edit_moment_page(request: Request, db: Db, me: PagePrincipal, moment_id: int) -> Response:
    moment = service.get_moment(db, moment_id)
    require(me, Permission.EDIT_JOURNEYS)
    journey = service.get_journey(db, moment.journey_id)
    return render(
        request,
        "journeys/moment_form.html",
        {
            "journey": journey,
            "moment": moment,
            "form": _moment_form(moment),
            **_moment_options(db, moment.channel_id),
        },
    )


@router.post("/moments/{moment_id}/edit")
async def update_moment(request: Request, db: Db, me: PagePrincipal, moment_id: int) -> Response:
    moment = service.get_moment(db, moment_id)
    journey = service.get_journey(db, moment.journey_id)
    form = none_if_blank(await read_form(request), "team_id")
    try:
        service.update_moment(db, me, moment.id, parse(MomentIn, form))
    except Invalid as exc:
        return render(
            request,
            "journeys/moment_form.html",
            {
                "journey": journey,
                "moment": moment,
                "form": form,
                "errors": exc.errors,
                **_moment_options(db, moment.channel_id),
            },
            status_code=422,
        )
    return redirect(request, f"/journeys/{journey.id}", flash=_("Moment saved."))


@router.post("/moments/{moment_id}/move")
async def move_moment(request: Request, db: Db, me: PagePrincipal, moment_id: int) -> Response:
    form = await read_form(request)
    offset = -1 if form.get("direction") == "up" else 1
    moment = service.move_moment(db, me, moment_id, offset)
    if request.headers.get("HX-Request"):
        return render(
            request, "journeys/detail.html", _journey_context(db, moment.journey_id, me), block="moments"
        )
    return redirect(request, f"/journeys/{moment.journey_id}")


@router.post("/moments/{moment_id}/archive")
def archive_moment(request: Request, db: Db, me: PagePrincipal, moment_id: int) -> Response:
    moment = service.set_moment_archived(db, me, moment_id, True)
    return redirect(request, f"/journeys/{moment.journey_id}", flash=_("Moment archived."))


@router.post("/moments/{moment_id}/restore")
def restore_moment(request: Request, db: Db, me: PagePrincipal, moment_id: int) -> Response:
    moment = service.set_moment_archived(db, me, moment_id, False)
    return redirect(request, f"/journeys/{moment.journey_id}", flash=_("Moment restored."))


@router.post("/moments/{moment_id}/delete")
def delete_moment(request: Request, db: Db, me: PagePrincipal, moment_id: int) -> Response:
    journey_id = service.get_moment(db, moment_id).journey_id
    outcome = service.remove_moment(db, me, moment_id)
    message = (
        _("Moment deleted.")
        if outcome == "deleted"
        else _("The moment holds data, so it was archived instead of deleted.")
    )
    return redirect(
        request, f"/journeys/{journey_id}", flash=message, kind="success" if outcome == "deleted" else "info"
    )


# Journey map ----------------------------------------------------------------------------------------


def _measured(me: Principal, journey_id: int) -> list[Any] | None:
    """The journey's measured curves from the analytic store (None while another process holds it)."""
    from nineplus.analytics import views  # Ibis: loaded on first use, not at start

    minimum = get_settings().minimum_n
    return read_store(lambda store: views.journey_curves(store, me.organisation_id, journey_id, minimum))


@router.get("/journeys/{journey_id}/map", response_class=HTMLResponse)
def map_page(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    require(me, Permission.VIEW_JOURNEYS)
    journey = service.get_journey(db, journey_id)
    moments = repository.moments(db, journey.id)
    curves = mapdata.expected_curves(db, journey, moments)
    measured = _measured(me, journey.id)
    return render(
        request,
        "journeys/map.html",
        {
            "journey": journey,
            "svg": mapdata.build_map_svg(db, journey, measured),
            "measured_busy": measured is None,
            "moments": moments,
            "curves": curves,
        },
    )


@router.get("/journeys/{journey_id}/map.svg")
def map_svg(db: Db, me: PagePrincipal, journey_id: int) -> Response:
    require(me, Permission.VIEW_JOURNEYS)
    journey = service.get_journey(db, journey_id)
    svg = mapdata.build_map_svg(db, journey, _measured(me, journey.id))
    headers = _download_headers(journey.id, localized(journey.name, get_locale()), "svg")
    return Response(svg, media_type="image/svg+xml", headers=headers)


@router.get("/journeys/{journey_id}/map.png")
def map_png(db: Db, me: PagePrincipal, journey_id: int) -> Response:
    require(me, Permission.VIEW_JOURNEYS)
    journey = service.get_journey(db, journey_id)
    png = svg_to_png(mapdata.build_map_svg(db, journey, _measured(me, journey.id)), scale=2)
    headers = _download_headers(journey.id, localized(journey.name, get_locale()), "png")
    return Response(png, media_type="image/png", headers=headers)


# Workshops ------------------------------------------------------------------------------------------


@router.get("/journeys/{journey_id}/workshops/new", response_class=HTMLResponse)
def new_workshop_page(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    journey = service.get_journey(db, journey_id)
    require(me, Permission.RUN_WORKSHOPS)
    form = {"held_on": date.today().isoformat()}
    return render(request, "journeys/workshop_new.html", {"journey": journey, "form": form})


@router.post("/journeys/{journey_id}/workshops/new")
async def create_workshop(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    journey = service.get_journey(db, journey_id)
    form = await read_form(request)
    try:
        workshop = service.create_workshop(db, me, journey.id, parse(WorkshopIn, form))
    except Invalid as exc:
        return render(
            request,
            "journeys/workshop_new.html",
            {"journey": journey, "form": form, "errors": exc.errors},
            status_code=422,
        )
    return redirect(request, f"/workshops/{workshop.id}", flash=_("Workshop created. Fill in the moments."))


def _workshop_context(db: Db, workshop_id: int) -> dict[str, Any]:
    workshop = service.get_workshop(db, workshop_id)
    journey = service.get_journey(db, workshop.journey_id)
    entries = {e.moment_id: e for e in repository.entries(db, [workshop.id])}
    moments = repository.moments_for_record(db, journey.id, set(entries))
    return {"workshop": workshop, "journey": journey, "moments": moments, "entries": entries}


def _entry_form(moments: list[Any], entries: dict[int, Any]) -> dict[str, Any]:
    form: dict[str, Any] = {}
    for i, moment in enumerate(moments):
        e = entries.get(moment.id)
        form[str(i)] = {
            "moment_id": moment.id,
            "wanted": e.wanted if e else "",
            "today": e.today if e else "",
            "feeling_today": e.feeling_today if e else "",
            "quality_view": e.quality_view if e else "",
            "expected_emotion": e.expected_emotion if e else None,
        }
    return form


@router.get("/workshops/{workshop_id}", response_class=HTMLResponse)
def workshop_page(request: Request, db: Db, me: PagePrincipal, workshop_id: int) -> Response:
    require(me, Permission.VIEW_JOURNEYS)
    context = _workshop_context(db, workshop_id)
    w = context["workshop"]
    form = {
        "title": w.title,
        "held_on": w.held_on.isoformat(),
        "facilitator": w.facilitator,
        "participants": w.participants,
        "notes": w.notes,
        "entries": _entry_form(context["moments"], context["entries"]),
    }
    return render(
        request,
        "journeys/workshop.html",
        {**context, "form": form, "can_edit": me.can(Permission.RUN_WORKSHOPS)},
    )


@router.post("/workshops/{workshop_id}")
async def save_workshop(request: Request, db: Db, me: PagePrincipal, workshop_id: int) -> Response:
    context = _workshop_context(db, workshop_id)
    form = await read_form(request)
    items = pop_indexed(form, "entries", "expected_emotion")
    try:
        details = parse(WorkshopIn, form)
        entries = parse(WorkshopEntriesIn, {"entries": items})
        service.save_entries(db, me, workshop_id, entries)
        service.update_workshop(db, me, workshop_id, details)
    except Invalid as exc:
        form["entries"] = {str(i): item for i, item in enumerate(items)}
        return render(
            request,
            "journeys/workshop.html",
            {**context, "form": form, "errors": exc.errors, "can_edit": me.can(Permission.RUN_WORKSHOPS)},
            status_code=422,
        )
    return redirect(request, f"/workshops/{workshop_id}", flash=_("Workshop saved."))


@router.post("/workshops/{workshop_id}/delete")
def delete_workshop(request: Request, db: Db, me: PagePrincipal, workshop_id: int) -> Response:
    journey_id = service.get_workshop(db, workshop_id).journey_id
    service.delete_workshop(db, me, workshop_id)
    return redirect(request, f"/journeys/{journey_id}", flash=_("Workshop deleted."))


# Experience values and channels ---------------------------------------------------------------------


def _settings_context(db: Db) -> dict[str, Any]:
    return {
        "values": repository.experience_values(db),
        "channels": repository.channels(db, include_archived=True),
        "standard_channels": STANDARD_CHANNELS,
        "value_form": {},
        "channel_form": {},
    }


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    require(me, Permission.VIEW_JOURNEYS)
    return render(request, "journeys/settings.html", _settings_context(db))


@router.post("/settings/values")
async def create_value(request: Request, db: Db, me: PagePrincipal) -> Response:
    form = await read_form(request)
    try:
        service.create_experience_value(db, me, parse(ExperienceValueIn, form))
    except Invalid as exc:
        return render(
            request,
            "journeys/settings.html",
            {**_settings_context(db), "value_form": form, "value_errors": exc.errors},
            status_code=422,
        )
    return redirect(request, "/settings", flash=_("Experience value added."))


@router.get("/settings/values/{value_id}/edit", response_class=HTMLResponse)
def edit_value_page(request: Request, db: Db, me: PagePrincipal, value_id: int) -> Response:
    value = service.get_experience_value(db, value_id)
    require(me, Permission.EDIT_SETTINGS)
    return render(
        request,
        "journeys/value_form.html",
        {"value": value, "form": {"name": value.name, "description": value.description}},
    )


@router.post("/settings/values/{value_id}/edit")
async def update_value(request: Request, db: Db, me: PagePrincipal, value_id: int) -> Response:
    value = service.get_experience_value(db, value_id)
    form = await read_form(request)
    try:
        service.update_experience_value(db, me, value.id, parse(ExperienceValueIn, form))
    except Invalid as exc:
        return render(
            request,
            "journeys/value_form.html",
            {"value": value, "form": form, "errors": exc.errors},
            status_code=422,
        )
    return redirect(request, "/settings", flash=_("Experience value saved."))


@router.post("/settings/values/{value_id}/delete")
def delete_value(request: Request, db: Db, me: PagePrincipal, value_id: int) -> Response:
    service.delete_experience_value(db, me, value_id)
    return redirect(request, "/settings", flash=_("Experience value deleted."))


@router.post("/settings/channels")
async def create_channel(request: Request, db: Db, me: PagePrincipal) -> Response:
    form = await read_form(request)
    try:
        service.create_channel(db, me, parse(ChannelIn, form))
    except Invalid as exc:
        return render(
            request,
            "journeys/settings.html",
            {**_settings_context(db), "channel_form": form, "channel_errors": exc.errors},
            status_code=422,
        )
    return redirect(request, "/settings", flash=_("Channel added."))


@router.post("/settings/channels/{channel_id}/restore")
def restore_channel(request: Request, db: Db, me: PagePrincipal, channel_id: int) -> Response:
    service.restore_channel(db, me, channel_id)
    return redirect(request, "/settings", flash=_("Channel restored."))


@router.post("/settings/channels/{channel_id}/archive")
def archive_channel(request: Request, db: Db, me: PagePrincipal, channel_id: int) -> Response:
    service.archive_channel(db, me, channel_id)
    return redirect(request, "/settings", flash=_("Channel archived."))
