# ruff: noqa: S608
"""The analytic store: fed incrementally from the row store, one snapshot per reader."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime

import pytest

from nineplus.analytics.rowstore import PENDING_DAYS
from nineplus.analytics.store import StoreBusy
from nineplus.privacy import pseudonyms
from tests.analytics.store.conftest import Feed


def test_a_refresh_copies_submitted_responses_and_their_scores(feed: Feed) -> None:
    feed.respond(9, {0: 2, 1: -1})
    feed.respond(3, {0: -3})
    feed.respond(10, at=None)  # started, not submitted
    report = feed.refresh()
    assert (report.added, report.removed, report.pending, report.full) == (2, 0, 1, True)
    assert feed.rows("SELECT count(*) FROM responses") == [(2,)]
    nps, emo = feed.target.questions["nps"].id, feed.target.questions["emo"].id
    first = feed.target.moments[0].id
    assert feed.rows("SELECT kind, moment_id, value FROM scores ORDER BY kind, moment_id, value") == [
        ("emotion", first, -3),
        ("emotion", first, 2),
        ("emotion", feed.target.moments[1].id, -1),
        ("nps", 0, 3),
        ("nps", 0, 9),
    ]
    assert feed.rows(
        f"SELECT value, sum(n) FROM counts WHERE question_id = {nps} GROUP BY value ORDER BY 1"
    ) == [
        (3, 1),
        (9, 1),
    ]
    assert feed.rows(f"SELECT count(*) FROM counts WHERE question_id = {emo}") == [
        (3,)
    ]  # text is not a score


def test_the_day_is_the_organisations_local_day(feed: Feed) -> None:
    feed.respond(9, at=datetime(2026, 3, 28, 23, 30))  # 00:30 on the 29th in Amsterdam (UTC+1)
    feed.respond(9, at=datetime(2026, 3, 29, 21, 59))  # 23:59 on the 29th (summer time, UTC+2)
    feed.respond(9, at=datetime(2026, 3, 29, 22, 0))  # 00:00 on the 30th
    feed.refresh()
    assert feed.rows("SELECT day FROM responses ORDER BY submitted_at") == [
        (date(2026, 3, 29),),
        (date(2026, 3, 29),),
        (date(2026, 3, 30),),
    ]


def test_later_refreshes_add_only_what_is_new_and_what_was_finished_since(feed: Feed) -> None:
    feed.respond(9)
    draft = feed.respond(2, at=None)
    feed.refresh()
    feed.respond(7)
    feed.submit(draft, datetime(2026, 5, 6, 9, 0))  # a respondent finishes a day later
    report = feed.refresh()
    assert (report.added, report.pending, report.full) == (2, 0, False)
    assert feed.rows("SELECT value, sum(n) FROM counts WHERE kind = 'nps' GROUP BY value ORDER BY 1") == [
        (2, 1),
        (7, 1),
        (9, 1),
    ]
    again = feed.refresh()
    assert (again.added, again.removed) == (0, 0)
    assert feed.rows("SELECT count(*) FROM responses") == [(3,)]


def test_an_abandoned_response_stops_being_watched(feed: Feed) -> None:
    old = feed.respond(9, at=None)
    old.started_at = datetime(2025, 1, 1, tzinfo=UTC)
    feed.db.commit()
    feed.respond(8, at=None)
    assert feed.refresh().pending == 1  # older than PENDING_DAYS days: abandoned
    assert PENDING_DAYS == 60


def test_responses_that_left_the_row_store_leave_the_store(feed: Feed) -> None:
    kept = feed.respond(9, {0: 1})
    gone = feed.respond(0, {0: -3})
    newest = feed.respond(7)
    feed.refresh()
    feed.remove(gone)
    feed.respond(5)
    report = feed.refresh()
    assert (report.added, report.removed, report.full) == (1, 1, False)
    assert feed.rows("SELECT response_id FROM responses ORDER BY 1")[:2] == [(kept.id,), (newest.id,)]
    assert feed.rows("SELECT value, sum(n) FROM counts WHERE kind = 'nps' GROUP BY value ORDER BY 1") == [
        (5, 1),
        (7, 1),
        (9, 1),
    ]
    assert feed.rows("SELECT value FROM scores WHERE kind = 'emotion'") == [(1,)]
    assert int(feed.store.state()["generation"]) == 2  # exports are written again from scratch


def test_a_deleted_newest_response_whose_id_comes_back_rebuilds_the_store(feed: Feed) -> None:
    feed.respond(9)
    gone = feed.respond(0)
    feed.refresh()
    feed.remove(gone)
    again = feed.respond(6)  # SQLite gives it the deleted row's id; PostgreSQL a new one
    report = feed.refresh()
    assert feed.rows("SELECT value FROM scores ORDER BY 1") == [(6,), (9,)]
    assert feed.rows("SELECT max(response_id) FROM responses") == [(again.id,)]
    if again.id == gone.id:  # ids below the watermark cannot be trusted any more
        assert report.full


def test_a_reader_keeps_its_snapshot_while_a_refresh_commits(feed: Feed) -> None:
    feed.respond(9)
    feed.refresh()
    with feed.store.snapshot() as reader:
        assert reader.execute("SELECT count(*) FROM responses").fetchone() == (1,)
        feed.respond(4)
        feed.refresh()
        assert reader.execute("SELECT count(*) FROM responses").fetchone() == (1,)
        assert reader.execute("SELECT sum(n) FROM counts").fetchone() == (1,)
    with feed.store.snapshot() as later:
        assert later.execute("SELECT count(*) FROM responses").fetchone() == (2,)


def test_the_respondents_team_and_attributes_come_with_the_response(feed: Feed) -> None:
    feed.person("ann", "contact", segment="private")
    feed.person("ben", None, segment="business")
    feed.respond(9, person="ann")
    feed.respond(4, person="ben")
    feed.respond(6)
    report = feed.refresh()
    assert report.persons
    contact = feed.world.teams["contact"].id
    assert feed.rows("SELECT team_id, value FROM scores WHERE kind = 'nps' ORDER BY value") == [
        (0, 4),
        (0, 6),
        (contact, 9),
    ]
    assert feed.rows("SELECT key, value FROM person_attributes ORDER BY value") == [
        ("segment", "business"),
        ("segment", "private"),
    ]
    assert not feed.refresh().persons  # unchanged persons are not copied again


def test_a_response_keeps_the_team_its_respondent_was_in_when_they_answered(feed: Feed) -> None:
    ann = feed.person("ann", "contact")
    feed.respond(9, person="ann")
    ann.team_id = feed.world.teams["advice"].id  # she moves to the advice team's area
    feed.db.commit()
    feed.respond(3, person="ann")
    feed.refresh()
    contact, advice = feed.world.teams["contact"].id, feed.world.teams["advice"].id
    assert feed.rows("SELECT team_id, value FROM scores WHERE kind = 'nps' ORDER BY value") == [
        (advice, 3),
        (contact, 9),
    ]
    assert feed.rows("SELECT team_id FROM persons") == [(advice,)]  # the population: her team now
    [(one,)] = feed.rows("SELECT count(DISTINCT respondent) FROM scores")
    assert one == 1  # both answers are hers, under one pseudonym


def test_customer_outcomes_are_copied_when_they_change(feed: Feed) -> None:
    from decimal import Decimal

    from nineplus.outcomes.models import CustomerOutcome

    ann = feed.person("ann", "contact")
    feed.respond(9, person="ann")
    assert feed.refresh().outcomes  # the first refresh copies them (none yet)
    outcome = CustomerOutcome(
        organisation_id=feed.world.org.id, person_id=ann.id, period_start=date(2026, 6, 1), active=True,
        revenue=Decimal("120.50"),
    )  # fmt: skip
    feed.db.add(outcome)
    feed.db.commit()
    assert feed.refresh().outcomes
    assert feed.rows("SELECT respondent, period_start, active, revenue FROM outcomes") == [
        (pseudonyms.respondent_of(feed.db, ann.id), date(2026, 6, 1), True, 120.5)
    ]  # under the customer's pseudonym, never their id
    assert not feed.refresh().outcomes  # unchanged: not copied again
    outcome.active = False  # a re-import that changes a value
    feed.db.commit()
    assert feed.refresh().outcomes
    assert feed.rows("SELECT active FROM outcomes") == [(False,)]


def test_a_second_process_is_told_the_store_is_held(feed: Feed) -> None:
    feed.refresh()
    code = (
        "import sys; from pathlib import Path\n"
        "from nineplus.analytics.store import AnalyticStore, StoreBusy\n"
        "try:\n    AnalyticStore(Path(sys.argv[1])).connection()\n"
        "except StoreBusy as exc:\n    print(exc); sys.exit(3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(feed.store.path)], capture_output=True, text=True
    )
    assert result.returncode == 3, result.stderr
    assert "held by another process" in result.stdout
    assert StoreBusy.__doc__


@pytest.mark.parametrize("full", [True, False])
def test_a_full_refresh_gives_what_the_incremental_ones_gave(feed: Feed, full: bool) -> None:
    """On SQLite a full refresh reads the database file through DuckDB's sqlite extension, the
    incremental ones through SQLAlchemy: both give the same tables."""
    feed.person("ann", "contact", segment="private")
    open_one = feed.respond(5, at=None, person="ann")
    for value in range(11):
        feed.respond(value, {0: value % 7 - 3}, person="ann" if value % 3 else None)
        if value % 4 == 0:
            feed.refresh()
    feed.refresh()
    queries = [
        "SELECT * EXCLUDE (batch) FROM responses ORDER BY ALL",
        "SELECT * EXCLUDE (batch) FROM scores ORDER BY ALL",
        "SELECT * FROM pending ORDER BY ALL",
        "SELECT * EXCLUDE (n), sum(n) FROM counts GROUP BY ALL ORDER BY ALL",
        "SELECT * EXCLUDE (n), sum(n) FROM counts_month GROUP BY ALL ORDER BY ALL",
        "SELECT * EXCLUDE (n), sum(n) FROM counts_total GROUP BY ALL ORDER BY ALL",
        "SELECT * EXCLUDE (n, promoters, detractors), sum(n), sum(promoters), sum(detractors) "
        "FROM nps_month GROUP BY ALL ORDER BY ALL",
        "SELECT count(*) FROM answers_once WHERE moment_id <> 0",  # each answer in its own table
        "SELECT count(*) FROM answers_per_moment WHERE moment_id = 0",
    ]
    incremental = [feed.rows(q) for q in queries]
    assert [len(rows) for rows in incremental[:3]] == [11, 22, 1]
    assert incremental[-2:] == [[(0,)], [(0,)]]
    assert feed.rows("SELECT count(*) FROM answers_once") == [(11,)]
    ann = pseudonyms.respondent_of(feed.db, feed.persons["ann"].id)
    assert {row[8] for row in incremental[1]} == {None, ann}  # scores carry the pseudonym
    assert incremental[2][0][0] == open_one.id
    feed.refresh(full=full)
    assert [feed.rows(q) for q in queries] == incremental


def test_the_counts_that_refreshes_append_are_compacted_and_sorted(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every refresh appends its own counts, so a key recurs; once a table has grown enough its rows are
    summed per key and stored sorted by kind (the NPS apart from the feelings), without changing a total."""
    from nineplus.analytics import refresh

    at = datetime(2026, 3, 10, 12)
    for value in (9, 9, 3):
        feed.respond(value, {0: 1}, at=at)
        feed.refresh()  # the first is full (compacted); the next two append a row per key
    month = "SELECT kind, value, n FROM counts_month"
    assert sorted(feed.rows(month)) == [("emotion", 1, 1), ("emotion", 1, 1), ("emotion", 1, 1),
                                        ("nps", 3, 1), ("nps", 9, 1), ("nps", 9, 1)]  # fmt: skip
    monkeypatch.setattr(refresh, "COMPACT_SLACK", 0)
    feed.respond(10, {0: -2}, at=at)
    feed.refresh()
    assert feed.rows(month) == [("emotion", -2, 1), ("emotion", 1, 3), ("nps", 3, 1), ("nps", 9, 2),
                                ("nps", 10, 1)]  # fmt: skip
    assert feed.rows("SELECT kind, value, n FROM counts_total") == feed.rows(month)
    assert feed.rows("SELECT sum(n) FROM counts") == [(8,)]
    assert feed.rows("SELECT n, promoters, detractors FROM nps_month") == [(4, 3, 1)]  # 9, 9, 3, 10
    assert dict(feed.rows("SELECT key, value FROM meta WHERE key LIKE 'compacted_%'")) == {
        "compacted_counts": "5",
        "compacted_counts_month": "5",
        "compacted_counts_total": "5",
        "compacted_nps_month": "1",
    }


def test_a_failed_first_fill_is_not_retried_by_every_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nineplus.analytics.store import AnalyticStore
    from nineplus.core.db import make_engine

    store = AnalyticStore(tmp_path / "analytics.duckdb")
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables: the refresh fails
    with pytest.raises(Exception, match="no such table"):
        store.fill_once(empty)
    store.fill_once(empty)  # within a minute of the failure: not tried again
    assert "refreshed_at" not in store.state()
    store.close()


def test_a_full_refresh_leaves_the_sqlite_locks_of_this_process_alone(feed: Feed) -> None:
    """DuckDB reads a SQLite row store with its own copy of SQLite; done in this process, its closing the
    file dropped this process's locks, and the next program to open and close the database removed the
    write-ahead log under the web server's connections ("disk I/O error" on every page until a restart).
    The full refresh reads the file in a child process: this process's DuckDB never loads the sqlite
    extension (on PostgreSQL the full refresh reads through SQLAlchemy and never needs it either), and on
    SQLite another program's visit leaves the log in place."""
    from pathlib import Path

    from sqlalchemy import text

    from nineplus.analytics.rowstore import sqlite_file
    from nineplus.core.db import get_engine

    engine = get_engine()
    database = sqlite_file(engine)
    feed.respond(9)
    with engine.connect() as held:  # a connection this process keeps open, as the web server's pool does
        held.execute(text("SELECT count(*) FROM responses")).one()
        report = feed.refresh(full=True)
        assert report.full
        assert feed.rows("SELECT count(*) FROM responses") == [(1,)]
        loaded = "SELECT count(*) FROM duckdb_extensions() WHERE extension_name LIKE 'sqlite%' AND loaded"
        assert feed.rows(loaded) == [(0,)]
        if database is not None:  # the write-ahead log is SQLite's
            visit = "c = sqlite3.connect({!r}); c.execute('SELECT 1').fetchall(); c.close()"
            other = "import sqlite3; " + visit.format(database)
            subprocess.run([sys.executable, "-c", other], check=True)
            assert Path(f"{database}-wal").exists()  # the other program saw it was not alone
            assert Path(f"{database}-shm").exists()
        held.execute(text("SELECT count(*) FROM responses")).one()
    feed.respond(10)
    feed.refresh()
    assert feed.rows("SELECT count(*) FROM responses") == [(2,)]
