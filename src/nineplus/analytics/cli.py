"""``nineplus analytics ...``: the analytics layer's commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nineplus.cli_support import console, require_schema

analytics_app = typer.Typer(help="Scores, intervals and the analytic store.", no_args_is_help=True)


@analytics_app.command("coverage")
def coverage(
    samples: Annotated[int, typer.Option(help="Simulated surveys per point.")] = 1000,
    seed: Annotated[int, typer.Option(help="The random generator's seed.")] = 2026,
) -> None:
    """How often the 95% intervals hold the true NPS and CSAT over simulated surveys, at each point of the
    test grid and at n = 50 (where they are known to be weaker)."""
    from rich.table import Table

    from nineplus.analytics.coverage import GRID_N, GRID_SHARES, nps_coverage, share_coverage

    table = Table("n", "promoters", "detractors", "NPS: adjusted Wald", "CSAT (share = promoters): Wilson")
    for n in (50, *GRID_N):
        for promoters, detractors in GRID_SHARES:
            table.add_row(
                f"{n:,}",
                f"{promoters:.0%}",
                f"{detractors:.0%}",
                f"{nps_coverage(n, promoters, detractors, samples, seed):.1%}",
                f"{share_coverage(n, promoters, samples, seed):.1%}",
            )
    console.print(table)
    console.print(f"{samples:,} samples per point, seed {seed}; the tests hold n >= 200 between 93% and 97%.")


@analytics_app.command("refresh")
def refresh(
    full: Annotated[
        bool, typer.Option("--full", help="Copy everything again instead of what changed.")
    ] = False,
) -> None:
    """Copy the responses submitted since the last refresh into the analytic store (the web server's job
    runner does this every NINEPLUS_ANALYTICS_REFRESH_SECONDS; run this where no server holds the store)."""
    from nineplus.analytics.store import StoreBusy, get_store
    from nineplus.core.db import get_engine

    require_schema()
    store = get_store()
    try:
        report = store.refresh(get_engine(), full=full)
    except StoreBusy:
        _queue("refresh_analytics", {"full": full}, store.path)
        return
    console.print(
        f"{store.path}: {report.added:,} responses added, {report.removed:,} removed, "
        f"{report.pending:,} started but not submitted "
        f"({'full, ' if report.full else ''}{report.seconds:.2f} s)"
    )


@analytics_app.command("export")
def export(
    folder: Annotated[Path, typer.Argument(help="Folder for the Parquet files (created when missing).")],
    refresh_first: Annotated[
        bool, typer.Option("--refresh/--no-refresh", help="Refresh the store before exporting.")
    ] = True,
) -> None:
    """Write the analytic tables as Parquet for Spark or another engine: new responses are added as a new
    part; the folder's _manifest.json lists the files that make up the export."""
    from nineplus.analytics.export import export as write_export
    from nineplus.analytics.store import StoreBusy, get_store
    from nineplus.core.db import get_engine

    require_schema()
    store = get_store()
    try:
        if refresh_first:
            store.refresh(get_engine())
        report = write_export(store, folder)
    except StoreBusy:
        _queue("export_analytics", {"folder": str(folder.resolve())}, store.path)
        return
    how = "written from scratch" if report.rewritten else "added to"
    console.print(f"{folder}: {how}; " + ", ".join(f"{t} {n:,}" for t, n in report.rows.items() if n))


def _queue(kind: str, payload: dict, path: Path) -> None:
    """The store is held by the process that runs the jobs (a server): hand the work to it."""
    from nineplus.core.db import transaction
    from nineplus.core.tenancy import system
    from nineplus.jobs.runner import enqueue

    with transaction() as session:
        system(session)
        enqueue(session, kind, payload)
    console.print(
        f"{path} is held by the running server: queued as a job ({kind}), which it runs within seconds."
    )


@analytics_app.command("spark")
def spark_check(
    folder: Annotated[Path, typer.Argument(help="The Parquet export (NINEPLUS_ANALYTICS_EXPORT_DIR).")],
    master: Annotated[
        str, typer.Option(help="The Spark master (default: NINEPLUS_SPARK_MASTER, else a local session).")
    ] = "",
) -> None:
    """Answer the dashboards' main questions from the export on Spark and on DuckDB, per organisation,
    and check that the two agree (exit 1 when they do not): the way to see a cluster read the export."""
    import time

    from rich.table import Table

    from nineplus.analytics import queries
    from nineplus.analytics.engine import on_parquet_duckdb, on_spark, spark_session
    from nineplus.cli_support import fail

    if not (folder / "_manifest.json").exists():
        fail(f"{folder} holds no analytics export (run `nineplus analytics export {folder}` first)")
    duck = on_parquet_duckdb(folder)
    organisations = [int(r["id"]) for r in duck.rows(duck.backend.table("organisations").select("id"))]
    from pyspark.sql import SparkSession

    ours = SparkSession.getActiveSession() is None  # (a session this process had already is left running)
    session = spark_session(master or None)
    try:
        spark = on_spark(folder, session)
        table = Table("organisation", "question", "rows", "Spark s", "same as DuckDB")
        differ = 0
        for org in organisations:
            asked = {
                "answers per version, question and moment": queries.value_counts(
                    org, ["version_id", "question_id", "moment_id"]
                ),
                "NPS per team and month": queries.value_counts(
                    org, ["team_id"], kinds=["nps"], period="month"
                ),
                "responses per version and month": queries.response_counts(
                    org, ["version_id"], period="month"
                ),
                "customers per team": queries.population(org),
            }
            for name, expr in asked.items():
                expected = sorted(map(str, (tuple(r.values()) for r in duck.rows(expr))))
                started = time.perf_counter()
                got = sorted(map(str, (tuple(r.values()) for r in spark.rows(expr))))
                seconds = time.perf_counter() - started
                same = got == expected
                differ += not same
                table.add_row(str(org), name, f"{len(got):,}", f"{seconds:.2f}", "yes" if same else "NO")
        console.print(f"Spark master: {session.sparkContext.master}")
        console.print(table)
    finally:
        if ours:
            session.stop()
    if differ:
        fail(f"{differ} answer(s) differ between Spark and DuckDB")
