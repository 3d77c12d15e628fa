#!/usr/bin/env python3
"""The door to every task: `python3 dev.py start | test | lint | fix | i18n | serve`.

Needs nothing but Python 3.11+: it creates the virtual environment in .venv and installs into it. Running
a task again is safe and fast (it reinstalls only when pyproject.toml changed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env={**os.environ, **(env or {})})
    if result.returncode:
        sys.exit(result.returncode)


def ensure_env(extra: str = "") -> None:
    """Create .venv and install the package (with an extra such as "test") when needed."""
    if sys.version_info < (3, 11):
        sys.exit("nineplus needs Python 3.11 or newer; this is " + sys.version.split()[0])
    if not PY.exists():
        print("creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
        run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{extra or 'main'}-{digest}"
    if not stamp.exists():
        target = f".[{extra}]" if extra else "."
        print(f"installing nineplus{f'[{extra}]' if extra else ''} into .venv ...", flush=True)
        run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target)
        for old in VENV.glob(f".installed-{extra or 'main'}-*"):
            old.unlink()
        stamp.touch()


def nineplus(*args: str) -> None:
    run(BIN / "nineplus", *args)


def task_start(args: list[str]) -> None:
    """Install, migrate the embedded database, load the demo organisation, serve on 127.0.0.1:8000."""
    ensure_env()
    nineplus("db", "upgrade")
    nineplus("demo", "load")
    nineplus("serve", *args)


def task_serve(args: list[str]) -> None:
    ensure_env()
    nineplus("serve", *args)


def task_test(args: list[str]) -> None:
    """Run the whole suite (SQLite by default; `--db postgresql` for PostgreSQL)."""
    ensure_env("test")
    chromium = os.environ.get("NINEPLUS_CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(chromium):
        sys.exit(
            f"the browser tests need Chromium at {chromium} (Debian: apt-get install chromium); "
            "set NINEPLUS_CHROMIUM to use another path"
        )
    # loadgroup: the fault tests (one xdist group) run one after the other in one worker
    workers = os.environ.get("NINEPLUS_TEST_WORKERS", "auto")
    run(PY, "-m", "pytest", "-n", workers, "--dist", "loadgroup", *args)


def task_lint(args: list[str]) -> None:
    ensure_env("test")
    run(BIN / "ruff", "check", "src", "tests", "dev.py", *args)
    run(BIN / "ruff", "format", "--check", "src", "tests", "dev.py")


def task_fix(args: list[str]) -> None:
    ensure_env("test")
    run(BIN / "ruff", "check", "--fix", "src", "tests", "dev.py", *args)
    run(BIN / "ruff", "format", "src", "tests", "dev.py")


def task_i18n(args: list[str]) -> None:
    """Extract the UI strings and merge them into the Dutch catalogue (translate the new ones there)."""
    ensure_env()
    pot = VENV / "messages.pot"
    run(
        BIN / "pybabel",
        "-q",
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "N_",
        "--no-location",
        "--sort-output",
        "-o",
        pot,
        ".",
    )
    run(
        BIN / "pybabel",
        "-q",
        "update",
        "-i",
        pot,
        "-d",
        "src/nineplus/locale",
        "--no-fuzzy-matching",
        "--ignore-obsolete",
    )


TASKS = {
    "start": task_start,
    "serve": task_serve,
    "test": task_test,
    "lint": task_lint,
    "fix": task_fix,
    "i18n": task_i18n,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(__doc__)
        print("tasks: " + ", ".join(TASKS))
        sys.exit(2)
    TASKS[sys.argv[1]](sys.argv[2:])
