"""The `nineplus` command line: help, migrations, the demo, users, and one clear line on failure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nineplus.cli import app
from tests.conftest import Databases

BIN = Path(sys.executable).parent
runner = CliRunner()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["serve"],
        ["db"],
        ["db", "upgrade"],
        ["db", "check"],
        ["demo"],
        ["demo", "load"],
        ["user"],
        ["user", "create"],
        ["jobs", "run"],
        ["bench"],
        ["bench", "submit"],
        ["bench", "import"],
        ["bounces"],
        ["import"],
        ["import", "responses"],
        ["import", "persons"],
        ["import", "outcomes"],
        ["bounces", "serve"],
        ["db", "backup"],
        ["db", "restore"],
    ],
)
def test_every_command_has_help(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_demo_load_is_safe_to_run_twice(committed_db: str) -> None:
    first = runner.invoke(app, ["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "loaded" in first.output
    assert "admin@polderbank.example" in first.output
    second = runner.invoke(app, ["demo", "load"])
    assert second.exit_code == 0
    assert "already there" in second.output


def test_user_create_makes_the_organisation_and_refuses_a_weak_password(committed_db: str) -> None:
    ok = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "ann@x.example",
            "--name",
            "Ann",
            "--role",
            "admin",
            "--organisation",
            "X Corp",
            "--password",
            "long enough password",
        ],
    )
    assert ok.exit_code == 0, ok.output
    weak = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "bo@x.example",
            "--name",
            "Bo",
            "--organisation",
            "X Corp",
            "--password",
            "short",
        ],
    )
    assert weak.exit_code == 1
    assert "password" in weak.output


def test_an_unreachable_database_gives_one_clear_line(tmp_path: Path) -> None:
    env = {
        "NINEPLUS_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "PATH": str(BIN),
        "NINEPLUS_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [BIN / "nineplus", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot open the database")


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = {"NINEPLUS_DATA_DIR": str(tmp_path), "PATH": str(BIN)}
    result = subprocess.run(
        [BIN / "nineplus", "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "nineplus db upgrade" in result.stderr


def test_db_backup_and_restore_from_the_command_line(
    committed_db: str, databases: Databases, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The demo backed up while nothing stops, refused by a database that holds rows, restored into an
    empty one, where an erasure made after the backup is applied again from the register."""
    from sqlalchemy import func, select

    from nineplus.core.db import new_session, reset_engine
    from nineplus.core.settings import get_settings
    from nineplus.core.tenancy import system
    from nineplus.feedback.models import Person

    assert runner.invoke(app, ["demo", "load"]).exit_code == 0
    path = tmp_path / "backup.tar"
    made = runner.invoke(app, ["db", "backup", str(path)])
    assert made.exit_code == 0, made.output
    assert re.search(r"[\d,]+ rows in \d+ tables", made.output), made.output
    session = new_session()
    system(session)
    customer = session.scalars(select(Person.email).where(Person.email.is_not(None)).limit(1)).one()
    persons = session.scalar(select(func.count()).select_from(Person))
    session.close()
    erased = runner.invoke(app, ["privacy", "erase", "--organisation", "demo-bank", "--email", customer])
    assert erased.exit_code == 0, erased.output
    refused = runner.invoke(app, ["db", "restore", str(path)])
    assert refused.exit_code == 1
    assert "already holds rows" in refused.output
    monkeypatch.setenv("NINEPLUS_DATABASE_URL", databases.new_url())  # an empty database, no schema
    get_settings.cache_clear()
    reset_engine()
    # in a process of its own, as an operator runs it (nothing imported beforehand)
    restored = subprocess.run(
        [str(BIN / "nineplus"), "db", "restore", str(path)], capture_output=True, text=True, timeout=300
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "1 person(s) erased since then erased again" in restored.stdout
    session = new_session()
    system(session)
    assert session.scalar(select(func.count()).select_from(Person)) == persons - 1
    assert session.scalar(select(Person.id).where(Person.email == customer)) is None
    session.close()
    reset_engine()
