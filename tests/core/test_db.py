"""The embedded SQLite store's settings, and the append-only audit log in the database itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from nineplus.audit.models import AuditEvent
from nineplus.audit.service import record
from nineplus.core.db import WRITE_OPTION, make_engine
from nineplus.core.principal import system_principal
from nineplus.core.tenancy import scope
from tests.factories import World


def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_write_transaction_takes_the_sqlite_write_lock_up_front(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    writer = engine.execution_options(**{WRITE_OPTION: True}).connect()
    writer.begin()
    other = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with other.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=50")
        with pytest.raises(DBAPIError, match="locked"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    writer.rollback()
    writer.close()
    other.dispose()
    engine.dispose()


def test_the_audit_log_refuses_updates_and_deletes_in_the_orm(db: Session, bank_a: World) -> None:
    scope(db, bank_a.org.id)
    event = record(db, system_principal(bank_a.org.id), "test.event", object_type="X", object_id=1)
    db.flush()
    event.action = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.flush()
    db.rollback()


def test_the_audit_log_refuses_updates_and_deletes_in_the_database(db: Session, bank_a: World) -> None:
    scope(db, bank_a.org.id)
    record(db, system_principal(bank_a.org.id), "test.event", object_type="X", object_id=1)
    db.flush()
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        nested = db.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement))
        nested.rollback()
    assert db.query(AuditEvent).count() > 0
