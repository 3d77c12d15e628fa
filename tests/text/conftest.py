"""What the text tests share: a survey whose moments the comments can name."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories import World
from tests.imports.conftest import Target, build_target


@pytest.fixture
def target(db: Session, bank_a: World) -> Target:
    found = build_target(db, bank_a)
    found.moments[2].keywords = {"nl": "offerte, hypotheekofferte", "en": "offer"}
    db.flush()
    return found
