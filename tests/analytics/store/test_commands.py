"""`nineplus analytics refresh|export` and the refresh job that the server's runner schedules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from nineplus.analytics import jobs as _jobs  # noqa: F401 (registers the handlers)
from nineplus.analytics.export import read_manifest
from nineplus.analytics.store import get_store
from nineplus.cli import app
from nineplus.core.db import transaction
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import system
from nineplus.jobs.models import Job
from nineplus.jobs.runner import enqueue, run_pending
from tests.analytics.store.conftest import Feed

runner = CliRunner()


@pytest.fixture
def configured(feed: Feed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The product's own store path (settings), with two responses waiting."""
    path = tmp_path / "product.duckdb"
    monkeypatch.setenv("NINEPLUS_ANALYTICS_PATH", str(path))
    get_settings.cache_clear()
    feed.respond(9)
    feed.respond(4)
    yield path
    get_store(path).close()


def test_refresh_and_export_from_the_command_line(configured: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["analytics", "refresh"])
    assert result.exit_code == 0, result.output
    assert "2 responses added" in result.output
    folder = tmp_path / "parquet"
    result = runner.invoke(app, ["analytics", "export", str(folder)])
    assert result.exit_code == 0, result.output
    assert "written from scratch" in result.output
    assert read_manifest(folder)["files"]["scores"]


def test_the_refresh_job_feeds_the_store_and_the_export_folder(
    configured: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "for-spark"
    monkeypatch.setenv("NINEPLUS_ANALYTICS_EXPORT_DIR", str(folder))
    get_settings.cache_clear()
    with transaction() as session:
        system(session)
        enqueue(session, "refresh_analytics")
    run_pending()
    assert _states("refresh_analytics") == ["done"]
    with get_store(configured).snapshot() as cur:
        assert cur.execute("SELECT count(*) FROM responses").fetchone() == (2,)
    assert read_manifest(folder)["files"]["responses"]


def test_a_store_held_by_a_server_gets_the_work_as_a_job(configured: Path, tmp_path: Path) -> None:
    holder = subprocess.Popen(  # another process (a server) holds the store
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from nineplus.analytics.store import AnalyticStore\n"
            "store = AnalyticStore(Path(sys.argv[1])); store.connection(); print('held', flush=True)\n"
            "time.sleep(60)",
            str(configured),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        result = runner.invoke(app, ["analytics", "export", str(tmp_path / "out")])
        assert result.exit_code == 0, result.output
        assert "queued as a job (export_analytics)" in result.output
    finally:
        holder.kill()
        holder.wait()
    assert _states("export_analytics") == ["queued"]
    run_pending()  # the holder is gone: this process runs the job
    assert _states("export_analytics") == ["done"]
    assert read_manifest(tmp_path / "out")["files"]["scores"]


def _states(kind: str) -> list[str]:
    with transaction() as session:
        system(session)
        return list(session.scalars(select(Job.state).where(Job.kind == kind)))
