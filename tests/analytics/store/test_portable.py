"""One analytics layer: the same Ibis expressions on the DuckDB store, on its Parquet export read by
DuckDB, and on that export read by Spark give the same rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nineplus.analytics import queries
from nineplus.analytics.engine import Engine, on_duckdb, on_parquet_duckdb, on_spark
from nineplus.analytics.export import export, read_manifest
from nineplus.feedback import service
from nineplus.outcomes.models import CustomerOutcome
from nineplus.privacy import pseudonyms
from tests.analytics.store.conftest import Feed


def fill(feed: Feed) -> None:
    """Answers over two quarters from persons in two teams with a segment, and from anonymous links; the
    persons' outcomes per month (ben leaves in May)."""
    feed.person("ann", "contact", segment="private")
    feed.person("ben", "advice", segment="business")
    feed.person("cas", "advice")
    for name in ("ann", "ben", "cas"):
        for month in range(1, 8):
            feed.db.add(
                CustomerOutcome(
                    organisation_id=feed.world.org.id,
                    person_id=feed.persons[name].id,
                    period_start=date(2026, month, 1),
                    active=not (name == "ben" and month >= 5),
                    revenue=Decimal(100 + month) if name != "cas" else None,
                )
            )
    feed.db.commit()
    people = ["ann", "ben", "cas", None]
    for number in range(48):
        month = 1 + number % 6
        feed.respond(
            number % 11,
            {0: number % 7 - 3, 1: (number * 3) % 7 - 3} if number % 5 else {2: 1},
            at=datetime(2026, month, 1 + number % 27, 8 + number % 14, 30),
            person=people[number % 4] if number % 4 != 3 else None,
        )


def questions(feed: Feed) -> dict[str, Any]:
    org = feed.target.survey.organisation_id
    version = service.current_version(feed.db, feed.target.survey.id).id
    nps = feed.target.questions["nps"].id
    return {
        "per question and moment": queries.value_counts(org, ["version_id", "question_id", "moment_id"]),
        "NPS per team and month": queries.value_counts(org, ["team_id"], kinds=["nps"], period="month"),
        "NPS per week": queries.value_counts(org, ["kind"], kinds=["nps"], period="week"),
        "per journey per quarter": queries.value_counts(org, ["journey_id", "audience"], period="quarter"),
        "emotion per channel and owner": queries.value_counts(
            org, ["channel", "moment_team_id", "moment_id"], kinds=["emotion"]
        ),
        "one team, a date range": queries.value_counts(
            org,
            ["question_id"],
            team_id=feed.world.teams["advice"].id,
            since=datetime(2026, 2, 1).date(),
            until=datetime(2026, 4, 30).date(),
        ),
        "NPS per segment": queries.attribute_value_counts(
            org, "segment", version_id=version, question_id=nps
        ),
        "responses per month": queries.response_counts(org, ["version_id"], period="month"),
        "NPS per month, from the days": queries.value_counts(
            org, ["team_id"], kinds=["nps"], period="month", since=datetime(2000, 1, 2).date()
        ),
        "private customers per month": queries.value_counts(
            org, ["version_id", "question_id", "moment_id"], period="month", attribute=("segment", "private")
        ),
        "persons per team": queries.population(org),
        "persons per segment": queries.population(org, "segment"),
        "NPS counts per team": queries.stratum_nps_counts(org, ["version_id", "question_id"]),
        "NPS counts per segment": queries.stratum_nps_counts(org, ["version_id"], "segment"),
        "NPS per team, newest two months": queries.nps_counts(
            org, ["team_id"], moment_id=0, period="month", recent_months=1
        ),
        "the journey's answers, every second response": queries.journey_answers(
            org, feed.target.survey.journey_id, every=2
        ),
        "latest score and whether the customer stayed": queries.scored_outcomes(org),
        "the same per segment": queries.scored_outcomes(org, "segment"),
        "outcomes per team and month": queries.outcome_cells(org),
    }


def answers(engine: Engine, feed: Feed) -> dict[str, list[tuple]]:
    return {name: [tuple(r.values()) for r in engine.rows(expr)] for name, expr in questions(feed).items()}


@pytest.fixture
def exported(feed: Feed, tmp_path: Path) -> Path:
    fill(feed)
    feed.refresh()
    folder = tmp_path / "export"
    export(feed.store, folder)
    return folder


def test_the_store_and_its_parquet_export_agree_on_duckdb(feed: Feed, exported: Path) -> None:
    with feed.store.snapshot() as cursor:
        from_store = answers(on_duckdb(cursor), feed)
    from_parquet = answers(on_parquet_duckdb(exported), feed)
    assert from_store == from_parquet
    assert all(from_store.values()), "every question has rows"
    nps_total = sum(n for *_, value, n in from_store["NPS per team and month"])
    assert nps_total == 48
    segments = {(attribute, value): n for attribute, value, n in from_store["NPS per segment"]}
    assert sum(n for (a, _), n in segments.items() if a == "private") == 12  # ann answered 12 times
    # The monthly counts and the daily ones agree; the attribute filter reads the answers themselves.
    assert from_store["NPS per team and month"] == from_store["NPS per month, from the days"]
    private = from_store["private customers per month"]
    assert sum(n for _v, _q, moment, _p, _value, n in private if moment == 0) == 12
    # The newest months: found in the same query, the last two months the data holds.
    months = sorted({period for _team, period, *_ in from_store["NPS per team and month"]})
    assert {period for _team, period, *_ in from_store["NPS per team, newest two months"]} == set(months[-2:])
    assert len(months) > 2
    # The monthly NPS counts (answers, promoters, detractors) agree with the value counts.
    derived: dict[tuple, list[int]] = {}
    for team, period, value, n in from_store["NPS per team and month"]:
        if period in months[-2:]:
            counts = derived.setdefault((team, period), [0, 0, 0])
            counts[0] += n
            counts[1] += n if value >= 9 else 0
            counts[2] += n if value <= 6 else 0
    newest = from_store["NPS per team, newest two months"]
    assert {(team, period): [n, p, d] for team, period, n, p, d in newest} == derived
    # ben left in May: his outcomes from his last answer's month (June) on say so; ann and cas stayed.
    stayed = {respondent: kept for respondent, _score, kept, _segment in from_store["the same per segment"]}
    key = pseudonyms.respondents_of(feed.db, [p.id for p in feed.persons.values()])
    assert stayed == {
        key[feed.persons["ann"].id]: True,
        key[feed.persons["ben"].id]: False,
        key[feed.persons["cas"].id]: True,
    }
    cells = from_store["outcomes per team and month"]
    advice_may = next(c for c in cells if c[0] == feed.world.teams["advice"].id and c[1].month == 5)
    assert advice_may[2:] == (2, 1, 105.0, 1)  # ben and cas; ben left; only ben has revenue


def test_spark_over_the_export_gives_the_same_rows(feed: Feed, exported: Path, spark: Any) -> None:
    with feed.store.snapshot() as cursor:
        from_store = answers(on_duckdb(cursor), feed)
    from_spark = answers(on_spark(exported, spark), feed)
    for name, rows in from_store.items():
        assert from_spark[name] == rows, name


def test_the_export_adds_only_new_parts_until_responses_are_removed(feed: Feed, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    first = feed.respond(9)
    feed.refresh()
    report = export(feed.store, folder)
    assert report.rewritten
    assert report.rows["scores"] == 1
    feed.respond(3)
    feed.refresh()
    report = export(feed.store, folder)
    assert not report.rewritten
    assert report.rows["scores"] == 1
    assert len(report.files["scores"]) == 2
    assert export(feed.store, folder).rows["scores"] == 0  # nothing new: nothing written
    feed.respond(5)
    feed.remove(first)
    feed.refresh()
    report = export(feed.store, folder)
    assert report.rewritten
    assert len(report.files["scores"]) == 1
    current = Path(report.files["scores"][0]).name
    # The previous export's files stay one export longer (a reader may have just taken its manifest).
    assert current in {p.name for p in (folder / "scores").iterdir()}
    assert len(list((folder / "scores").iterdir())) == 3
    assert export(feed.store, folder).files["scores"] == report.files["scores"]
    assert sorted(p.name for p in (folder / "scores").iterdir()) == [current]
    rows = on_parquet_duckdb(folder).rows(
        queries.value_counts(feed.target.survey.organisation_id, ["kind"], kinds=["nps"])
    )
    assert [(r["value"], r["n"]) for r in rows] == [(3, 1), (5, 1)]
    assert read_manifest(folder)["generation"] == int(feed.store.state()["generation"])


def test_every_question_is_scoped_to_one_organisation(feed: Feed, exported: Path) -> None:
    other = feed.target.survey.organisation_id + 1000
    engine = on_parquet_duckdb(exported)
    for name, expr in questions(feed).items():
        rows = engine.rows(expr)
        assert rows, name
    assert engine.rows(queries.value_counts(other, ["kind"])) == []
    assert engine.rows(queries.response_counts(other, ["version_id"])) == []


def test_the_spark_command_answers_from_the_export_on_the_configured_master(
    exported: Path, spark: Any
) -> None:
    from typer.testing import CliRunner

    from nineplus.cli import app

    result = CliRunner().invoke(app, ["analytics", "spark", str(exported)])
    assert result.exit_code == 0, result.output
    assert "NO" not in result.output
    assert result.output.count("yes") >= 4
    assert f"Spark master: {spark.sparkContext.master}" in result.output  # NINEPLUS_SPARK_MASTER in CI
