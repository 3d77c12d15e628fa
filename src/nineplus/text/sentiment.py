"""Sentiment of a verbatim, from -1 (negative) to +1 (positive), in two parts combined:

- **The lexicon** (``text/lexicon/{nl,en}.tsv``, written by the project): each lemma's score from -3 to
  +3, turned by a negation in the three words before it ("niet vriendelijk", "not helpful"), strengthened
  or softened by the word before it ("heel", "slightly"), and weighed after a contrast word more than
  before it ("snel, maar onvriendelijk": the part after "maar" counts most). The sum is squashed to -1..+1
  as VADER does (s / sqrt(s² + 15)).
- **The learned model**: logistic regression on TF-IDF of lemmas and lemma pairs, learned from the
  organisation's own verbatims labelled by their score (0-6 against 9-10), so that its own words
  ("hypotheekofferte", "taxatie") get their weight. It says how likely the verbatim comes from a promoter.

Combined, the learned model's say grows with the verbatims it learned from (half at LEARNED_HALF). A score
below -NEUTRAL reads negative, above +NEUTRAL positive, between them neutral.

Pure: numpy and scikit-learn.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise

from nineplus.text.tokens import given

NEGATION_WINDOW = 3  # words after a negator that it turns
NEGATED = (
    -0.6
)  # a negated word's score is multiplied by this (turned, and softer: "niet slecht" is no praise)
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5
SQUASH = 15.0
LEARNED_HALF = 300  # labelled verbatims at which the learned model has as much say as the lexicon
NEUTRAL = 0.2  # |score| below this reads neutral
POLARITIES = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Lexicon:
    scores: dict[str, int]
    negators: frozenset[str]
    intensifiers: dict[str, float]
    diminishers: dict[str, float]
    contrast: frozenset[str]


@lru_cache(maxsize=4)
def lexicon(lang: str) -> Lexicon:
    """The project's lexicon for ``lang`` (nl or en), read once."""
    folder = resources.files("nineplus.text") / "lexicon"
    with (folder / f"{lang}.tsv").open(encoding="utf-8") as handle:
        scores = {row["lemma"]: int(row["score"]) for row in csv.DictReader(handle, delimiter="\t")}
    modifiers = json.loads((folder / "modifiers.json").read_text(encoding="utf-8"))[lang]
    return Lexicon(
        scores,
        frozenset(modifiers["negators"]),
        {k: float(v) for k, v in modifiers["intensifiers"].items()},
        {k: float(v) for k, v in modifiers["diminishers"].items()},
        frozenset(modifiers["contrast"]),
    )


def lexicon_score(lemmas: Sequence[str], lex: Lexicon) -> float:
    """The lexicon's sentiment of a verbatim's lemmas (in order, stop words kept), -1..+1."""
    clauses: list[float] = [0.0]
    negated_until = -1
    boost = 1.0
    for index, word in enumerate(lemmas):
        if word in lex.contrast:
            clauses.append(0.0)
            negated_until, boost = -1, 1.0
            continue
        if word in lex.negators or word.endswith(("n't", "n’t")):
            negated_until = index + NEGATION_WINDOW
            continue
        if word in lex.intensifiers:
            boost = lex.intensifiers[word]
            continue
        if word in lex.diminishers:
            boost = lex.diminishers[word]
            continue
        score = lex.scores.get(word)
        if score is not None:
            value = score * boost
            if index <= negated_until:
                value *= NEGATED
            clauses[-1] += value
        boost = 1.0
    total = sum(
        value * (AFTER_CONTRAST if index > 0 else BEFORE_CONTRAST if len(clauses) > 1 else 1.0)
        for index, value in enumerate(clauses)
    )
    return total / math.sqrt(total * total + SQUASH)


class LearnedSentiment:
    """Logistic regression on TF-IDF of lemmas and lemma pairs, learned from score-labelled verbatims."""

    def __init__(self, documents: Sequence[Sequence[str]], promoter: Sequence[bool]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.size = len(documents)
        self.vectoriser = TfidfVectorizer(analyzer=given, min_df=2, sublinear_tf=True)  # (pairs added)
        features = self.vectoriser.fit_transform([_with_pairs(d) for d in documents])
        self.model = LogisticRegression(C=4.0, max_iter=1000, class_weight="balanced")
        self.model.fit(features, list(promoter))

    def promoter_chance(self, documents: Sequence[Sequence[str]]) -> list[float]:
        features = self.vectoriser.transform([_with_pairs(d) for d in documents])
        return [float(p) for p in self.model.predict_proba(features)[:, 1]]


def _with_pairs(lemmas: Sequence[str]) -> list[str]:
    return [*lemmas, *(f"{a} {b}" for a, b in pairwise(lemmas))]


def combined(lexical: float, chance: float | None, learned_from: int) -> float:
    """The verbatim's sentiment: the lexicon's, and the learned model's (2p - 1) with a say that grows with
    the verbatims it learned from."""
    if chance is None:
        return lexical
    weight = learned_from / (learned_from + LEARNED_HALF)
    return (1 - weight) * lexical + weight * (2 * chance - 1)


def polarity(score: float, neutral: float = NEUTRAL) -> str:
    return "negative" if score < -neutral else "positive" if score > neutral else "neutral"
