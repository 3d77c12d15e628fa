"""The fault tests run in the PostgreSQL pass only (`python3 dev.py test --db postgresql`): they start a
PostgreSQL cluster of their own with the durable settings, which they restart under load. They run in
one xdist group, one after the other."""

from __future__ import annotations

import os

import pytest


def pytest_ignore_collect(collection_path, config: pytest.Config) -> bool | None:  # type: ignore[no-untyped-def]
    if config.getoption("--db", default=os.environ.get("NINEPLUS_TEST_DB", "sqlite")) != "postgresql":
        return True
    return None
