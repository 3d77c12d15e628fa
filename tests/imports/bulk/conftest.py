"""The bulk importer works through connections of its own: these tests run on a committed database, and
what the writer stored is seen by the session's next transaction."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories import World
from tests.imports.conftest import Target, build_target


@pytest.fixture
def db(committed_session: Session) -> Session:
    return committed_session


@pytest.fixture
def target(db: Session, bank_a: World) -> Target:
    built = build_target(db, bank_a)
    db.commit()
    return built
