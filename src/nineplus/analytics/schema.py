# ruff: noqa: S608  (the SQL built here holds fixed names only, never user input)
"""The analytic store's tables, in the shape the analytics layer reads (``analytics.store`` holds the
file, ``analytics.refresh`` feeds it):

- ``responses``: one row per submitted response, with its organisation, survey, version, person, the
  person's team, the moment of submission (UTC) and its day in the organisation's time zone;
- ``scores``: one row per numeric answer (NPS, CSAT, effort, emotion, start feeling), carrying the same
  keys, so that a group-by needs no join with ``responses``. It is a view over two tables: the answers
  asked once per response (``answers_once``, moment 0: NPS, CSAT, CES, the start feeling) and those asked
  per moment (``answers_per_moment``), so that a question about the once-asked scores (the NPS of the
  customers in one region) scans a ninth of the answers, not all of them;
- ``counts``: how many answers gave each value, per survey version, question, moment, person's team and
  day: the sufficient statistics of every bounded-scale score. New refreshes append rows, so a key can
  occur more than once: readers sum ``n``. ``counts_month`` holds the same per month: about thirty
  times fewer rows, which is what keeps a dashboard at a few milliseconds with millions of responses;
  ``counts_total`` holds them over all time (per team, without the day), for the figures that span the
  whole history (the overview, the curves, the distributions); ``nps_month`` the NPS counts (answers,
  promoters, detractors) per month, the team-by-month tables. Every counts table is compacted (the rows
  of a key summed, sorted by organisation, kind and moment) after a full refresh and once it has grown.
- dimensions copied whole on every refresh: organisations, journeys, moments, teams, surveys, versions,
  questions; persons and their attributes when they changed (the nightly full refresh catches edits);
- ``outcomes``: the imported customer outcomes (still a customer, churn date, revenue per person and
  period), copied whole when they changed, for the retention curve and the effect chain.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from nineplus.analytics import rowstore

SCHEMA_VERSION = "6"  # a store written by another version is rebuilt whole
TABLES = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS responses (
    response_id BIGINT, organisation_id INTEGER, survey_id INTEGER, version_id INTEGER,
    respondent BIGINT, team_id INTEGER, submitted_at TIMESTAMP, day DATE, batch INTEGER);
CREATE TABLE IF NOT EXISTS answers_once ({answer_columns});
CREATE TABLE IF NOT EXISTS answers_per_moment ({answer_columns});
CREATE OR REPLACE VIEW scores AS
    SELECT * FROM answers_once UNION ALL SELECT * FROM answers_per_moment;
CREATE TABLE IF NOT EXISTS counts (
    organisation_id INTEGER, survey_id INTEGER, version_id INTEGER, question_id INTEGER, kind VARCHAR,
    moment_id INTEGER, team_id INTEGER, day DATE, value SMALLINT, n BIGINT);
CREATE TABLE IF NOT EXISTS counts_month (
    organisation_id INTEGER, survey_id INTEGER, version_id INTEGER, question_id INTEGER, kind VARCHAR,
    moment_id INTEGER, team_id INTEGER, month DATE, value SMALLINT, n BIGINT);
CREATE TABLE IF NOT EXISTS counts_total (
    organisation_id INTEGER, survey_id INTEGER, version_id INTEGER, question_id INTEGER, kind VARCHAR,
    moment_id INTEGER, team_id INTEGER, value SMALLINT, n BIGINT);
CREATE TABLE IF NOT EXISTS nps_month (
    organisation_id INTEGER, survey_id INTEGER, version_id INTEGER, question_id INTEGER, moment_id INTEGER,
    team_id INTEGER, month DATE, n BIGINT, promoters BIGINT, detractors BIGINT);
CREATE TABLE IF NOT EXISTS pending (response_id BIGINT, started_at TIMESTAMP);
""".replace(
    "{answer_columns}",
    "response_id BIGINT, organisation_id INTEGER, survey_id INTEGER, version_id INTEGER, "
    "question_id INTEGER, kind VARCHAR, moment_id INTEGER, team_id INTEGER, respondent BIGINT, day DATE, "
    "value SMALLINT, batch INTEGER",
)
ANSWER_TABLES = {"answers_once": "= 0", "answers_per_moment": "<> 0"}  # table: which moment ids it holds
# The counts tables: the columns each sums (the others are its keys), and the order a compacted table
# is stored in (organisation, kind and moment first, so that a question about the NPS skips the blocks
# of feelings).
_KEYS = ("organisation_id", "kind", "moment_id", "survey_id", "version_id", "question_id", "team_id")
COUNT_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "counts": (("n",), (*_KEYS, "day", "value")),
    "counts_month": (("n",), (*_KEYS, "month", "value")),
    "counts_total": (("n",), (*_KEYS, "value")),
    "nps_month": (("n", "promoters", "detractors"), (*(k for k in _KEYS if k != "kind"), "month")),
}


def summed(table: str) -> str:
    """A counts table with the rows of each key summed (refreshes append a row per key and batch)."""
    measures, _order = COUNT_TABLES[table]
    sums = ", ".join(f"sum({m})::BIGINT AS {m}" for m in measures)
    return f"SELECT * EXCLUDE ({', '.join(measures)}), {sums} FROM {table} GROUP BY ALL"


# Persons, their attributes and outcomes under their pseudonyms (``respondent``), as the responses carry
PERSONS = (
    "persons",
    "respondent BIGINT, organisation_id INTEGER, kind VARCHAR, team_id INTEGER",
)
ATTRIBUTES = ("person_attributes", "respondent BIGINT, organisation_id INTEGER, key VARCHAR, value VARCHAR")
OUTCOMES = ("outcomes", rowstore.OUTCOME_COLUMNS)


def session(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """What Ibis's compiled SQL assumes of a session (it sets the same on connections it makes); DuckDB
    keeps these per connection, so each cursor is set too."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET python_enable_replacements = false")
    return con


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables; those of a store written by another schema version are dropped first (the
    next refresh fills them again, whole)."""
    tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "meta" in tables:
        held = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if held is not None and held[0] != SCHEMA_VERSION:
            for name in tables:
                con.execute(f"DROP TABLE {name}")
    for statement in TABLES.split(";"):
        if statement.strip():
            con.execute(statement)
    for name, (columns, _) in {
        **rowstore.DIMENSIONS,
        PERSONS[0]: (PERSONS[1], ""),
        ATTRIBUTES[0]: (ATTRIBUTES[1], ""),
        OUTCOMES[0]: (OUTCOMES[1], ""),
    }.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")


def replace_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    con.register("incoming", table)
    con.execute(f"DELETE FROM {name}")
    if table.num_rows:
        con.execute(f"INSERT INTO {name} SELECT * FROM incoming")
    con.unregister("incoming")
