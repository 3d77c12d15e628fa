"""Survey pages for the CX lead: list, create, design the draft, field, invite, and revise a live survey."""

from __future__ import annotations

import io
from typing import Any

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, EmailStr

from nineplus.accounts import repository as accounts_repo
from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.analytics import charts
from nineplus.analytics.store import read_store
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import N_, get_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized
from nineplus.core.principal import Principal
from nineplus.core.settings import get_settings
from nineplus.core.validation import parse
from nineplus.feedback import fielding, forms, honesty, persons, repository, scoring, service
from nineplus.feedback.schemas import ProtocolIn, QuestionIn, RevisionIn, SurveyIn
from nineplus.journeys import repository as journeys_repo
from nineplus.journeys.models import Journey
from nineplus.web import charts as web_charts
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.forms import none_if_blank, read_form
from nineplus.web.templating import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


class _EmailIn(BaseModel):
    email: EmailStr


QUESTION_TYPES = {
    "nps": N_("Recommendation (NPS, 0-10)"),
    "csat": N_("Satisfaction (CSAT, 1-5)"),
    "effort": N_("Effort (CES, 1-7)"),
    "emotion": N_("Emotion (-3 to +3)"),
    "start_feeling": N_("Start feeling (-3 to +3)"),
    "single": N_("One choice"),
    "multiple": N_("Several choices"),
    "text": N_("Open text (why?)"),
    "consent": N_("Consent (yes / no)"),
}


def _type_options() -> list[tuple[str, str]]:
    return [(k, _(v)) for k, v in QUESTION_TYPES.items()]


@router.get("/surveys", response_class=HTMLResponse)
def surveys_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    require(me, Permission.MANAGE_SURVEYS)
    journeys = {j.id: j for j in journeys_repo.journeys(db, include_archived=True)}
    return render(
        request,
        "feedback/list.html",
        {"surveys": repository.surveys(db), "journeys": journeys, "counts": repository.response_counts(db)},
    )


def _new_context(db: Db, form: dict[str, Any], errors: dict[str, str] | None = None) -> dict[str, Any]:
    locale = get_locale()
    journeys = journeys_repo.journeys(db)
    moment_options = [("", "—")] + [
        (str(m.id), f"{localized(j.name, locale)} → {localized(m.name, locale)}")
        for j in journeys
        for m in journeys_repo.moments(db, j.id)
    ]
    journey_options = [("", "—")] + [(str(j.id), localized(j.name, locale)) for j in journeys]
    return {
        "journey_options": journey_options,
        "moment_options": moment_options,
        "form": form,
        "errors": errors,
    }


@router.get("/surveys/new", response_class=HTMLResponse)
def new_survey_page(request: Request, db: Db, me: PagePrincipal) -> Response:
    require(me, Permission.MANAGE_SURVEYS)
    return render(
        request, "feedback/new.html", _new_context(db, {"kind": "relationship", "audience": "customer"})
    )


@router.post("/surveys/new")
async def create_survey(request: Request, db: Db, me: PagePrincipal) -> Response:
    form = none_if_blank(await read_form(request), "moment_id", "journey_id")
    try:
        survey = service.create_survey(db, me, parse(SurveyIn, form))
    except Invalid as exc:
        return render(request, "feedback/new.html", _new_context(db, form, exc.errors), status_code=422)
    return redirect(request, f"/surveys/{survey.id}", flash=_("Survey created. Add its questions."))


def _inline_chart(chart: charts.Chart | None) -> tuple[int | None, Markup] | None:
    return None if chart is None else (chart.version, web_charts.inline(chart))  # type: ignore[return-value]


def _figures(db: Db, survey: Any) -> scoring.SurveyFigures | None:
    """The survey's scores from the analytic store; None while another process holds it."""
    return read_store(lambda store: scoring.survey_figures(db, store, survey))


def _detail_context(db: Db, me: Principal, survey_id: int) -> dict[str, Any]:
    survey = service.get_survey(db, survey_id)
    versions = service.versions(db, survey.id)
    current = versions[-1]
    started, submitted = repository.response_counts(db).get(survey.id, (0, 0))
    invited, answered = repository.invitation_counts(db, survey.id)
    journey = db.get_one(Journey, survey.journey_id)
    figures = _figures(db, survey)
    return {
        "survey": survey,
        "journey": journey,
        "versions": versions,
        "current": current,
        "questions": service.questions(db, current.id),
        "started": started,
        "submitted": submitted,
        "invited": invited,
        "answered": answered,
        "type_labels": QUESTION_TYPES,
        "type_options": _type_options(),
        "moments": {m.id: m for m in journeys_repo.moments(db, survey.journey_id, include_archived=True)},
        "public_link": f"{get_settings().base_url.rstrip('/')}/s/{survey.public_key}",
        "rates_by_team": repository.rates_by_team(db, survey.id),
        "rates_by_channel": repository.rates_by_channel(db, survey.id),
        "scores": None if figures is None else figures.lines,
        "scores_as_of": None if figures is None else figures.refreshed_at,
        "distribution": _inline_chart(figures and scoring.distribution_chart(figures)),
        "monthly": _inline_chart(figures and scoring.monthly_chart(figures)),
        "checks": honesty.run_cached(db, survey),
        "internal_kept_out": honesty.internal_kept_out(db, survey),
        "question_form": {"type": "nps", "page": 1},
        "protocol_form": current.protocol,
        "invite_form": {},
        "team_options": [("", _("All teams"))] + [(str(t.id), t.name) for t in accounts_repo.teams(db)],
    }


@router.get("/surveys/{survey_id}", response_class=HTMLResponse)
def survey_page(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    require(me, Permission.MANAGE_SURVEYS)
    return render(request, "feedback/detail.html", _detail_context(db, me, survey_id))


@router.get("/surveys/{survey_id}/qr.{kind}")
def survey_qr(db: Db, me: PagePrincipal, survey_id: int, kind: str) -> Response:
    """The anonymous link as a QR code, to print on a receipt, a poster or a letter."""
    require(me, Permission.MANAGE_SURVEYS)
    survey = service.get_survey(db, survey_id)
    if kind not in ("svg", "png"):
        raise NotFound("qr")
    link = f"{get_settings().base_url.rstrip('/')}/s/{survey.public_key}"
    buffer = io.BytesIO()
    options: dict[str, Any] = {"xmldecl": False, "svgns": True, "title": link} if kind == "svg" else {}
    segno.make(link, error="m").save(buffer, kind=kind, scale=8, border=2, **options)
    media = "image/svg+xml" if kind == "svg" else "image/png"
    headers = {"Content-Disposition": f'inline; filename="survey-{survey.id}-qr.{kind}"'}
    return Response(buffer.getvalue(), media_type=media, headers=headers)


@router.get("/surveys/{survey_id}/charts/{name}.{kind}")
def survey_chart(
    db: Db, me: PagePrincipal, survey_id: int, name: str, kind: str, version: int | None = None
) -> Response:
    """One of the survey page's charts as SVG, PNG or the CSV of its data."""
    require(me, Permission.MANAGE_SURVEYS)
    if name not in scoring.CHARTS:
        raise NotFound("chart")
    figures = _figures(db, service.get_survey(db, survey_id))
    chart = None if figures is None else scoring.CHARTS[name](figures, version)
    filename = f"survey-{survey_id}-v{chart.version if chart else 0}-{name}"
    return web_charts.download(chart, kind, filename)


@router.post("/surveys/{survey_id}/questions")
async def add_question(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    survey = service.get_survey(db, survey_id)
    form = await read_form(request)
    try:
        service.add_question(db, me, survey.id, parse(QuestionIn, forms.question_data(dict(form))))
    except Invalid as exc:
        context = {**_detail_context(db, me, survey.id), "question_form": form, "question_errors": exc.errors}
        return render(request, "feedback/detail.html", context, status_code=422)
    return redirect(request, f"/surveys/{survey.id}", flash=_("Question added."))


@router.post("/surveys/{survey_id}/protocol")
async def set_protocol(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    survey = service.get_survey(db, survey_id)
    form = await read_form(request)
    try:
        service.set_protocol(db, me, survey.id, parse(ProtocolIn, forms.protocol_data(form)))
    except Invalid as exc:
        context = {**_detail_context(db, me, survey.id), "protocol_form": form, "protocol_errors": exc.errors}
        return render(request, "feedback/detail.html", context, status_code=422)
    return redirect(request, f"/surveys/{survey.id}", flash=_("Protocol saved."))


@router.post("/surveys/{survey_id}/field")
def start_fielding(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    service.start_fielding(db, me, survey_id)
    return redirect(
        request, f"/surveys/{survey_id}", flash=_("The survey is being fielded; its protocol is frozen.")
    )


@router.post("/surveys/{survey_id}/close")
def close_survey(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    service.close_survey(db, me, survey_id)
    return redirect(request, f"/surveys/{survey_id}", flash=_("The survey is closed."))


@router.post("/surveys/{survey_id}/invite")
async def invite(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    survey = service.get_survey(db, survey_id)
    form = await read_form(request)
    try:
        email = parse(_EmailIn, form).email
        fielding.invite_by_email(db, me, survey.id, email, str(form.get("name", ""))[:200])
    except Invalid as exc:
        context = {**_detail_context(db, me, survey.id), "invite_form": form, "invite_errors": exc.errors}
        return render(request, "feedback/detail.html", context, status_code=422)
    return redirect(
        request, f"/surveys/{survey.id}", flash=_("Invitation queued for %(email)s.", email=email)
    )


@router.post("/surveys/{survey_id}/invite-group")
async def invite_group(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    """Invite every person of a kind (and team) whom the protocol allows; say how many were skipped why."""
    survey = service.get_survey(db, survey_id)
    form = await read_form(request)
    kind = str(form.get("kind", ""))
    team_id = int(form["team_id"]) if str(form.get("team_id", "")).isdigit() else None
    try:
        if kind not in ("customer", "employee"):
            raise Invalid({"kind": _("Choose one of the listed options.")})
        report = persons.invite_selection(db, me, survey.id, kind=kind, team_id=team_id)
    except Invalid as exc:
        context = {**_detail_context(db, me, survey.id), "group_errors": exc.errors}
        return render(request, "feedback/detail.html", context, status_code=422)
    labels = {reason: _(label) for reason, label in fielding.REFUSAL_LABELS.items()}
    message = _("%(count)s invitation(s) queued.", count=report.invited)
    if report.skipped:
        skipped = ", ".join(f"{labels[reason]}: {n}" for reason, n in sorted(report.skipped.items()))
        message += " " + _("Not invited: %(skipped)s.", skipped=skipped)
    return redirect(request, f"/surveys/{survey.id}", flash=message)


@router.get("/surveys/{survey_id}/revise", response_class=HTMLResponse)
def revise_page(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    require(me, Permission.MANAGE_SURVEYS)
    context = _revise_context(db, survey_id)
    form = forms.revision_defaults(context["questions"], context["current"].protocol)
    return render(request, "feedback/revise.html", {**context, "errors": {}, "form": form})


def _revise_context(db: Db, survey_id: int) -> dict[str, Any]:
    survey = service.get_survey(db, survey_id)
    current = service.current_version(db, survey.id)
    return {
        "survey": survey,
        "current": current,
        "questions": service.questions(db, current.id),
        "type_labels": QUESTION_TYPES,
        "type_options": _type_options(),
    }


@router.post("/surveys/{survey_id}/revise")
async def revise(request: Request, db: Db, me: PagePrincipal, survey_id: int) -> Response:
    """The next version: wording, page and required per question, questions removed or added, and the
    protocol; a question keeps its key, type and options (a new key is a new question)."""
    context = _revise_context(db, survey_id)
    form = await read_form(request)
    revision = forms.revision_from_form(form, context["questions"], context["current"].protocol)
    try:
        version = service.revise(db, me, survey_id, parse(RevisionIn, revision.checked()))
    except Invalid as exc:
        errors = forms.revision_errors(exc.errors, revision.kept, revision.adding)
        return render(
            request, "feedback/revise.html", {**context, "errors": errors, "form": form}, status_code=422
        )
    return redirect(
        request,
        f"/surveys/{survey_id}",
        flash=_("Version %(number)s is now being fielded.", number=version.number),
    )
