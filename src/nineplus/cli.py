"""The ``nineplus`` command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nineplus.core.settings import get_settings

app = typer.Typer(
    help="nineplus: customer experience management.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo organisation.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
docs_app = typer.Typer(help="Generated documentation.", no_args_is_help=True)
import_app = typer.Typer(help="Load data from CSV or XLSX files.", no_args_is_help=True)
bounces_app = typer.Typer(help="Bounce notices of survey e-mails (VERP).", no_args_is_help=True)
bench_app = typer.Typer(
    help="Benchmarks that print figures and ratios against a baseline.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(user_app, name="user")
app.add_typer(jobs_app, name="jobs")
app.add_typer(docs_app, name="docs")
app.add_typer(bench_app, name="bench")
app.add_typer(bounces_app, name="bounces")
app.add_typer(import_app, name="import")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def _check_database() -> None:
    """Fail with one clear line when the database cannot be reached."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from nineplus.core.db import describe_url, get_engine

    url = get_settings().resolved_database_url()
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        reason = " ".join(str(getattr(exc, "orig", exc)).split()) or type(exc).__name__
        _fail(f"cannot open the database {describe_url(url)}: {reason}")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create or migrate the database schema to the newest version."""
    from nineplus.core.migrate import upgrade

    _check_database()
    upgrade(revision)
    console.print(f"database is at revision {revision}")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrations have drifted apart."""
    from nineplus.core.migrate import check

    _check_database()
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
        _fail("--lang must be nl or en")
    _check_database()
    _require_schema()
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
        _fail("--organisation is required")
    _check_database()
    _require_schema()
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
        _fail("; ".join(f"{field}: {message}" for field, message in exc.errors.items()))
    console.print(f"created {role} {user_email} in {org_name!r}")


@jobs_app.command("run")
def jobs_run() -> None:
    """Run every due job once and exit."""
    from nineplus.core.registry import import_all_handlers
    from nineplus.jobs.runner import run_pending, schedule_periodic

    import_all_handlers()
    _check_database()
    schedule_periodic()
    console.print(f"ran {run_pending()} job(s)")


@docs_app.command("permissions")
def docs_permissions() -> None:
    """Print the permission matrix as the Markdown table the README shows."""
    from nineplus.accounts.roles import permission_table_markdown

    print(permission_table_markdown())


@import_app.command("responses")
def import_responses(
    file: Annotated[str, typer.Argument(help="A CSV or XLSX file (Qualtrics and LimeSurvey exports too).")],
    survey: Annotated[int, typer.Option(help="The id of the survey the responses belong to.")],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="COLUMN=TARGET, overriding the suggestion; TARGET is a question key, key[moment number or "
            "name], client_id, submitted_at, locale, finished or ignore. Repeatable.",
        ),
    ] = None,
    valid_only: Annotated[bool, typer.Option(help="Load the valid rows even when others are wrong.")] = False,
    check_only: Annotated[bool, typer.Option(help="Check every row and report; write nothing.")] = False,
) -> None:
    """Import responses: show the column mapping, check every row (a wrong row rejects the whole file
    unless --valid-only), then store them in short transactions. A second run adds nothing."""

    from nineplus.accounts.models import Organisation
    from nineplus.core.db import new_session
    from nineplus.core.errors import Invalid
    from nineplus.core.tenancy import scope, system
    from nineplus.feedback.models import Survey
    from nineplus.imports import responses
    from nineplus.imports.sources import open_source
    from nineplus.journeys.repository import moments as journey_moments

    path = _import_preamble(file)
    session = new_session()
    try:
        system(session)
        found = session.get(Survey, survey)
        if found is None:
            _fail(f"no survey has id {survey}")
        assert found is not None
        organisation = session.get_one(Organisation, found.organisation_id)
        timezone = organisation.timezone or "Europe/Amsterdam"
        scope(session, organisation.id)
        from nineplus.feedback import service

        questions = service.questions(session, service.current_version(session, survey).id)
        moments = journey_moments(session, service.get_survey(session, survey).journey_id)
        source = open_source(path)
        mapping = responses.suggest(source, questions, moments)
        for item in map_ or []:
            column, equals, target = item.partition("=")
            if not equals or column not in mapping:
                _fail(f"--map {item!r}: give COLUMN=TARGET with a column of the file")
            mapping[column] = responses.resolve(target, questions, moments)
        plan = responses.plan(session, survey, source, mapping, timezone)
        session.commit()
    except Invalid as exc:
        _fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    finally:
        session.close()
    labels = dict(responses.question_choices(questions, moments, "en"))
    _check_and_write(responses, plan, source, path.name, mapping, labels, valid_only, check_only, "responses")


@import_app.command("persons")
def import_persons(
    file: Annotated[str, typer.Argument(help="A CSV or XLSX list of customers or employees.")],
    organisation: Annotated[str, typer.Option(help="The organisation's name or slug.")],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="COLUMN=ROLE, overriding the suggestion; ROLE is email, external_id, name, team, kind, "
            "attribute or ignore. Repeatable.",
        ),
    ] = None,
    valid_only: Annotated[bool, typer.Option(help="Load the valid rows even when others are wrong.")] = False,
    check_only: Annotated[bool, typer.Option(help="Check every row and report; write nothing.")] = False,
) -> None:
    """Import a list of persons: matched on external id, else e-mail, so a second run updates them."""
    _organisation_import("persons", file, organisation, map_, valid_only, check_only)


@import_app.command("outcomes")
def import_outcomes(
    file: Annotated[str, typer.Argument(help="A CSV or XLSX file of customer outcomes per period.")],
    organisation: Annotated[str, typer.Option(help="The organisation's name or slug.")],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="COLUMN=ROLE, overriding the suggestion; ROLE is external_id, email, period, active, "
            "churned_on, revenue or ignore. Repeatable.",
        ),
    ] = None,
    valid_only: Annotated[bool, typer.Option(help="Load the valid rows even when others are wrong.")] = False,
    check_only: Annotated[bool, typer.Option(help="Check every row and report; write nothing.")] = False,
) -> None:
    """Import customer outcomes (still a customer, churn date, revenue) per person and period; a second run
    updates the same rows."""
    _organisation_import("outcomes", file, organisation, map_, valid_only, check_only)


def _organisation_import(
    kind: str, file: str, organisation: str, map_: list[str] | None, valid_only: bool, check_only: bool
) -> None:

    from nineplus.accounts import repository, service
    from nineplus.core.db import new_session
    from nineplus.core.errors import Invalid
    from nineplus.core.tenancy import system
    from nineplus.imports.service import ENGINES
    from nineplus.imports.sources import open_source

    engine = ENGINES[kind]
    path = _import_preamble(file)
    session = new_session()
    try:
        system(session)
        org = repository.organisation_by_slug(session, service.slugify(organisation))
        if org is None:
            _fail(f"no organisation is called {organisation!r}")
        assert org is not None
        source = open_source(path)
        mapping = engine.suggest(source)
        for item in map_ or []:
            column, equals, role = item.partition("=")
            if not equals or column not in mapping:
                _fail(f"--map {item!r}: give COLUMN=ROLE with a column of the file")
            mapping[column] = "" if role.strip().lower() in ("ignore", "-", "") else role.strip()
        plan = engine.plan(session, org.id, source, mapping)
        session.commit()
    except Invalid as exc:
        _fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    finally:
        session.close()
    labels = dict(engine.choices())
    _check_and_write(engine, plan, source, path.name, mapping, labels, valid_only, check_only, kind)


def _import_preamble(file: str) -> Path:
    """What every import command does first: know the models, speak English, check the database and file."""
    from nineplus.core.i18n import begin_request
    from nineplus.core.registry import import_all_models

    import_all_models()
    begin_request("en")
    _check_database()
    _require_schema()
    path = Path(file)
    if not path.is_file():
        _fail(f"no such file: {file}")
    return path


def _check_and_write(  # type: ignore[no-untyped-def]
    engine,
    plan,
    source,
    name: str,
    mapping: dict[str, str],
    labels: dict[str, str],
    valid_only: bool,
    check_only: bool,
    noun: str,
) -> None:
    """Show the mapping, check every row with a progress bar, then (unless refused) store the rows."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from nineplus.core.db import new_session
    from nineplus.imports.sources import count_rows

    table = Table("column", "holds", title=f"{name} ({source.tool} layout)")
    for header in source.headers:
        table.add_row(
            header, labels.get(mapping.get(header) or "", "") if mapping.get(header) else "[dim]ignored[/dim]"
        )
    console.print(table)
    total = count_rows(source)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("checking", total=total)
        report = engine.check(plan, source, lambda n: progress.update(task, completed=n))
        progress.update(task, completed=report.rows)
    console.print(
        f"{report.rows:,} rows: {report.valid:,} valid, {report.invalid:,} with errors, "
        f"{report.skipped:,} unfinished (skipped)"
    )
    for error in report.errors[:20]:
        console.print(f"  row {error.row}, column {error.column!r}, value {error.value!r}: {error.reason}")
    if report.invalid > len(report.errors[:20]):
        console.print(f"  ... and {report.invalid - len(report.errors[:20]):,} more rows with errors")
    if check_only:
        return
    if report.invalid and not valid_only:
        _fail("nothing was written; correct the file, or load the valid rows with --valid-only")
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("storing", total=total)
        written = engine.write(
            plan, source, lambda: new_session(write=True), lambda n: progress.update(task, completed=n)
        )
        progress.update(task, completed=written.rows)
    if noun in ("persons", "outcomes"):
        console.print(f"added {written.stored:,} {noun}; updated {written.existing:,}")
    else:
        console.print(f"stored {written.stored:,} new responses; {written.existing:,} were already there")
        if written.refused:
            console.print(
                f"[red]{written.refused:,} refused[/red]: the survey is not open, or the id is taken"
            )


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
        _fail("set NINEPLUS_BOUNCE_DOMAIN first (survey e-mails then carry return addresses at that domain)")
    _check_database()
    _require_schema()
    controller = Controller(BounceHandler(lambda: new_session(write=True)), hostname=host, port=port)
    controller.start()
    console.print(f"receiving bounce notices for @{domain} on {host}:{port}  (Ctrl+C stops it)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@bench_app.command("submit")
def bench_submit(
    seconds: Annotated[float, typer.Option(help="Measured seconds per run.")] = 60.0,
    clients: Annotated[int, typer.Option(help="Concurrent clients (keep-alive connections).")] = 50,
    runs: Annotated[int, typer.Option(help="Runs per mode; the medians are reported.")] = 3,
    warmup: Annotated[float, typer.Option(help="Seconds of load before each measured window.")] = 3.0,
    baseline: Annotated[bool, typer.Option(help="Also run without group commit, as the baseline.")] = True,
) -> None:
    """Post whole responses over HTTP to `nineplus serve` on a fresh SQLite database; report
    responses/s and p50/p99 latency, and check that every acknowledged response is stored."""
    from rich.table import Table

    from nineplus.bench import submit as bench
    from nineplus.core.registry import import_all_models

    import_all_models()
    folder, url = bench.fresh_folder(get_settings().data_dir)
    survey = bench.prepare(url)
    console.print(
        f"database {url}; {clients} clients, {runs} run(s) of {seconds:g} s per mode "
        f"after {warmup:g} s warm-up; {survey.answers_per_response} answers per response"
    )
    table = Table("mode", "run", "responses/s", "p50 ms", "p99 ms", "acknowledged", "stored", "other replies")

    def report(run: bench.Run) -> None:
        other = {k: v for k, v in run.result.statuses.items() if k not in (200, 201)}
        console.print(
            f"  {run.mode} run {run.number}: {run.result.rate:,.0f} responses/s, "
            f"p50 {run.result.percentile(50) * 1000:.1f} ms, p99 {run.result.percentile(99) * 1000:.1f} ms, "
            f"{len(run.result.acknowledged):,} acknowledged, {run.stored_responses:,} stored"
        )
        table.add_row(
            run.mode,
            str(run.number),
            f"{run.result.rate:,.0f}",
            f"{run.result.percentile(50) * 1000:.1f}",
            f"{run.result.percentile(99) * 1000:.1f}",
            f"{len(run.result.acknowledged):,}",
            f"{run.stored_responses:,}" + ("" if run.consistent else " MISMATCH"),
            ", ".join(f"{k}: {v}" for k, v in sorted(other.items()))
            + (f" broken: {run.result.failures}" if run.result.failures else ""),
        )

    options = {"runs": runs, "clients": clients, "seconds": seconds, "warmup": warmup, "report": report}
    modes = [True, False] if baseline else [True]
    results = {g: bench.run_mode(folder, url, survey, group_commit=g, **options) for g in modes}  # type: ignore[arg-type]
    console.print(table)
    summary = {}
    for group, done in results.items():
        rate = bench.median([r.result.rate for r in done])
        p50 = bench.median([r.result.percentile(50) * 1000 for r in done])
        p99 = bench.median([r.result.percentile(99) * 1000 for r in done])
        summary[group] = (rate, p50, p99)
        console.print(
            f"{'group commit' if group else 'baseline'} (median of {len(done)}): {rate:,.0f} responses/s, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        )
    if False in summary:
        (rate, _p50, p99), (base_rate, _b50, base_p99) = summary[True], summary[False]
        console.print(
            f"ratio group commit / baseline: {rate / base_rate:.2f}x responses/s, p99 {p99 / base_p99:.2f}x"
        )
    rate, _p50, p99 = summary[True]
    met = rate >= bench.TARGET_RATE and p99 <= bench.TARGET_P99_MS
    console.print(
        f"target >= {bench.TARGET_RATE:,.0f} responses/s with p99 <= {bench.TARGET_P99_MS:.0f} ms: "
        + ("[green]met[/green]" if met else "[red]not met[/red]")
    )
    if not all(r.consistent for done in results.values() for r in done):
        _fail("the database does not hold exactly what was acknowledged")


@bench_app.command("import")
def bench_import(
    rows: Annotated[int, typer.Option(help="Responses in the file (ten answers each).")] = 1_000_000,
    clients: Annotated[
        int, typer.Option(help="Clients posting responses to the server meanwhile (0: none).")
    ] = 5,
) -> None:
    """Import a CSV of responses (NPS, eight moment emotions, a verbatim) with `nineplus import responses`
    while the public endpoint takes submissions; report time, peak memory and the submissions' latency."""
    from nineplus.bench import importing
    from nineplus.core.registry import import_all_models

    import_all_models()
    console.print(f"writing {rows:,} responses ({rows * 10:,} answers) to a CSV file ...")
    prepared = importing.prepare(get_settings().data_dir, rows)
    size_mb = prepared.csv_path.stat().st_size / 1e6
    baseline = importing.parse_only(prepared.csv_path)
    console.print(
        f"file: {size_mb:,.0f} MB; baseline (csv module reading every row, nothing else): {baseline:.2f} s"
    )
    run, load = importing.with_submissions(prepared, clients)
    stored, answers = importing.counts(prepared.url, prepared.survey.survey_id)
    if run.returncode != 0:
        console.print(run.output[-3000:])
        _fail("the import failed")
    console.print(
        f"import: {run.seconds:.1f} s ({rows / run.seconds:,.0f} responses/s, {rows * 10 / run.seconds:,.0f} "
        f"answers/s), peak memory {run.peak_mb:,.0f} MB; {run.seconds / baseline:.1f}x the baseline"
    )
    console.print(f"stored: {stored:,} responses, {answers:,} answers")
    if load is not None:
        other = {k: v for k, v in load.statuses.items() if k not in (200, 201)}
        console.print(
            f"public submissions during the import ({clients} clients): {len(load.latencies):,} answered, "
            f"p50 {load.percentile(50) * 1000:.0f} ms, p99 {load.percentile(99) * 1000:.0f} ms"
            + (f", other replies {other}" if other else "")
        )
    met = run.seconds <= 15 and run.peak_mb < 1536
    console.print(
        "target <= 15 s and < 1.5 GB for 1,000,000 responses: "
        + (
            "[green]met[/green]"
            if met and rows >= 1_000_000
            else "[red]not met[/red]"
            if rows >= 1_000_000
            else "(run with --rows 1000000 to judge)"
        )
    )
    if stored != rows or answers != rows * 10:
        _fail("the database does not hold every row of the file")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL for more than one).")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Start the web server."""
    import uvicorn

    _check_database()
    _require_schema()
    url = get_settings().resolved_database_url()
    if workers > 1 and url.startswith("sqlite"):
        _fail("several workers need PostgreSQL; SQLite runs with --workers 1")
    console.print(f"nineplus is running at http://{host}:{port}/  (Ctrl+C stops it)")
    uvicorn.run(
        "nineplus.web.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
        proxy_headers=True,
    )


def _require_schema() -> None:
    from nineplus.core.migrate import is_current

    if not is_current():
        _fail("the database schema is not up to date; run `nineplus db upgrade` first")


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
