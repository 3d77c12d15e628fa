"""One verbatim through the text pipeline: its language (the survey's language where the text is too short
to tell), its lemmas, the text with personal data masked, its sentiment from -1 to +1 with its polarity,
and its theme. The models an organisation learned from its own verbatims (the learned sentiment and the
themes) are passed in; without them the lexicon and the seed words decide.

Pure: the ``text`` modules only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nineplus.text import sentiment
from nineplus.text.masking import mask
from nineplus.text.themes import ThemeModel, seeded
from nineplus.text.tokens import content, language, lemmas


@dataclass(frozen=True)
class Analysis:
    language: str
    lemmas: tuple[str, ...]
    masked: str
    masked_kinds: tuple[str, ...]  # what was masked (email, phone, iban, postcode, name)
    sentiment: float
    polarity: str
    theme: str | None


@dataclass
class Models:
    """What an organisation learned, per language (absent: the lexicon and the seed words alone)."""

    learned: Mapping[str, sentiment.LearnedSentiment]
    themes: Mapping[str, ThemeModel]
    # The embedding path: per language, the themes and their centres in meaning (``text.embeddings``).
    meaning: Mapping[str, tuple[tuple[str, ...], Any]] = field(default_factory=dict)


NO_MODELS = Models({}, {})
PLACEHOLDER = re.compile(r"\[[^\]\s]{1,12}\]")  # what masking put in ("[naam]", "[phone]")


def analyse_many(
    texts: Sequence[str],
    hints: Sequence[str | None] | None = None,
    *,
    models: Models = NO_MODELS,
    names: Iterable[str] = (),
    vectors: Any = None,
) -> list[Analysis]:
    """Analyse verbatims together (the models score them as one batch per language). ``hints``: the
    language each respondent answered the survey in; ``names``: names to mask wherever they occur;
    ``vectors``: the texts' embeddings, on the embedding path (each theme then the closest in meaning)."""
    known = tuple(names)
    langs = [language(text, hint) for text, hint in zip(texts, hints or [None] * len(texts), strict=True)]
    # Masked before anything is counted: no name or address reaches the lemmas, phrases or search.
    masks = [mask(text, lang, known) for text, lang in zip(texts, langs, strict=True)]
    words = [lemmas(PLACEHOLDER.sub(" ", m.text), lang) for m, lang in zip(masks, langs, strict=True)]
    scores = [
        sentiment.lexicon_score(w, sentiment.lexicon(lang)) for w, lang in zip(words, langs, strict=True)
    ]
    themes: list[str | None] = [None] * len(texts)
    for lang in set(langs):
        at = [i for i, found in enumerate(langs) if found == lang]
        learned = models.learned.get(lang)
        if learned is not None:
            chances = learned.promoter_chance([words[i] for i in at])
            for i, chance in zip(at, chances, strict=True):
                scores[i] = sentiment.combined(scores[i], chance, learned.size)
        model = models.themes.get(lang) or ThemeModel(seeded(lang))
        said = [content(words[i], lang) for i in at]
        for i, theme in zip(at, model.assign(said), strict=True):
            themes[i] = theme
        if vectors is not None and lang in models.meaning:
            from nineplus.text.embeddings import nearest

            keys, centres = models.meaning[lang]
            meant = [i for i, words_of in zip(at, said, strict=True) if words_of]  # "-" or "n/a" mean nothing
            for i, theme in zip(meant, nearest(vectors[meant], keys, centres), strict=True):
                themes[i] = theme or themes[i]
    found = []
    for index in range(len(texts)):
        masked = masks[index]
        found.append(
            Analysis(
                langs[index],
                tuple(words[index]),
                masked.text,
                tuple(sorted(masked.found.elements())),
                round(scores[index], 4),
                sentiment.polarity(scores[index]),
                themes[index],
            )
        )
    return found


def learn(
    texts: Sequence[Sequence[str]], langs: Sequence[str], scores: Sequence[int | None], minimum: int = 50
) -> Models:
    """What an organisation's own verbatims teach, per language: the learned sentiment from those with a
    score of 0-6 or 9-10 (at least ``minimum`` of them, from both groups), and the themes' topics, fitted
    on every verbatim, scored or not. ``texts``: each verbatim's lemmas."""
    learned: dict[str, sentiment.LearnedSentiment] = {}
    themes: dict[str, ThemeModel] = {}
    for lang in set(langs):
        at = [i for i, found in enumerate(langs) if found == lang]
        given = [(i, scores[i]) for i in at if scores[i] is not None]
        labelled = [(texts[i], score >= 9) for i, score in given if not 7 <= score <= 8]
        groups = {promoter for _, promoter in labelled}
        if len(labelled) >= minimum and groups == {True, False}:
            learned[lang] = sentiment.LearnedSentiment([t for t, _ in labelled], [p for _, p in labelled])
        themes[lang] = ThemeModel(seeded(lang)).fit([content(list(texts[i]), lang) for i in at])
    return Models(learned, themes)


def with_meaning(
    models: Models, texts: Sequence[Sequence[str]], langs: Sequence[str], vectors: Any, read: Iterable[str]
) -> Models:
    """The embedding path's theme centres, per language, from the comments the models learned from
    (``texts``: their lemmas; ``vectors``: their embeddings), each under the theme its topics give it;
    ``read``: the languages the embedding model reads."""
    from nineplus.text.embeddings import centres

    meaning = {}
    for lang, model in models.themes.items():
        at = [i for i, found in enumerate(langs) if found == lang]
        if lang not in set(read):
            continue
        if at:
            meaning[lang] = centres(vectors[at], model.assign([content(list(texts[i]), lang) for i in at]))
    return Models(models.learned, models.themes, meaning)
