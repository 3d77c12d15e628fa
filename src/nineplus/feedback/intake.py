"""Storing whole responses fast: one writer that commits concurrent submissions together.

A durable commit costs one sync of the write-ahead log, and SQLite takes one writer at a time; a request
that opens its own transaction therefore waits for the lock and pays a sync of its own. The writer
instead takes every submission that is waiting, stores them all in one transaction and only then
acknowledges each of them (group commit): no submission is acknowledged before it is durable, and the
cost of the sync is shared by the whole batch.

The answers are validated before they reach the writer (against the frozen questions of the version);
the writer checks, inside its transaction, what only the database can know: that the survey is still
live and whether the client id was stored before (a retry is acknowledged again, never stored twice).
When a batch fails as a whole, each of its submissions is tried on its own, so one bad submission
cannot take the others down with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from nineplus.core import metrics
from nineplus.core.models import utcnow
from nineplus.core.tenancy import system
from nineplus.feedback.models import Answer, Response, Survey

log = logging.getLogger(__name__)
RESPONSES = Response.__table__
ANSWERS = Answer.__table__
SURVEYS = Survey.__table__


@dataclass(frozen=True)
class Submission:
    """A complete, validated response on its way to the database."""

    organisation_id: int
    survey_id: int
    version_id: int
    client_id: str
    locale: str
    moments_experienced: list[int]
    # (question id, moment id or None) -> the value columns to store
    answers: dict[tuple[int, int | None], dict[str, Any]]
    received_at: datetime = field(default_factory=utcnow)
    source_hash: str | None = None
    submitted_at: datetime | None = None  # when it was answered, for an import of older responses
    require_live: bool = True  # an import may add history to a survey that is closed


@dataclass(frozen=True)
class Outcome:
    """What became of a submission: stored now (``earlier=False``), stored by an earlier try of the same
    client id (``earlier=True``), or refused with a reason (``refused``: ``closed`` or ``conflict``)."""

    response_id: int | None = None
    earlier: bool = False
    refused: str | None = None

    @property
    def is_new(self) -> bool:
        return self.response_id is not None and not self.earlier


def store_batch(session: Session, items: list[Submission]) -> list[Outcome]:
    """Store ``items`` in the session's transaction (the caller commits); one outcome per item."""
    system(session)  # the writer serves every organisation; each row is stamped with its own below
    conn = session.connection()
    now = utcnow()
    survey_ids = {item.survey_id for item in items}
    rows = conn.execute(select(SURVEYS.c.id, SURVEYS.c.status).where(SURVEYS.c.id.in_(survey_ids)))
    status = {row.id: row.status for row in rows}
    outcomes: list[Outcome | None] = [None] * len(items)
    by_org: dict[int, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if status.get(item.survey_id) not in (("live",) if item.require_live else ("live", "closed")):
            outcomes[index] = Outcome(refused="closed")
        else:
            by_org[item.organisation_id].append(index)

    fresh: list[int] = []  # indexes to insert
    same_as: dict[int, int] = {}  # a repeat within this batch -> the index that stores it
    for organisation_id, indexes in by_org.items():
        client_ids = {items[i].client_id for i in indexes}
        stored = {
            row.client_id: row
            for row in conn.execute(
                select(RESPONSES.c.client_id, RESPONSES.c.id, RESPONSES.c.survey_id, RESPONSES.c.submitted_at)
                .where(RESPONSES.c.organisation_id == organisation_id)
                .where(RESPONSES.c.client_id.in_(client_ids))
            )
        }
        first: dict[str, int] = {}
        for index in indexes:
            item = items[index]
            row = stored.get(item.client_id)
            if row is not None:
                done = row.survey_id == item.survey_id and row.submitted_at is not None
                outcomes[index] = Outcome(row.id, earlier=True) if done else Outcome(refused="conflict")
            elif item.client_id in first:
                original = first[item.client_id]
                if items[original].survey_id == item.survey_id:
                    same_as[index] = original
                else:  # the same id for another survey in the same batch: as it would be one after the other
                    outcomes[index] = Outcome(refused="conflict")
            else:
                first[item.client_id] = index
                fresh.append(index)

    if fresh:
        ids = conn.execute(
            insert(RESPONSES).returning(RESPONSES.c.id, sort_by_parameter_order=True),
            [
                {
                    "organisation_id": items[i].organisation_id,
                    "survey_id": items[i].survey_id,
                    "version_id": items[i].version_id,
                    "client_id": items[i].client_id,
                    "locale": items[i].locale,
                    "moments_experienced": items[i].moments_experienced,
                    "pages_done": 1,
                    "started_at": items[i].submitted_at or items[i].received_at,
                    "source_hash": items[i].source_hash,
                    "submitted_at": items[i].submitted_at or now,
                }
                for i in fresh
            ],
        ).scalars()
        answer_rows: list[tuple[Any, ...]] = []
        for index, response_id in zip(fresh, ids, strict=True):
            outcomes[index] = Outcome(response_id)
            item = items[index]
            for (question_id, moment_id), values in item.answers.items():
                if values:
                    choices = values.get("value_choices")
                    answer_rows.append(
                        (
                            item.organisation_id,
                            response_id,
                            question_id,
                            moment_id,
                            moment_id or 0,  # moment_key: part of the answers' key
                            values.get("value_int"),
                            values.get("value_text"),
                            None if choices is None else json.dumps(choices),  # SQL NULL, not JSON 'null'
                        )
                    )
        if answer_rows:
            # The driver's executemany with plain tuples: answers are the bulk of every batch (ten per
            # response in a typical survey), and per-row parameter processing would cost more than SQLite.
            conn.exec_driver_sql(_answers_insert(conn.dialect.paramstyle), answer_rows)
    if fresh:
        _into_outbox(session, items, [(i, outcomes[i]) for i in fresh])
    for index, original in same_as.items():
        stored_outcome = outcomes[original]
        assert stored_outcome is not None
        outcomes[index] = Outcome(stored_outcome.response_id, earlier=True)
    assert all(o is not None for o in outcomes)
    return outcomes  # type: ignore[return-value]


_ANSWER_COLUMNS = ("organisation_id", "response_id", "question_id", "moment_id", "moment_key", "value_int",
                   "value_text", "value_choices")  # fmt: skip


def _answers_insert(paramstyle: str) -> str:
    marks = ", ".join(["?" if paramstyle == "qmark" else "%s"] * len(_ANSWER_COLUMNS))
    return f"INSERT INTO answers ({', '.join(_ANSWER_COLUMNS)}) VALUES ({marks})"  # noqa: S608 - fixed names


def _into_outbox(session: Session, items: list[Submission], stored: list[tuple[int, Outcome | None]]) -> None:
    """``response.submitted`` for each new response of the batch, in its transaction (one query when the
    organisations have no webhook for it)."""
    from nineplus.webhooks.outbox import answer_value, emit, response_data

    def data(item: Submission, response_id: int) -> Callable[[], dict[str, Any]]:
        def build() -> dict[str, Any]:
            answers = [
                (q, m, answer_value(v.get("value_int"), v.get("value_text"), v.get("value_choices")))
                for (q, m), v in item.answers.items()
                if v
            ]
            at = item.submitted_at or item.received_at
            return response_data(response_id, item.survey_id, item.version_id, at, answers)

        return build

    emit(
        session,
        "response.submitted",
        [(items[i].organisation_id, data(items[i], o.response_id)) for i, o in stored if o is not None],
    )


def store_one(open_session: Callable[[], Session], item: Submission) -> Outcome:
    """Store one submission in a transaction of its own (the path without group commit)."""
    session = open_session()
    try:
        outcome = store_batch(session, [item])[0]
        session.commit()
        metrics.responses_stored(int(outcome.is_new), "api")
        return outcome
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_STOP = object()
Waiter = tuple[Submission, asyncio.AbstractEventLoop, asyncio.Future[Outcome]]


class GroupWriter:
    """A thread that stores submissions in batches and resolves each caller's future after the commit.

    ``open_session`` gives a write session (SQLite: ``BEGIN IMMEDIATE``). The batch is whatever waited
    while the previous batch committed, up to ``max_batch``: nothing is held back on purpose, so a
    lone submission is stored at once and a crowd is stored together.
    """

    def __init__(self, open_session: Callable[[], Session], max_batch: int = 500) -> None:
        self._open_session = open_session
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0
        self.stored = 0

    def submit(self, item: Submission) -> asyncio.Future[Outcome]:
        """Queue ``item`` (from the event loop); the future resolves once it is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._ensure_running()
        self._queue.put((item, loop, future))
        return future

    def _ensure_running(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="nineplus-group-writer", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Store what is queued, then end the thread."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(_STOP)
            thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch: list[Waiter] = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is _STOP:
                    stop = True
                    break
                batch.append(waiting)
            results = self.write_batch([item for item, _loop, _future in batch])
            self.batches += 1
            self.stored += sum(1 for r in results if isinstance(r, Outcome) and r.is_new)
            per_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Outcome], Any]]] = (
                defaultdict(list)
            )
            for (_item, loop, future), result in zip(batch, results, strict=True):
                per_loop[loop].append((future, result))
            for loop, pairs in per_loop.items():
                with contextlib.suppress(RuntimeError):  # the caller's loop has closed: nobody waits
                    loop.call_soon_threadsafe(_deliver, pairs)
            if stop:
                return

    def write_batch(self, items: list[Submission]) -> list[Outcome | BaseException]:
        """Store ``items`` in one transaction; if it fails, each on its own (one outcome or error each)."""
        session = self._open_session()
        try:
            outcomes: list[Outcome | BaseException] = list(store_batch(session, items))
            session.commit()
            metrics.responses_stored(sum(1 for o in outcomes if isinstance(o, Outcome) and o.is_new), "api")
            return outcomes
        except Exception as exc:
            session.rollback()
            if len(items) == 1:
                log.exception("storing a submission failed")
                return [exc]
            log.warning("a batch of %s submissions failed (%s); storing them one by one", len(items), exc)
            return [self.write_batch([item])[0] for item in items]
        finally:
            session.close()


def _deliver(pairs: list[tuple[asyncio.Future[Outcome], Any]]) -> None:
    for future, result in pairs:
        if future.done():
            continue  # the caller gave up (disconnect, timeout); the submission is stored all the same
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
