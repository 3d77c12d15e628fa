"""Key phrases: pairs and triples of words that customers use together far more often than their words'
own frequencies predict (n-gram statistics: Dunning's log-likelihood ratio for a pair, the weaker of its
two pairs for a triple), on lemmas without stop words at either end, so "niets gehoord" and "lang
wachten" come out as phrases and "de offerte" does not.

Pure: the standard library only.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

MINIMUM = 3  # times a phrase must occur
SIGNIFICANT = 10.83  # the log-likelihood ratio for p < 0.001 (chi-square, one degree of freedom)


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    count: int
    score: float  # log-likelihood ratio (the weakest link for a triple)

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _xlogx(value: float) -> float:
    return value * math.log(value) if value > 0 else 0.0


def log_likelihood(both: int, first: int, second: int, total: int) -> float:
    """Dunning's G² for a pair seen ``both`` times, its words ``first`` and ``second`` times, among
    ``total`` pairs."""
    a, b, c = both, first - both, second - both
    d = total - a - b - c
    if min(a, b, c, d) < 0:
        return 0.0
    cells = _xlogx(a) + _xlogx(b) + _xlogx(c) + _xlogx(d)
    rows = _xlogx(a + b) + _xlogx(c + d)
    columns = _xlogx(a + c) + _xlogx(b + d)
    return max(0.0, 2 * (cells - rows - columns + _xlogx(a + b + c + d)))


def key_phrases(
    documents: Sequence[Sequence[str]], stopwords: frozenset[str], top: int = 10, minimum: int = MINIMUM
) -> list[Phrase]:
    """The strongest phrases of two or three words among ``documents`` (each a list of lemmas, in order,
    stop words kept: a phrase may hold one inside, "wachten op offerte", never at an end)."""
    unigrams: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    triples: Counter[tuple[str, str, str]] = Counter()
    for document in documents:
        unigrams.update(document)
        pairs.update(pairwise(document))
        triples.update(zip(document, document[1:], document[2:], strict=False))
    total = max(sum(pairs.values()), 1)

    def strength(pair: tuple[str, str]) -> float:
        return log_likelihood(pairs[pair], unigrams[pair[0]], unigrams[pair[1]], total)

    found = [
        Phrase(pair, count, strength(pair))
        for pair, count in pairs.items()
        if count >= minimum and pair[0] not in stopwords and pair[1] not in stopwords
    ]
    found += [
        Phrase(triple, count, min(strength(triple[:2]), strength(triple[1:])))
        for triple, count in triples.items()
        if count >= minimum and triple[0] not in stopwords and triple[2] not in stopwords
    ]
    strong = [p for p in found if p.score >= SIGNIFICANT]
    strong.sort(key=lambda p: (-p.count * len(p.words), -p.score))
    chosen: list[Phrase] = []
    for phrase in strong:  # a pair inside a chosen triple says nothing new
        if not any(_inside(phrase.words, other.words) for other in chosen):
            chosen.append(phrase)
        if len(chosen) == top:
            break
    return chosen


def _inside(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    return len(short) < len(long) and any(long[i : i + len(short)] == short for i in range(len(long)))
