"""The `nineplus` command line: help, migrations, the demo, users, and one clear line on failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nineplus.cli import app

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
