"""Themes as a topic model on TF-IDF started from seed words: with few verbatims the seed words decide and
compounds count for their parts; fitted, a topic learns the words that go with its seeds, needs no labels,
and is mapped to the label most of its labelled verbatims carry."""

from __future__ import annotations

from nineplus.text.themes import MINIMUM, ThemeModel, seeded
from nineplus.text.tokens import content, lemmas


def docs(texts: list[str], lang: str) -> list[list[str]]:
    return [content(lemmas(t, lang), lang) for t in texts]


def test_with_few_verbatims_the_seed_words_decide_and_compounds_count_for_their_parts() -> None:
    model = ThemeModel(seeded("nl")).fit(
        docs(["Ik moest weken wachten", "De medewerker was vriendelijk"], "nl")
    )
    assert model.nmf is None
    found = model.assign(
        docs(["Drie weken gewacht op antwoord", "Baliemedewerker was top", "Vandaag gaat het goed"], "nl")
    )
    assert found == ["wait", "staff", None]


TEXTS = [
    "formulier en taxatierapport opgestuurd",
    "het formulier invullen en het taxatierapport uploaden",
] * 5
TEXTS += ["weken wachten op de offerte", "de app loopt vast bij het inloggen"] * 5
ONE_EACH = [TEXTS[0], TEXTS[1], TEXTS[10], TEXTS[11]]


def test_a_topic_learns_the_words_that_go_with_its_seeds() -> None:
    # "taxatierapport" is no seed; it comes with paperwork's seeds in the verbatims the topics are fitted on.
    assert len(TEXTS) >= MINIMUM
    model = ThemeModel(seeded("nl")).fit(docs(TEXTS, "nl"))
    assert model.nmf is not None
    assert ThemeModel(seeded("nl")).assign(docs(["het taxatierapport"], "nl")) == [None]
    assert model.assign(docs(["het taxatierapport"], "nl")) == ["paperwork"]
    assert model.assign(docs(ONE_EACH, "nl")) == ["paperwork", "paperwork", "wait", "digital"]


def test_labels_map_each_topic_to_the_theme_its_verbatims_carry() -> None:
    # Labelled as "errors" here: the paperwork topic now stands for errors; the others keep their own.
    labels = ["errors" if "formulier" in t else None for t in TEXTS]
    model = ThemeModel(seeded("nl")).fit(docs(TEXTS, "nl"), labels)
    assert model.assign(docs(ONE_EACH, "nl")) == ["errors", "errors", "wait", "digital"]


def test_a_compound_counts_for_its_head_not_its_first_part_nor_a_head_that_ends_ordinary_words() -> None:
    model = ThemeModel(seeded("nl"))
    assert model.expand(["klantenservicemedewerker"]) == ["klantenservicemedewerker", "medewerker"]
    assert model.expand(["doorlooptijd"]) == ["doorlooptijd", "tijd"]
    assert model.expand(["wachtwoord"]) == ["wachtwoord"]  # no waiting
    assert model.expand(["opsturen"]) == ["opsturen"]  # no hours
    assert ThemeModel(seeded("en")).expand(["online"]) == ["online"]  # English writes compounds apart


def test_a_topic_taken_over_by_another_subject_names_no_theme() -> None:
    # Price's seed words occur once; many comments share another subject, which takes its topic over.
    texts = ["het formulier invullen en uploaden"] * 10 + ["weken wachten op de offerte"] * 10
    texts += ["de notaris en de sleutels, een feest"] * 12 + ["de prijs viel mee"]
    model = ThemeModel(seeded("nl")).fit(docs(texts, "nl"))
    assert model.labels[model.keys.index("price")] is None
    assert model.labels[model.keys.index("wait")] == "wait"
    found = model.assign(
        docs(["de notaris en de sleutels, een feest", "de prijs viel mee", "formulier"], "nl")
    )
    assert found == [None, "price", "paperwork"]  # the seed words still name a theme


def test_a_verbatim_without_a_known_word_gets_no_theme() -> None:
    model = ThemeModel(seeded("en")).fit(docs(["the app crashed", "waited three weeks"] * 10, "en"))
    assert model.nmf is not None
    assert model.assign(docs(["zebra giraffe"], "en")) == [None]
    assert model.assign([]) == []


def test_a_verbatim_with_only_seed_words_absent_when_fitting_gets_their_theme() -> None:
    model = ThemeModel(seeded("nl")).fit(docs(["de medewerker was aardig", "de prijs was hoog"] * 12, "nl"))
    assert model.nmf is not None
    # "bericht" (inform) and "correctie" (errors) were in none of the fitted verbatims: all weights zero.
    assert model.assign([["bericht", "gemist"], ["correctie", "nodig"]]) == ["inform", "errors"]


def test_without_a_seed_word_in_any_verbatim_no_topic_is_fitted() -> None:
    model = ThemeModel(seeded("nl")).fit(docs(["Prima", "Top", "Goed zo", "Niets", "Nee"] * 5, "nl"))
    assert model.nmf is None
    assert model.assign(docs(["lang gewacht", "Prima"], "nl")) == ["wait", None]
