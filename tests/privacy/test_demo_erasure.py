"""The issue's proof: an erasure request in the demo removes a customer everywhere: the row store (and, on
SQLite, the database file's bytes), the full-text index, the analytic store and its Parquet export."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nineplus.accounts.models import User
from nineplus.analytics.export import export, table_files
from nineplus.analytics.store import get_store
from nineplus.core.db import get_engine
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.demo.loader import demo_login, load_demo
from nineplus.feedback.models import Answer, Person, Response
from nineplus.improve.models import Case
from nineplus.jobs.models import Job
from nineplus.jobs.runner import run_pending
from nineplus.privacy import erasure, pseudonyms
from nineplus.privacy.analytic import left_in_export, left_in_store
from nineplus.privacy.models import ErasureRequest
from nineplus.text.models import VerbatimAnalysis


def test_an_erasure_in_the_demo_removes_the_customer_from_every_store(
    committed_session: Session, committed_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = committed_session
    folder = tmp_path / "export"
    monkeypatch.setenv("NINEPLUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NINEPLUS_ANALYTICS_EXPORT_DIR", str(folder))
    get_settings.cache_clear()
    org, _ = load_demo(db)
    db.commit()
    store = get_store()
    store.refresh(get_engine())
    export(store, folder)

    # The demo customer with the most responses among those with a case and words of their own.
    system(db)
    with_case = (
        select(Response.respondent, func.count(Response.id.distinct()).label("n"))
        .join(Case, Case.response_id == Response.id)
        .join(VerbatimAnalysis, VerbatimAnalysis.response_id == Response.id)
        .where(Response.organisation_id == org.id, Response.respondent.is_not(None))
        .group_by(Response.respondent)
        .order_by(func.count(Response.id.distinct()).desc(), Response.respondent)
    )
    respondent = db.execute(with_case).first()[0]  # type: ignore[index]
    person = pseudonyms.person_of(db, respondent)
    assert person is not None
    person_id, email, external_id = person.id, person.email, person.external_id
    assert email
    response_ids = list(db.scalars(select(Response.id).where(Response.respondent == respondent)))
    assert left_in_store(store, [respondent], response_ids)["responses"] == len(response_ids)
    assert left_in_export(folder, [respondent], response_ids)["responses"] == len(response_ids)
    # The store and the export hold pseudonyms, never a person's id
    with store.snapshot() as cur:
        for table in ("responses", "scores", "persons", "person_attributes", "outcomes"):
            names = [row[0] for row in cur.execute(f"DESCRIBE {table}").fetchall()]
            assert "respondent" in names, table
            assert not {"id", "person_id"} & set(names), table
    sqlite_file = _sqlite_file(committed_db)
    if sqlite_file is not None:
        get_engine().dispose()  # checkpointed into the main file
        assert email.encode() in sqlite_file.read_bytes()

    admin = db.scalars(select(User).where(User.email == demo_login()[0])).one()
    from nineplus.accounts.auth import principal_for

    actor = principal_for(db, admin)
    scope(db, org.id)
    receipt = erasure.erase(db, actor, "email", email.upper(), "asked by letter")
    db.commit()
    assert receipt.removed["responses"] == len(response_ids) >= 1
    assert receipt.removed["cases"] >= 1
    assert receipt.removed["text_analyses"] >= 1

    # The job runner does the analytic store's part (other demo jobs are left for later).
    system(db)
    db.execute(update(Job).where(Job.kind != "complete_erasure", Job.state == "queued").values(state="done"))
    db.commit()
    assert run_pending() == 1
    system(db)
    db.expire_all()
    done = db.scalars(select(ErasureRequest)).one()
    assert done.completed_at is not None, db.scalars(select(Job.last_error)).all()
    assert done.removed["analytic_store"]["responses_removed"] == len(response_ids)
    assert done.removed["analytic_store"]["export"] == {"rewritten": True, "checked": True}

    # Nowhere: row store, analytic store, every Parquet file of the export, the database file.
    assert db.get(Person, person_id) is None
    gone = Response.id.in_(response_ids)
    assert db.scalar(select(func.count()).select_from(Response).where(gone)) == 0
    assert (
        db.scalar(select(func.count()).select_from(Answer).where(Answer.response_id.in_(response_ids))) == 0
    )
    assert left_in_store(store, [respondent], response_ids) == {}
    assert left_in_export(folder, [respondent], response_ids) == {}
    every_file = [str(p) for paths in table_files(folder).values() for p in paths]
    assert every_file == sorted(str(p) for p in folder.rglob("*.parquet")) or set(every_file) == {
        str(p) for p in folder.rglob("*.parquet")
    }  # no stale file of the old generation is left beside the new ones
    con = duckdb.connect()
    persons = [str(p) for p in table_files(folder)["persons"]]
    assert (
        con.execute(
            "SELECT count(*) FROM read_parquet(?) WHERE respondent = ?", [persons, respondent]
        ).fetchone()[0]
        == 0
    )
    con.close()
    if sqlite_file is not None:
        get_engine().dispose()
        raw = sqlite_file.read_bytes()
        assert email.encode() not in raw
        if external_id:
            assert external_id.encode() not in raw
    # everyone else is still there
    assert (
        db.scalar(select(func.count()).select_from(Response).where(Response.organisation_id == org.id)) > 100
    )
    store.close()


def _sqlite_file(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
