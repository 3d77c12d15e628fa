"""Readiness and who may read the metrics."""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

from fastapi import Request
from sqlalchemy import text

from nineplus.core import db
from nineplus.core.settings import get_settings

log = logging.getLogger(__name__)
_schema_current_at = 0.0  # when the schema was last found current (a migration is rare: asked each 30 s)


def readiness() -> tuple[dict[str, Any], bool]:
    global _schema_current_at
    body: dict[str, Any] = {"database": "ok"}
    try:
        with db.transaction(write=False) as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # the database is down or refusing: the reason, without a traceback
        log.warning("not ready: the database does not answer: %s", exc)
        return {"status": "unavailable", "database": type(exc).__name__}, False
    if time.monotonic() - _schema_current_at > 30:
        from nineplus.core.migrate import is_current

        if not is_current():
            schema = "not current: run nineplus db upgrade"
            return {"status": "unavailable", "database": "ok", "schema": schema}, False
        _schema_current_at = time.monotonic()
    body["schema"] = "current"
    if get_settings().uses_job_queue():
        from nineplus.jobs.pgqueue import live_workers

        body["worker"] = "alive" if live_workers() else "none"  # a heartbeat within the stalled time
    body["status"] = "ok"
    return body, True


def may_scrape(request: Request) -> bool:
    token = get_settings().metrics_token
    if token:
        sent = request.headers.get("authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    host = request.client.host if request.client else ""
    return host in ("127.0.0.1", "::1", "testclient")
