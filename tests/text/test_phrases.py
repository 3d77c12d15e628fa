"""Key phrases: words used together far more than their own frequencies predict, never a stop word at an
end, and a pair inside a chosen triple not repeated."""

from __future__ import annotations

import random

from nineplus.text.phrases import key_phrases, log_likelihood
from nineplus.text.tokens import STOPWORDS, lemmas


def test_planted_phrases_are_found_and_chance_pairs_are_not() -> None:
    rng = random.Random(4)
    filler = ["bank", "adviseur", "rente", "huis", "maand", "vraag", "fijn", "snel", "klant", "brief"]
    documents = []
    for _ in range(200):
        words = rng.sample(filler, 5)
        if rng.random() < 0.3:
            words[2:2] = ["niets", "gehoord"]
        if rng.random() < 0.2:
            words[1:1] = ["wachten", "op", "offerte"]
        documents.append(lemmas(" ".join(words), "nl"))
    found = [p.text for p in key_phrases(documents, STOPWORDS["nl"])]
    assert found[:2] == ["wacht op offerte", "niets horen"]  # (lemmas: the lemmatiser says "wacht")
    assert "op offerte" not in found  # inside the triple
    assert all(not p.startswith("op ") for p in found)


def test_the_log_likelihood_of_a_pair() -> None:
    assert log_likelihood(0, 10, 10, 1000) < 1  # never together: no phrase
    assert log_likelihood(10, 10, 10, 1000) > 50  # always together
    assert log_likelihood(1, 100, 100, 10000) < 3.84  # as often as chance
