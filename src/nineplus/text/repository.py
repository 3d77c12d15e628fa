"""Reading the stored verbatim analyses for the pages: per journey, moment or team, with each verbatim's
NPS score and month. Only the masked text leaves here."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, Select, column, func, literal_column, select, text
from sqlalchemy.orm import Session, aliased

from nineplus.feedback.models import Answer, Question, Response, Survey
from nineplus.text.models import VerbatimAnalysis, VerbatimMoment

LIMIT = 20_000  # the newest verbatims a page reads


@dataclass(frozen=True)
class Said:
    id: int
    masked: str
    language: str
    lemmas: tuple[str, ...]
    sentiment: float
    polarity: str
    theme: str | None
    score: int | None  # the response's NPS answer
    submitted_at: datetime
    moments: tuple[int, ...] = ()  # the moments it talks about


def _base() -> Select:  # type: ignore[type-arg]
    nps = aliased(Answer)
    nps_question = aliased(Question)
    score = (
        select(nps.value_int)
        .join(nps_question, nps_question.id == nps.question_id)
        .where(nps.response_id == VerbatimAnalysis.response_id, nps.moment_key == 0)
        .where(nps_question.type == "nps")
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            VerbatimAnalysis.id,
            VerbatimAnalysis.masked,
            VerbatimAnalysis.language,
            VerbatimAnalysis.lemmas,
            VerbatimAnalysis.sentiment,
            VerbatimAnalysis.polarity,
            VerbatimAnalysis.theme,
            score,
            Response.submitted_at,
        )
        .join(Response, Response.id == VerbatimAnalysis.response_id)
        .order_by(Response.submitted_at.desc())
        .limit(LIMIT)
    )


def _rows(session: Session, stmt: Select, with_moments: bool = False) -> list[Said]:  # type: ignore[type-arg]
    rows = session.execute(stmt).all()
    linked: dict[int, list[int]] = defaultdict(list)
    if with_moments:
        ids = [r[0] for r in rows]
        for start in range(0, len(ids), 1000):
            for analysis_id, moment_id in session.execute(
                select(VerbatimMoment.analysis_id, VerbatimMoment.moment_id).where(
                    VerbatimMoment.analysis_id.in_(ids[start : start + 1000])
                )
            ):
                linked[analysis_id].append(moment_id)
    return [
        Said(r[0], r[1], r[2], tuple(r[3].split()), r[4], r[5], r[6], r[7], r[8], tuple(sorted(linked[r[0]])))
        for r in rows
    ]


def of_journey(session: Session, journey_id: int) -> list[Said]:
    stmt = (
        _base()
        .join(Survey, Survey.id == Response.survey_id)
        .where(Survey.journey_id == journey_id, Survey.audience == "customer")
    )
    return _rows(session, stmt, with_moments=True)


def _customers(stmt: Select) -> Select:  # type: ignore[type-arg]
    """Only customers' comments (an employee survey's are not a customer's story)."""
    return stmt.join(Survey, Survey.id == Response.survey_id).where(Survey.audience == "customer")


def of_moment(session: Session, moment_id: int) -> list[Said]:
    stmt = (
        _customers(_base())
        .join(VerbatimMoment, VerbatimMoment.analysis_id == VerbatimAnalysis.id)
        .where(VerbatimMoment.moment_id == moment_id)
    )
    return _rows(session, stmt)


def of_team(session: Session, team_id: int) -> list[Said]:
    stmt = _customers(_base()).where(Response.team_id == team_id)
    return _rows(session, stmt)


WORDLIKE = re.compile(r"\w")
PREFIX = 5  # a searched word this long also finds the longer words it starts ("taxatie": "taxatierapport")


def search(
    session: Session,
    words: list[set[str]],
    *,
    theme: str | None = None,
    polarity: str | None = None,
    limit: int = 200,
) -> list[Said]:
    """The newest verbatims that hold, for every searched word, one of its lemmas (the word read as Dutch
    and as English; a long one also as the start of a compound), of one theme and polarity where given.
    The words are looked up in the full-text index over the lemmas (migration 0011)."""
    stmt = _base().limit(limit)
    if theme:
        stmt = stmt.where(VerbatimAnalysis.theme == theme)
    if polarity:
        stmt = stmt.where(VerbatimAnalysis.polarity == polarity)
    # A form without a letter or digit is no word to either index (and '' is no tsquery): left out.
    wanted = [sorted(form for form in forms if WORDLIKE.search(form)) for forms in words]
    if any(not forms for forms in wanted):
        return []  # a searched word with no form that can be looked up is found nowhere
    if wanted:
        stmt = stmt.where(_matching(session.get_bind().dialect.name, wanted))
    return _rows(session, stmt)


def _matching(dialect: str, words: list[list[str]]) -> ColumnElement[bool]:
    """Every word in one of its forms, as the database's full-text index asks it."""
    if dialect == "postgresql":
        # Each form a quoted lexeme ('' and \\ escaped), a long one also as a prefix; ANDed per word.
        query = " & ".join(
            "(" + " | ".join(_lexeme(form) + (":*" if len(form) >= PREFIX else "") for form in forms) + ")"
            for forms in words
        )
        return func.to_tsvector(SIMPLE, VerbatimAnalysis.lemmas).op("@@")(func.to_tsquery(SIMPLE, query))
    # SQLite's FTS5: each form a quoted string ("" escaped), a long one also as a prefix.
    query = " AND ".join(
        "(" + " OR ".join(_string(form) + ("*" if len(form) >= PREFIX else "") for form in forms) + ")"
        for forms in words
    )
    found = text("SELECT rowid FROM verbatim_search WHERE verbatim_search MATCH :query").bindparams(
        query=query
    )
    return VerbatimAnalysis.id.in_(found.columns(column("rowid", Integer)))


SIMPLE = literal_column("'simple'::regconfig")  # as written in the index, so that the planner uses it


def _lexeme(form: str) -> str:
    return "'" + form.replace("\\", "\\\\").replace("'", "''") + "'"


def _string(form: str) -> str:
    return '"' + form.replace('"', '""') + '"'
