"""The in-process job runner: persisted, retried with backoff, scheduled, periodic, crash-safe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.db import transaction
from nineplus.core.models import utcnow
from nineplus.core.tenancy import system
from nineplus.jobs import runner
from nineplus.jobs.models import Job

calls: list[dict[str, Any]] = []


@runner.handler("test_ok")
def _ok(_session: Session, payload: dict[str, Any]) -> None:
    calls.append(payload)


@runner.handler("test_fail")
def _fail(_session: Session, _payload: dict[str, Any]) -> None:
    raise ValueError("the receiver is down")


@runner.handler("test_every_hour", every=timedelta(hours=1))
def _hourly(_session: Session, _payload: dict[str, Any]) -> None:
    calls.append({"hourly": True})


@runner.handler("test_long")
def _long(_session: Session, payload: dict[str, Any]) -> None:
    runner.extend_lock(3600)  # what an import does between chunks
    calls.append({"locked_until": _job(payload["id"]).locked_until})


def _enqueue(kind: str, **kwargs: Any) -> int:
    with transaction() as session:
        system(session)
        job = runner.enqueue(session, kind, {"n": 1}, **kwargs)
        session.flush()
        return job.id


def _job(job_id: int) -> Job:
    with transaction(write=False) as session:
        system(session)
        return session.get_one(Job, job_id)


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    calls.clear()


def test_a_queued_job_runs_once_and_is_marked_done(committed_db: str) -> None:
    job_id = _enqueue("test_ok")
    assert runner.run_pending() == 1
    assert runner.run_pending() == 0
    assert calls == [{"n": 1}]
    assert _job(job_id).state == "done"


def test_a_job_scheduled_for_later_waits_until_its_time(committed_db: str) -> None:
    job_id = _enqueue("test_ok", run_at=utcnow() + timedelta(minutes=5))
    assert runner.run_pending() == 0
    assert runner.run_one(now=utcnow() + timedelta(minutes=6))
    assert _job(job_id).state == "done"


def test_a_failing_job_is_retried_with_growing_backoff_then_marked_failed(committed_db: str) -> None:
    job_id = _enqueue("test_fail", max_attempts=3)
    assert runner.run_pending() == 1
    first = _job(job_id)
    assert first.state == "queued"
    assert first.attempts == 1
    assert "receiver is down" in first.last_error
    assert first.run_at > utcnow() + timedelta(seconds=5)
    later = utcnow()
    for _ in range(2):
        later += timedelta(hours=1)
        assert runner.run_one(now=later)
    final = _job(job_id)
    assert final.state == "failed"
    assert final.attempts == 3
    assert runner.backoff(1) < runner.backoff(2) < runner.backoff(3)


def test_a_failed_job_can_be_retried(committed_db: str) -> None:
    job_id = _enqueue("test_fail", max_attempts=1)
    runner.run_pending()
    assert _job(job_id).state == "failed"
    with transaction() as session:
        system(session)
        runner.retry(session, job_id)
    assert _job(job_id).state == "queued"


def test_a_job_whose_runner_died_is_picked_up_after_its_lock_expires(committed_db: str) -> None:
    job_id = _enqueue("test_ok")
    with transaction() as session:
        system(session)
        job = session.get_one(Job, job_id)
        job.state, job.locked_until = "running", utcnow() + timedelta(seconds=runner.LOCK_SECONDS)
    assert not runner.run_one()
    assert runner.run_one(now=utcnow() + timedelta(seconds=runner.LOCK_SECONDS + 1))
    assert _job(job_id).state == "done"


def test_periodic_jobs_are_scheduled_once_per_interval(committed_db: str) -> None:
    now = utcnow()
    runner.schedule_periodic(now)
    runner.schedule_periodic(now)
    with transaction(write=False) as session:
        system(session)
        hourly = session.scalars(select(Job).where(Job.kind == "test_every_hour")).all()
    assert len(hourly) == 1
    runner.schedule_periodic(now + timedelta(hours=1))
    with transaction(write=False) as session:
        system(session)
        assert len(session.scalars(select(Job).where(Job.kind == "test_every_hour")).all()) == 2


def test_an_unknown_job_kind_is_refused(committed_db: str) -> None:
    with pytest.raises(ValueError, match="no job handler"):
        _enqueue("no_such_job")


def test_a_long_job_extends_its_claim_so_no_other_runner_takes_it(committed_db: str) -> None:
    with transaction() as session:
        system(session)
        job = runner.enqueue(session, "test_long", {})
        session.flush()
        job.payload = {"id": job.id}
        job_id = job.id
    assert runner.run_one()
    locked_until = calls[0]["locked_until"]
    assert locked_until > utcnow() + timedelta(minutes=30)  # far beyond the five minutes of a claim
    assert _job(job_id).state == "done"
    runner.extend_lock()  # outside a job: nothing to extend, nothing breaks


def test_finished_jobs_are_forgotten_after_a_week_and_failed_ones_are_kept(committed_db: str) -> None:
    old_done, new_done, old_failed = _enqueue("test_ok"), _enqueue("test_ok"), _enqueue("test_fail")
    with transaction() as session:
        system(session)
        long_ago = utcnow() - timedelta(days=8)
        for job_id, state, at in ((old_done, "done", long_ago), (new_done, "done", utcnow())):
            job = session.get_one(Job, job_id)
            job.state, job.finished_at = state, at
        failed = session.get_one(Job, old_failed)
        failed.state, failed.finished_at = "failed", long_ago
    with transaction() as session:
        runner.purge_finished_jobs(session, {})
    with transaction(write=False) as session:
        system(session)
        left = set(session.scalars(select(Job.id)))
    assert old_done not in left
    assert {new_done, old_failed} <= left
