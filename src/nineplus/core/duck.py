"""DuckDB connections that never download anything.

DuckDB is the analytic engine and the bulk import's staging area. Its SQLite extension comes from the
``duckdb-ext-sqlite`` package (pinned with DuckDB 1.4.4), so loading it reads a file of the virtual
environment; with automatic installs switched off a missing extension fails at once instead of trying
the network.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def extension_directory() -> str:
    import duckdb_ext

    return str(Path(next(iter(duckdb_ext.__path__))) / "extensions")


def connect(
    path: Path | str = ":memory:",
    *,
    memory_limit: str = "1GB",
    threads: int = 2,
    temp_directory: Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection with a memory ceiling (beyond it DuckDB spills to ``temp_directory``)."""
    config: dict[str, str | bool | int] = {
        "extension_directory": extension_directory(),
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": True,
        "memory_limit": memory_limit,
        "threads": threads,
    }
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    return duckdb.connect(str(path), config=config)
