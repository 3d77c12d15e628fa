"""Jobs: persisted, retried with backoff, scheduled and periodic.

Handlers are registered with ``@handler("kind")`` and receive ``(session, payload)``; the runner owns
the transaction (commit on success). The ``jobs`` table is the record of every job (its state, attempts
and last error, which the jobs page shows). Who runs them:

- embedded (SQLite, the default): the in-process runner polls the table;
- PostgreSQL: each job is also deferred to procrastinate in the enqueuing transaction
  (``jobs/pgqueue.py``), and ``nineplus worker`` processes run them.

Either way a job is claimed in its own short transaction, so two runners never run the same job, and a job
whose runner died is picked up again once its lock expires.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nineplus.core import db
from nineplus.core.models import utcnow
from nineplus.core.tenancy import scope, system
from nineplus.jobs.models import Job

log = logging.getLogger(__name__)

Handler = Callable[[Session, dict[str, Any]], None]
_handlers: dict[str, Handler] = {}


@dataclass(frozen=True)
class Periodic:
    kind: str
    every: timedelta


_periodic: dict[str, Periodic] = {}

LOCK_SECONDS = 300
BACKOFF_BASE_SECONDS = 10


def handler(kind: str, *, every: timedelta | None = None) -> Callable[[Handler], Handler]:
    """Register a job handler; with ``every``, the runner also schedules it periodically."""

    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        if every is not None:
            _periodic[kind] = Periodic(kind, every)
        return fn

    return register


def periodic_specs() -> list[Periodic]:
    return list(_periodic.values())


def periodic_kinds() -> frozenset[str]:
    return frozenset(_periodic)


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    organisation_id: int | None = None,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 5,
) -> Job:
    """Add a job in the caller's transaction, so it exists only if the caller's change commits."""
    if kind not in _handlers:
        raise ValueError(f"no job handler for {kind!r}")
    job = Job(
        kind=kind,
        payload=payload or {},
        organisation_id=organisation_id,
        run_at=run_at or utcnow(),
        dedupe_key=dedupe_key,
        max_attempts=max_attempts,
    )
    session.add(job)
    _dispatch(session, job)
    return job


def on_queue(session: Session) -> bool:
    """Whether this session's jobs travel through procrastinate (PostgreSQL, unless set to embedded)."""
    from nineplus.core.settings import get_settings

    return get_settings().job_queue != "embedded" and session.get_bind().dialect.name == "postgresql"


def _dispatch(session: Session, job: Job) -> None:
    """Hand a queued job to procrastinate, in the same transaction (nothing to do for the embedded runner,
    which polls the table)."""
    if on_queue(session):
        from nineplus.jobs import pgqueue

        pgqueue.defer(session, job)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def schedule_periodic(now: datetime | None = None) -> int:
    """Enqueue each periodic job once per interval (a unique key per time slot makes it idempotent)."""
    now = now or utcnow()
    added = 0
    for spec in _periodic.values():
        slot = int(now.timestamp() // spec.every.total_seconds())
        try:
            with db.transaction() as session:
                system(session)
                enqueue(session, spec.kind, dedupe_key=f"periodic:{spec.kind}:{slot}")
            added += 1
        except IntegrityError:
            pass  # already scheduled for this slot
    return added


def _claim(now: datetime, job_id: int | None = None) -> int | None:
    """Claim the next due job (or the job ``job_id`` if it is due); None when there is none."""
    with db.transaction() as session:
        system(session)
        if job_id is None:
            job_id = session.scalar(select(Job.id).where(_due(now)).order_by(Job.run_at, Job.id).limit(1))
        elif session.scalar(select(Job.id).where(Job.id == job_id, _due(now))) is None:
            return None
        if job_id is None:
            return None
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, or_(Job.state == "queued", Job.locked_until < now))
            .values(
                state="running", locked_until=now + timedelta(seconds=LOCK_SECONDS), attempts=Job.attempts + 1
            )
        ).rowcount
        return job_id if claimed else None


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        (Job.state == "queued") & (Job.run_at <= now),
        (Job.state == "running") & (Job.locked_until < now),
    )


def run_one(now: datetime | None = None) -> bool:
    """Run the next due job, if any; return whether one ran (successfully or not)."""
    job_id = _claim(now or utcnow())
    if job_id is None:
        return False
    _run_claimed(job_id)
    return True


def run_job(job_id: int, lease: float = 30.0) -> bool:
    """Run the job ``job_id`` if it is due (what a queue worker does); False when it is done, failed,
    waiting for a later time or running elsewhere (a delivery that came twice does nothing).

    While it runs, its claim is renewed every third of ``lease`` seconds, for ``lease`` seconds: a worker
    that dies lets it go within ``lease``, and one that lives (finishing its jobs after SIGTERM, or
    briefly cut off from its heartbeat) keeps it, so no other worker starts the job a second time."""
    if _claim(utcnow(), job_id) is None:
        return False
    stop = threading.Event()
    keeper = threading.Thread(
        target=_keep_claim, args=(job_id, lease, stop), name=f"claim-{job_id}", daemon=True
    )
    keeper.start()
    try:
        _run_claimed(job_id)
    finally:
        stop.set()
        keeper.join(timeout=10)
    return True


def _keep_claim(job_id: int, lease: float, stop: threading.Event) -> None:
    while True:
        try:
            with db.transaction() as session:
                system(session)
                session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.state == "running")
                    .values(locked_until=utcnow() + timedelta(seconds=lease))
                )
        except Exception:  # the database is briefly away: the claim lasts until its time, try again
            log.warning("could not renew the claim of job %s", job_id, exc_info=True)
        if stop.wait(lease / 3):
            return


def _run_claimed(job_id: int) -> None:
    with db.transaction(write=False) as session:
        system(session)
        job = session.get_one(Job, job_id)
        kind, payload, organisation_id = job.kind, dict(job.payload), job.organisation_id
    token = _current_job.set(job_id)
    try:
        with db.transaction() as session:
            if organisation_id is not None:
                scope(session, organisation_id)
            else:
                system(session)
            _handlers[kind](session, payload)
    except Exception as exc:  # a failing job must never stop the runner
        log.warning("job %s (%s) failed: %s", job_id, kind, exc)
        _finish_failed(job_id, f"{type(exc).__name__}: {exc}")
        return
    finally:
        _current_job.reset(token)
    with db.transaction() as session:
        system(session)
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state="done", finished_at=utcnow(), locked_until=None, last_error="")
        )


_current_job: ContextVar[int | None] = ContextVar("nineplus_current_job", default=None)


def extend_lock(seconds: int = LOCK_SECONDS) -> None:
    """Called by a long job (an import) now and then: keep its claim, so that no other runner takes the
    job for a dead one and starts it a second time."""
    job_id = _current_job.get()
    if job_id is None:
        return
    with db.transaction() as session:
        system(session)
        session.execute(
            update(Job).where(Job.id == job_id).values(locked_until=utcnow() + timedelta(seconds=seconds))
        )


def _finish_failed(job_id: int, error: str) -> None:
    with db.transaction() as session:
        system(session)
        job = session.get_one(Job, job_id)
        job.last_error = error[:4000]
        job.locked_until = None
        if job.attempts >= job.max_attempts:
            job.state = "failed"
            job.finished_at = utcnow()
        else:
            job.state = "queued"
            job.run_at = utcnow() + backoff(job.attempts)
            _dispatch(session, job)


def run_pending(limit: int = 100) -> int:
    """Run due jobs until none is left (or ``limit``); return how many ran. With the PostgreSQL queue, a
    procrastinate worker in this process runs them until its queues are empty."""
    from nineplus.core.settings import get_settings

    if get_settings().job_queue != "embedded" and db.get_engine().dialect.name == "postgresql":
        from nineplus.jobs import pgqueue

        return pgqueue.run_until_empty(limit)
    ran = 0
    while ran < limit and run_one():
        ran += 1
    return ran


def retry(session: Session, job_id: int) -> None:
    """Put a failed job back in the queue now."""
    job = session.get_one(Job, job_id)
    if job.state != "failed":
        raise ValueError(f"job {job_id} has not failed (it is {job.state})")
    job.state, job.run_at, job.attempts, job.finished_at = "queued", utcnow(), 0, None
    _dispatch(session, job)


class BackgroundRunner:
    """Polls for due jobs in a daemon thread inside the web server process."""

    def __init__(self, interval: float = 2.0) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="nineplus-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                schedule_periodic()
                run_pending()
            except Exception:  # the database may be briefly unavailable; try again next tick
                log.exception("job runner tick failed")
            self._stop.wait(self.interval)


KEEP_FINISHED = timedelta(days=7)


@handler("purge_finished_jobs", every=timedelta(hours=24))
def purge_finished_jobs(session: Session, payload: dict[str, Any]) -> None:
    """Forget the jobs that ended well more than a week ago (the periodic ones add thousands a day);
    failed jobs stay until someone retries them."""
    from sqlalchemy import delete

    system(session)
    session.execute(delete(Job).where(Job.state == "done", Job.finished_at < utcnow() - KEEP_FINISHED))
