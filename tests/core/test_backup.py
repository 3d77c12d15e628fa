"""Backups: the demo backed up and restored into an empty database compares equal table by table and row
by row (also from the SQLite file into PostgreSQL, the way to move off the laptop); a
response written while the backup runs is in it whole or not at all; a damaged backup and a database
that holds rows are refused in words; ids go on past the restored ones."""

from __future__ import annotations

import tarfile
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from nineplus.core import backup
from nineplus.core.db import make_engine
from nineplus.core.tenancy import system
from nineplus.demo.loader import load_demo
from tests.conftest import Databases


def _demo(engine: Engine) -> None:
    with Session(engine) as session:
        system(session)
        load_demo(session)
        session.commit()


def _everything(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t.name: [
                tuple(row) for row in conn.execute(select(t).order_by(*(t.primary_key.columns or t.columns)))
            ]
            for t in backup.tables()
        }


def test_the_demo_comes_back_row_for_row_and_ids_go_on_after_it(databases: Databases, tmp_path: Path) -> None:
    _url, source = databases.migrated()
    _demo(source)
    path = tmp_path / "nineplus.tar"
    manifest = backup.backup(source, path)
    before = _everything(source)
    assert manifest.rows == sum(len(rows) for rows in before.values()) > 5_000
    assert manifest.tables["responses"]["rows"] == len(before["responses"]) > 1_000
    _url, target = databases.migrated()  # an empty database at the newest schema
    restored = backup.restore(target, path)
    assert restored.revision == manifest.revision
    assert _everything(target) == before
    with pytest.raises(backup.BackupError, match="already holds rows"):
        backup.restore(target, path)
    # new rows get new ids past the restored ones (PostgreSQL's sequences were moved on)
    from nineplus.accounts.models import Organisation

    with Session(target) as session:
        system(session)
        session.add(Organisation(name="After the restore", slug="after-the-restore"))
        session.commit()
        newest = session.scalar(select(Organisation.id).where(Organisation.slug == "after-the-restore"))
    assert newest is not None
    assert newest > max(row[0] for row in before["organisations"])
    source.dispose()
    target.dispose()


def test_a_backup_of_the_embedded_file_restores_into_a_database_without_a_schema(
    databases: Databases, tmp_path: Path
) -> None:
    """The laptop's SQLite file, backed up, restores into a database that has no schema yet: in the
    PostgreSQL pass of the suite that database is PostgreSQL (the way to move when an organisation
    outgrows one machine), in the SQLite pass another SQLite file."""
    from nineplus.core import migrate

    laptop = make_engine(f"sqlite:///{tmp_path / 'laptop.db'}")
    with laptop.connect() as conn:
        migrate.upgrade(connection=conn)
        conn.commit()
    _demo(laptop)
    path = tmp_path / "laptop.tar"
    assert backup.backup(laptop, path).engine == "sqlite"
    target = make_engine(databases.new_url())  # of the pass's kind, without a schema
    assert target.dialect.name == databases.kind
    backup.restore(target, path)
    assert _everything(target) == _everything(laptop)
    laptop.dispose()
    target.dispose()


def test_a_response_written_during_the_backup_is_in_it_whole_or_not_at_all(
    databases: Databases, tmp_path: Path
) -> None:
    """A writer stores responses with their answers while the backup reads table after table: in the
    backup every answer has its response and every response all of its answers."""
    _url, source = databases.migrated()
    _demo(source)
    from nineplus.feedback.models import Answer, Response

    with source.connect() as conn:
        template = conn.execute(select(Response).limit(1)).one()._mapping
        answers = [
            dict(a._mapping) for a in conn.execute(select(Answer).where(Answer.response_id == template["id"]))
        ]
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            with Session(source) as session:
                system(session)
                copy = {k: v for k, v in template.items() if k not in ("id", "client_id", "invitation_id")}
                response = Response(**copy, client_id=f"during-backup-{number}")
                session.add(response)
                session.flush()
                for answer in answers:
                    session.add(Answer(**{**answer, "response_id": response.id}))
                session.commit()
                written.append(response.id)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        path = tmp_path / "busy.tar"
        backup.backup(source, path)
    finally:
        stop.set()
        thread.join(30)
    assert written  # the writer was busy during the backup
    _url, target = databases.migrated()
    backup.restore(target, path)
    with target.connect() as conn:
        kept = {r for (r,) in conn.execute(select(Response.id))}
        per_response: dict[int, int] = {}
        for (response_id,) in conn.execute(select(Answer.response_id)):
            per_response[response_id] = per_response.get(response_id, 0) + 1
    assert set(per_response) <= kept  # no answer without its response
    during = [r for r in written if r in kept]
    assert all(per_response.get(r) == len(answers) for r in during)  # each whole
    source.dispose()
    target.dispose()


def test_a_damaged_backup_is_refused_in_words(databases: Databases, tmp_path: Path) -> None:
    _url, source = databases.migrated()
    path = tmp_path / "small.tar"
    backup.backup(source, path)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(path) as original, tarfile.open(damaged, "w") as out:
        for member in original.getmembers():
            data = original.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "tables/organisations.jsonl.gz":
                data = data[:-4] + b"0000"
            member.size = len(data)
            import io

            out.addfile(member, io.BytesIO(data))
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.read_manifest(damaged)
    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_text("hello")
    with pytest.raises(backup.BackupError, match="not a readable nineplus backup"):
        backup.read_manifest(not_a_backup)
    source.dispose()
