"""The analytic store's part of an erasure: the refresh removes what left the row store; this checks that
nothing of the erased persons and responses is left in the store or in the Parquet export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy.orm import Session

from nineplus.analytics.export import export, table_files
from nineplus.analytics.store import AnalyticStore, get_store
from nineplus.core import db
from nineplus.core.settings import get_settings

# table -> the columns that name a person or a response
COLUMNS = {
    "responses": ("respondent", "response_id"),
    "scores": ("respondent", "response_id"),
    "persons": ("respondent",),
    "person_attributes": ("respondent",),
    "outcomes": ("respondent",),
}


class StillThere(RuntimeError):
    """Rows of an erased person are still in the analytic store or its export (the job is retried)."""


def clear(session: Session, respondents: list[int], response_ids: list[int]) -> dict[str, Any]:
    """Refresh the store (rebuilt whole if anything is left), write the export again where one is
    configured, and check both; return what the receipt records."""
    store, engine = get_store(), db.get_engine()
    report = store.refresh(engine)
    rebuilt = False
    if left_in_store(store, respondents, response_ids):
        store.refresh(engine, full=True)
        rebuilt = True
    if left := left_in_store(store, respondents, response_ids):
        raise StillThere(f"the analytic store still holds rows of an erased person: {left}")
    with store._write_lock:
        store.connection().execute("CHECKPOINT")  # the freed blocks are written over, not kept
    found: dict[str, Any] = {"responses_removed": report.removed, "rebuilt": rebuilt, "export": None}
    folder = get_settings().resolved_analytics_export_dir()
    if folder is not None and (Path(folder) / "_manifest.json").exists():
        written = export(store, Path(folder), keep_previous=False)  # no file of the person stays
        if left := left_in_export(Path(folder), respondents, response_ids):
            raise StillThere(f"the Parquet export still holds rows of an erased person: {left}")
        found["export"] = {"rewritten": written.rewritten, "checked": True}
    return found


def _where(columns: tuple[str, ...], respondents: list[int], response_ids: list[int]) -> str:
    parts = []
    for column in columns:
        ids = response_ids if column == "response_id" else respondents
        if ids:
            parts.append(f"{column} IN ({', '.join(str(int(i)) for i in ids)})")
    return " OR ".join(parts)


def left_in_store(store: AnalyticStore, respondents: list[int], response_ids: list[int]) -> dict[str, int]:
    left: dict[str, int] = {}
    with store.snapshot() as cur:
        for table, columns in COLUMNS.items():
            where = _where(columns, respondents, response_ids)
            if where:
                count = cur.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]  # noqa: S608
                if count:
                    left[table] = int(count)
    return left


def left_in_export(folder: Path, respondents: list[int], response_ids: list[int]) -> dict[str, int]:
    left: dict[str, int] = {}
    files = table_files(folder)
    con = duckdb.connect()
    try:
        for table, columns in COLUMNS.items():
            where = _where(columns, respondents, response_ids)
            paths = [str(p) for p in files.get(table, [])]
            if where and paths:
                query = f"SELECT count(*) FROM read_parquet(?) WHERE {where}"  # noqa: S608 (integers)
                count = con.execute(query, [paths]).fetchone()[0]  # type: ignore[index]
                if count:
                    left[table] = int(count)
    finally:
        con.close()
    return left
