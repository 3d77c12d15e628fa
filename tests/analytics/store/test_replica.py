"""A web server beside `nineplus worker` reads its figures from the store's Parquet export: every
dashboard of the demo shows the same as when read from the store itself, a new export is picked up at the
next page, and before the first export the pages show no figures rather than an error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts import auth
from nineplus.accounts.models import User
from nineplus.analytics import store as store_module
from nineplus.analytics.export import export
from nineplus.analytics.replica import ExportReplica, NoExportYet
from nineplus.analytics.store import get_store
from nineplus.core.db import get_engine
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import system
from nineplus.demo.loader import demo_login, load_demo
from nineplus.journeys.models import Journey, Moment
from nineplus.web.app import create_app
from nineplus.web.deps import SESSION_COOKIE

PAGES = (
    "/dashboard",
    "/dashboard/teams",
    "/dashboard/journeys/{journey}",
    "/dashboard/moments/{moment}",
    "/dashboard/retention?by=segment",
    "/dashboard/chain",
)


def _main(text: str) -> str:
    """The page's content, without what differs between two renderings (the CSRF token, and the numbers
    the chart renderer gives its clip paths, which count up in the process)."""
    main = BeautifulSoup(text, "html.parser").select_one("main")
    assert main is not None
    return re.sub(r"clip\d+", "clip", re.sub(r'name="csrf_token" value="[^"]*"', "", str(main)))


@pytest.fixture
def demo_pages(
    committed_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, dict[str, int]]]:
    monkeypatch.setenv("NINEPLUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NINEPLUS_ANALYTICS_EXPORT_DIR", str(tmp_path / "export"))
    get_settings.cache_clear()
    org, _ = load_demo(committed_session)
    committed_session.commit()
    system(committed_session)
    admin = committed_session.scalars(select(User).where(User.email == demo_login()[0])).one()
    token = auth.start_session(committed_session, admin)
    journey = committed_session.scalars(
        select(Journey).where(Journey.organisation_id == org.id).order_by(Journey.id)
    ).first()
    moment = committed_session.scalars(
        select(Moment).where(Moment.journey_id == journey.id).order_by(Moment.position)
    ).first()
    ids = {"journey": journey.id, "moment": moment.id}
    committed_session.commit()
    with TestClient(create_app(run_jobs=False), follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, token)
        yield client, ids
    get_store(tmp_path / "analytics.duckdb").close()


def test_every_dashboard_reads_the_same_from_the_export_as_from_the_store(
    demo_pages: tuple[TestClient, dict[str, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, ids = demo_pages
    store = get_store(tmp_path / "analytics.duckdb")
    store.refresh(get_engine())
    export(store, tmp_path / "export")
    from_store = {}
    for page in PAGES:
        got = client.get(page.format(**ids))
        assert got.status_code == 200, page
        from_store[page] = _main(got.text)
    assert "NPS" in from_store["/dashboard"]
    store.close()  # the worker holds the file now; this server must not need it
    monkeypatch.setattr(store_module, "_reads_export", True)
    for page in PAGES:
        got = client.get(page.format(**ids))
        assert got.status_code == 200, page
        assert _main(got.text) == from_store[page], f"{page} differs when read from the export"
    assert store._con is None  # the pages never opened the store's file again


def test_a_new_export_is_read_at_the_next_page_and_none_yet_shows_no_figures(
    demo_pages: tuple[TestClient, dict[str, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ids = demo_pages
    replica = ExportReplica(tmp_path / "export")
    with pytest.raises(NoExportYet):
        replica.state()
    monkeypatch.setattr(store_module, "_reads_export", True)
    assert client.get("/dashboard").status_code == 200  # no figures yet, and no error
    store = get_store(tmp_path / "analytics.duckdb")
    store.refresh(get_engine())
    export(store, tmp_path / "export")
    first = replica.state()
    assert first["refreshed_at"]
    with replica.snapshot() as cur:
        before = cur.execute("SELECT count(*) FROM responses").fetchone()[0]
    assert before > 1000
    with store.snapshot() as cur:
        assert cur.execute("SELECT count(*) FROM scores").fetchone() == (replica_count(replica, "scores"),)
        assert cur.execute("SELECT count(*) FROM answers_once").fetchone() == (
            replica_count(replica, "answers_once"),
        )
    store.refresh(get_engine(), full=True)  # a new generation: the facts are written again
    export(store, tmp_path / "export")
    assert replica.state()["generation"] != first["generation"]
    assert replica_count(replica, "responses") == before


def replica_count(replica: ExportReplica, table: str) -> int:
    with replica.snapshot() as cur:
        return int(cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
