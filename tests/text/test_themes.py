"""Themes anchored by seed words: without labels a verbatim goes to the theme its words name, compounds
count for their parts, and the model learns the words that go with a theme's seeds."""

from __future__ import annotations

from nineplus.text.themes import ThemeModel, seeded
from nineplus.text.tokens import content, lemmas


def docs(texts: list[str], lang: str) -> list[list[str]]:
    return [content(lemmas(t, lang), lang) for t in texts]


def test_without_labels_the_seed_words_decide_and_compounds_count_for_their_parts() -> None:
    model = ThemeModel(seeded("nl")).fit(
        docs(["Ik moest weken wachten", "De medewerker was vriendelijk", "De app crasht steeds"], "nl")
    )
    found = model.assign(
        docs(
            ["Drie weken gewacht op antwoord", "Klantenservicemedewerker was top", "Vandaag gaat het goed"],
            "nl",
        )
    )
    assert found[:2] == ["wait", "staff"]


def test_the_model_learns_words_that_go_with_a_theme_s_seeds() -> None:
    # "taxatierapport" is no seed; it comes with paperwork's seeds in the verbatims it learns from.
    texts = ["formulier en taxatierapport kwijt", "het formulier invullen en het taxatierapport uploaden"] * 5
    texts += ["weken wachten op de offerte", "de app loopt vast bij het inloggen"] * 5
    model = ThemeModel(seeded("nl")).fit(docs(texts, "nl"))
    assert model.assign(docs(["waar blijft mijn taxatierapport"], "nl")) == ["paperwork"]


def test_a_verbatim_without_a_known_word_gets_no_theme() -> None:
    model = ThemeModel(seeded("en")).fit(docs(["the app crashed", "waited three weeks"] * 3, "en"))
    assert model.assign(docs(["zebra giraffe"], "en")) == [None]
