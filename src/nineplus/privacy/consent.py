"""Consent asked in a survey: a consent question names what it asks permission for (``purpose``, frozen
with its version like its wording), and only a "yes" grants it; a "no", or no answer, withholds it.

- ``contact``: to be contacted about the answers. Withheld, the case opened on the response says so and
  the customer is not asked again after it.
- ``link``: to keep the answers linked to the respondent. Withheld, the response is stored without its
  respondent's pseudonym (its team stays): it counts in every figure but is tied to no one, not even
  through the link kept apart.

A survey whose version asks nothing about a purpose does not restrict it (its basis lies elsewhere, e.g.
the organisation's legitimate interest in following up a complaint)."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from nineplus.feedback.models import Answer, Question, Response


def given(session: Session, response_id: int, purpose: str) -> bool | None:
    """Whether the respondent said yes to every question of the response's version that asks permission
    for ``purpose`` (no answer is no); None when the version asks nothing about it."""
    answers = session.execute(
        select(Answer.value_text)
        .select_from(Response)
        .join(Question, Question.version_id == Response.version_id)
        .outerjoin(Answer, and_(Answer.response_id == Response.id, Answer.question_id == Question.id))
        .where(Response.id == response_id, Question.type == "consent", Question.purpose == purpose)
    ).all()
    if not answers:
        return None
    return all(value == "yes" for (value,) in answers)


def granted(session: Session, response_id: int, purpose: str) -> bool:
    """Whether ``purpose`` is allowed: asked and answered yes, or not asked at all."""
    return given(session, response_id, purpose) is not False
