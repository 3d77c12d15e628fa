"""The drop folder: CSV files of customer events, read every minute by a job.

``NINEPLUS_FEED_DIR/<organisation slug>/`` holds four folders:

- ``incoming/``: where the other system drops its files (write under another name, then rename to
  ``*.csv``, so that a file is never read half-written);
- ``processing/``: a file being read. It is moved here first, so a second reader never takes it; a file
  left here by a reader that died is read again from the start, and the events it had stored already are
  recognised by their references;
- ``done/``: the files read, each beside ``<name>.report.csv`` (every line: its reference and what became
  of it, or why it was refused);
- ``failed/``: a file that could not be read at all (not UTF-8, no header, a required column missing),
  beside ``<name>.error.txt``.

Columns: ``reference``, ``type``, ``occurred_at`` (ISO 8601, optional), ``external_id`` and/or
``email``, ``name`` (optional), and ``attr.<key>`` for the customer's attributes. Rows are stored 1,000 to
a transaction; a bad row is reported and the others are stored.
"""

from __future__ import annotations

import csv
import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from nineplus.accounts.models import Organisation
from nineplus.core import db
from nineplus.core.principal import system_principal
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.feed.service import MAX_EVENTS, EventIn, receive
from nineplus.jobs.runner import handler

log = logging.getLogger(__name__)
REQUIRED = ("reference", "type")
FOLDERS = ("incoming", "processing", "done", "failed")


@dataclass
class FileReport:
    name: str
    stored: int = 0  # events recorded now
    invited: int = 0
    repeats: int = 0
    refused: int = 0  # rows not valid, or refused (an erased customer)
    lines: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reference, result)


@handler("read_feed_folder", every=timedelta(minutes=1))
def read_feed_folder(session: Session, payload: dict[str, Any]) -> None:
    """Read every organisation's dropped files (the job's own session stays unused)."""
    root = get_settings().feed_dir
    if root is None:
        return
    with db.transaction(write=False) as own:
        system(own)
        organisations = own.execute(select(Organisation.id, Organisation.slug)).all()
    for organisation_id, slug in organisations:
        home = root / slug
        if not home.is_dir():
            continue
        for name in FOLDERS:
            (home / name).mkdir(exist_ok=True)
        waiting = sorted((home / "processing").glob("*.csv")) + sorted((home / "incoming").glob("*.csv"))
        for path in waiting:
            taken = home / "processing" / path.name
            if path != taken:
                os.replace(path, taken)
            read_dropped(organisation_id, taken, home)


def read_dropped(organisation_id: int, path: Path, home: Path) -> FileReport | None:
    """Read one file of the folder, then move it to done/ with its report (or to failed/)."""
    try:
        report = read_file(organisation_id, path)
    except SQLAlchemyError:  # the database is away: the file stays in processing/ for the next run
        log.warning("feed file %s waits: the database failed", path.name, exc_info=True)
        return None
    except Exception as exc:  # this file fails alone; the others and the other organisations go on
        (home / "failed" / (path.name + ".error.txt")).write_text(str(exc) + "\n", encoding="utf-8")
        os.replace(path, home / "failed" / path.name)
        log.warning("feed file %s refused: %s", path.name, exc, exc_info=not isinstance(exc, FeedFileError))
        return None
    write_report(report, home / "done" / (path.name + ".report.csv"))
    os.replace(path, home / "done" / path.name)
    log.info(
        "feed file %s: %s events stored, %s invited, %s repeats, %s refused",
        path.name, report.stored, report.invited, report.repeats, report.refused,
    )  # fmt: skip
    return report


class FeedFileError(ValueError):
    """The file as a whole cannot be read."""


def read_file(organisation_id: int, path: Path) -> FileReport:
    """Record the file's events for the organisation, 1,000 to a transaction."""
    report = FileReport(path.name)
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            header = reader.fieldnames or []
            missing = [c for c in REQUIRED if c not in header]
            if not header or missing:
                raise FeedFileError(f"the header lacks the column(s) {', '.join(missing or REQUIRED)}")
            if "external_id" not in header and "email" not in header:
                raise FeedFileError("the header needs an external_id or an email column")
            batch: list[tuple[int, EventIn]] = []
            for row in reader:
                line = reader.line_num
                try:
                    batch.append((line, _event(row)))
                except ValidationError as exc:
                    problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                    report.refused += 1
                    report.lines.append((line, (row.get("reference") or "").strip(), "refused: " + problem))
                if len(batch) == MAX_EVENTS:
                    _store(organisation_id, batch, report)
                    batch = []
            if batch:
                _store(organisation_id, batch, report)
    except UnicodeDecodeError as exc:
        raise FeedFileError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise FeedFileError(f"not a CSV file: {exc}") from exc
    return report


def _event(row: dict[str, str | None]) -> EventIn:
    def cell(name: str) -> str | None:
        value = (row.get(name) or "").strip()
        return value or None

    attributes = {k[5:]: v.strip() for k, v in row.items() if k and k.startswith("attr.") and v and v.strip()}
    return EventIn.model_validate(
        {
            "reference": cell("reference") or "",
            "type": cell("type") or "",
            "occurred_at": cell("occurred_at"),
            "customer": {
                "external_id": cell("external_id"),
                "email": cell("email"),
                "name": cell("name") or "",
                "attributes": attributes,
            },
        }
    )


def _store(organisation_id: int, batch: list[tuple[int, EventIn]], report: FileReport) -> None:
    with db.transaction() as session:
        scope(session, organisation_id)
        outcomes = receive(session, system_principal(organisation_id), [event for _line, event in batch])
    for (line, _event_in), outcome in zip(batch, outcomes, strict=True):
        report.lines.append((line, outcome.reference, outcome.result))
        if outcome.result == "repeat":
            report.repeats += 1
        elif outcome.result.startswith("refused"):
            report.refused += 1
        else:
            report.stored += 1
            report.invited += outcome.result == "invited"


def write_report(report: FileReport, target: Path) -> None:
    tmp = target.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["line", "reference", "result"])
        writer.writerows(sorted(report.lines))
    os.replace(tmp, target)
