"""``nineplus import responses|persons|outcomes``: a file checked row by row, then stored."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nineplus.cli_support import check_database, console, fail, organisation_named, require_schema

import_app = typer.Typer(help="Load data from CSV or XLSX files.", no_args_is_help=True)


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
    from nineplus.imports import responses, staging
    from nineplus.imports.service import RESPONSES
    from nineplus.imports.sources import open_source
    from nineplus.journeys.repository import moments as journey_moments

    path = _import_preamble(file)
    session = new_session()
    try:
        system(session)
        found = session.get(Survey, survey)
        if found is None:
            fail(f"no survey has id {survey}")
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
                fail(f"--map {item!r}: give COLUMN=TARGET with a column of the file")
            mapping[column] = responses.resolve(target, questions, moments)
        plan = responses.plan(session, survey, source, mapping, timezone)
        session.commit()
    except Invalid as exc:
        fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    finally:
        session.close()
    labels = dict(responses.question_choices(questions, moments, "en"))
    try:
        _check_and_write(
            RESPONSES, plan, source, path.name, mapping, labels, valid_only, check_only, "responses"
        )
    finally:
        staging.discard(plan)


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
        org = organisation_named(session, organisation)
        source = open_source(path)
        mapping = engine.suggest(source)
        for item in map_ or []:
            column, equals, role = item.partition("=")
            if not equals or column not in mapping:
                fail(f"--map {item!r}: give COLUMN=ROLE with a column of the file")
            mapping[column] = "" if role.strip().lower() in ("ignore", "-", "") else role.strip()
        plan = engine.plan(session, org.id, source, mapping)
        session.commit()
    except Invalid as exc:
        fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
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
    check_database()
    require_schema()
    path = Path(file)
    if not path.is_file():
        fail(f"no such file: {file}")
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

    table = Table("column", "holds", title=f"{name} ({source.tool} layout)")
    for header in source.headers:
        table.add_row(
            header, labels.get(mapping.get(header) or "", "") if mapping.get(header) else "[dim]ignored[/dim]"
        )
    console.print(table)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("checking", total=None)  # the check pass is what counts the rows
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
        fail("nothing was written; correct the file, or load the valid rows with --valid-only")
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("storing", total=report.rows)
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
