"""Measuring the text pipeline honestly on the project's labelled sets (``text/labelled/{nl,en}.jsonl``:
verbatims written for the project, each with its polarity, theme and NPS score), frozen before any tuning
(tests hold their checksums). Each set is split once by a hash of the verbatim's id: about 30% is held out
and nothing is tuned on it; the figures reported are the held-out ones.

- Sentiment, macro-F1 over negative / neutral / positive: the majority class; the lexicon alone; the
  lexicon with the learned model, which learns from the training split's verbatims labelled by their
  score only (0-6 against 9-10), as it would from an organisation's own answers. The neutral band of each
  is chosen on the training split.
- Themes: the topic model (``text.themes``: NMF on TF-IDF, started from the seed words) fitted on every
  verbatim's text without labels, its topics mapped to themes by the training split's labels; on the
  held-out split, the share of verbatims given their labelled theme. Also measured with the topics fitted
  on the training split's texts alone: what comments that arrive after the model was learned get.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from nineplus.text import sentiment
from nineplus.text.themes import ThemeModel, seeded
from nineplus.text.tokens import content, lemmas

HELD_OUT = 3  # tenths of each set held out


@dataclass(frozen=True)
class Verbatim:
    id: str
    text: str
    polarity: str
    theme: str
    nps: int
    lemmas: tuple[str, ...]

    @property
    def held_out(self) -> bool:
        return int(hashlib.sha256(self.id.encode()).hexdigest(), 16) % 10 < HELD_OUT


def labelled(lang: str) -> list[Verbatim]:
    folder = resources.files("nineplus.text") / "labelled"
    rows = [json.loads(line) for line in (folder / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()]
    return [
        Verbatim(r["id"], r["text"], r["polarity"], r["theme"], int(r["nps"]), tuple(lemmas(r["text"], lang)))
        for r in rows
        if r
    ]


def split(verbatims: Sequence[Verbatim]) -> tuple[list[Verbatim], list[Verbatim]]:
    return [v for v in verbatims if not v.held_out], [v for v in verbatims if v.held_out]


@dataclass(frozen=True)
class Quality:
    lang: str
    train: int
    held_out: int
    majority_f1: float
    lexicon_f1: float
    combined_f1: float
    theme_recovery: float
    theme_recovery_new: float  # held-out verbatims the topics were not fitted on (comments arriving later)
    neutral_lexicon: float  # the neutral band chosen on the training split
    neutral_combined: float


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(
        f1_score(truth, predicted, labels=list(sentiment.POLARITIES), average="macro", zero_division=0)
    )


def _band(scores: Sequence[float], truth: Sequence[str]) -> float:
    """The neutral band that gives the best macro-F1 on these (training) scores."""
    candidates = [step / 100 for step in range(2, 61, 2)]
    return max(candidates, key=lambda band: macro_f1(truth, [sentiment.polarity(s, band) for s in scores]))


def measure(lang: str) -> Quality:
    train, test = split(labelled(lang))
    lex = sentiment.lexicon(lang)
    truth = [v.polarity for v in test]
    majority = Counter(v.polarity for v in train).most_common(1)[0][0]
    lexical_train = [sentiment.lexicon_score(v.lemmas, lex) for v in train]
    lexical_test = [sentiment.lexicon_score(v.lemmas, lex) for v in test]
    band_lexicon = _band(lexical_train, [v.polarity for v in train])
    scored = [v for v in train if v.nps <= 6 or v.nps >= 9]  # the organisation's own labels: the score
    learned = sentiment.LearnedSentiment([v.lemmas for v in scored], [v.nps >= 9 for v in scored])
    combined_train = _combined(learned, train, lexical_train)
    band_combined = _band(combined_train, [v.polarity for v in train])
    combined_test = _combined(learned, test, lexical_test)
    themes = _theme_recovery(train, test, lang)
    themes_new = _theme_recovery(train, test, lang, fitted_on_test=False)
    return Quality(
        lang,
        len(train),
        len(test),
        macro_f1(truth, [majority] * len(test)),
        macro_f1(truth, [sentiment.polarity(s, band_lexicon) for s in lexical_test]),
        macro_f1(truth, [sentiment.polarity(s, band_combined) for s in combined_test]),
        themes,
        themes_new,
        band_lexicon,
        band_combined,
    )


def _combined(
    learned: sentiment.LearnedSentiment, verbatims: Sequence[Verbatim], lexical: list[float]
) -> list[float]:
    chances = learned.promoter_chance([v.lemmas for v in verbatims])
    return [sentiment.combined(score, p, learned.size) for score, p in zip(lexical, chances, strict=True)]


def _theme_recovery(
    train: Sequence[Verbatim], test: Sequence[Verbatim], lang: str, *, fitted_on_test: bool = True
) -> float:
    """The topics are fitted on every verbatim's text, as the product fits them on all of an
    organisation's comments; only the training split's labels are used, to map topics to themes.
    ``fitted_on_test`` False: fitted on the training split's texts alone, as for comments that arrive
    after the model was learned."""
    fitted = [*train, *test] if fitted_on_test else list(train)
    documents = [content(list(v.lemmas), lang) for v in fitted]
    labels = [v.theme for v in train] + [None] * (len(fitted) - len(train))
    model = ThemeModel(seeded(lang)).fit(documents, labels)
    found = model.assign([content(list(v.lemmas), lang) for v in test])
    return sum(theme == v.theme for theme, v in zip(found, test, strict=True)) / len(test)


def theme_recovery_by_meaning(lang: str) -> float | None:
    """Theme recovery on the held-out split on the embedding path (``text.embeddings``): each verbatim's
    theme the one whose centre in meaning it is closest to, the centres taken from the topic model's
    themes over every verbatim. None where the embedding path cannot run here or its model does not read
    ``lang``."""
    from nineplus.text import embeddings
    from nineplus.text.pipeline import Models, with_meaning

    if not embeddings.available()[0] or lang not in embeddings.languages():
        return None
    train, test = split(labelled(lang))
    everything = [*train, *test]
    documents = [content(list(v.lemmas), lang) for v in everything]
    model = ThemeModel(seeded(lang)).fit(documents, [v.theme for v in train] + [None] * len(test))
    vectors = embeddings.encode([v.text for v in everything])
    models = with_meaning(
        Models({}, {lang: model}), [v.lemmas for v in everything], [lang] * len(everything), vectors, [lang]
    )
    keys, centres = models.meaning[lang]
    topics = model.assign(documents[len(train) :])
    near = embeddings.nearest(vectors[len(train) :], keys, centres)
    found = [by_meaning or topic for by_meaning, topic in zip(near, topics, strict=True)]
    return sum(theme == v.theme for theme, v in zip(found, test, strict=True)) / len(test)
