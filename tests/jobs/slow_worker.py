"""`nineplus worker` with two extra job kinds, for the tests that run real worker processes: ``test_slow``
sleeps (long enough to kill its worker in the middle) and ``test_mark`` records that it ran."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from nineplus.core.db import transaction
from nineplus.jobs.runner import handler


@handler("test_slow")
def _slow(session: Session, payload: dict[str, Any]) -> None:
    with transaction() as own:  # committed at once: which process started it
        own.execute(text("INSERT INTO test_marks (name) VALUES (:name)"), {"name": f"started:{os.getpid()}"})
    time.sleep(float(payload.get("seconds", 5)))
    _mark(session, payload)


@handler("test_mark")
def _mark(session: Session, payload: dict[str, Any]) -> None:
    session.execute(
        text("INSERT INTO test_marks (name) VALUES (:name)"), {"name": str(payload.get("name", ""))}
    )


if __name__ == "__main__":
    from nineplus.cli import app

    sys.exit(app(["worker", *sys.argv[1:]]))
