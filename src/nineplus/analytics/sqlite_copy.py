# ruff: noqa: S608  (the SQL built here holds integers, fixed names and a quoted file path only)
"""A full refresh's read of a SQLite row store, done by DuckDB in a child process.

Why apart: DuckDB reads a SQLite file with its own copy of SQLite. SQLite's locks are POSIX advisory locks,
which belong to the process, and closing any descriptor of a file drops all of the process's locks on it.
When DuckDB closed the row store inside the web server, the server's own connections lost their locks
unnoticed; the next program to open and close the database (a CLI command, an import) took itself for
the last user and removed the write-ahead log under the server, whose pages then failed with "disk I/O
error" until it was restarted (SQLite's "How To Corrupt", section 2.2). The child holds the only
descriptor DuckDB opens, so its locks are the only ones that go.

The child writes Parquet files that the store then reads: the responses up to a given id with their
team and time zone, and the score answers of those responses.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nineplus.analytics.rowstore import SCORE_TYPES

RESPONSES = "responses.parquet"
ANSWERS = "answers.parquet"
LIMIT_SECONDS = 4 * 3600  # a child still reading after this is taken for hung (10M responses: about 2 min)


def read_apart(database: Path | str, top: int, folder: Path, *, memory_limit: str = "1GB") -> None:
    """Write the row store's responses and score answers up to ``top`` into ``folder`` (in a child whose
    DuckDB keeps to ``memory_limit`` and spills into ``folder``)."""
    command = [sys.executable, "-m", "nineplus.analytics.sqlite_copy", str(database), str(top), str(folder)]
    try:
        done = subprocess.run(  # noqa: S603 (this interpreter, this module, paths, an integer, a size)
            [*command, memory_limit], capture_output=True, text=True, check=False, timeout=LIMIT_SECONDS
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"reading the row store took over {LIMIT_SECONDS} s") from exc
    if done.returncode != 0:
        raise RuntimeError(f"reading the row store failed:\n{done.stderr[-3000:]}")


def quoted(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _read(database: Path, top: int, folder: Path, memory_limit: str) -> None:
    from nineplus.core import duck

    types = ", ".join(f"'{t}'" for t in SCORE_TYPES)
    con = duck.connect(memory_limit=memory_limit, temp_directory=folder / "spill")
    try:
        con.execute(f"ATTACH {quoted(database)} AS rowstore (TYPE sqlite, READ_ONLY)")
        con.execute(
            f"""COPY (
                SELECT r.id, r.organisation_id::INTEGER AS organisation_id, r.survey_id::INTEGER AS survey_id,
                       r.version_id::INTEGER AS version_id, r.respondent::BIGINT AS respondent,
                       coalesce(r.team_id, 0)::INTEGER AS team_id, r.submitted_at, r.started_at, o.timezone
                FROM rowstore.responses r
                JOIN rowstore.organisations o ON o.id = r.organisation_id
                WHERE r.id <= {top}
            ) TO {quoted(folder / RESPONSES)} (FORMAT parquet)"""
        )
        con.execute(
            f"""COPY (
                SELECT a.response_id, a.question_id::INTEGER AS question_id, q.type,
                       a.moment_key::INTEGER AS moment_id, a.value_int::SMALLINT AS value_int
                FROM rowstore.answers a
                JOIN rowstore.questions q ON q.id = a.question_id
                WHERE a.value_int IS NOT NULL AND q.type IN ({types}) AND a.response_id <= {top}
            ) TO {quoted(folder / ANSWERS)} (FORMAT parquet)"""
        )
        con.execute("DETACH rowstore")
    finally:
        con.close()


if __name__ == "__main__":
    _read(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
