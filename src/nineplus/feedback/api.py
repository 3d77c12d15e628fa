"""/api/v1 for responses: store a complete response with a client-generated id, read them page by page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.feedback import fielding, public_api, service
from nineplus.feedback.models import Answer, Question, Response, SurveyVersion
from nineplus.feedback.public_api import SUBMIT_RESPONSES, ResponseAck, ResponseIn
from nineplus.web.deps import ApiPrincipal, Db

router = APIRouter(prefix="/api/v1", tags=["responses"])


class AnswerOut(BaseModel):
    question_id: int
    question_key: str = Field(description="Stable across the survey's versions.")
    moment_id: int | None
    value: int | str | list[str] | None


class ResponseOut(BaseModel):
    id: int
    client_id: str
    survey_id: int
    version: int = Field(description="The survey version the answers were given under.")
    locale: str
    moments_experienced: list[int]
    started_at: datetime
    submitted_at: datetime | None
    answers: list[AnswerOut]


class ResponsePage(BaseModel):
    items: list[ResponseOut]
    next_after: int | None = Field(description="Pass as `after` for the next page; null on the last page.")


@router.post(
    "/surveys/{survey_id}/responses", status_code=201, response_model=ResponseAck, responses=SUBMIT_RESPONSES
)
async def create_response(
    request: Request, db: Db, me: ApiPrincipal, survey_id: int, data: ResponseIn
) -> JSONResponse:
    """Store a complete response (the same rules as the response page). `client_id` is the idempotency
    key: a retry is answered 200 with the same id and stores nothing twice."""
    require(me, Permission.SUBMIT_RESPONSES)
    key = service.get_survey(db, survey_id).public_key
    db.commit()  # end this request's transaction now: the writer needs SQLite's write lock
    return await public_api.store(request.app, key, data)


@router.get("/surveys/{survey_id}/responses", response_model=ResponsePage)
def list_responses(
    db: Db,
    me: ApiPrincipal,
    survey_id: int,
    after: Annotated[
        int, Query(ge=0, description="Only responses with a larger id (keyset pagination).")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    include_unfinished: Annotated[bool, Query(description="Also responses not submitted (yet).")] = False,
) -> ResponsePage:
    """Responses in id order with their answers in long form, a page at a time."""
    require(me, Permission.VIEW_RESPONSES)
    survey = service.get_survey(db, survey_id)
    stmt = select(Response).where(Response.survey_id == survey.id, Response.id > after)
    if not include_unfinished:
        stmt = stmt.where(Response.submitted_at.is_not(None))
    found = list(db.scalars(stmt.order_by(Response.id).limit(limit + 1)))
    page = found[:limit]
    versions = select(SurveyVersion.id, SurveyVersion.number).where(SurveyVersion.survey_id == survey.id)
    numbers = dict(db.execute(versions).all())  # {version id: number}
    answers: dict[int, list[AnswerOut]] = {r.id: [] for r in page}
    if page:
        rows = db.execute(
            select(Answer, Question.key, Question.type)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.response_id.in_(answers))
            .order_by(Answer.response_id, Question.position, Answer.moment_key)
        )
        for answer, key, kind in rows:
            answers[answer.response_id].append(
                AnswerOut(
                    question_id=answer.question_id,
                    question_key=key,
                    moment_id=answer.moment_id,
                    value=fielding.answer_value(answer, kind),
                )
            )
    items = [
        ResponseOut(
            id=r.id,
            client_id=r.client_id,
            survey_id=r.survey_id,
            version=numbers[r.version_id],
            locale=r.locale,
            moments_experienced=r.moments_experienced,
            started_at=r.started_at,
            submitted_at=r.submitted_at,
            answers=answers[r.id],
        )
        for r in page
    ]
    return ResponsePage(items=items, next_after=page[-1].id if len(found) > limit else None)
