"""Where the analytics layer's Ibis expressions run: the DuckDB store, or Parquet exports on DuckDB or Spark.

The expressions (``analytics.queries``) are written once against unbound tables; an engine only binds
the table names. The engine returns the small per-group result as Arrow; intervals and tests are then
computed in numpy/statsmodels (``analytics.scores``), the same way whatever ran the group-by.

Ibis is the portable layer (README: "Analytics"): one expression compiles to DuckDB's and Spark's SQL
dialects, so the DuckDB store that a laptop runs and the Spark cluster that a large installation runs
give the same numbers, and a test holds them to it.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from nineplus.analytics.export import table_files


class Engine:
    """An Ibis backend with the analytic tables bound to their names."""

    def __init__(self, backend: Any, name: str) -> None:
        self.backend = backend
        self.name = name

    def run(self, expr: Any) -> pa.Table:
        return self.backend.to_pyarrow(expr)

    def rows(self, expr: Any) -> list[dict[str, Any]]:
        columns = self.columns(expr)
        names = list(columns)
        return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]

    def columns(self, expr: Any) -> dict[str, list[Any]]:
        """The result as Python lists per column."""
        table = self.run(expr)
        return {name: python_values(table.column(name)) for name in table.column_names}


def python_values(column: pa.ChunkedArray) -> list[Any]:
    """A column as Python values. Numbers and dates without nulls go through numpy: for dates that is
    about thirty times faster than Arrow's own conversion, which a dashboard of thousands of points feels."""
    kind = column.type
    if column.null_count == 0 and (
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_date32(kind)
    ):
        return column.to_numpy().tolist()
    return column.to_pylist()


# Compiling an expression to SQL costs a few milliseconds, as much as running it on the store: the SQL of
# each expression is kept with the Arrow schema its result is cast to (the text of the question, never its
# answer). Expressions compare by structure, so the same question asked again finds its SQL.
_COMPILED: dict[Any, tuple[str, pa.Schema]] = {}
_COMPILED_MAX = 512


def compiled(backend: Any, expr: Any) -> tuple[str, pa.Schema]:
    """The SQL of ``expr`` in ``backend``'s dialect, and the schema of its result."""
    key = (backend.name, expr.op())
    found = _COMPILED.get(key)
    if found is None:
        found = (str(backend.compile(expr)), expr.schema().to_pyarrow())
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[key] = found
    return found


class DuckDBEngine(Engine):
    """The store, read through one cursor: the compiled SQL runs on it straight to Arrow."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        super().__init__(_duckdb_compiler(), "duckdb")
        self.cursor = cursor

    def run(self, expr: Any) -> pa.Table:
        sql, schema = compiled(self.backend, expr)
        return self.cursor.execute(sql).fetch_arrow_table().cast(schema)


@cache
def _duckdb_compiler() -> Any:
    """An Ibis DuckDB backend used only to compile expressions (the SQL does not depend on the
    connection): made once, since making one per snapshot costs milliseconds."""
    import ibis

    return ibis.duckdb.from_connection(duckdb.connect())


def on_duckdb(cursor: duckdb.DuckDBPyConnection) -> Engine:
    """The store itself, read through a cursor (see ``AnalyticStore.snapshot``)."""
    return DuckDBEngine(cursor)


def on_parquet_duckdb(folder: Path) -> Engine:
    """An export read by an in-memory DuckDB."""
    import ibis

    from nineplus.core.duck import extension_directory

    backend = ibis.duckdb.connect(
        extension_directory=extension_directory(), autoinstall_known_extensions=False
    )
    for table, files in table_files(folder).items():
        backend.read_parquet([str(f) for f in files], table_name=table)
    return Engine(backend, "duckdb-parquet")


def spark_session(master: str | None = None) -> Any:
    """A Spark session for the analytics (the ``spark`` extra): the cluster NINEPLUS_SPARK_MASTER names
    (e.g. ``spark://spark-master:7077``), else a local one. On a cluster the session takes at most
    NINEPLUS_SPARK_CORES cores, so that several sessions share it. Runs the Python workers with this
    interpreter (the executors must reach the export at the same path)."""
    from nineplus.core.settings import get_settings

    settings = get_settings()
    master = master or settings.spark_master or "local[2]"
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName("nineplus-analytics")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
    )
    if not master.startswith("local"):
        builder = builder.config("spark.cores.max", str(settings.spark_cores)).config(
            "spark.executor.memory", settings.spark_executor_memory
        )
    return builder.getOrCreate()


def on_spark(folder: Path, session: Any) -> Engine:
    """An export read by Spark."""
    import ibis

    for table, files in table_files(folder).items():
        session.read.parquet(*(str(f) for f in files)).createOrReplaceTempView(table)
    return SparkEngine(ibis.pyspark.connect(session), "spark", session)


class SparkEngine(Engine):
    """Runs the compiled SQL and takes the result as Arrow straight from Spark (Ibis's own path goes
    through pandas)."""

    def __init__(self, backend: Any, name: str, session: Any) -> None:
        super().__init__(backend, name)
        self.session = session

    def run(self, expr: Any) -> pa.Table:
        # Spark's DATE_TRUNC gives a timestamp where the expression says date: conform to its schema.
        sql, schema = compiled(self.backend, expr)
        return self.session.sql(sql).toArrow().cast(schema)
