"""The public JSON endpoint that takes a whole response in one request (a kiosk, an app, a widget).

It needs no login: the survey's anonymous key is the address, as on the anonymous response page. The
answers are validated here against the frozen questions of the survey's current version (kept in a
short-lived cache, so a busy survey does not read its questions for every submission), then handed to
the group-commit writer; the reply comes only after the response is durably stored. A retry with the same
``client_id`` is answered with the same response id and stores nothing twice.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from nineplus.accounts.models import Organisation
from nineplus.core import db
from nineplus.core.errors import Conflict, Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.models import utcnow
from nineplus.core.security import sign
from nineplus.core.settings import get_settings
from nineplus.feedback import fielding, service
from nineplus.feedback.intake import GroupWriter, Outcome, Submission, store_one
from nineplus.feedback.schemas import AnswerIn, ClientId
from nineplus.journeys.repository import moments as journey_moments

router = APIRouter(prefix="/api/v1/public", tags=["public survey"])
CACHE_SECONDS = 2.0
WAIT_SECONDS = 30.0


class ResponseIn(BaseModel):
    """A complete response: the moments the respondent went through and every answer at once."""

    model_config = ConfigDict(extra="forbid")
    client_id: Annotated[
        ClientId, Field(description="Made by the client (8-64 of A-Z a-z 0-9 _ -); a retry sends it again.")
    ]
    locale: Literal["nl", "en"] = "nl"
    moments_experienced: list[int] = Field(default_factory=list, max_length=200)
    answers: list[AnswerIn] = Field(min_length=1, max_length=500)


class ResponseAck(BaseModel):
    id: int
    client_id: str
    stored: Literal["now", "earlier"] = Field(description="'earlier': a retry of a response already stored.")


@dataclass(frozen=True)
class OpenSurvey:
    """What validating a submission needs, read once and shared for a moment."""

    survey_id: int
    organisation_id: int
    version_id: int
    live: bool
    questions: dict[int, fielding.QuestionView]  # of a frozen version: they do not change
    moment_ids: frozenset[int]
    read_at: float
    anonymous: bool = False  # no device hash and the day only (the version's protocol)
    timezone: str = "UTC"  # the organisation's, for an anonymous response's day


def _open_session(app: FastAPI, *, write: bool) -> Session:
    factory = getattr(app.state, "session_factory", None) or db.new_session
    return factory(write=write)


def _read_survey(app: FastAPI, key: str) -> OpenSurvey | None:
    session = _open_session(app, write=False)
    try:
        try:
            survey = fielding.survey_by_key(session, key)
        except NotFound:
            return None
        organisation_id = survey.organisation_id
        version = service.current_version(session, survey.id)
        result = OpenSurvey(
            survey_id=survey.id,
            organisation_id=organisation_id,
            version_id=version.id,
            live=survey.status == "live",
            questions={q.id: fielding.QuestionView.of(q) for q in service.questions(session, version.id)},
            moment_ids=frozenset(m.id for m in journey_moments(session, survey.journey_id)),
            read_at=time.monotonic(),
            anonymous=service.is_anonymous(version),
            timezone=session.get_one(Organisation, organisation_id).timezone,
        )
        session.commit()
        return result
    finally:
        session.close()


async def _survey(app: FastAPI, key: str) -> OpenSurvey:
    """The survey behind ``key``. One request at a time reads it again once the copy is older than
    CACHE_SECONDS; the others meanwhile use the copy (the writer checks the status itself)."""
    found = _cache(app).get(key)
    if found is not None and time.monotonic() - found.read_at <= CACHE_SECONDS:
        return found
    reading: dict[str, asyncio.Task[OpenSurvey | None]] = _held(app, "reading_surveys")
    task = reading.get(key)
    if task is None:
        task = reading[key] = asyncio.create_task(_refresh(app, key))
        task.add_done_callback(lambda done: (reading.pop(key, None), done.cancelled() or done.exception()))
    if found is not None:
        return found
    found = await asyncio.shield(task)
    if found is None:
        raise NotFound("survey")
    return found


async def _refresh(app: FastAPI, key: str) -> OpenSurvey | None:
    cache = _cache(app)
    found = await run_in_threadpool(_read_survey, app, key)
    if found is None:
        cache.pop(key, None)
        return None
    if len(cache) > 10_000:
        cache.clear()
    cache[key] = found
    return found


def _cache(app: FastAPI) -> dict[str, OpenSurvey]:
    return _held(app, "open_surveys")


def _held(app: FastAPI, name: str) -> dict[str, Any]:
    """A dictionary kept on the application (per process)."""
    held = getattr(app.state, name, None)
    if held is None:
        held = {}
        setattr(app.state, name, held)
    return held


def _writer(app: FastAPI) -> GroupWriter:
    writer = getattr(app.state, "group_writer", None)
    if writer is None:
        limit = get_settings().group_commit_max
        writer = GroupWriter(lambda: _open_session(app, write=True), max_batch=limit)
        app.state.group_writer = writer
    return writer


def stop_writer(app: FastAPI) -> None:
    """Store what is queued and end the writer's thread (the application's shutdown)."""
    writer = getattr(app.state, "group_writer", None)
    if writer is not None:
        writer.stop()


def _submission(survey: OpenSurvey, data: ResponseIn, source: str | None) -> Submission:
    experienced = sorted(set(data.moments_experienced))
    if not set(experienced) <= survey.moment_ids:
        raise Invalid({"moments_experienced": _("Choose moments of this journey.")})
    rows = fielding.checked_answers(survey.questions, experienced, data.answers)
    given = {key for key, values in rows.items() if values}
    missing = fielding.missing_required(survey.questions, experienced, given)
    if missing:
        raise Invalid(missing)
    return Submission(
        organisation_id=survey.organisation_id,
        survey_id=survey.survey_id,
        version_id=survey.version_id,
        client_id=data.client_id,
        locale=data.locale,
        moments_experienced=experienced,
        answers=rows,
        source_hash=None if survey.anonymous else source,
        submitted_at=service.day_of(utcnow(), survey.timezone) if survey.anonymous else None,
    )


SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "A retry: this client id was stored before.", "model": ResponseAck},
    404: {"description": "No such survey."},
    409: {"description": "The client id belongs to another response."},
    410: {"description": "The survey is not being fielded."},
    422: {"description": "An answer is missing or not valid; `errors` names each field."},
}


@router.post(
    "/surveys/{key}/responses", status_code=201, response_model=ResponseAck, responses=SUBMIT_RESPONSES
)
async def submit_response(request: Request, key: str, data: ResponseIn) -> JSONResponse:
    """Store a complete response to the survey with this anonymous key. Answered only after the
    response is committed; a retry with the same client id is answered 200 with the same id."""
    return await store(request.app, key, data, source=source_of(request))


def source_of(request: Request) -> str:
    """A keyed hash of the sender's address and browser: the same device gives the same value, and the
    value cannot be turned back into the address without the server's secret key."""
    address = request.client.host if request.client else ""
    agent = request.headers.get("user-agent", "")[:300]
    return sign(get_settings().resolved_secret_key(), f"source:{address}|{agent}")[:16]


async def store(app: FastAPI, key: str, data: ResponseIn, source: str | None = None) -> JSONResponse:
    """Validate ``data`` against the survey behind ``key`` and store it (group commit, or a transaction
    of its own); the JSON answer says whether it was stored now or by an earlier try."""
    survey = await _survey(app, key)
    if not survey.live:
        return _closed()
    item = _submission(survey, data, source)
    if get_settings().group_commit:
        future = _writer(app).submit(item)
        # shield: a client that goes away does not cancel the storing, which the writer owns now
        outcome: Outcome = await asyncio.wait_for(asyncio.shield(future), WAIT_SECONDS)
    else:
        outcome = await run_in_threadpool(store_one, lambda: _open_session(app, write=True), item)
    if outcome.refused == "closed":
        _cache(app).pop(key, None)
        return _closed()
    if outcome.refused is not None:
        raise Conflict("response")
    assert outcome.response_id is not None
    stored = "earlier" if outcome.earlier else "now"
    body = {"id": outcome.response_id, "client_id": item.client_id, "stored": stored}
    return JSONResponse(body, status_code=200 if outcome.earlier else 201)


def _closed() -> JSONResponse:
    return JSONResponse({"detail": _("This survey is not open for answers.")}, status_code=410)
