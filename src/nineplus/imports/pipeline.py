"""What every import does with its rows: check them all, or store them a chunk per short transaction.

An importer supplies ``convert(line, cells, report)``, which returns the row as the thing to store (or
None, having put the row's errors in the report), and ``store(session, items, report)``, which writes a
chunk and counts what it stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from nineplus.core.db import unit_of_work
from nineplus.core.i18n import gettext as _
from nineplus.core.tenancy import scope
from nineplus.imports.report import CHUNK, Report
from nineplus.imports.sources import Source

T = TypeVar("T")
Convert = Callable[[int, list[str], Report], T | None]
Progress = Callable[[int], None] | None
PROGRESS_EVERY = 5000


def suggest_roles(source: Source, names: dict[str, set[str]], other: str = "") -> dict[str, str]:
    """header -> the role whose known names include it (each role once), else ``other``."""
    out: dict[str, str] = {}
    for header in source.headers:
        role = next((r for r, known in names.items() if header.strip().lower() in known), other)
        out[header] = role if role == other or role not in out.values() else other
    return out


def read_roles(
    source: Source, mapping: dict[str, str], roles: tuple[str, ...], repeatable: tuple[str, ...] = ()
) -> tuple[dict[int, str], dict[str, str]]:
    """The confirmed mapping as column index -> role, and an error per column that names an unknown role
    or one another column already holds (``repeatable`` roles may be held by several)."""
    columns: dict[int, str] = {}
    errors: dict[str, str] = {}
    for index, header in enumerate(source.headers):
        role = (mapping.get(header) or "").strip()
        if not role:
            continue
        if role not in roles:
            errors[f"map.{index}"] = _("Choose one of the listed options.")
        elif role not in repeatable and role in columns.values():
            errors[f"map.{index}"] = _("Another column is already mapped to this.")
        else:
            columns[index] = role
    return columns, errors


def check_rows(source: Source, convert: Convert[Any], progress: Progress = None) -> Report:
    """Convert every row for its errors; keep nothing, write nothing."""
    report = Report()
    for line, cells in source.rows():
        report.rows += 1
        convert(line, cells, report)
        if progress and report.rows % PROGRESS_EVERY == 0:
            progress(report.rows)
    return report


def chunks(source: Source, convert: Convert[T], report: Report) -> Iterator[list[tuple[int, T]]]:
    """The valid rows, converted, as (line, item), CHUNK at a time."""
    chunk: list[tuple[int, T]] = []
    for line, cells in source.rows():
        report.rows += 1
        item = convert(line, cells, report)
        if item is not None:
            chunk.append((line, item))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_chunks(
    source: Source,
    convert: Convert[T],
    open_session: Callable[[], Session],
    store: Callable[[Session, list[tuple[int, T]], Report], None],
    progress: Progress = None,
    organisation_id: int | None = None,
) -> Report:
    """Store the valid rows, a chunk per transaction (so public submissions get their turn between)."""
    report = Report()
    for chunk in chunks(source, convert, report):
        with unit_of_work(open_session) as session:
            if organisation_id is not None:
                scope(session, organisation_id)
            store(session, chunk, report)
        if progress:
            progress(report.rows)
    return report
