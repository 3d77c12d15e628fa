"""Themes in verbatims: named themes (waiting, being kept informed, the employee, ...), each anchored by
seed words per language (``text/lexicon/themes.json``, written by the project, editable per
organisation), found by a topic model on TF-IDF of the content lemmas.

The topic model is non-negative matrix factorisation (NMF, Kullback-Leibler loss) with one topic per
theme, started from the theme's seed words: a topic begins as its seed words and learns from the
organisation's verbatims which other words go with them. It needs no labels. Where labelled verbatims
exist (the quality check's training split), each topic is mapped to the label most of its verbatims
carry; otherwise a topic stands for the theme it was started from.

Why seeded: left to itself, NMF on TF-IDF found the labelled themes in only 20-34% of the project's
short verbatims (five-fold cross-validation on the training split of the labelled sets, 8 to 48 topics):
short comments share too few words for topics to form on their own. Extra free topics next to the
seeded ones lowered recovery in the same cross-validation (0.65 -> 0.51-0.64 in Dutch), so there are
none; recurring subjects outside the themes are found by the candidate-moment rule (``text.views``).
The seed words' weight (SEED_WEIGHT) was chosen by that cross-validation, never on the held-out split.

Dutch compounds count for their head, the part they end with: "klantenservicemedewerker" also counts as
"medewerker", "wachttijd" as "tijd". Not their first part ("wachtwoord" is no waiting), and not a head that
mostly ends other words (HEADS_NOT: "opsturen" holds no "uren"). English writes its compounds apart.

Pure: scikit-learn.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from nineplus.text.tokens import forms, given

PART = 4  # letters a seed word needs before it counts as a compound's head
SEED_WEIGHT = 0.5  # a seed word's count beside TF-IDF (chosen by cross-validation on the training split)
MINIMUM = 20  # verbatims a language needs before its topics are fitted; below it the seed words decide
COMPOUNDING = frozenset({"nl"})  # languages that write compounds as one word
# Seed words that end more ordinary words than compounds about the theme ("opsturen", "behoren", "verlaten").
HEADS_NOT = frozenset({"uren", "duren", "horen", "laten", "weten", "lang", "lange", "duur", "waar", "voor"})
TRANSFORM_STEPS = 10
ANCHOR = 0.5  # share of a topic's strongest word its seed words' column keeps, or it drifted
FLOOR = 1e-3  # NMF's multiplicative updates cannot move a value away from zero


@dataclass(frozen=True)
class Theme:
    key: str
    name: dict[str, str]  # language -> name
    seeds: frozenset[str]  # lemmas, in one language
    lang: str


@lru_cache(maxsize=4)
def seeded(lang: str) -> tuple[Theme, ...]:
    """The project's themes with their seed words in ``lang``, lemmatised."""
    data = json.loads(
        (resources.files("nineplus.text") / "lexicon" / "themes.json").read_text(encoding="utf-8")
    )
    return tuple(
        Theme(key, spec["name"], _forms(spec["seeds"][lang], lang), lang) for key, spec in data.items()
    )


def _forms(words: Sequence[str], lang: str) -> frozenset[str]:
    """Each seed word in the forms its lemmas take (``tokens.forms``)."""
    return frozenset(form for word in words for form in forms(word, (lang,)))


class ThemeModel:
    """A topic model on TF-IDF, one topic per theme, that assigns each verbatim (its content lemmas) the
    theme of its strongest topic."""

    def __init__(self, themes: Sequence[Theme]) -> None:
        self.themes = list(themes)
        self.keys = [t.key for t in self.themes]
        self.labels: list[str | None] = list(self.keys)  # per topic, the theme it stands for
        self.vectoriser: Any = None
        self.nmf: Any = None
        self._heads = frozenset(
            seed
            for t in self.themes
            if t.lang in COMPOUNDING
            for seed in t.seeds
            if len(seed) >= PART and seed not in HEADS_NOT
        )
        self._head_cache: dict[str, str] = {}
        self._theme_of: dict[str, list[int]] = {}  # seed word -> the topics it starts
        for topic, theme in enumerate(self.themes):
            for seed in theme.seeds:
                self._theme_of.setdefault(seed, []).append(topic)

    def features(self, documents: Sequence[Sequence[str]]) -> Any:
        """TF-IDF of the lemmas (with the seed words inside longer words), and per theme the count of its
        seed words."""
        from scipy.sparse import coo_matrix, hstack

        expanded = [self.expand(d) for d in documents]
        rows, columns = [], []
        for row, document in enumerate(expanded):
            for word in document:
                for topic in self._theme_of.get(word, ()):
                    rows.append(row)
                    columns.append(topic)
        counts = coo_matrix(
            ([SEED_WEIGHT] * len(rows), (rows, columns)), shape=(len(expanded), len(self.themes))
        )
        return hstack([self.vectoriser.transform(expanded), counts]).tocsr()

    def expand(self, document: Sequence[str]) -> list[str]:
        """The document's lemmas, with the seed word a compound ends with added."""
        if not self._heads:
            return list(document)
        found = list(document)
        for word in document:
            head = self._head(word)
            if head:
                found.append(head)
        return found

    def _head(self, word: str) -> str:
        """The longest seed word a compound ends with, after at least three letters ("" for none); kept
        per word: a lookup, not a text's."""
        head = self._head_cache.get(word)
        if head is None:
            if len(self._head_cache) > 100_000:
                self._head_cache.clear()
            head = next(
                (word[cut:] for cut in range(3, len(word) - PART + 1) if word[cut:] in self._heads), ""
            )
            self._head_cache[word] = head
        return head

    def seed_scores(self, document: Sequence[str]) -> list[int]:
        expanded = self.expand(document)
        return [sum(w in t.seeds for w in expanded) for t in self.themes]

    def fit(
        self, documents: Sequence[Sequence[str]], labels: Sequence[str | None] | None = None
    ) -> ThemeModel:
        """Fit the topics on ``documents`` (no labels needed). ``labels`` (None where unknown): map each
        topic to the label most of its labelled verbatims carry."""
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfVectorizer

        expanded = [self.expand(d) for d in documents]
        if sum(1 for d in expanded if d) < MINIMUM:
            return self  # too few to learn from: the seed words decide
        vectoriser = TfidfVectorizer(analyzer=given, sublinear_tf=True)
        vectoriser.fit(expanded)
        self.vectoriser = vectoriser
        matrix = self.features(documents)
        start = self._start(matrix)
        if not start.any():  # no seed word in any of them: nothing to start a topic from
            self.vectoriser = None
            return self
        nmf = NMF(
            len(self.themes),
            init="custom",
            beta_loss="kullback-leibler",
            solver="mu",
            max_iter=500,
            random_state=0,
        )
        weights = nmf.fit_transform(matrix, W=np.maximum(matrix @ start.T, FLOOR), H=start)
        self.nmf = nmf
        if labels is not None:
            said = weights.max(axis=1) > 0  # a verbatim without a known word votes for no topic
            self._map(np.where(said, weights.argmax(axis=1), -1), labels)
        self._drop_drifted()
        return self

    def _drop_drifted(self) -> None:
        """A topic whose seed words hardly occur can be taken over by another subject that many comments
        share (in the demo, "digital" by appointments and offers by post). A topic whose seed-count
        column is no longer near the top of its words (below ANCHOR of its strongest) stands for no
        theme: its comments get the theme their seed words name, if any, rather than one that would
        misname them."""
        topics = self.nmf.components_
        seeds = topics[:, len(self.vectoriser.vocabulary_) :]
        for topic in range(len(self.themes)):
            if seeds[topic, topic] < ANCHOR * topics[topic].max():
                self.labels[topic] = None

    def _start(self, matrix: Any) -> Any:
        """Each topic's starting words: its seed words and its seed-count column, a floor elsewhere. A
        topic none of whose seed words occur starts (and, under multiplicative updates, stays) at zero:
        with nothing to anchor it, it would only take words from the others."""
        vocabulary = self.vectoriser.vocabulary_
        present = np.asarray(matrix[:, len(vocabulary) :].sum(axis=0)).ravel() > 0
        start = np.full((len(self.themes), matrix.shape[1]), FLOOR)
        for topic, theme in enumerate(self.themes):
            if not present[topic]:
                start[topic] = 0.0
                continue
            for seed in theme.seeds:
                if seed in vocabulary:
                    start[topic, vocabulary[seed]] = 1.0
            start[topic, len(vocabulary) + topic] = 3.0
        return start

    def _map(self, strongest: Any, labels: Sequence[str | None]) -> None:
        for topic in range(len(self.themes)):
            found = Counter(
                label
                for label, top in zip(labels, strongest, strict=True)
                if label is not None and top == topic
            )
            if found:
                self.labels[topic] = found.most_common(1)[0][0]

    def _by_seeds(self, document: Sequence[str]) -> str | None:
        scores = self.seed_scores(document)
        best = max(scores)
        return self.keys[scores.index(best)] if best > 0 and scores.count(best) == 1 else None

    def assign(self, documents: Sequence[Sequence[str]]) -> list[str | None]:
        """Each verbatim's theme; None for one without a word the model knows, or whose strongest topic
        drifted and that names no theme by its seed words."""
        if self.nmf is None:
            return [self._by_seeds(d) for d in documents]
        if not documents:
            return []
        matrix = self.features(documents)
        known = np.flatnonzero(np.diff(matrix.indptr) > 0)
        found: list[str | None] = [None] * len(documents)
        if len(known):
            weights = self._weights(matrix[known])
            strongest = weights.argmax(axis=1)
            for index, topic, weight in zip(known, strongest, weights.max(axis=1), strict=True):
                # No weight on any topic (only seed words of a theme absent when fitting): the seeds decide.
                chosen = self.labels[topic] if weight > 0 else None
                found[index] = chosen or self._by_seeds(documents[index])
        return found

    def _weights(self, matrix: Any) -> Any:
        """Each verbatim's topic weights with the topics held fixed: TRANSFORM_STEPS multiplicative
        Kullback-Leibler updates from the verbatim's overlap with each topic. (scikit-learn's ``transform``
        runs to convergence, about 90 steps, and was a third of the pipeline's time; ten steps agree with it
        on 99.9% of the bench's verbatims.)"""
        topics = self.nmf.components_
        words = topics.T.copy()
        totals = topics.sum(axis=1)
        totals[totals == 0] = 1.0
        weights = np.maximum(np.asarray(matrix @ words), FLOOR)
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        ratio = matrix.copy()
        for _ in range(TRANSFORM_STEPS):
            approx = np.einsum("ij,ij->i", weights[rows], words[matrix.indices])
            ratio.data = matrix.data / np.maximum(approx, 1e-12)
            weights *= np.asarray(ratio @ words) / totals
        return weights
