"""The instrument engine: the product's instrument files load; a new instrument added as a file works
without code (its scoring, its top-down advice, the telephone example of divided answers, its persona on
the 2x2); a malformed file is refused with its line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from nineplus.scans.instrument import HERE, InstrumentError, load, load_dir, parse
from nineplus.scans.scoring import score

# A small instrument of three levels, written for this test only: top-down advice and a 2x2.
LEVELS = """\
key: test_levels
version: 2
title: {nl: Drie niveaus, en: Three levels}
description: {nl: Een proef., en: A trial.}
scale:
  min: 1
  max: 5
  low: {nl: oneens, en: disagree}
  high: {nl: eens, en: agree}
advice: {order: top_down, threshold: 60, diverging: 1.2}
dimensions:
  - key: mission
    name: {nl: Missie, en: Mission}
    advice: {nl: Begin bij de missie., en: Start with the mission.}
  - key: values
    name: {nl: Waarden, en: Values}
    advice: {nl: Maak de waarden gedeeld., en: Make the values shared.}
  - key: skills
    name: {nl: Vaardigheden, en: Skills}
    advice: {nl: Train vaardigheden., en: Train skills.}
items:
  - {key: mission_clear, dimension: mission, text: {nl: Helder., en: Clear.}}
  - {key: values_phone, dimension: values, text: {nl: Telefoon snel opnemen., en: Answer the phone fast.}}
  - {key: values_kind, dimension: values, text: {nl: Vriendelijk., en: Kind.}}
  - {key: skills_train, dimension: skills, text: {nl: Getraind., en: Trained.}}
  - {key: skills_gap, dimension: skills, reverse: true, text: {nl: Ik mis kennis., en: I lack knowledge.}}
persona:
  x: {dimensions: [mission], low: {nl: laag, en: low}, high: {nl: hoog, en: high}}
  y: {dimensions: [values, skills], low: {nl: laag, en: low}, high: {nl: hoog, en: high}}
  quadrants:
    low_low: {nl: Zoeker, en: Seeker}
    low_high: {nl: Doener, en: Doer}
    high_low: {nl: Dromer, en: Dreamer}
    high_high: {nl: Kampioen, en: Champion}
"""


def test_every_instrument_of_the_product_loads_in_both_languages() -> None:
    files = sorted(HERE.glob("*.yaml"))
    assert files
    for path in files:
        instrument = load(path)  # each file on its own, so a broken one names itself
        assert all(item.text.nl and item.text.en for item in instrument.items)
    assert "four_bs" in load_dir()


def test_a_new_instrument_file_works_without_code(tmp_path: Path) -> None:
    (tmp_path / "levels.yaml").write_text(LEVELS, encoding="utf-8")
    (tmp_path / "levels_v1.yaml").write_text(LEVELS.replace("version: 2", "version: 1"), encoding="utf-8")
    instrument = load_dir(tmp_path)["test_levels"]
    assert instrument.version == 2  # the newest version of a key
    # Mission in order (5, 4); values average fine but divided on the phone (5 vs 1: the telephone
    # example); skills weak, with the reversed item turned round (agreeing "I lack knowledge" is weak).
    answers = [
        {"mission_clear": 5, "values_phone": 5, "values_kind": 4, "skills_train": 2, "skills_gap": 4},
        {"mission_clear": 4, "values_phone": 1, "values_kind": 4, "skills_train": 2, "skills_gap": 5},
    ]
    result = score(instrument, answers)
    assert result.respondents == 2
    mission, values, skills = result.dimensions
    assert mission.score == pytest.approx(100 * (4.5 - 1) / 4)
    assert values.score == pytest.approx(100 * (3.5 - 1) / 4)
    assert skills.score == pytest.approx(100 * (((2 + 2) / 2 + (2 + 1) / 2) / 2 - 1) / 4)
    assert (mission.divided, values.divided, skills.divided) == (False, True, False)
    assert values.items[0].divided  # the phone item, not the dimension's mean, shows the split
    assert result.advice == ("values",)  # top-down: the highest level not in order, and only that
    assert result.persona == "high_low"  # mission high, values and skills low
    only_skills = score(instrument, [{**a, "values_phone": 4} for a in answers])
    assert only_skills.advice == ("skills",)


def test_the_four_bs_advise_the_weakest_first() -> None:
    instrument = load_dir()["four_bs"]
    strong = {i.key: (1 if i.reverse else 5) for i in instrument.items}
    weak_promise = {**strong, "promise_story": 2, "promise_recognise": 2, "promise_overpromise": 4}
    weaker_proof = {**weak_promise, "proof_authority": 1, "proof_tools": 1, "proof_customers": 2}
    result = score(instrument, [weaker_proof] * 6)
    assert result.advice == ("proof", "promise")
    assert result.dimension("place").score == 100
    assert result.persona is None
    with pytest.raises(ValueError, match="not on the scale"):
        score(instrument, [{"place_role": 9}])


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (("dimension: skills, reverse", "dimension: skils, reverse"), 26, "no dimension 'skils'"),
        (("en: Start with the mission.", "de: Fang an."), 14, "advice.en"),
        (("threshold: 60", "threshold: 160"), 10, "advice.threshold"),
        (("  max: 5\n", "  max: 5\n  steps: 3\n"), 8, "scale.steps"),
        (("- {key: skills_train", "- {key: values_kind"), 25, "used twice"),  # at the second use
        (("version: 2\n", "version: 2\nversion: 3\n"), 3, "given twice"),
        (("version: 2", "version: true"), 2, "version"),
        (("items:\n", "items:\n  - [unclosed\n"), 23, "expected ',' or ']'"),  # where it is found
        (("    low_high: {nl: Doener, en: Doer}\n", ""), 30, "missing: low_high"),
    ],
)
def test_a_malformed_file_is_refused_with_its_line_and_reason(
    change: tuple[str, str], line: int | None, reason: str
) -> None:
    text = LEVELS.replace(*change)
    assert text != LEVELS
    with pytest.raises(InstrumentError) as caught:
        parse(text, "levels.yaml")
    assert caught.value.path == "levels.yaml"
    if line is not None:
        assert caught.value.line == line, str(caught.value)
    assert reason in caught.value.reason
    assert str(caught.value).startswith("levels.yaml")


def test_a_file_that_is_not_a_mapping_is_refused_at_line_1() -> None:
    with pytest.raises(InstrumentError) as caught:
        parse("- just\n- a list\n", "list.yaml")
    assert (caught.value.line, "mapping" in caught.value.reason) == (1, True)


def test_the_product_has_an_instrument_for_each_model() -> None:
    found = load_dir()
    assert set(found) == {
        "nine_plus_scan",
        "service_excellence",
        "culture_values",
        "four_bs",
        "seven_levels",
        "six_laws",
    }
    blocks = found["service_excellence"].dimensions
    assert len(blocks) == 9
    assert {b.category for b in blocks} == {"operation", "strategy", "culture", "innovation"}
    values = found["culture_values"]
    assert (len(values.items), len(values.dimensions)) == (16, 4)
    assert [d.key for d in found["seven_levels"].dimensions] == [
        "mission",
        "identity",
        "values",
        "competencies",
        "skills",
        "behaviour",
        "context",
    ]
    assert len(found["six_laws"].dimensions) == 6
    assert found["nine_plus_scan"].persona is not None


def _agreeing(instrument_key: str, level: int, **overrides: int) -> dict[str, int]:
    instrument = load_dir()[instrument_key]
    scale = instrument.scale
    answers = {i.key: (scale.min + scale.max - level if i.reverse else level) for i in instrument.items}
    return {**answers, **overrides}


def test_the_nine_plus_scan_places_the_organisation_on_its_two_by_two() -> None:
    instrument = load_dir()["nine_plus_scan"]
    hero = score(instrument, [_agreeing("nine_plus_scan", 5)] * 5)
    assert hero.persona == "high_high"
    assert instrument.persona is not None
    assert "Klantheld" in instrument.persona.quadrants["high_high"].nl
    projects = {"continuous_rhythm": 2, "continuous_test": 2, "continuous_project": 5}
    attender = score(instrument, [_agreeing("nine_plus_scan", 5, **projects)] * 5)
    assert attender.persona == "low_high"  # the customer first, improvement through projects
    assert attender.advice == ("continuous",)


def test_the_seven_levels_start_where_people_are_divided_on_values() -> None:
    """Seed 004's telephone example: answering the phone scores fine on average, but half the team says
    yes and half no; with values not shared, training skills comes too early."""
    instrument = load_dir()["seven_levels"]
    yes = _agreeing("seven_levels", 4, values_phone=5, skills_trained=2, skills_recover=2)
    no = _agreeing("seven_levels", 4, values_phone=1, skills_trained=2, skills_recover=2)
    result = score(instrument, [yes, no] * 4)
    assert result.dimension("values").score is not None
    assert result.dimension("values").score >= 60  # fine on average
    assert result.dimension("values").divided
    assert result.dimension("skills").needs_work(60)
    assert result.advice == ("values",)  # the highest level not in order, not the weakest


def test_the_nine_plus_scan_draws_the_organisation_on_its_two_by_two() -> None:
    from nineplus.analytics.charts import svg
    from nineplus.scans.charts import radar, two_by_two

    instrument = load_dir()["nine_plus_scan"]
    result = score(instrument, [_agreeing("nine_plus_scan", 5)] * 5)
    grid = two_by_two(instrument, result, "nl", "Waar we staan")
    assert grid is not None
    drawn = svg(grid.spec, "nl")
    assert all(name in drawn for name in ("Klantheld", "Klantaandachtige", "Klantbespreker", "Klantontzorg"))
    assert [(r["x"], r["y"]) for r in grid.rows] == [(100.0, 100.0)]
    shape = radar(instrument, [("Iedereen", result)], "nl", "Score")
    assert len(shape.rows) == len(instrument.dimensions) + 1  # a closed shape
    assert "De klant op één" in svg(shape.spec, "nl")


def test_a_run_keeps_the_version_it_was_answered_on(tmp_path: Path) -> None:
    from nineplus.scans.instrument import load_versions, newest

    (tmp_path / "levels_v2.yaml").write_text(LEVELS, encoding="utf-8")
    (tmp_path / "levels_v3.yaml").write_text(
        LEVELS.replace("version: 2", "version: 3").replace("Helder.", "Heel helder."), encoding="utf-8"
    )
    every = load_versions(tmp_path)
    assert sorted(every) == [("test_levels", 2), ("test_levels", 3)]
    assert newest(every)["test_levels"].version == 3  # what a new run uses
    assert every[("test_levels", 2)].items[0].text.nl == "Helder."  # what the old run was answered on
    (tmp_path / "copy.yaml").write_text(LEVELS, encoding="utf-8")
    with pytest.raises(InstrumentError, match="in two files"):
        load_versions(tmp_path)


def test_a_statement_answered_by_too_few_gets_no_score() -> None:
    instrument = load_dir()["four_bs"]
    full = {i.key: 4 for i in instrument.items}
    skipped = {k: v for k, v in full.items() if not k.startswith("proof_")}
    result = score(instrument, [full] + [skipped] * 4, minimum=5)
    assert result.dimension("place").score is not None
    proof = result.dimension("proof")
    assert (proof.score, proof.spread, proof.n, proof.divided) == (None, None, 1, False)
    assert all(item.mean is None for item in proof.items)
    assert "proof" not in result.advice
