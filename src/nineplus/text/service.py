"""Analysing an organisation's verbatims and keeping the analyses current (the ``analyse_verbatims`` job).

Every text answer of a submitted response is analysed once with the organisation's current model; when
the model's version changes (the analysis itself, the project's lexicon or themes, the organisation's
moments or their keywords, its staff's names, or the verbatims it learns from grew by a fifth), every
verbatim is analysed again. The learned parts come from the organisation's own customer comments up to a
stored response id (the sentiment from those with an NPS score in the same response, the themes' topics
from all), so that another process learns the same model again (unless a response with a lower id was
submitted or removed meanwhile). Comments that arrive after the model was learned are assigned by it
until it is learned again.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from sqlalchemy import Select, delete, func, insert, select, tuple_
from sqlalchemy.orm import Session, aliased

from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Answer, Person, Question, Response, Survey
from nineplus.jobs.runner import extend_lock, handler
from nineplus.journeys.models import Moment
from nineplus.privacy import pseudonyms
from nineplus.text import embeddings, repository
from nineplus.text.masking import mask
from nineplus.text.models import TextModelState, VerbatimAnalysis, VerbatimMoment
from nineplus.text.pipeline import Models, analyse_many, learn, with_meaning
from nineplus.text.tokens import content, lemmas
from nineplus.text.views import FILLER, Candidate, Story, candidates, story

log = logging.getLogger(__name__)
RETRAIN_GROWTH = 1.2  # the verbatims learned from grew by a fifth: learn again
# Raise when the analysis itself changes (masking, lemmas, linking): every comment is analysed again.
PIPELINE_VERSION = "3"  # 3: themes by the seeded topic model
BATCH = 2_000


@dataclass(frozen=True)
class Verbatim:
    response_id: int
    question_id: int
    moment_key: int
    moment_id: int | None  # the moment the question asked about (a per-moment question)
    journey_id: int
    text: str
    locale: str | None
    score: int | None  # the response's NPS answer
    person_name: str | None


def verbatims(session: Session, organisation_id: int) -> list[Verbatim]:
    """The organisation's text answers of submitted responses, with their response's NPS score."""
    nps = aliased(Answer)
    nps_question = aliased(Question)
    score = (
        select(nps.value_int)
        .join(nps_question, nps_question.id == nps.question_id)
        .where(nps.response_id == Answer.response_id, nps_question.type == "nps", nps.moment_key == 0)
        .limit(1)
        .scalar_subquery()
    )
    columns = select(
        Answer.response_id,
        Answer.question_id,
        Answer.moment_key,
        Answer.moment_id,
        Survey.journey_id,
        Answer.value_text,
        Response.locale,
        score,
        Person.name,
    ).select_from(Answer)
    stmt = pseudonyms.with_person(_text_answers(columns, organisation_id))
    rows = session.execute(stmt.order_by(Answer.response_id))
    return [Verbatim(*row) for row in rows if row.value_text and row.value_text.strip()]


def _text_answers(stmt: Select, organisation_id: int) -> Select:  # type: ignore[type-arg]
    """``stmt`` over the organisation's customers' text answers of submitted responses."""
    return (
        stmt.join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(
            Answer.organisation_id == organisation_id,
            Question.type == "text",
            Answer.value_text.is_not(None),
            Response.submitted_at.is_not(None),
            Survey.audience == "customer",  # employees' comments are not customers' stories
        )
    )


def _stored_state(session: Session, organisation_id: int) -> tuple[Any, ...]:
    """What the analyses depend on in the database, read by counting, not by loading a text: the text
    answers (their number and the sum and top of their response ids), the analyses (their number and
    newest id), and the model's version with the number of analyses made with it (another process may
    have analysed them again otherwise). A text edited in place is not seen (answers are not edited)."""
    answers = session.execute(
        _text_answers(
            select(
                func.count(),
                func.coalesce(func.sum(Answer.response_id), 0),
                func.coalesce(func.max(Answer.response_id), 0),
            ).select_from(Answer),
            organisation_id,
        )
    ).one()
    analyses = session.execute(
        select(func.count(), func.coalesce(func.max(VerbatimAnalysis.id), 0)).where(
            VerbatimAnalysis.organisation_id == organisation_id
        )
    ).one()
    version = session.scalar(
        select(TextModelState.version).where(TextModelState.organisation_id == organisation_id)
    )
    current = session.scalar(
        select(func.count()).where(
            VerbatimAnalysis.organisation_id == organisation_id, VerbatimAnalysis.version == version
        )
    )
    return (*answers, *analyses, version, current)


@lru_cache(maxsize=1)
def _files_version() -> str:
    """A digest of the project's lexicons and themes (a new release with other words analyses again)."""
    digest = hashlib.sha256()
    folder = resources.files("nineplus.text") / "lexicon"
    for name in ("nl.tsv", "en.tsv", "modifiers.json", "themes.json"):
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


Words = dict[int, dict[str, list[tuple[int, frozenset[str]]]]]  # journey -> language -> (moment, lemmas)


def moment_words(session: Session, organisation_id: int) -> Words:
    """Per journey and language, what links a verbatim to a moment: each keyword of the moment (all the
    content words of a keyword of several words), and each content word of its name that no more than
    two of the journey's moments share."""
    found: Words = defaultdict(lambda: defaultdict(list))
    moments = session.scalars(
        select(Moment).where(Moment.organisation_id == organisation_id, Moment.archived_at.is_(None))
    ).all()
    for lang in ("nl", "en"):
        named: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        general = _general_words(lang)
        for moment in moments:
            for word in content(lemmas((moment.name or {}).get(lang, ""), lang), lang):
                if len(word) >= NAME_WORD and word not in general:
                    named[moment.journey_id][word].add(moment.id)
            for keyword in ((moment.keywords or {}).get(lang) or "").split(","):
                words = frozenset(content(lemmas(keyword, lang), lang))
                if words:
                    found[moment.journey_id][lang].append((moment.id, words))
        for journey_id, by_word in named.items():
            for word, ids in by_word.items():
                if len(ids) <= 2:
                    found[journey_id][lang] += [(moment_id, frozenset([word])) for moment_id in ids]
    return found


NAME_WORD = 5  # letters a word of a moment's name needs to link a comment on its own ("bank", "via" do not)


@lru_cache(maxsize=2)
def _general_words(lang: str) -> frozenset[str]:
    """Words too general to link a comment to a moment by its name: fillers, negations and words that only
    judge ("niet", "goed")."""
    from nineplus.text.sentiment import lexicon

    modifiers = lexicon(lang)
    return frozenset(FILLER[lang] | set(modifiers.scores) | modifiers.negators | modifiers.contrast)


def linked_moments(words: Words, journey_id: int, lang: str, said: Sequence[str]) -> set[int]:
    """The moments whose keyword or name word a verbatim (its lemmas) uses."""
    present = set(said)
    return {moment_id for moment_id, needed in words.get(journey_id, {}).get(lang, []) if needed <= present}


def _words_version(words: Words) -> str:
    flat = sorted(
        (journey, lang, moment_id, tuple(sorted(needed)))
        for journey, langs in words.items()
        for lang, entries in langs.items()
        for moment_id, needed in entries
    )
    return hashlib.sha256(repr(flat).encode()).hexdigest()


_MODELS: dict[tuple[int, str], Models] = {}
# Per organisation, what its analyses were settled against at this process's last complete run: the
# job's runs every two minutes then read no text unless an answer, an analysis or a setting changed.
_SETTLED: dict[int, tuple[str, tuple[Any, ...]]] = {}


def analyse_organisation(session: Session, organisation_id: int, *, commit_batches: bool = False) -> int:
    """Bring the organisation's verbatim analyses up to date; how many verbatims were analysed now.
    ``commit_batches`` (the job): each batch is committed, so a long re-analysis keeps what it did if it
    stops, and the job's claim is extended as it goes."""
    scope(session, organisation_id)
    words = moment_words(session, organisation_id)
    meaning, model = embeddings.enabled()
    by_meaning = _moment_texts(session, organisation_id) if meaning else None
    staff = _staff_names(session, organisation_id)
    reader = f"{model}:{sorted(embeddings.languages())}"  # the embedding model and the languages it reads
    settled = (
        f"{PIPELINE_VERSION}:{_files_version()}:{_words_version(words)}:{reader if meaning else ''}:"
        f"{sorted((by_meaning or {}).items())}:{sorted(staff)}"
    )
    if _SETTLED.get(organisation_id) == (settled, _stored_state(session, organisation_id)):
        return 0  # nothing changed since this process's last complete run: no text is read
    found = verbatims(session, organisation_id)
    if not found:
        _settle(session, organisation_id, settled)
        return 0
    state = session.scalar(select(TextModelState).where(TextModelState.organisation_id == organisation_id))
    if state is None or (
        len(found) >= RETRAIN_GROWTH * max(state.trained_on, 1) and len(found) - state.trained_on >= 20
    ):
        state = state or TextModelState(organisation_id=organisation_id)
        state.trained_on = len(found)
        state.trained_until = max(v.response_id for v in found)
        state.trained_at = utcnow()
    digest = hashlib.sha256(f"{state.trained_on}:{state.trained_until}:{settled}".encode()).hexdigest()[:16]
    state.version = digest
    session.add(state)
    key = (VerbatimAnalysis.response_id, VerbatimAnalysis.question_id, VerbatimAnalysis.moment_key)
    current = set(
        session.execute(
            select(*key).where(
                VerbatimAnalysis.organisation_id == organisation_id, VerbatimAnalysis.version == digest
            )
        ).all()
    )
    todo = [v for v in found if (v.response_id, v.question_id, v.moment_key) not in current]
    if not todo:
        if commit_batches:
            session.commit()
        _settle(session, organisation_id, settled)
        return 0
    models = _MODELS.get((organisation_id, digest))
    if models is None and commit_batches:
        # Learning takes a while and extends the job's claim from another connection: on SQLite, a write
        # transaction held open meanwhile would block that connection (and every submission) until it
        # gave up as "database is locked". The new model state is safe to keep: analyses carry their
        # version, so a stop here only leaves work for the next run.
        session.commit()
    if models is None:  # learned once per organisation and version in this process
        # The sentiment learns from the scored comments, the topics from every comment up to that point.
        models = _learn([v for v in found if v.response_id <= state.trained_until], meaning=meaning)
        if len(_MODELS) >= 16:
            _MODELS.clear()
        _MODELS[(organisation_id, digest)] = models
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        vectors = embeddings.encode([v.text for v in batch]) if meaning else None
        close = _close_in_meaning(batch, vectors, by_meaning) if by_meaning else None
        _store(session, organisation_id, batch, models, words, digest, staff, close, vectors)
        if commit_batches:
            session.commit()
            extend_lock()
    _settle(session, organisation_id, settled)
    return len(todo)


def _settle(session: Session, organisation_id: int, settled: str) -> None:
    if len(_SETTLED) >= 1_000:
        _SETTLED.clear()
    session.flush()
    _SETTLED[organisation_id] = (settled, _stored_state(session, organisation_id))


def _moment_texts(session: Session, organisation_id: int) -> dict[int, tuple[int, str]]:
    """Per active moment, its journey and what it is about in words: its names, keywords and description."""
    found = {}
    for moment in session.scalars(
        select(Moment).where(Moment.organisation_id == organisation_id, Moment.archived_at.is_(None))
    ):
        parts = [*(moment.name or {}).values(), *(moment.keywords or {}).values()]
        parts += list((moment.description or {}).values())
        found[moment.id] = (moment.journey_id, ". ".join(p for p in parts if p))
    return found


def _close_in_meaning(
    batch: Sequence[Verbatim], comments: Any, moments: dict[int, tuple[int, str]]
) -> list[set[int]]:
    """Per comment (``comments``: their embeddings), the moments of its journey it is close to in meaning
    (the embedding path)."""
    ids = list(moments)
    vectors = embeddings.encode([moments[i][1] for i in ids])
    found = []
    for v, near in zip(batch, embeddings.linked(comments, vectors), strict=True):
        found.append({ids[i] for i in near if moments[ids[i]][0] == v.journey_id})
    return found


def _learn(found: Sequence[Verbatim], *, meaning: bool = False) -> Models:
    from nineplus.text.tokens import language

    langs = [language(v.text, v.locale) for v in found]
    words = [lemmas(v.text, lang) for v, lang in zip(found, langs, strict=True)]
    models = learn(words, langs, [v.score for v in found])
    extend_lock()  # (fitting the topics on many comments takes a while)
    if not meaning or not found:
        return models
    read = embeddings.languages()
    chosen = [i for i, lang in enumerate(langs) if lang in read]
    vectors = np.zeros((len(found), 0), dtype=np.float32)
    parts = []
    for start in range(0, len(chosen), BATCH):  # about 150 comments a second: keep the job's claim
        parts.append(embeddings.encode([found[i].text for i in chosen[start : start + BATCH]]))
        extend_lock()
    if parts:
        encoded = np.concatenate(parts)
        vectors = np.zeros((len(found), encoded.shape[1]), dtype=np.float32)
        vectors[chosen] = encoded
    return with_meaning(models, words, langs, vectors, read)


def _staff_names(session: Session, organisation_id: int) -> list[str]:
    from nineplus.accounts.models import User

    names = session.scalars(select(User.name).where(User.organisation_id == organisation_id))
    return [name for name in names if name]


def _store(
    session: Session,
    organisation_id: int,
    batch: Sequence[Verbatim],
    models: Models,
    words: Words,
    version: str,
    staff: list[str],
    close: list[set[int]] | None = None,
    vectors: Any = None,
) -> None:
    # The respondent's own name too, before anything is counted.
    texts = [mask(v.text, v.locale or "nl", [v.person_name]).text if v.person_name else v.text for v in batch]
    analyses = analyse_many(texts, [v.locale for v in batch], models=models, names=staff, vectors=vectors)
    read = embeddings.languages() if close is not None else frozenset()
    now = utcnow()
    keys = [(v.response_id, v.question_id, v.moment_key) for v in batch]
    for chunk in range(0, len(keys), 500):
        part = keys[chunk : chunk + 500]
        key = tuple_(VerbatimAnalysis.response_id, VerbatimAnalysis.question_id, VerbatimAnalysis.moment_key)
        session.execute(
            delete(VerbatimAnalysis).where(VerbatimAnalysis.organisation_id == organisation_id, key.in_(part))
        )
    rows: list[dict[str, Any]] = []
    links: list[set[int]] = []
    for v, a in zip(batch, analyses, strict=True):
        masked = a.masked
        linked = linked_moments(words, v.journey_id, a.language, a.lemmas)
        if v.moment_id is not None:
            linked.add(v.moment_id)
        if close is not None and a.language in read:
            linked |= close[len(links)]
        links.append(linked)
        rows.append(
            {
                "organisation_id": organisation_id,
                "response_id": v.response_id,
                "question_id": v.question_id,
                "moment_key": v.moment_key,
                "language": a.language,
                "lemmas": " " + " ".join(a.lemmas) + " ",
                "masked": masked,
                "sentiment": a.sentiment,
                "polarity": a.polarity,
                "theme": a.theme,
                "version": version,
                "analysed_at": now,
            }
        )
    ids = session.scalars(
        insert(VerbatimAnalysis).returning(VerbatimAnalysis.id, sort_by_parameter_order=True), rows
    )
    pairs = [
        {"organisation_id": organisation_id, "analysis_id": analysis_id, "moment_id": moment_id}
        for analysis_id, linked in zip(ids.all(), links, strict=True)
        for moment_id in sorted(linked)
    ]
    if pairs:
        session.execute(insert(VerbatimMoment), pairs)
    session.flush()


# What the pages show -----------------------------------------------------------------------------------


def moment_story(session: Session, moment_id: int) -> Story:
    return story(repository.of_moment(session, moment_id))


def team_story(session: Session, team_id: int) -> Story:
    return story(repository.of_team(session, team_id))


def journey_comments(
    session: Session, organisation_id: int, journey_id: int
) -> tuple[list[Candidate], Story]:
    """What the journey's customers say: the subjects they raise that no moment on the map covers (its
    names' and keywords' words set aside), and the story behind the score over the whole journey."""
    links = moment_words(session, organisation_id).get(journey_id, {})
    mapped = {word for entries in links.values() for _moment, needed in entries for word in needed}
    said = repository.of_journey(session, journey_id)
    return candidates(said, mapped), story(said)


@handler("analyse_verbatims", every=timedelta(minutes=2))
def analyse_verbatims(session: Session, payload: dict[str, Any]) -> None:
    """Analyse every organisation's new verbatims, and all of them where the model changed."""
    from nineplus.accounts.models import Organisation

    system(session)
    ids = [org_id for (org_id,) in session.execute(select(Organisation.id).order_by(Organisation.id))]
    failed = []
    for organisation_id in ids:
        try:  # one organisation's failure must not keep the others' comments from being analysed
            analysed = analyse_organisation(session, organisation_id, commit_batches=True)
        except Exception:
            session.rollback()
            log.exception("verbatims: analysing organisation %s failed", organisation_id)
            failed.append(organisation_id)
            analysed = 0
        if analysed:
            log.info("verbatims: %s analysed for organisation %s", analysed, organisation_id)
        system(session)
    if failed:  # the job shows as failed, with the organisations, once the others are done
        raise RuntimeError(f"analysing the verbatims failed for organisation(s) {failed}")
