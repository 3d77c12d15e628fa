"""``nineplus privacy ...``: erasure, a person's data, the retention purge and its dry run, and the
erasures applied again after a restore."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from nineplus.cli_support import check_database, console, fail, organisation_named, require_schema
from nineplus.core.principal import Principal

privacy_app = typer.Typer(help="Erasure, a person's own data, retention and its purge.", no_args_is_help=True)

Organisation = Annotated[str, typer.Option(help="The organisation's name or slug.")]


@contextmanager
def _acting(organisation: str) -> Iterator[tuple[Session, Principal]]:
    """A session scoped to the organisation and the command line as an admin of it; commits at the end."""
    from nineplus.core.db import new_session
    from nineplus.core.errors import Invalid
    from nineplus.core.i18n import begin_request
    from nineplus.core.registry import import_all_handlers
    from nineplus.core.tenancy import scope, system

    import_all_handlers()
    begin_request("en")
    check_database()
    require_schema()
    session = new_session(write=True)
    try:
        system(session)
        org = organisation_named(session, organisation)
        scope(session, org.id)
        yield session, Principal(organisation_id=org.id, role="admin", name="command line")
        session.commit()
    except Invalid as exc:
        session.rollback()
        fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    finally:
        session.close()


def _identifier(email: str | None, external_id: str | None) -> tuple[str, str]:
    if bool(email) == bool(external_id):
        fail("give --email or --external-id (one of them)")
    return ("email", email) if email else ("external_id", external_id or "")


@privacy_app.command("erase")
def erase(
    organisation: Organisation,
    email: Annotated[str | None, typer.Option(help="The person's e-mail address.")] = None,
    external_id: Annotated[str | None, typer.Option(help="The person's external id.")] = None,
    reason: Annotated[str, typer.Option(help="Why, for the register (no personal data).")] = "",
) -> None:
    """Erase a person everywhere and print the receipt (the analytic store follows through the jobs)."""
    from nineplus.privacy import erasure

    kind, value = _identifier(email, external_id)
    with _acting(organisation) as (session, actor):
        receipt = erasure.erase(session, actor, kind, value, reason)
        number, removed = receipt.receipt, dict(receipt.removed)
    console.print(f"receipt {number}: " + ", ".join(f"{k} {v}" for k, v in removed.items()))


@privacy_app.command("export")
def export(
    organisation: Organisation,
    email: Annotated[str | None, typer.Option(help="The person's e-mail address.")] = None,
    external_id: Annotated[str | None, typer.Option(help="The person's external id.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="CSV (one row per value) instead of JSON.")] = False,
) -> None:
    """Print everything held about a person (JSON, or CSV)."""
    from nineplus.privacy import erasure, person_data

    kind, value = _identifier(email, external_id)
    with _acting(organisation) as (session, actor):
        found = erasure.find_persons(session, kind, value)
        if not found:
            fail("nobody has this identifier in the organisation")
        data = [person_data.person_data(session, actor, p.id) for p in found]
    if csv:
        for item in data:
            typer.echo(person_data.as_csv(item), nl=False)
    else:
        typer.echo(json.dumps(data if len(data) > 1 else data[0], ensure_ascii=False, indent=1))


@privacy_app.command("purge")
def purge(
    organisation: Organisation,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go; remove nothing.")] = False,
) -> None:
    """Remove what the retention periods say is past its time (the nightly job does this too)."""
    from nineplus.privacy import retention

    with _acting(organisation) as (session, _actor):
        lines = retention.plan(session) if dry_run else retention.purge(session)
        if dry_run:
            session.rollback()
    verb = "would remove" if dry_run else "removed"
    if not lines:
        console.print("no retention period is set: everything is kept")
    for line in lines:
        where = f" of {line.survey!r}" if line.survey else ""
        period = f"older than {line.cutoff:%Y-%m-%d} ({line.months} months)"
        console.print(f"{line.kind}{where} {period}: {verb} {line.count}")


def reapply_everywhere() -> int:
    """Erase again, in every organisation, everyone the erasure register names (after a restore)."""
    from sqlalchemy import select

    from nineplus.accounts.models import Organisation as Org
    from nineplus.core.db import new_session
    from nineplus.core.tenancy import system
    from nineplus.privacy import erasure

    session = new_session()
    try:
        system(session)
        slugs = list(session.scalars(select(Org.slug)))
    finally:
        session.close()
    found = 0
    for slug in slugs:
        with _acting(slug) as (session, actor):
            found += erasure.reapply(session, actor)
    return found


@privacy_app.command("reapply")
def reapply(organisation: Organisation) -> None:
    """After a backup was restored: erase again everyone the erasure register names."""
    from nineplus.privacy import erasure

    with _acting(organisation) as (session, actor):
        found = erasure.reapply(session, actor)
    console.print(f"{found} person(s) from the erasure register found again and erased")
