"""What every command of the ``nineplus`` command line shares: the consoles and one clear line on failure."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console

from nineplus.core.settings import get_settings

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> None:
    """Print one line in red and exit with status 1."""
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def check_database() -> None:
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
        fail(f"cannot open the database {describe_url(url)}: {reason}")


def require_schema() -> None:
    from nineplus.core.migrate import is_current

    if not is_current():
        fail("the database schema is not up to date; run `nineplus db upgrade` first")


def organisation_named(session: Any, name: str) -> Any:
    """The organisation with this name or slug (the session a system one), or a one-line failure."""
    from nineplus.accounts import repository, service

    found = repository.organisation_by_slug(session, service.slugify(name))
    if found is None:
        fail(f"no organisation is called {name!r}")
    return found
