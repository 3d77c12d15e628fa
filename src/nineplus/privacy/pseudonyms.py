"""Pseudonymised respondents: a response carries its respondent's pseudonym, never the person.

The link between a person and their pseudonym lives in one table (``respondent_keys``) and is read here
alone, for the few things that need the person behind a response: following up a case, asking a
customer again, masking the customer's own name in their words, and one person's export or erasure. The
analytic store and its Parquet exports hold pseudonyms only (with the team, attributes and outcomes that
the analyses group by), so what leaves the row store names no one. A person's pseudonym is drawn at random
when the person is made (``feedback.models.RespondentKey``): it says nothing about the person, and with
the person erased nothing ties it to anyone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from nineplus.feedback.models import Person, RespondentKey, Response


def chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    """``ids`` in slices short enough for an IN list."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def respondent_of(session: Session, person_id: int) -> int | None:
    """The person's pseudonym (None for a person of another organisation or none at all)."""
    return session.scalar(select(RespondentKey.respondent).where(RespondentKey.person_id == person_id))


def given_by(session: Session, person: Person | None) -> dict[str, int | None]:
    """What a response takes from the person who gives it: their pseudonym and their team now (never the
    person). Nothing for an unknown respondent."""
    if person is None:
        return {"respondent": None, "team_id": None}
    session.flush()  # a person made in this transaction gets their pseudonym on the flush
    return {"respondent": respondent_of(session, person.id), "team_id": person.team_id}


def respondents_of(session: Session, person_ids: Iterable[int]) -> dict[int, int]:
    """The pseudonyms of the persons, by person id."""
    found: dict[int, int] = {}
    for chunk in chunks(sorted(set(person_ids))):
        rows = session.execute(
            select(RespondentKey.person_id, RespondentKey.respondent).where(
                RespondentKey.person_id.in_(chunk)
            )
        )
        found.update({int(row[0]): int(row[1]) for row in rows})
    return found


def directory(session: Session, organisation_id: int) -> list[tuple[str | None, str | None, int, int | None]]:
    """The organisation's persons as an import names them: (external id, e-mail address, pseudonym, team)
    each, in the order they were made."""
    rows = session.execute(
        select(Person.external_id, Person.email, RespondentKey.respondent, Person.team_id)
        .join(RespondentKey, RespondentKey.person_id == Person.id)
        .where(Person.organisation_id == organisation_id)
        .order_by(Person.id)
    )
    return [(external, email, respondent, team) for external, email, respondent, team in rows]


def unkeyed(session: Session, respondents: Iterable[int]) -> set[int]:
    """The pseudonyms among ``respondents`` that no longer lead to anyone (their person was erased)."""
    wanted = sorted(set(respondents))
    found: set[int] = set()
    for chunk in chunks(wanted):
        found.update(
            session.scalars(select(RespondentKey.respondent).where(RespondentKey.respondent.in_(chunk)))
        )
    return set(wanted) - found


def person_of(session: Session, respondent: int | None) -> Person | None:
    """The person behind a pseudonym (None for an anonymous response or an erased person)."""
    if respondent is None:
        return None
    return session.scalar(
        select(Person)
        .join(RespondentKey, RespondentKey.person_id == Person.id)
        .where(RespondentKey.respondent == respondent)
    )


def with_person(stmt: Select[Any]) -> Select[Any]:
    """``stmt`` (which reads responses) with the person behind each response joined, where known: for the
    text analysis, which masks the customer's own name in their words."""
    return stmt.outerjoin(RespondentKey, RespondentKey.respondent == Response.respondent).outerjoin(
        Person, Person.id == RespondentKey.person_id
    )


def responses_of_person(person_id: Any) -> Select[Any]:
    """A select of the ids of the responses given by ``person_id`` (a number, or a column to correlate)."""
    return (
        select(Response.id)
        .join(RespondentKey, RespondentKey.respondent == Response.respondent)
        .where(RespondentKey.person_id == person_id)
    )


def person_of_response(session: Session, response_id: int) -> Person | None:
    """The person who gave a response, where known."""
    return person_of(session, session.scalar(select(Response.respondent).where(Response.id == response_id)))
