"""What the jobs page and `nineplus jobs list` show: recent jobs with their state and last error, and a
failed job queued again.

The jobs table is not tenant-scoped (the runner reads it for every organisation), so every query here
names the organisation. Jobs that work for all organisations (the periodic ones) show without their error
text, which may mention another organisation's data; they run again at their next tick anyway.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from nineplus.audit.service import record
from nineplus.core.errors import Conflict, NotFound
from nineplus.core.i18n import N_
from nineplus.core.i18n import gettext as _
from nineplus.core.principal import Principal
from nineplus.jobs import runner
from nineplus.jobs.models import Job

KIND_LABELS = {
    "send_email": N_("Sending an e-mail"),
    "run_import": N_("Importing a file"),
    "complete_erasure": N_("Completing an erasure"),
    "refresh_analytics": N_("Refreshing the figures"),
    "export_analytics": N_("Exporting the figures"),
    "analyse_verbatims": N_("Analysing customers' words"),
    "open_cases": N_("Opening cases for unhappy customers"),
    "escalate_cases": N_("Escalating overdue cases"),
    "settle_baselines": N_("Settling the baselines of growth targets"),
    "team_digests": N_("Sending the team digests"),
    "retention_purge": N_("Removing data past its retention"),
    "purge_expired_tokens": N_("Removing expired links and sessions"),
    "deliver_webhooks": N_("Sending webhooks"),
    "purge_webhook_deliveries": N_("Removing old webhook deliveries"),
    "purge_finished_jobs": N_("Removing finished jobs"),
}
FREQUENT = timedelta(minutes=10)  # periodic jobs this frequent are listed only when they failed


def label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def recent(
    session: Session | None, organisation_id: int | None, *, failed_only: bool = False, limit: int = 50
) -> list[Job]:
    """The newest jobs, failed ones first; of one organisation (plus the jobs for all organisations, less
    the routine runs of the frequent periodic jobs that went well), or of every organisation when
    ``organisation_id`` is None and there is no session (the CLI)."""
    from nineplus.core import db
    from nineplus.core.tenancy import system

    stmt = select(Job)
    if organisation_id is not None:
        stmt = stmt.where((Job.organisation_id == organisation_id) | Job.organisation_id.is_(None))
        routine = [spec.kind for spec in runner.periodic_specs() if spec.every < FREQUENT]
        stmt = stmt.where((Job.state != "done") | Job.kind.not_in(routine))
    if failed_only:
        stmt = stmt.where(Job.state == "failed")
    stmt = stmt.order_by(case((Job.state == "failed", 0), else_=1), Job.id.desc()).limit(limit)
    if session is not None:
        return list(session.scalars(stmt))
    with db.transaction(write=False) as own:
        system(own)
        return list(own.scalars(stmt))


def counts(session: Session, organisation_id: int) -> dict[str, int]:
    """Jobs per state for the organisation (with the jobs for all organisations)."""
    rows = session.execute(
        select(Job.state, func.count())
        .where((Job.organisation_id == organisation_id) | Job.organisation_id.is_(None))
        .group_by(Job.state)
    ).all()
    return dict.fromkeys(("queued", "running", "done", "failed"), 0) | {s: int(n) for s, n in rows}


def retry(session: Session, me: Principal, job_id: int) -> Job:
    """Queue one of the organisation's failed jobs again (another organisation's, or a job for all of
    them, is not found)."""
    job = session.get(Job, job_id)
    if job is None or job.organisation_id != me.organisation_id:
        raise NotFound(_("No such job."))
    if job.state != "failed":
        raise Conflict(_("This job has not failed; there is nothing to retry."))
    error = job.last_error
    runner.retry(session, job_id)
    record(session, me, "job.retry", job, before={"state": "failed", "last_error": error[:500]})
    return job


def depth() -> tuple[dict[str, int], int, int]:
    """Jobs waiting per queue, jobs failed for good, and jobs waiting to be tried again after a failed
    attempt, over every organisation (the metrics)."""
    from datetime import UTC, datetime

    from nineplus.core import db
    from nineplus.core.settings import get_settings
    from nineplus.core.tenancy import system

    with db.transaction(write=False) as session:
        system(session)
        failed = session.scalar(select(func.count()).where(Job.state == "failed")) or 0
        retrying = session.scalar(select(func.count()).where(Job.state == "queued", Job.attempts > 0)) or 0
        if get_settings().job_queue == "embedded" or session.get_bind().dialect.name != "postgresql":
            due = select(func.count()).where(Job.state == "queued", Job.run_at <= datetime.now(UTC))
            waiting = {"embedded": int(session.scalar(due) or 0)}
        else:
            waiting = {}
    if not waiting:
        from nineplus.jobs.pgqueue import queue_depth

        waiting = queue_depth()
    return waiting, int(failed), int(retrying)
