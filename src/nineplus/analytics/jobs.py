"""The job that keeps the analytic store fed from the row store."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from nineplus.core import db
from nineplus.core.settings import get_settings
from nineplus.jobs.runner import handler

log = logging.getLogger(__name__)


@handler("refresh_analytics", every=timedelta(seconds=get_settings().analytics_refresh_seconds))
def refresh_analytics(session: Session, payload: dict[str, Any]) -> None:
    """Copy the responses submitted since the last run (the job's own row-store session stays unused: a
    refresh reads in its own read transaction and never holds the write lock)."""
    from nineplus.analytics.store import get_store

    store = get_store()
    report = store.refresh(db.get_engine(), full=bool(payload.get("full")))
    if report.added or report.removed:
        log.info(
            "analytic store: %s responses added, %s removed in %.2f s",
            report.added,
            report.removed,
            report.seconds,
        )
    folder = get_settings().resolved_analytics_export_dir()
    if folder is not None and (report.added or report.removed or report.full):
        from nineplus.analytics.export import export

        export(store, folder)


@handler("export_analytics")
def export_analytics(session: Session, payload: dict[str, Any]) -> None:
    """Write the Parquet export (queued by `nineplus analytics export` while a server holds the store)."""
    from nineplus.analytics.export import export
    from nineplus.analytics.store import get_store

    export(get_store(), Path(payload["folder"]))
