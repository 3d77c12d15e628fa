"""The job queue on PostgreSQL (procrastinate): transactional, idempotent, retried, recovered, led by one
worker. These run on PostgreSQL in both passes of the suite."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from nineplus.core.db import transaction
from nineplus.core.models import utcnow
from nineplus.core.registry import import_all_handlers
from nineplus.core.tenancy import system
from nineplus.jobs import pgqueue, runner
from nineplus.jobs.models import Job
from tests.jobs import slow_worker  # noqa: F401  (registers test_slow and test_mark here too)

import_all_handlers()
ROOT = Path(__file__).resolve().parents[2]
calls: list[dict[str, Any]] = []


@runner.handler("test_queue_ok")
def _ok(_session: Any, payload: dict[str, Any]) -> None:
    calls.append(payload)


@runner.handler("test_queue_fail")
def _fail(_session: Any, _payload: dict[str, Any]) -> None:
    raise ValueError("the receiver is down")


@pytest.fixture(autouse=True)
def _clear() -> None:
    calls.clear()


def _enqueue(kind: str, payload: dict[str, Any] | None = None, **kwargs: Any) -> int:
    with transaction() as session:
        system(session)
        return runner.enqueue(session, kind, payload or {}, **kwargs).id


def _job(job_id: int) -> Job:
    with transaction(write=False) as session:
        system(session)
        return session.get_one(Job, job_id)


def _carriers(job_id: int) -> list[tuple[str, str]]:
    """procrastinate's jobs for a row: (queue, status)."""
    with transaction(write=False) as session:
        return [
            (queue, str(status))
            for queue, status in session.execute(
                text(
                    "SELECT queue_name, status FROM procrastinate_jobs "
                    "WHERE args->>'job_id' = :id ORDER BY id"
                ),
                {"id": str(job_id)},
            )
        ]


def test_a_job_is_queued_in_the_enqueuing_transaction_and_only_if_it_commits(pg_committed_db: str) -> None:
    def failing_change() -> None:
        with transaction() as session:
            system(session)
            runner.enqueue(session, "test_queue_ok", {"n": 1})
            raise RuntimeError("the change that asked for the job failed")

    with pytest.raises(RuntimeError):
        failing_change()
    with transaction(write=False) as session:
        assert session.scalar(text("SELECT count(*) FROM procrastinate_jobs")) == 0
        assert session.scalar(select(Job.id)) is None
    job_id = _enqueue("test_queue_ok", {"n": 2})
    assert _carriers(job_id) == [("nineplus", "todo")]
    assert runner.run_pending() == 1
    assert calls == [{"n": 2}]
    assert _job(job_id).state == "done"
    assert _carriers(job_id) == []  # procrastinate forgets a job that succeeded; the row keeps its record


def test_store_jobs_wait_for_the_leader_and_a_periodic_kind_runs_one_at_a_time(pg_committed_db: str) -> None:
    refresh = _enqueue("refresh_analytics")
    assert _carriers(refresh) == [("nineplus-scheduled", "todo")]
    assert pgqueue.queue_depth() == {"nineplus": 0, "nineplus-scheduled": 1}
    first, second = _enqueue("open_cases"), _enqueue("open_cases")
    with transaction(write=False) as session:
        locks = session.execute(
            text("SELECT queue_name, lock FROM procrastinate_jobs WHERE args->>'job_id' IN (:a, :b)"),
            {"a": str(first), "b": str(second)},
        ).all()
    assert locks == [("nineplus", "nineplus.open_cases")] * 2
    assert pgqueue.lock_of("send_email") is None


def test_a_failing_job_is_retried_with_backoff_then_waits_failed_with_its_error(pg_committed_db: str) -> None:
    job_id = _enqueue("test_queue_fail", max_attempts=2)
    assert runner.run_pending() == 1
    first = _job(job_id)
    assert (first.state, first.attempts) == ("queued", 1)
    assert "receiver is down" in first.last_error
    assert first.run_at > utcnow() + timedelta_seconds(5)
    assert _carriers(job_id) == [("nineplus", "todo")]  # deferred again, due at the backoff
    assert runner.run_pending() == 0  # not before its time
    with transaction() as session:  # its time has come
        session.execute(text("UPDATE procrastinate_jobs SET scheduled_at = now()"))
        session.execute(text("UPDATE jobs SET run_at = :now"), {"now": utcnow()})
    assert runner.run_pending() == 1
    final = _job(job_id)
    assert (final.state, final.attempts) == ("failed", 2)
    assert _carriers(job_id) == []
    with transaction() as session:
        system(session)
        runner.retry(session, job_id)
    assert _carriers(job_id) == [("nineplus", "todo")]
    assert (_job(job_id).state, _job(job_id).attempts) == ("queued", 0)


def timedelta_seconds(seconds: float):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(seconds=seconds)


def test_a_job_delivered_twice_runs_once(pg_committed_db: str) -> None:
    job_id = _enqueue("test_queue_ok", {"n": 3})
    with transaction() as session:
        system(session)
        pgqueue.defer(session, session.get_one(Job, job_id))  # a second delivery of the same row
    assert runner.run_pending() == 1
    assert calls == [{"n": 3}]
    assert runner.run_job(job_id) is False


def test_rows_without_a_queue_entry_are_deferred_again_once(pg_committed_db: str) -> None:
    job_id = _enqueue("test_queue_ok", {"n": 4})
    with transaction() as session:  # as after restoring a backup, or switching from the embedded runner
        session.execute(text("DELETE FROM procrastinate_jobs"))
    assert pgqueue.reconcile() == 1
    assert pgqueue.reconcile() == 0
    assert runner.run_pending() == 1
    assert _job(job_id).state == "done"


def test_the_jobs_of_a_worker_without_a_heartbeat_are_taken_back(
    pg_committed_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = _enqueue("test_queue_ok", {"n": 5})
    with transaction() as session:  # a worker took the job, claimed the row, and died
        dead = session.scalar(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 hour') "
                "RETURNING id"
            )
        )
        session.execute(text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w"), {"w": dead})
        session.execute(
            text("UPDATE jobs SET state = 'running', attempts = 1, locked_until = :later"),
            {"later": utcnow() + timedelta_seconds(300)},
        )
    assert runner.run_pending() == 0  # nothing to fetch: the job is "doing"

    async def recover() -> int:
        app = pgqueue.build_app(periodic=False)
        async with app.open_async():
            return await pgqueue.recover_stalled(app)

    assert asyncio.run(recover()) == 1
    # While its claim lasts (a worker that is alive but silent renews it), the job is not run again.
    assert runner.run_pending() == 0
    assert _job(job_id).state == "running"
    with transaction() as session:  # the dead worker's claim ends (within the stalled time, unrenewed)
        session.execute(
            text("UPDATE jobs SET locked_until = :past"), {"past": utcnow() - timedelta_seconds(1)}
        )
    assert pgqueue.reconcile() == 1  # its row has no live queue entry now: deferred again, due now
    assert runner.run_pending() == 1
    assert (_job(job_id).state, _job(job_id).attempts) == ("done", 2)


def test_a_running_job_keeps_its_claim_fresh_and_lets_it_go_when_done(pg_committed_db: str) -> None:
    seen: list[object] = []

    @runner.handler("test_queue_slow")
    def _slow(_session: Any, payload: dict[str, Any]) -> None:
        time.sleep(1.2)
        seen.append(_job(payload["id"]).locked_until)

    with transaction() as session:
        system(session)
        job = runner.enqueue(session, "test_queue_slow", {})
        session.flush()
        job.payload = {"id": job.id}
        job_id = job.id
    started = utcnow()
    assert runner.run_job(job_id, lease=0.6)
    # renewed every 0.2 s for 0.6 s: during the run the claim ended less than a second ahead
    assert started < seen[0] < utcnow() + timedelta_seconds(1)
    assert _job(job_id).state == "done"


# Real worker processes ------------------------------------------------------------------------------


def _start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NINEPLUS_DATABASE_URL": url,
        "NINEPLUS_WORKER_HEARTBEAT_SECONDS": "0.5",
        "NINEPLUS_WORKER_STALLED_SECONDS": "2",
        "NINEPLUS_ANALYTICS_PATH": str(log.with_suffix(".duckdb")),
        "PYTHONPATH": str(ROOT),
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.slow_worker", "--concurrency", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_for(predicate, seconds: float, what: str) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {seconds} s")


def _marks() -> list[str]:
    with transaction(write=False) as session:
        return list(session.scalars(text("SELECT name FROM test_marks ORDER BY id")))


def _leaders(logs: list[Path]) -> list[int]:
    return [i for i, log in enumerate(logs) if "this worker leads" in log.read_text()]


def test_two_workers_one_leader_and_a_killed_workers_job_is_finished_by_the_other(
    pg_committed_db: str, tmp_path: Path
) -> None:
    with transaction() as session:
        session.execute(text("CREATE TABLE test_marks (id serial PRIMARY KEY, name text NOT NULL)"))
    logs = [tmp_path / "w0.log", tmp_path / "w1.log"]
    workers = [_start_worker(pg_committed_db, log) for log in logs]
    try:
        _wait_for(lambda: _leaders(logs), 30, "a worker leads")
        time.sleep(1.5)  # the other has asked for the lead twice by now
        assert len(_leaders(logs)) == 1, "two workers lead at once"
        # Both workers run the general queue.
        for n in range(4):
            _enqueue("test_mark", {"name": f"quick-{n}"})
        _wait_for(lambda: len(_marks()) == 4, 30, "four quick jobs ran")
        # A slow job starts; its worker is killed in the middle.
        slow = _enqueue("test_slow", {"seconds": 3, "name": "slow"})
        _wait_for(lambda: any(m.startswith("started:") for m in _marks()), 30, "the slow job started")
        pid = int(next(m for m in _marks() if m.startswith("started:")).split(":")[1])
        killed = next(i for i, worker in enumerate(workers) if worker.pid == pid)
        was_leader = _leaders(logs) == [killed]
        workers[killed].send_signal(signal.SIGKILL)
        workers[killed].wait(10)
        survivor = 1 - killed
        took = _wait_for(lambda: _job(slow).state == "done", 60, "the survivor finished the killed job")
        print(f"\nthe killed worker's job was finished by the other {took:.1f} s after the kill")
        assert _marks().count("slow") == 1  # the killed run rolled back; one run went to the end
        assert f"started:{workers[survivor].pid}" in _marks()
        assert _job(slow).attempts == 2
        if was_leader:
            _wait_for(lambda: survivor in _leaders(logs), 30, "the survivor took the lead")
        # The survivor leads and runs the scheduled queue.
        refresh = _enqueue("refresh_analytics")
        _wait_for(lambda: _job(refresh).state == "done", 30, "the survivor ran the store's refresh")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
    assert workers[survivor].returncode == 0, logs[survivor].read_text()[-3000:]
