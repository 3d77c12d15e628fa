"""Test fixtures: a real database built by the migrations, each test inside a rolled-back transaction.

Pick the database with ``--db sqlite`` (default) or ``--db postgresql`` (or NINEPLUS_TEST_DB). PostgreSQL
is reached at NINEPLUS_TEST_PG_URL (default: user postgres on 127.0.0.1:5432, no password); each run
creates and drops its own databases. When it cannot be reached the run fails; it never skips.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("NINEPLUS_SECRET_KEY", "test-secret-key-not-for-production")
os.environ["NINEPLUS_RUN_JOBS"] = "false"
# Each test process has its own data folder (the analytic store, import staging), never the developer's.
os.environ["NINEPLUS_DATA_DIR"] = tempfile.mkdtemp(prefix="nineplus-test-")
os.environ.setdefault("NINEPLUS_SMTP_HOST", "")

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from nineplus.core import migrate
from nineplus.core.db import make_engine
from nineplus.core.registry import import_all_models
from nineplus.core.settings import get_settings
from nineplus.web.app import create_app
from tests import factories

import_all_models()
atexit.register(shutil.rmtree, os.environ["NINEPLUS_DATA_DIR"], ignore_errors=True)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default=os.environ.get("NINEPLUS_TEST_DB", "sqlite"),
        help="database to run the suite on",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"nineplus test database: {config.getoption('--db')}"


class Databases:
    """Creates throwaway databases of the chosen kind and drops them at the end."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind, self.folder, self.created = kind, folder, []
        self.admin_url = os.environ.get("NINEPLUS_TEST_PG_URL", DEFAULT_PG)

    def new_url(self) -> str:
        name = f"nineplus_test_{uuid.uuid4().hex[:12]}"
        if self.kind == "sqlite":
            return f"sqlite:///{(self.folder / (name + '.db')).as_posix()}"
        admin = make_engine(self.admin_url).execution_options(isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            pytest.fail(f"PostgreSQL at {self.admin_url} is not reachable: {exc}", pytrace=False)
        finally:
            admin.dispose()
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def migrated(self) -> tuple[str, Engine]:
        url = self.new_url()
        engine = make_engine(url)
        with engine.connect() as conn:
            migrate.upgrade(connection=conn)
        return url, engine

    def drop_all(self) -> None:
        if self.kind != "postgresql" or not self.created:
            return
        admin = make_engine(self.admin_url).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    dbs = Databases(request.config.getoption("--db"), tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def engine(databases: Databases) -> Iterator[Engine]:
    _url, eng = databases.migrated()
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


def _session_on(conn: Connection) -> Session:
    return Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """A session whose commits are savepoints inside the test's transaction."""
    session = _session_on(connection)
    yield session
    session.close()


@pytest.fixture(scope="session")
def app():  # type: ignore[no-untyped-def]
    return create_app(run_jobs=False)


@pytest.fixture
def client(app, connection: Connection) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    app.state.session_factory = lambda write=False: _session_on(connection)
    app.state.limiter.reset()  # the app lives for the whole run; each test starts with fresh counters
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client
    app.state.session_factory = None


@pytest.fixture
def committed_session(committed_db: str) -> Iterator[Session]:
    """A session of the product's engine on the committed database: what it commits, other connections
    (the bulk importer, the analytic store's refresh, a live server) see."""
    from nineplus.core.db import new_session

    session = new_session()
    yield session
    session.rollback()
    session.close()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    from nineplus.feedback import honesty

    get_settings.cache_clear()
    honesty._cache.clear()  # ids repeat between rolled-back tests; a remembered check would leak across
    yield
    get_settings.cache_clear()


# Named people (STYLE.md): alice is admin of Bank A, carol its CX lead, bob a team member of its
# contact centre, victor a viewer; charlie is admin of Bank B, the outsider.


@pytest.fixture
def bank_a(db: Session) -> factories.World:
    return factories.bank(db, "Bank A", prefix="a")


@pytest.fixture
def bank_b(db: Session) -> factories.World:
    return factories.bank(db, "Bank B", prefix="b")


def html(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def committed_db(databases: Databases, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, migrated database that the product's own engine uses (for jobs, CLI and live servers)."""
    yield from _product_database(databases, monkeypatch)


def _product_database(databases: Databases, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from nineplus.core.db import reset_engine

    url, eng = databases.migrated()
    eng.dispose()
    monkeypatch.setenv("NINEPLUS_DATABASE_URL", url)
    get_settings.cache_clear()
    reset_engine()
    yield url
    reset_engine()


@pytest.fixture(scope="session")
def pg_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """PostgreSQL databases in either pass, for what only PostgreSQL has (the job queue)."""
    dbs = Databases("postgresql", tmp_path_factory.mktemp("pg"))
    yield dbs
    dbs.drop_all()


@pytest.fixture
def pg_committed_db(pg_databases: Databases, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Like ``committed_db``, on PostgreSQL whichever database the pass runs on."""
    yield from _product_database(pg_databases, monkeypatch)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Print each fault test's figure (tests/fault/, recorded with ``record_property("figure", ...)``) at the
    end of the run. Here, not in tests/fault/conftest.py: with xdist the controlling process collects
    nothing, so only the root conftest's hooks run in it."""
    figures = [
        (report.nodeid, value)
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", [])
        if name == "figure"
    ]
    if figures:
        terminalreporter.section("fault tests: figures")
        for nodeid, value in figures:
            terminalreporter.write_line(f"{nodeid.rsplit('::', 1)[-1]}: {value}")
