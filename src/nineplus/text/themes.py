"""Themes in verbatims: named themes (waiting, being kept informed, the employee, ...), each anchored by
seed words per language (``text/lexicon/themes.json``, written by the project, editable per
organisation), and a model on TF-IDF of the content lemmas that learns which other words go with each
theme.

Why anchored: an unsupervised topic model (NMF on TF-IDF) found the labelled themes in only 20-34% of the
project's short verbatims (five-fold cross-validation on the training split of the labelled sets, 8 to 48
topics), far too few to name what customers talk about. Seed words alone found about 60%. A complement
naive Bayes model on TF-IDF plus the seed counts, learned from labelled verbatims, found 71-75%. Without
labels it learns from the verbatims the seed words assign unambiguously, and grows from there.

Dutch compounds count for their parts: "klantenservicemedewerker" also counts as "medewerker".

Pure: scikit-learn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from nineplus.text.tokens import given, lemma

PART = 4  # letters a seed word needs before it counts inside a longer word


@dataclass(frozen=True)
class Theme:
    key: str
    name: dict[str, str]  # language -> name
    seeds: frozenset[str]  # lemmas, in one language


@lru_cache(maxsize=4)
def seeded(lang: str) -> tuple[Theme, ...]:
    """The project's themes with their seed words in ``lang``, lemmatised."""
    data = json.loads(
        (resources.files("nineplus.text") / "lexicon" / "themes.json").read_text(encoding="utf-8")
    )
    return tuple(Theme(key, spec["name"], _forms(spec["seeds"][lang], lang)) for key, spec in data.items())


def _forms(words: Sequence[str], lang: str) -> frozenset[str]:
    """Each seed word as written and as lemmatised once and twice: the lemmatiser does not always give a
    lemma back for a lemma ("wachten" -> "wacht", "gewacht" -> "wachten")."""
    found = set()
    for word in words:
        once = lemma(word.lower(), lang)
        found |= {word.lower(), once, lemma(once, lang)}
    return frozenset(found)


class ThemeModel:
    """Assigns each verbatim (its content lemmas) one theme."""

    def __init__(self, themes: Sequence[Theme]) -> None:
        self.themes = list(themes)
        self.keys = [t.key for t in self.themes]
        self.vectoriser: Any = None
        self.model: Any = None
        self._seeds = frozenset(seed for t in self.themes for seed in t.seeds if len(seed) >= PART)
        self._part_cache: dict[str, tuple[str, ...]] = {}

    def features(self, documents: Sequence[Sequence[str]]) -> Any:
        from scipy.sparse import csr_matrix, hstack

        expanded = [self.expand(d) for d in documents]
        counts = csr_matrix(
            [[sum(w in t.seeds for w in d) for t in self.themes] for d in expanded], dtype=float
        )
        return hstack([self.vectoriser.transform(expanded), counts]).tocsr()

    def expand(self, document: Sequence[str]) -> list[str]:
        """The document's lemmas, with the seed words found inside longer words added."""
        found = list(document)
        for word in document:
            found.extend(self._parts(word))
        return found

    def _parts(self, word: str) -> tuple[str, ...]:
        """The seed words a longer word starts or ends with (kept per word: a lookup, not a text's)."""
        parts = self._part_cache.get(word)
        if parts is None:
            if len(self._part_cache) > 100_000:
                self._part_cache.clear()
            found = []
            for cut in range(PART, len(word) - 2):
                if word[:cut] in self._seeds:
                    found.append(word[:cut])
                if word[-cut:] in self._seeds:
                    found.append(word[-cut:])
            parts = self._part_cache[word] = tuple(found)
        return parts

    def seed_scores(self, document: Sequence[str]) -> list[int]:
        expanded = self.expand(document)
        return [sum(w in t.seeds for w in expanded) for t in self.themes]

    def fit(
        self, documents: Sequence[Sequence[str]], labels: Sequence[str | None] | None = None
    ) -> ThemeModel:
        """Learn from labelled verbatims, or (``labels`` None) from those the seed words assign
        unambiguously."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.naive_bayes import ComplementNB

        if labels is None:
            labels = [self._by_seeds(d) for d in documents]
        chosen = [(d, label) for d, label in zip(documents, labels, strict=True) if label is not None]
        if len({label for _, label in chosen}) < 2:
            return self  # nothing to learn from: the seed words decide
        self.vectoriser = TfidfVectorizer(analyzer=given, sublinear_tf=True)
        self.vectoriser.fit([self.expand(d) for d, _ in chosen])
        self.model = ComplementNB(alpha=1.0)
        self.model.fit(self.features([d for d, _ in chosen]), [label for _, label in chosen])
        return self

    def _by_seeds(self, document: Sequence[str]) -> str | None:
        scores = self.seed_scores(document)
        best = max(scores)
        return self.keys[scores.index(best)] if best > 0 and scores.count(best) == 1 else None

    def assign(self, documents: Sequence[Sequence[str]]) -> list[str | None]:
        """Each verbatim's theme; None for one without a word the model knows."""
        if self.model is None:
            return [self._by_seeds(d) for d in documents]
        features = self.features(documents)
        known = np.asarray(features.sum(axis=1)).ravel() > 0
        predicted = self.model.predict(features)
        return [str(p) if k else None for p, k in zip(predicted, known, strict=True)]
