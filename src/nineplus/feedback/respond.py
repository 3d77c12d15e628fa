"""What the response page needs: the pages of a version, and turning a posted form into a submission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.errors import NotFound
from nineplus.feedback import fielding, service
from nineplus.feedback.models import Answer, Question, Response, Survey, SurveyInvitation
from nineplus.feedback.schemas import AnswerIn, SubmitIn
from nineplus.journeys.models import Moment
from nineplus.journeys.repository import moments as journey_moments


@dataclass
class Page:
    number: int
    count: int
    questions: list[Question]
    ask_moments: bool  # this page carries the "which steps did you go through?" checklist
    moments: list[Moment]  # the journey's moments, for the checklist and per-moment questions
    experienced: list[int]
    values: dict[str, Any]  # field name -> value already given (resume)

    @property
    def is_last(self) -> bool:
        return self.number >= self.count


def field_name(question: Question, moment_id: int | None) -> str:
    return f"q{question.id}" if moment_id is None else f"q{question.id}.m{moment_id}"


def page_count(questions: list[Question]) -> int:
    return max((q.page for q in questions), default=1)


def build_page(session: Session, survey: Survey, response: Response | None, number: int) -> Page:
    version_id = response.version_id if response else service.current_version(session, survey.id).id
    questions = service.questions(session, version_id)
    count = page_count(questions)
    number = min(max(number, 1), count)
    per_moment_pages = [q.page for q in questions if q.per_moment]
    values: dict[str, Any] = {}
    if response is not None:
        by_id = {q.id: q for q in questions}
        for answer in session.scalars(select(Answer).where(Answer.response_id == response.id)):
            question = by_id.get(answer.question_id)
            if question is None:
                continue
            values[field_name(question, answer.moment_id)] = fielding.answer_value(answer, question.type)
    return Page(
        number=number,
        count=count,
        questions=[q for q in questions if q.page == number],
        ask_moments=bool(per_moment_pages) and number == 1,
        moments=journey_moments(session, survey.journey_id),
        experienced=list(response.moments_experienced) if response else [],
        values=values,
    )


def submission(form: dict[str, Any], page: Page, client_id: str, locale: str) -> SubmitIn:
    """Turn the posted form of ``page`` into a submission of that page."""
    experienced = page.experienced
    moments_field = None
    if page.ask_moments:
        experienced = [int(m) for m in form.get("moments", []) if str(m).isdigit()]
        moments_field = experienced
    answers: list[AnswerIn] = []
    for question in page.questions:
        for moment_id in fielding.asked(question, experienced):
            name = field_name(question, moment_id)
            raw = form.get(name)
            if question.type == "multiple":
                value: Any = [v for v in (raw if isinstance(raw, list) else [raw]) if v]
            elif question.type in ("nps", "csat", "effort", "emotion", "start_feeling"):
                value = int(raw) if isinstance(raw, str) and raw.lstrip("-").isdigit() else (raw or None)
            else:
                value = raw or None
            answers.append(AnswerIn(question_id=question.id, moment_id=moment_id, value=value))
    return SubmitIn(
        client_id=client_id,
        locale=locale,
        moments_experienced=moments_field,
        answers=answers,
        page=page.number,
        final=page.is_last,
    )  # type: ignore[arg-type]


def page_of_errors(
    session: Session, survey: Survey, response: Response | None, errors: dict[str, str]
) -> int | None:
    """The first page that holds a question named in ``errors`` (a missing answer may be pages back)."""
    version_id = response.version_id if response else service.current_version(session, survey.id).id
    pages = {f"q{q.id}": q.page for q in service.questions(session, version_id)}
    found = [pages[key.split(".")[0]] for key in errors if key.split(".")[0] in pages]
    return min(found) if found else None


def response_of_invitation(session: Session, invitation: SurveyInvitation) -> Response | None:
    return session.scalar(select(Response).where(Response.invitation_id == invitation.id))


def response_of_client(session: Session, survey: Survey, client_id: str | None) -> Response | None:
    if not client_id:
        return None
    response = session.scalar(select(Response).where(Response.client_id == client_id))
    if response is not None and response.survey_id != survey.id:
        raise NotFound("response")
    return response
