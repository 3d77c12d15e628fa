"""The log-odds with an informative Dirichlet prior finds the words planted on each side, and not the
words both groups use alike."""

from __future__ import annotations

import random

from nineplus.text.driver_words import leaning, separating_words

COMMON = ["bank", "hypotheek", "adviseur", "gesprek", "afspraak", "rente", "huis", "maand", "vraag", "mail"]


def documents(rng: random.Random, planted: dict[str, float], n: int) -> list[list[str]]:
    """``n`` verbatims of common words; each planted word appears with its probability."""
    found = []
    for _ in range(n):
        words = rng.choices(COMMON, k=rng.randint(4, 12))
        words += [word for word, chance in planted.items() if rng.random() < chance]
        found.append(words)
    return found


def test_the_planted_words_separate_the_groups_and_the_common_ones_do_not() -> None:
    hits = 0
    for seed in range(20):
        rng = random.Random(seed)
        detractors = documents(rng, {"wachten": 0.35, "kwijt": 0.2, "vriendelijk": 0.05}, 150)
        promoters = documents(rng, {"wachten": 0.05, "kwijt": 0.02, "vriendelijk": 0.4}, 250)
        found = separating_words(detractors, promoters)
        against = {w.word for w in leaning(found, "detractors", 2)}
        towards = [w.word for w in leaning(found, "promoters", 1)]
        common = [w for w in found if w.word in COMMON and abs(w.z) >= 1.96]
        hits += against == {"wachten", "kwijt"} and towards == ["vriendelijk"] and len(common) <= 1
    assert hits >= 19  # the common words: about one false lean in two samples at z 1.96, never more


def test_a_rare_word_is_not_a_finding_and_empty_groups_give_nothing() -> None:
    detractors = [["schandalig", "bank"], ["bank", "rente"]] * 10
    promoters = [["bank", "rente"]] * 20
    found = {w.word: w for w in separating_words(detractors + [["eenmalig"]] * 2, promoters)}
    assert abs(found["eenmalig"].z) < 1.96 if "eenmalig" in found else True
    assert found["schandalig"].z > 1.96
    assert separating_words([], promoters) == []
