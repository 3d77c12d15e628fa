"""The production shape of the README, run as its commands: `nineplus serve --workers 2` against
PostgreSQL beside one `nineplus worker`. Responses posted to both server processes are stored and counted
in /metrics; the worker refreshes the analytic store and writes its export, and the dashboard that either
server process shows reads that export."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts import auth
from nineplus.accounts.models import User
from nineplus.bench.loadgen import run_load
from nineplus.bench.submit import BENCH_LIMITS, free_port, prepare, stored
from nineplus.core.db import make_engine
from nineplus.core.tenancy import system
from nineplus.demo.loader import demo_login
from nineplus.web.deps import SESSION_COOKIE
from tests.conftest import Databases


def _get(port: int, path: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if cookie:
        request.add_header("Cookie", f"{SESSION_COOKIE}={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - a local test server
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def _until(check, seconds: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {seconds:.0f} s")


def _login(url: str) -> str:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            system(session)
            admin = session.scalars(select(User).where(User.email == demo_login()[0])).one()
            token = auth.start_session(session, admin)
            session.commit()
            return token
    finally:
        engine.dispose()


def _metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture
def deployment(pg_databases: Databases, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = pg_databases.new_url()
    survey = prepare(url, title="Production")
    port = free_port()
    env = {
        **os.environ,
        "NINEPLUS_DATABASE_URL": url,
        "NINEPLUS_DATA_DIR": str(tmp_path),
        "NINEPLUS_SECRET_KEY": "a-production-test-key-of-enough-length-0123456789",
        "NINEPLUS_ANALYTICS_REFRESH_SECONDS": "5",
        "NINEPLUS_RATE_LIMIT_OVERRIDES": BENCH_LIMITS,
        "NINEPLUS_LOG_FORMAT": "json",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    nineplus = [sys.executable, "-m", "nineplus.cli"]
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("server", "worker")}
    processes = {
        "server": subprocess.Popen(
            [*nineplus, "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=logs["server"],
            stderr=subprocess.STDOUT,
        ),
        "worker": subprocess.Popen(
            [*nineplus, "worker"], env=env, stdout=logs["worker"], stderr=subprocess.STDOUT
        ),
    }
    try:
        yield url, port, survey, tmp_path
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()


def test_two_server_processes_and_a_worker_store_count_and_show_the_responses(deployment) -> None:  # type: ignore[no-untyped-def]
    url, port, survey, folder = deployment
    status, body = _until(lambda: (r := _get(port, "/readyz"))[0] == 200 and r, 90, "the servers are ready")
    ready = json.loads(body)
    assert ready["schema"] == "current"
    _until(lambda: json.loads(_get(port, "/readyz")[1]).get("worker") == "alive", 60, "the worker is alive")

    result = run_load(
        "127.0.0.1",
        port,
        f"/api/v1/public/surveys/{survey.key}/responses",
        survey.body_for(),
        prefix="prod",
        clients=8,
        seconds=3,
        warmup=0.5,
    )
    acknowledged = len(result.acknowledged)
    assert acknowledged > 50
    assert stored(url, survey.survey_id, "prod")[0] == acknowledged

    status, metrics = _get(port, "/metrics")  # from this machine: allowed without a token
    assert status == 200
    # Both processes answered; any one scrape sums the counters of both.
    assert _metric(metrics, "nineplus_responses_stored_total", channel="api") == acknowledged
    route = "/api/v1/public/surveys/{key}/responses"
    assert _metric(metrics, "nineplus_http_request_duration_seconds_count", route=route) >= acknowledged
    assert "nineplus_jobs_waiting" in metrics
    assert "nineplus_jobs_failed 0.0" in metrics
    assert len(list((folder / "metrics").glob("*.db"))) >= 2  # a file per server process

    cookie = _login(url)

    def dashboard_n() -> int:
        status, page = _get(port, "/dashboard", cookie)
        assert status == 200, (folder / "server.log").read_text()[-4000:]
        rows = BeautifulSoup(page, "html.parser").select("#survey-scores tbody tr")
        counts = [
            int(row.select("td")[2].get_text(strip=True))
            for row in rows
            if row.select_one(f'a[href="/surveys/{survey.survey_id}"]')
        ]
        return max(counts, default=0)

    _until(lambda: dashboard_n() == acknowledged, 90, "the dashboard shows every stored response")
    assert (folder / "analytics-export" / "_manifest.json").exists()
    worker_log = (folder / "worker.log").read_text()
    assert "this worker leads" in worker_log
    assert not re.search(r'"level": "error"', worker_log), worker_log[-3000:]
    server_log = (folder / "server.log").read_text()
    assert "Traceback" not in server_log, server_log[-3000:]
    assert survey.key not in server_log  # the link's key is redacted from the access log
