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


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Print each fault test's figure (recorded with ``record_property("figure", ...)``) after the run."""
    figures = [
        (report.nodeid, value)
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", [])
        if name == "figure"
    ]
    if figures:
        terminalreporter.section("fault tests: figures")
        for nodeid, value in figures:
            terminalreporter.write_line(f"{nodeid.rsplit('::', 1)[-1]}: {value}")
