"""``nineplus analytics export``: the analytic tables as Parquet, for Spark and other engines.

The folder holds one subfolder per table and ``_manifest.json``, which names the files that make up the
current export: a reader takes the files the manifest lists, never a folder listing, so a half-written
export is never read. Facts (``responses``, ``scores``) are written incrementally: each export adds one
part with the refresh batches since the previous export. When the store's generation changed (a full
refresh, or responses removed from the row store), the facts are written again from scratch, and the
parts of the old generation are deleted once the new manifest is in place. Dimensions and the small
``counts`` tables are written whole every time.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from nineplus.analytics.schema import COUNT_TABLES, summed
from nineplus.analytics.store import AnalyticStore

FACTS = ("responses", "scores")
WHOLE = (
    "counts",
    "counts_month",
    "counts_total",
    "nps_month",
    "organisations",
    "teams",
    "journeys",
    "moments",
    "surveys",
    "versions",
    "questions",
    "persons",
    "person_attributes",
    "outcomes",
)
MANIFEST = "_manifest.json"


@dataclass(frozen=True)
class ExportReport:
    rewritten: bool  # the facts were written from scratch
    rows: dict[str, int]  # rows written now, per table
    files: dict[str, list[str]]  # the export's files per table, relative to the folder


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    return json.loads(path.read_text()) if path.exists() else {}


def table_files(folder: Path) -> dict[str, list[Path]]:
    """The Parquet files of each table of an export, as its manifest lists them."""
    manifest = read_manifest(folder)
    if not manifest:
        raise FileNotFoundError(f"{folder} holds no analytics export ({MANIFEST} is missing)")
    return {table: [folder / name for name in names] for table, names in manifest["files"].items()}


def export(store: AnalyticStore, folder: Path, *, keep_previous: bool = True) -> ExportReport:
    """Write the export. The files of the previous manifest stay until the next export (``keep_previous``),
    so that a reader that took that manifest a moment ago finds its files; an erasure passes False."""
    folder.mkdir(parents=True, exist_ok=True)
    old = read_manifest(folder)
    with store.snapshot() as cur:
        meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
        generation, batch = int(meta.get("generation", "0")), int(meta.get("batch", "0"))
        rewrite = old.get("generation") != generation or old.get("schema") != meta.get("schema")
        since = 0 if rewrite else int(old.get("batch", 0))
        files: dict[str, list[str]] = {} if rewrite else {t: list(old["files"].get(t, [])) for t in FACTS}
        rows: dict[str, int] = {}
        for table in FACTS:
            files.setdefault(table, [])
            name = f"{table}/part-g{generation:05d}-b{batch:08d}.parquet"
            query = f"SELECT * FROM {table} WHERE batch > {since}"  # noqa: S608 (integers)
            rows[table] = _copy(cur, query, folder / name, always=not files[table])
            if (folder / name).exists() and name not in files[table]:
                files[table].append(name)
        for table in WHOLE:
            name = f"{table}/{table}-g{generation:05d}-b{batch:08d}.parquet"
            query = summed(table) if table in COUNT_TABLES else f"SELECT * FROM {table}"  # noqa: S608
            rows[table] = _copy(cur, query, folder / name, always=True)
            files[table] = [name]
    manifest = {
        "schema": meta.get("schema"),
        "generation": generation,
        "batch": batch,
        "meta": meta,  # the store's own (when it was refreshed), for the web servers that read the export
        "files": files,
    }
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1))
    os.replace(tmp, folder / MANIFEST)
    previous = old.get("files", {}) if keep_previous else {}
    _remove_unlisted(folder, {table: [*names, *previous.get(table, [])] for table, names in files.items()})
    return ExportReport(rewritten=rewrite, rows=rows, files=files)


def _copy(cur, query: str, target: Path, *, always: bool) -> int:  # type: ignore[no-untyped-def]
    """Write the query's rows to ``target`` (through a temporary name), when there are any or ``always``
    (a table's first file carries its columns even when empty); return how many."""
    count = cur.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]  # noqa: S608
    target.parent.mkdir(parents=True, exist_ok=True)
    if count or always:
        tmp = target.with_suffix(".tmp")
        escaped = str(tmp).replace("'", "''")
        cur.execute(f"COPY ({query}) TO '{escaped}' (FORMAT parquet, COMPRESSION zstd)")
        os.replace(tmp, target)
    return int(count)


def _remove_unlisted(folder: Path, files: dict[str, list[str]]) -> None:
    listed = {folder / name for names in files.values() for name in names}
    for table in (*FACTS, *WHOLE):
        for path in (folder / table).glob("*.parquet"):
            if path not in listed:
                path.unlink()
