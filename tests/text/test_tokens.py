"""Lemmas and the language of a verbatim, offline."""

from __future__ import annotations

from nineplus.text.tokens import content, language, lemmas, normalise


def test_word_forms_become_one_lemma_per_language() -> None:
    assert lemmas("De adviseurs belden NIET terug", "nl") == ["de", "adviseur", "bellen", "niet", "terug"]
    assert content(lemmas("The documents were lost", "en"), "en") == ["document", "lose"]


def test_normalising_folds_case_width_and_spaces() -> None:
    assert normalise("ＡＰＰ  werkt\tniet") == "app werkt niet"


def test_the_language_of_a_verbatim_and_the_hint_for_short_ones() -> None:
    assert language("Snel geholpen en heel vriendelijk te woord gestaan", "en") == "nl"
    assert language("Quick help and a very friendly adviser on the phone", "nl") == "en"
    assert language("Top!", "en") == "en"  # too short to tell: the survey's language
    assert language("Top!", "nl") == "nl"
