"""``nineplus privacy ...`` on a committed database: the purge's dry run, a person's data, an erasure
with its receipt, and the register applied again; bad input is one line, not a traceback."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nineplus.cli import app
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Person
from tests import factories

runner = CliRunner()


def test_the_privacy_commands(committed_session: Session) -> None:
    db = committed_session
    world = factories.bank(db, "Bank A", prefix="a")
    scope(db, world.org.id)
    db.add(Person(email="els@example.org", name="Els", external_id="K-1"))
    db.commit()
    slug = world.org.slug
    dry = runner.invoke(app, ["privacy", "purge", "--organisation", slug, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "no retention period is set" in dry.output
    shown = runner.invoke(app, ["privacy", "export", "--organisation", slug, "--email", "ELS@example.org"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["person"]["external_id"] == "K-1"
    erased = runner.invoke(app, ["privacy", "erase", "--organisation", slug, "--external-id", "K-1"])
    assert erased.exit_code == 0, erased.output
    assert erased.output.startswith("receipt ")
    assert "persons 1" in erased.output
    system(db)
    assert db.scalar(select(Person).where(Person.external_id == "K-1")) is None
    again = runner.invoke(app, ["privacy", "reapply", "--organisation", slug])
    assert again.exit_code == 0
    assert "0 person(s)" in again.output
    nobody = runner.invoke(app, ["privacy", "export", "--organisation", "no-such-org", "--email", "a@b.nl"])
    assert nobody.exit_code == 1
    assert "no organisation is called" in nobody.output
    both = runner.invoke(
        app, ["privacy", "erase", "--organisation", slug, "--email", "a@b.nl", "--external-id", "x"]
    )
    assert both.exit_code == 1
    assert "one of them" in both.output
