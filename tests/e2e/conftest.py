"""A live server on a committed throwaway database, and headless Chromium (Debian's, never a download)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import Databases
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("NINEPLUS_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live_env(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a live server on a fresh, migrated database, with the job runner off."""
    url, engine = databases.migrated()
    engine.dispose()
    return {
        **os.environ,
        "NINEPLUS_DATABASE_URL": url,
        "NINEPLUS_RUN_JOBS": "false",
        "NINEPLUS_DATA_DIR": str(tmp_path_factory.mktemp("live")),
    }


def open_page(browser, base: str, email: str, password: str, path: str):  # type: ignore[no-untyped-def]
    """A logged-in page on ``path`` and the console errors it collects. bypass_csp only lets the tests
    inject axe-core; the product's own pages carry no inline script."""
    page = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="en-GB", bypass_csp=True
    ).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}{path}")
    assert "/login" in page.url
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}{path}")
    return page, errors


@pytest.fixture(scope="module")
def live_server(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = live_env(databases, tmp_path_factory)
    subprocess.run(
        [
            BIN / "nineplus",
            "user",
            "create",
            "--email",
            "lead@e2e.example",
            "--name",
            "Lea Lead",
            "--role",
            "cx_lead",
            "--organisation",
            "E2E Bank",
            "--password",
            PASSWORD,
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    yield from serve(env, tmp_path_factory, free_port())


def serve(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory, port: int) -> Iterator[str]:
    """Start `nineplus serve` with ``env`` on ``port``, wait until it is healthy, yield its URL, stop it."""
    log = (tmp_path_factory.mktemp("log") / "server.log").open("w")
    server = subprocess.Popen(
        [BIN / "nineplus", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"the live server did not start; see {log.name}")
        time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
