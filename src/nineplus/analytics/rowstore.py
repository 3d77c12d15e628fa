# ruff: noqa: S608  (the SQL built here holds integers and fixed names only, never user input)
"""Reading the row store (SQLite or PostgreSQL) for the analytic store: the dimensions, persons, submitted
responses, their numeric answers and the responses still open, as Arrow tables (``analytics.store``
writes them)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Engine, text

from nineplus.core.models import utcnow

SCORE_TYPES = ("nps", "csat", "effort", "emotion", "start_feeling")
BATCH_IDS = 50_000  # response ids read from the row store per round trip
PENDING_DAYS = 60  # a response started longer ago and never submitted is abandoned
IN_CHUNK = 500  # ids per IN (...) list


# Dimension tables: (name, DuckDB columns, row-store query). JSON name columns are split per language.
DIMENSIONS: dict[str, tuple[str, str]] = {
    "organisations": ("id INTEGER, timezone VARCHAR", "SELECT id, timezone FROM organisations"),
    "teams": (
        "id INTEGER, organisation_id INTEGER, name VARCHAR",
        "SELECT id, organisation_id, name FROM teams",
    ),
    "journeys": (
        "id INTEGER, organisation_id INTEGER, name_en VARCHAR, name_nl VARCHAR",
        "SELECT id, organisation_id, name FROM journeys",
    ),
    "moments": (
        "id INTEGER, organisation_id INTEGER, journey_id INTEGER, position INTEGER, name_en VARCHAR, "
        "name_nl VARCHAR, channel VARCHAR, channel_id INTEGER, team_id INTEGER, archived BOOLEAN",
        "SELECT id, organisation_id, journey_id, position, name, channel, channel_id, team_id, "
        "archived_at IS NOT NULL FROM moments",
    ),
    "surveys": (
        "id INTEGER, organisation_id INTEGER, journey_id INTEGER, moment_id INTEGER, audience VARCHAR, "
        "kind VARCHAR, title_en VARCHAR, title_nl VARCHAR",
        "SELECT id, organisation_id, journey_id, moment_id, audience, kind, title FROM surveys",
    ),
    "versions": (
        "id INTEGER, organisation_id INTEGER, survey_id INTEGER, number INTEGER",
        "SELECT id, organisation_id, survey_id, number FROM survey_versions",
    ),
    "questions": (
        "id INTEGER, organisation_id INTEGER, version_id INTEGER, key VARCHAR, type VARCHAR, "
        "moment_id INTEGER",
        "SELECT id, organisation_id, version_id, key, type, moment_id FROM questions",
    ),
}
NAMED = {"journeys": 2, "moments": 4, "surveys": 6}  # position of the JSON {lang: text} column


@contextmanager
def row_store(engine: Engine) -> Iterator[Connection]:
    """One read transaction on the row store: on PostgreSQL repeatable read, on SQLite (WAL) a read
    transaction, which holds one snapshot from its first read to its end."""
    options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    with engine.connect().execution_options(**options) as conn, conn.begin():
        yield conn


def sqlite_file(engine: Engine) -> str | None:
    """The row store's database file when it is SQLite (None for PostgreSQL or an in-memory database)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return database


def client_at(rs: Connection, response_id: int) -> str:
    """The client id of one response ("" when there is none): tells a reused id from the one seen."""
    client = rs.execute(text("SELECT client_id FROM responses WHERE id = :id"), {"id": response_id})
    return client.scalar() or ""


def read_dimension(rs: Connection, name: str, query: str) -> pa.Table:
    columns = [c.split()[0] for c in DIMENSIONS[name][0].split(", ")]
    rows = [list(row) for row in rs.execute(text(query))]
    named = NAMED.get(name)
    if named is not None:
        rows = [[*r[:named], *names(r[named]), *r[named + 1 :]] for r in rows]
    return table(columns, rows)


def names(value: Any) -> tuple[str, str]:
    names = json.loads(value) if isinstance(value, str) else (value or {})
    english = names.get("en") or names.get("nl") or ""
    return english, names.get("nl") or english


def read_persons(rs: Connection) -> tuple[pa.Table, pa.Table]:
    """The persons and their attributes, each under the person's pseudonym (never the person's id: the
    analytic store ties nothing to a person)."""
    people: list[list[Any]] = []
    attributes: list[list[Any]] = []
    for respondent, org, kind, team, raw in rs.execute(
        text(
            "SELECT k.respondent, p.organisation_id, p.kind, p.team_id, p.attributes "
            "FROM persons p JOIN respondent_keys k ON k.person_id = p.id"
        )
    ):
        people.append([respondent, org, kind, team])
        values = json.loads(raw) if isinstance(raw, str) else (raw or {})
        attributes.extend([respondent, org, str(k), str(v)] for k, v in values.items() if v not in (None, ""))
    return (
        table(
            ["respondent", "organisation_id", "kind", "team_id"],
            people,
            [pa.int64(), pa.int32(), pa.string(), pa.int32()],
        ),
        table(
            ["respondent", "organisation_id", "key", "value"],
            attributes,
            [pa.int64(), pa.int32(), pa.string(), pa.string()],
        ),
    )


OUTCOME_COLUMNS = (
    "respondent BIGINT, organisation_id INTEGER, period_start DATE, active BOOLEAN, churned_on DATE, "
    "revenue DOUBLE"
)
# Changes when outcomes are added, removed or re-imported with other values (the nightly full refresh
# catches the rest).
OUTCOMES_MARK = (
    "SELECT count(*), max(id), sum(CASE WHEN active THEN 1 ELSE 0 END), sum(revenue), max(churned_on) "
    "FROM customer_outcomes"
)


def read_outcomes(rs: Connection) -> pa.Table:
    """Customer outcomes (still a customer, churn date, revenue per person and period), under the
    person's pseudonym."""
    rows = [
        [person, org, as_date(start), None if active is None else bool(active), as_date(churned),
         None if revenue is None else float(revenue)]
        for person, org, start, active, churned, revenue in rs.execute(
            text(
                "SELECT k.respondent, o.organisation_id, o.period_start, o.active, o.churned_on, o.revenue "
                "FROM customer_outcomes o JOIN respondent_keys k ON k.person_id = o.person_id"
            )
        )
    ]  # fmt: skip
    types = [pa.int64(), pa.int32(), pa.date32(), pa.bool_(), pa.date32(), pa.float64()]
    return table([c.split()[0] for c in OUTCOME_COLUMNS.split(", ")], rows, types)


def as_date(value: Any) -> date | None:
    """A date from the row store (SQLite hands back text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def read_responses(rs: Connection, where: str) -> pa.Table:
    rows = rs.execute(
        text(
            "SELECT r.id, r.organisation_id, r.survey_id, r.version_id, r.respondent, r.team_id, "
            f"r.submitted_at FROM responses r WHERE {where} AND r.submitted_at IS NOT NULL"
        )
    ).all()
    columns = ["id", "organisation_id", "survey_id", "version_id", "respondent", "team_id", "submitted_at"]
    types = [pa.int64(), pa.int32(), pa.int32(), pa.int32(), pa.int64(), pa.int32(), pa.timestamp("us")]
    return table(columns, [list(r) for r in rows], types)


def read_scores(rs: Connection, where: str) -> pa.Table:
    types = ", ".join(f"'{t}'" for t in SCORE_TYPES)
    rows = rs.execute(
        text(
            "SELECT a.response_id, a.question_id, a.moment_key, a.value_int FROM responses r "
            "JOIN answers a ON a.response_id = r.id JOIN questions q ON q.id = a.question_id "
            f"WHERE {where} AND r.submitted_at IS NOT NULL AND a.value_int IS NOT NULL "
            f"AND q.type IN ({types})"
        )
    ).all()
    return table(
        ["response_id", "question_id", "moment_id", "value"],
        [list(r) for r in rows],
        [pa.int64(), pa.int32(), pa.int32(), pa.int16()],
    )


def read_pending(rs: Connection, watermark: int, top: int, old: Sequence[int]) -> pa.Table:
    """Responses started but not submitted: the new ones below ``top`` and the old ones still open, less
    those abandoned for longer than PENDING_DAYS."""
    cutoff = as_datetime(utcnow() - timedelta(days=PENDING_DAYS))
    rows = list(
        rs.execute(
            text(
                "SELECT id, started_at FROM responses WHERE id > :lo AND id <= :hi AND submitted_at IS NULL"
            ),
            {"lo": watermark, "hi": top},
        )
    )
    for chunk in chunks(old):
        rows += rs.execute(
            text(
                f"SELECT r.id, r.started_at FROM responses r "
                f"WHERE {in_list(chunk)} AND r.submitted_at IS NULL"
            )
        ).all()
    kept = [[rid, started] for rid, started in rows if as_datetime(started) >= cutoff]
    return table(["response_id", "started_at"], kept, [pa.int64(), pa.timestamp("us")])


def as_datetime(value: Any) -> datetime:
    """A naive UTC datetime from what the row store hands back (text on SQLite, aware on PostgreSQL)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def ranges(low: int, high: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + BATCH_IDS, high)) for lo in range(low, high, BATCH_IDS)]


def chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i : i + IN_CHUNK] for i in range(0, len(ids), IN_CHUNK)]


def in_list(ids: Sequence[int]) -> str:
    return "r.id IN (" + ", ".join(str(int(i)) for i in ids) + ")"


def table(columns: list[str], rows: list[list[Any]], types: list[pa.DataType] | None = None) -> pa.Table:
    data = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in columns]
    if types is None:
        return pa.table(dict(zip(columns, data, strict=True)))
    for index, kind in enumerate(types):
        if kind == pa.timestamp("us"):  # SQLite hands back text
            data[index] = [None if v is None else as_datetime(v) for v in data[index]]
    arrays = [pa.array(values, type=kind) for values, kind in zip(data, types, strict=True)]
    return pa.Table.from_arrays(arrays, names=columns)
