"""a full-text index over the verbatims' lemmas: FTS5 on SQLite, GIN on PostgreSQL

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 21:50:00

The index holds lemmas, not the written text: a search for any form of a word, Dutch or English, looks up
the word's lemmas (``text.routes``), so neither database's own stemming is used (SQLite's stems English
only). SQLite: an external-content FTS5 table kept in step with ``verbatim_analyses`` by triggers.
PostgreSQL: a GIN index on the lemmas as a 'simple' text-search vector (no stemming, no stop words).
Neither is in the models; ``migrations/env.py`` leaves them out of the comparison with the models.

A later migration that rebuilds ``verbatim_analyses`` on SQLite (``batch_alter_table``) drops the three
triggers with the old table: it must create them again (SQLITE_UP) and rebuild the index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE verbatim_search USING fts5(lemmas, content='verbatim_analyses', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER verbatim_search_insert AFTER INSERT ON verbatim_analyses BEGIN "
    "INSERT INTO verbatim_search(rowid, lemmas) VALUES (new.id, new.lemmas); END",
    "CREATE TRIGGER verbatim_search_delete AFTER DELETE ON verbatim_analyses BEGIN "
    "INSERT INTO verbatim_search(verbatim_search, rowid, lemmas) VALUES ('delete', old.id, old.lemmas); END",
    "CREATE TRIGGER verbatim_search_update AFTER UPDATE OF lemmas ON verbatim_analyses BEGIN "
    "INSERT INTO verbatim_search(verbatim_search, rowid, lemmas) VALUES ('delete', old.id, old.lemmas); "
    "INSERT INTO verbatim_search(rowid, lemmas) VALUES (new.id, new.lemmas); END",
    "INSERT INTO verbatim_search(verbatim_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS verbatim_search_update",
    "DROP TRIGGER IF EXISTS verbatim_search_delete",
    "DROP TRIGGER IF EXISTS verbatim_search_insert",
    "DROP TABLE IF EXISTS verbatim_search",
]
POSTGRESQL_UP = [
    "CREATE INDEX ix_verbatim_analyses_search ON verbatim_analyses "
    "USING gin (to_tsvector('simple'::regconfig, lemmas))"
]
POSTGRESQL_DOWN = ["DROP INDEX IF EXISTS ix_verbatim_analyses_search"]


def upgrade() -> None:
    for statement in SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_DOWN:
        op.execute(statement)
