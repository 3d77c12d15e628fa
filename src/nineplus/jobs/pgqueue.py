"""The job queue on PostgreSQL: procrastinate carries the jobs table's jobs to `nineplus worker` processes.

- **Transactional.** ``defer`` adds procrastinate's job in the enqueuing transaction: a job exists only if
  the change that asked for it committed, and PostgreSQL's NOTIFY wakes a worker at commit.
- **Idempotent.** A procrastinate job names a row of the ``jobs`` table; running it claims that row
  first (``runner.run_job``), so a delivery that comes twice, or late, runs nothing. Failures, attempts and
  backoff stay with the row (one retry policy for both runners); procrastinate's own job always succeeds.
- **Scheduled once.** procrastinate defers each tick of a periodic job once, whichever workers run; the
  jobs of one periodic kind run one at a time (a procrastinate lock per kind), on any worker.
- **One leader.** Every worker runs the general queue. The worker that holds a PostgreSQL advisory lock
  also runs the store's queue (the analytic store's refresh and export and an erasure's clean-up: its
  DuckDB file is held by one process), takes back jobs of workers that died (no heartbeat) and
  re-defers any queued row that has no live procrastinate job (a restored backup, a switch from the
  embedded runner). When the leader dies or loses its connection, the lock is released and another
  worker takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from datetime import timedelta
from typing import Any

import procrastinate
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nineplus.core import db
from nineplus.core.models import utcnow
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import system
from nineplus.jobs import runner
from nineplus.jobs.models import Job

log = logging.getLogger(__name__)

QUEUE = "nineplus"  # jobs any worker runs
SCHEDULED = "nineplus-scheduled"  # the analytic store's jobs: the leader only
TASK = "nineplus.run_job"
STORE_KINDS = frozenset({"refresh_analytics", "export_analytics", "complete_erasure"})  # open the store
LEADER_KEY = 0x6E696E65706C7573  # "nineplus", the advisory lock the leading worker holds
RESTART_SECONDS = 3.0  # pause before a worker whose connection broke starts again
# Higher runs first: a periodic tick and its job (the webhooks every few seconds) are small and due now,
# and must not wait behind a burst of thousands of e-mails.
TICK_PRIORITY, PERIODIC_PRIORITY = 20, 10


def _stalled_after() -> float:
    """Seconds without a heartbeat after which a worker is dead (NINEPLUS_WORKER_STALLED_SECONDS)."""
    return get_settings().worker_stalled_seconds


def _recovery_every() -> float:
    """How often the leader takes back stalled jobs and re-defers orphaned rows; a follower asks for
    the lead as often."""
    return max(min(_stalled_after() / 3, 30.0), 0.5)


_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, :lock, NULL,"
    " CAST(:args AS jsonb), :at)::procrastinate_job_to_defer_v1])"
)

# Queued or running rows that no live procrastinate job carries.
_ORPHANS = text(
    "SELECT j.id FROM jobs j WHERE j.state IN ('queued', 'running') AND NOT EXISTS ("
    " SELECT 1 FROM procrastinate_jobs p WHERE p.task_name = :task AND p.status IN ('todo', 'doing')"
    " AND p.args->>'job_id' = CAST(j.id AS text))"
)


def queue_of(kind: str) -> str:
    return SCHEDULED if kind in STORE_KINDS else QUEUE


def lock_of(kind: str) -> str | None:
    """Periodic jobs of one kind run one at a time (a tick that runs long is not overtaken by the next):
    procrastinate starts no job while another with the same lock is running."""
    return f"nineplus.{kind}" if kind in runner.periodic_kinds() else None


def defer(session: Session, job: Job) -> None:
    """Add procrastinate's job for ``job`` to the session's transaction, due when the row is."""
    session.flush()
    due = job.locked_until if job.state == "running" and job.locked_until else job.run_at
    session.execute(
        _DEFER,
        {
            "queue": queue_of(job.kind),
            "task": TASK,
            "lock": lock_of(job.kind),
            "priority": PERIODIC_PRIORITY if job.kind in runner.periodic_kinds() else 0,
            "args": json.dumps({"job_id": job.id}),
            "at": due,
        },
    )


def conninfo() -> str:
    """The libpq connection string of the configured database (procrastinate speaks psycopg directly)."""
    url = make_url(get_settings().resolved_database_url())
    if url.get_backend_name() != "postgresql":
        raise RuntimeError(
            "the job queue needs PostgreSQL (NINEPLUS_DATABASE_URL); SQLite runs its jobs in-process"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def cron_of(every: timedelta) -> str:
    """A cron line for an interval (procrastinate's sixth column is seconds)."""
    seconds = max(int(every.total_seconds()), 1)
    if seconds < 60:
        return f"* * * * * */{seconds}"
    minutes = seconds // 60
    if minutes < 60:
        return f"*/{minutes} * * * *"
    hours = minutes // 60
    if hours < 24:
        return f"0 */{hours} * * *"
    return "0 3 * * *"  # daily jobs at 03:00 UTC


class _Ran:
    count = 0


def build_app(*, periodic: bool) -> procrastinate.App:
    """A procrastinate app with the one task that runs a row of the jobs table; with ``periodic``, also a
    periodic task per periodic kind, which procrastinate defers once per tick across all workers."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(), min_size=1))

    @app.task(name=TASK, queue=QUEUE)
    def run_job(job_id: int) -> None:
        if runner.run_job(job_id, lease=_stalled_after()):
            _Ran.count += 1

    if periodic:
        for spec in runner.periodic_specs():
            _add_periodic(app, spec)
    return app


def _add_periodic(app: procrastinate.App, spec: runner.Periodic) -> None:
    def tick(timestamp: int) -> None:
        try:
            with db.transaction() as session:
                system(session)
                runner.enqueue(session, spec.kind, dedupe_key=f"periodic:{spec.kind}:{timestamp}")
        except IntegrityError:
            pass  # this tick's job exists already

    task = app.task(name=f"nineplus.periodic.{spec.kind}", queue=QUEUE, priority=TICK_PRIORITY)(tick)
    app.periodic(cron=cron_of(spec.every), periodic_id=spec.kind)(task)


def run_until_empty(limit: int = 100, *, store: bool = True) -> int:
    """Run the due jobs in this process until none is left; return how many ran (the tests; and
    `nineplus jobs run`, which leaves the analytic store's jobs to the leading worker: ``store=False``).
    ``limit`` is accepted for the embedded runner's signature."""
    del limit
    _Ran.count = 0
    build_app(periodic=False).run_worker(
        queues=[QUEUE, SCHEDULED] if store else [QUEUE],
        wait=False,
        install_signal_handlers=False,
        listen_notify=False,
        delete_jobs="successful",
    )
    return _Ran.count


def reconcile() -> int:
    """Defer every queued or running row that no live procrastinate job carries; return how many."""
    with db.transaction() as session:
        system(session)
        ids = session.scalars(_ORPHANS, {"task": TASK}).all()
        for job_id in ids:
            defer(session, session.get_one(Job, job_id))
    if ids:
        log.info("re-deferred %s job(s) that no queue entry carried", len(ids))
    return len(ids)


async def recover_stalled(app: procrastinate.App) -> int:
    """Put back the jobs of workers that stopped sending heartbeats (killed, or cut off)."""
    stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=_stalled_after()))
    # (The rows' claims are not forced open: a worker that is alive but silent renews its claims and
    # keeps its jobs; a dead one's claims end within the stalled time, and the retried delivery, or the
    # re-deferral of the orphaned row, runs the job then.)
    for job in stalled:
        await app.job_manager.retry_job(job)
    if stalled:
        log.warning("took back %s job(s) from workers without a heartbeat", len(stalled))
    return len(stalled)


async def _supervised(app: procrastinate.App, stop: asyncio.Event, **options: Any) -> None:
    """Run a procrastinate worker until ``stop``, starting it again whenever it ends on an error (the
    database restarted, a connection broke)."""
    while not stop.is_set():
        try:
            await app.run_worker_async(
                install_signal_handlers=False,
                delete_jobs="successful",
                update_heartbeat_interval=get_settings().worker_heartbeat_seconds,
                stalled_worker_timeout=_stalled_after(),
                **options,
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the %s worker stopped on an error; starting again", options.get("name"))
        if not stop.is_set():
            await asyncio.sleep(RESTART_SECONDS)


async def _lead(app: procrastinate.App, stop: asyncio.Event) -> None:
    """Take the leader's advisory lock when it is free, then run the scheduled queue and the recovery
    until the lock's connection breaks (the lock goes with it) or the worker stops."""
    import psycopg

    while not stop.is_set():
        scheduled: asyncio.Task[None] | None = None
        try:
            async with await psycopg.AsyncConnection.connect(conninfo(), autocommit=True) as conn:
                while not stop.is_set():
                    taken = await conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_KEY,))
                    row = await taken.fetchone()
                    if row and row[0]:
                        break
                    await _wait(stop, _recovery_every())
                if stop.is_set():
                    return
                log.info("this worker leads: it runs the scheduled jobs and the analytic store's")
                inner = asyncio.Event()
                scheduled = asyncio.create_task(
                    _supervised(app, inner, queues=[SCHEDULED], concurrency=1, name="nineplus-scheduled")
                )
                while not stop.is_set():
                    await conn.execute("SELECT 1")  # the lock lives as long as this connection
                    await recover_stalled(app)
                    await asyncio.to_thread(reconcile)
                    await _wait(stop, _recovery_every())
                inner.set()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the leader's connection failed; it will try to lead again")
        finally:
            if scheduled is not None:
                scheduled.cancel()
                await asyncio.gather(scheduled, return_exceptions=True)
                await asyncio.to_thread(_let_go_of_the_store)  # the next leader opens it
        await _wait(stop, RESTART_SECONDS)


def _let_go_of_the_store() -> None:
    from nineplus.analytics.store import get_store

    get_store().close()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def work(concurrency: int = 2) -> None:
    """`nineplus worker`: run jobs until SIGTERM or SIGINT, then finish the running ones and stop."""
    app = build_app(periodic=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app.open_async():
        tasks = [
            asyncio.create_task(
                _supervised(app, stop, queues=[QUEUE], concurrency=concurrency, name="nineplus")
            ),
            asyncio.create_task(_lead(app, stop)),
        ]
        await stop.wait()
        log.info("stopping: the running jobs finish first")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def queue_depth() -> dict[str, int]:
    """Jobs waiting per queue (the metrics and the readiness check read it)."""
    with db.transaction(write=False) as session:
        rows = session.execute(
            text(
                "SELECT queue_name, count(*) FROM procrastinate_jobs WHERE status = 'todo' "
                "AND (scheduled_at IS NULL OR scheduled_at <= now()) GROUP BY queue_name"
            )
        ).all()
    return {QUEUE: 0, SCHEDULED: 0} | {str(name): int(count) for name, count in rows}


def live_workers() -> int:
    """Workers whose heartbeat is recent."""
    within = timedelta(seconds=_stalled_after())
    with db.transaction(write=False) as session:
        return int(
            session.scalar(
                text("SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > :since"),
                {"since": utcnow() - within},
            )
            or 0
        )
