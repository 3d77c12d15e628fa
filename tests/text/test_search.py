"""The full-text index over the verbatims' lemmas (FTS5 on SQLite, GIN on PostgreSQL): the search asks it,
it follows every change to the analyses, and no searched text can break out of its quoting."""

from __future__ import annotations

from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from nineplus.core.tenancy import scope
from nineplus.text import repository
from nineplus.text.models import VerbatimAnalysis
from nineplus.text.service import analyse_organisation
from tests.factories import World
from tests.imports.conftest import Target
from tests.text.test_service import analyses, say


def found(db: Session, *words: set[str]) -> list[str]:
    return sorted(s.masked for s in repository.search(db, list(words)))


def test_the_search_asks_the_index(db: Session, target: Target, bank_a: World) -> None:
    say(db, target, "De taxatierapporten kwamen laat", 3)
    analyse_organisation(db, bank_a.org.id)
    scope(db, bank_a.org.id)
    dialect = db.get_bind().dialect.name
    if dialect == "sqlite":
        plan = db.execute(
            text("EXPLAIN QUERY PLAN SELECT rowid FROM verbatim_search WHERE verbatim_search MATCH :q"),
            {"q": '"taxatie"*'},
        ).all()
        assert any("VIRTUAL TABLE INDEX" in str(row[-1]) for row in plan)
        count = "SELECT count(*) FROM verbatim_search WHERE verbatim_search MATCH '\"taxatie\"*'"
        assert db.scalar(text(count)) == 1
    else:
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = db.execute(
            text(
                "EXPLAIN SELECT id FROM verbatim_analyses WHERE to_tsvector('simple'::regconfig, lemmas) "
                "@@ to_tsquery('simple'::regconfig, 'taxatie:*')"
            )
        ).scalars()
        assert any("ix_verbatim_analyses_search" in line for line in plan)
    assert found(db, {"taxatie"}) == ["De taxatierapporten kwamen laat"]


def test_the_index_follows_every_change_to_the_analyses(db: Session, target: Target, bank_a: World) -> None:
    say(db, target, "Het wachten duurde lang", 3)
    say(db, target, "De adviseur was vriendelijk", 10)
    analyse_organisation(db, bank_a.org.id)
    first, second = analyses(db, bank_a.org.id)
    assert found(db, {"wacht", "wachten"}) == ["Het wachten duurde lang"]
    db.execute(
        update(VerbatimAnalysis)
        .where(VerbatimAnalysis.id == first.id)
        .values(lemmas=" zebra ", masked="zebra")
    )
    assert found(db, {"wacht", "wachten"}) == []
    assert found(db, {"zebra"}) == ["zebra"]
    db.execute(delete(VerbatimAnalysis).where(VerbatimAnalysis.id == first.id))
    assert found(db, {"zebra"}) == []
    assert found(db, {"adviseur"}) == ["De adviseur was vriendelijk"]
    # Analysed again (as when the model changes): found once, not twice.
    analyse_organisation(db, bank_a.org.id)
    assert found(db, {"wacht", "wachten"}) == ["Het wachten duurde lang"]
    assert found(db, {"adviseur"}) == ["De adviseur was vriendelijk"]
    assert second.id in {s.id for s in repository.search(db, [{"adviseur"}])}


def test_no_searched_text_breaks_out_of_its_quoting(db: Session, target: Target, bank_a: World) -> None:
    say(db, target, "Het wachten duurde lang", 3)
    analyse_organisation(db, bank_a.org.id)
    scope(db, bank_a.org.id)
    hostile = ['"', "'", "\\", 'wacht" OR "*', "wacht' | 'a", "NEAR(wacht lang)", "a) OR (b", "*"]
    for form in hostile:  # taken as words: punctuation apart, nothing of them is an operator
        assert found(db, {form}) == []
    assert found(db, {"lang:*"}) == found(db, {"lang"}) == ["Het wachten duurde lang"]
    # A word that is no word to the index (empty, punctuation only) finds nothing, on both databases alike.
    assert found(db, {""}) == found(db, {"'"}) == found(db, {"lang"}, {"!!!", ""}) == []
    assert found(db, {"wacht", 'wacht"'}, {"lang", "lang'"}) == ["Het wachten duurde lang"]
