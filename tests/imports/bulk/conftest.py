"""The bulk importer works through connections of its own: these tests run on a committed database, and
what the writer stored is seen by the session's next transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from nineplus.core.db import new_session
from tests.factories import World
from tests.imports.conftest import Target, build_target


@pytest.fixture
def db(committed_db: str) -> Iterator[Session]:
    session = new_session()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def target(db: Session, bank_a: World) -> Target:
    built = build_target(db, bank_a)
    db.commit()
    return built
