"""The ``nineplus`` command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from nineplus.analytics.cli import analytics_app
from nineplus.bench.cli import bench_app
from nineplus.cli_support import check_database, console, fail, require_schema
from nineplus.core.settings import get_settings
from nineplus.imports.cli import import_app
from nineplus.privacy.cli import privacy_app
from nineplus.text.cli import text_app

app = typer.Typer(
    help="nineplus: customer experience management.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo organisation.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
feed_app = typer.Typer(help="Customer events (transactional surveys).", no_args_is_help=True)
docs_app = typer.Typer(help="Generated documentation.", no_args_is_help=True)
bounces_app = typer.Typer(help="Bounce notices of survey e-mails (VERP).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(user_app, name="user")
app.add_typer(jobs_app, name="jobs")
app.add_typer(feed_app, name="feed")
app.add_typer(docs_app, name="docs")
app.add_typer(bench_app, name="bench")
app.add_typer(bounces_app, name="bounces")
app.add_typer(import_app, name="import")
app.add_typer(analytics_app, name="analytics")
app.add_typer(text_app, name="text")
app.add_typer(privacy_app, name="privacy")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create or migrate the database schema to the newest version."""
    from nineplus.core.migrate import upgrade

    check_database()
    upgrade(revision)
    console.print(f"database is at revision {revision}")


@db_app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="The backup file to write (a .tar).")],
) -> None:
    """Back up every table while the server runs (one consistent snapshot) into one file."""
    from nineplus.core.backup import backup
    from nineplus.core.db import get_engine

    check_database()
    require_schema()
    manifest = backup(get_engine(), path)
    console.print(
        f"{path}: {manifest.rows:,} rows in {len(manifest.tables)} tables, schema {manifest.revision}, "
        f"{path.stat().st_size / 1e6:,.1f} MB. Keep it with DATA_DIR's secret key and erasure register."
    )


@db_app.command("restore")
def db_restore(
    path: Annotated[Path, typer.Argument(help="A backup written by `nineplus db backup`.")],
) -> None:
    """Restore a backup into the configured, empty database (SQLite or PostgreSQL, whichever the backup
    came from), upgrade it, and erase again everyone the erasure register names."""
    from nineplus.core.backup import BackupError, restore
    from nineplus.core.db import get_engine
    from nineplus.privacy.cli import reapply_everywhere

    check_database()
    try:
        manifest = restore(get_engine(), path)
    except BackupError as exc:
        fail(str(exc))
    erased = reapply_everywhere()
    console.print(
        f"restored {manifest.rows:,} rows in {len(manifest.tables)} tables from a backup of "
        f"{manifest.created_at[:19]} ({manifest.engine}); {erased} person(s) erased since then erased again"
    )


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrations have drifted apart."""
    from nineplus.core.migrate import check

    check_database()
    check()
    console.print("models and migrations agree")


@demo_app.command("load")
def demo_load(
    lang: Annotated[str, typer.Option(help="Language of the workshop notes: nl or en.")] = "nl",
) -> None:
    """Load the demo organisation (a bank with two journeys) unless it is already there."""
    from nineplus.core.db import transaction
    from nineplus.demo.loader import demo_login, load_demo

    if lang not in ("nl", "en"):
        fail("--lang must be nl or en")
    check_database()
    require_schema()
    with transaction() as session:
        org, created = load_demo(session, lang=lang)
        name = org.name
    email, password = demo_login()
    console.print(
        f"demo organisation {name!r} {'loaded' if created else 'is already there'}; "
        f"log in as {email} / {password}"
    )


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="E-mail address (the login).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[str, typer.Option(help="admin, cx_lead, team_lead, team_member or viewer.")] = "admin",
    organisation: Annotated[
        str, typer.Option(help="Organisation name; created when it does not exist.")
    ] = "",
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="Password (asked when not given)."
        ),
    ] = "",
) -> None:
    """Create a user, and the organisation when it does not exist yet."""
    from nineplus.accounts import repository, service
    from nineplus.accounts.schemas import UserCreateIn
    from nineplus.core.db import transaction
    from nineplus.core.errors import Invalid
    from nineplus.core.tenancy import scope, system
    from nineplus.core.validation import parse

    if not organisation:
        fail("--organisation is required")
    check_database()
    require_schema()
    try:
        with transaction() as session:
            system(session)
            org = repository.organisation_by_slug(session, service.slugify(organisation))
            if org is None:
                org = service.create_organisation(session, organisation)
            scope(session, org.id)
            user = service.create_user(
                session,
                parse(UserCreateIn, {"email": email, "name": name, "role": role, "password": password}),
            )
            org_name, user_email = org.name, user.email
    except Invalid as exc:
        fail("; ".join(f"{field}: {message}" for field, message in exc.errors.items()))
    console.print(f"created {role} {user_email} in {org_name!r}")


@jobs_app.command("run")
def jobs_run() -> None:
    """Run every due job once and exit."""
    from nineplus.core.registry import import_all_handlers
    from nineplus.jobs.runner import run_pending, schedule_periodic

    import_all_handlers()
    check_database()
    schedule_periodic()
    if get_settings().uses_job_queue():  # the analytic store's jobs stay with the leading worker
        from nineplus.jobs.pgqueue import run_until_empty

        console.print(f"ran {run_until_empty(store=False)} job(s)")
        return
    console.print(f"ran {run_pending()} job(s)")


@feed_app.command("read")
def feed_read(
    file: Annotated[Path, typer.Argument(help="A CSV file of customer events.", exists=True, dir_okay=False)],
    organisation: Annotated[str, typer.Option(help="The organisation's slug.")],
) -> None:
    """Record a file of customer events now (what the drop folder's job does), and print its report."""
    from sqlalchemy import select

    from nineplus.accounts.models import Organisation
    from nineplus.core.db import transaction
    from nineplus.core.registry import import_all_handlers
    from nineplus.core.tenancy import system
    from nineplus.feed.folder import FeedFileError, read_file

    import_all_handlers()
    check_database()
    with transaction(write=False) as session:
        system(session)
        org_id = session.scalar(select(Organisation.id).where(Organisation.slug == organisation))
    if org_id is None:
        fail(f"no organisation with the slug {organisation!r}")
    try:
        report = read_file(org_id, file)
    except FeedFileError as exc:
        fail(f"{file.name}: {exc}")
    for line, reference, result in sorted(report.lines):
        if result not in ("invited", "stored"):
            console.print(f"line {line} ({reference}): {result}")
    console.print(
        f"{report.stored} events stored, {report.invited} invited, {report.repeats} repeats, "
        f"{report.refused} refused"
    )


@jobs_app.command("list")
def jobs_list(
    failed: Annotated[bool, typer.Option("--failed", help="Only the jobs that failed.")] = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 30,
) -> None:
    """List jobs with their state, attempts and last error."""
    from rich.table import Table

    from nineplus.core.registry import import_all_models
    from nineplus.jobs.history import recent

    import_all_models()
    check_database()
    table = Table("id", "kind", "organisation", "state", "attempts", "run at", "last error")
    for job in recent(None, None, failed_only=failed, limit=limit):
        table.add_row(
            str(job.id),
            job.kind,
            str(job.organisation_id or "-"),
            job.state,
            f"{job.attempts}/{job.max_attempts}",
            job.run_at.strftime("%Y-%m-%d %H:%M:%S"),
            job.last_error[:80],
        )
    console.print(table)


@jobs_app.command("retry")
def jobs_retry(job_id: Annotated[int, typer.Argument(help="The failed job's id.")]) -> None:
    """Queue a failed job again now."""
    from nineplus.core.db import transaction
    from nineplus.core.registry import import_all_handlers
    from nineplus.core.tenancy import system
    from nineplus.jobs.runner import retry

    import_all_handlers()
    check_database()
    try:
        with transaction() as session:
            system(session)
            retry(session, job_id)
    except (ValueError, LookupError) as exc:
        fail(str(exc))
    console.print(f"job {job_id} is queued again")


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs this process runs at once.")] = 2,
) -> None:
    """Run the jobs of the PostgreSQL queue until stopped (SIGTERM or Ctrl+C finish the running jobs first).

    Start as many as the load needs, on any machine that reaches the database: each periodic job is queued
    once per tick, and one worker at a time leads, keeping the analytic store."""
    import asyncio

    from nineplus.core.registry import import_all_handlers
    from nineplus.core.settings import get_settings

    if not get_settings().uses_job_queue():
        fail(
            "the worker runs the PostgreSQL queue: set NINEPLUS_DATABASE_URL to PostgreSQL (with SQLite, "
            "`nineplus serve` runs the jobs itself)"
        )
    import_all_handlers()
    check_database()
    require_schema()
    from nineplus.core import logs
    from nineplus.jobs import pgqueue

    logs.configure()
    console.print(f"nineplus worker: running jobs ({concurrency} at once)  (Ctrl+C stops it)")
    asyncio.run(pgqueue.work(concurrency))


@docs_app.command("permissions")
def docs_permissions() -> None:
    """Print the permission matrix as the Markdown table the README shows."""
    from nineplus.accounts.roles import permission_table_markdown

    print(permission_table_markdown())


@bounces_app.command("serve")
def bounces_serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="SMTP port (the MX of the bounce domain points here).")] = 2525,
) -> None:
    """Receive bounce notices for NINEPLUS_BOUNCE_DOMAIN over SMTP and count them per invitation."""
    import threading

    from aiosmtpd.controller import Controller

    from nineplus.core.db import new_session
    from nineplus.core.registry import import_all_models
    from nineplus.feedback.bounces import BounceHandler

    import_all_models()
    domain = get_settings().bounce_domain
    if not domain:
        fail("set NINEPLUS_BOUNCE_DOMAIN first (survey e-mails then carry return addresses at that domain)")
    check_database()
    require_schema()
    controller = Controller(BounceHandler(lambda: new_session(write=True)), hostname=host, port=port)
    controller.start()
    console.print(f"receiving bounce notices for @{domain} on {host}:{port}  (Ctrl+C stops it)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL for more than one).")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Start the web server."""
    import uvicorn

    from nineplus.core import logs

    check_database()
    require_schema()
    url = get_settings().resolved_database_url()
    if workers > 1 and url.startswith("sqlite"):
        fail("several workers need PostgreSQL; SQLite runs with --workers 1")
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from nineplus.core.metrics import prepare_multiprocess

        prepare_multiprocess(get_settings().data_dir / "metrics")  # /metrics sums every process's counters
    console.print(f"nineplus is running at http://{host}:{port}/  (Ctrl+C stops it)")
    uvicorn.run(
        "nineplus.web.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_config=logs.config(get_settings().log_format),
        proxy_headers=True,
    )


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
