"""The story behind the score, for a page: of a set of verbatims (a moment's, a team's, a journey's) the
themes with their counts and mean sentiment, the words that separate detractors from promoters with
quotes that use them, the sentiment per month, and (for a journey) the recurring subjects that match no
moment on the map: candidate moments of truth.

Pure: the ``text`` modules and scikit-learn.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from nineplus.text.driver_words import DriverWord, leaning, separating_words
from nineplus.text.phrases import Phrase, key_phrases
from nineplus.text.pipeline import PLACEHOLDER
from nineplus.text.repository import Said
from nineplus.text.sentiment import lexicon
from nineplus.text.themes import seeded
from nineplus.text.tokens import STOPWORDS, worded

QUOTES = 2  # per driver word or candidate
MIN_WORDS = 3  # a driver word said at least this often


@dataclass(frozen=True)
class ThemeLine:
    key: str
    name: dict[str, str]
    count: int
    share: float
    sentiment: float  # mean, -1..+1


@dataclass(frozen=True)
class Driver:
    word: DriverWord
    quotes: list[str]


@dataclass(frozen=True)
class MonthSentiment:
    month: date
    n: int
    mean: float
    negative: float  # share


@dataclass(frozen=True)
class Story:
    verbatims: int
    themes: list[ThemeLine]
    against: list[Driver]  # words detractors use more
    towards: list[Driver]  # words promoters use more
    months: list[MonthSentiment]
    scored: tuple[int, int]  # detractors and promoters among the verbatims
    phrases: list[Phrase]  # words customers use together


# Words that fill a sentence without saying what it is about; left out of the driver words and subjects
# (the models keep them: they were measured with them).
_FILLER_NL = (
    "ver verder rest echt gewoon geen niet niets nooit keer staan laten zitten liggen krijgen zien "
    "weten zeggen vinden geven nemen maken houden veel weinig meer minder paar drie twee vier week "
    "dag maand idee ding iets niemand zelf eigen vertellen horen maar alleen toch "
)
_FILLER_EN = (
    "still really just get got make made take took give gave keep kept thing things lot bit much more "
    "less two three four week day month idea nothing nobody anyone own rest tell say but only "
)
FILLER = {"nl": frozenset(_FILLER_NL.split()), "en": frozenset(_FILLER_EN.split())}  # fmt: skip


def _content(said: Said) -> list[str]:
    stop = STOPWORDS.get(said.language, frozenset()) | FILLER.get(said.language, frozenset())
    return [w for w in said.lemmas if w not in stop and len(w) > 2]


def _subjects(said: Said) -> list[str]:
    return [w for w in _content(said) if len(w) > 3]


def story(verbatims: Sequence[Said], top: int = 6) -> Story:
    themes = {t.key: t for t in seeded("nl")}
    counts: Counter[str] = Counter(s.theme for s in verbatims if s.theme)
    sentiments: dict[str, list[float]] = defaultdict(list)
    for s in verbatims:
        if s.theme:
            sentiments[s.theme].append(s.sentiment)
    total = len(verbatims) or 1
    lines = [
        ThemeLine(key, themes[key].name if key in themes else {"en": key}, count, count / total,
                  float(np.mean(sentiments[key])))
        for key, count in counts.most_common()
    ]  # fmt: skip
    detractors = [s for s in verbatims if s.score is not None and s.score <= 6]
    promoters = [s for s in verbatims if s.score is not None and s.score >= 9]
    judging = _judging()  # words that only judge ("jammer", "great"): the sentiment says those already

    def subjects(said: Said) -> list[str]:
        return [w for w in _content(said) if w not in judging]

    found = separating_words(
        [subjects(s) for s in detractors], [subjects(s) for s in promoters], minimum=MIN_WORDS
    )
    against = [Driver(w, _quotes(detractors, w.word)) for w in leaning(found, "detractors", top)]
    towards = [Driver(w, _quotes(promoters, w.word)) for w in leaning(found, "promoters", top)]
    stop = STOPWORDS["nl"] | STOPWORDS["en"] | FILLER["nl"] | FILLER["en"]
    phrases = _as_written(key_phrases([s.lemmas for s in verbatims], stop, top=8), verbatims)
    return Story(
        len(verbatims),
        lines,
        against,
        towards,
        _months(verbatims),
        (len(detractors), len(promoters)),
        phrases,
    )


def _as_written(phrases: Sequence[Phrase], verbatims: Sequence[Said]) -> list[Phrase]:
    """The phrases in the words customers wrote most often for them ("niets gehoord", not "niets horen")."""
    wanted = {p.words: Counter[tuple[str, ...]]() for p in phrases}
    sizes = {len(w) for w in wanted}
    for said in verbatims[:5_000]:
        pairs = worded(PLACEHOLDER.sub(" ", said.masked), said.language)
        for size in sizes:
            for start in range(len(pairs) - size + 1):
                window = pairs[start : start + size]
                key = tuple(found for _word, found in window)
                if key in wanted:
                    wanted[key][tuple(word for word, _found in window)] += 1
    return [
        Phrase(wanted[p.words].most_common(1)[0][0] if wanted[p.words] else p.words, p.count, p.score)
        for p in phrases
    ]


def _quotes(verbatims: Sequence[Said], word: str) -> list[str]:
    """The newest verbatims that use ``word``, shortest first among them (a quote should be read at once)."""
    return _distinct([s.masked for s in verbatims if word in s.lemmas])


def _distinct(texts: Sequence[str]) -> list[str]:
    """The first texts that differ in more than case and closing punctuation, shortest first."""
    seen: dict[str, str] = {}
    for text in texts:
        seen.setdefault(text.lower().rstrip(".!? "), text)
        if len(seen) >= 20:
            break
    return sorted(seen.values(), key=len)[:QUOTES]


def _months(verbatims: Sequence[Said]) -> list[MonthSentiment]:
    by_month: dict[date, list[Said]] = defaultdict(list)
    for s in verbatims:
        by_month[s.submitted_at.date().replace(day=1)].append(s)
    return [
        MonthSentiment(month, len(items), float(np.mean([s.sentiment for s in items])),
                       sum(s.polarity == "negative" for s in items) / len(items))
        for month, items in sorted(by_month.items())
    ]  # fmt: skip


# Candidate moments of truth: recurring subjects no moment on the map covers ------------------------------


@dataclass(frozen=True)
class Candidate:
    words: list[str]  # the subject's words that set it apart most
    count: int  # verbatims that use one of them
    share: float
    negative: float  # share of them that read negative
    quotes: list[str]


TIED = 1.5  # a subject whose verbatims link to one moment this much more often than all do is that moment's
DISTINCT_Z = 3.0  # how much more the organisation's customers use a word than customers in general
TOGETHER = 0.25  # words whose verbatims overlap this much (Jaccard) are one subject
STEM = 5  # or that start with the same this many letters


@lru_cache(maxsize=1)
def background() -> dict[str, Counter[str]]:
    """How customers in general write, per language: the word counts of the project's labelled sets."""
    from nineplus.text.quality import labelled

    return {lang: Counter(w for v in labelled(lang) for w in v.lemmas) for lang in ("nl", "en")}


def candidates(verbatims: Sequence[Said], mapped: set[str], minimum_share: float = 0.03) -> list[Candidate]:
    """Subjects customers keep raising that no moment on the map covers: words (not the map's names and
    keywords, not words that only judge) that at least ``minimum_share`` of the verbatims (and ten) use,
    that these customers use far more than customers in general (log-odds against the project's labelled
    sets), and that are not tied to one moment on the map (most verbatims using them linked to another
    moment are about that moment). Words used in the same verbatims form one subject."""
    least = max(10, int(minimum_share * len(verbatims)))
    if len(verbatims) < least:
        return []
    judging = _judging()
    using: dict[str, set[int]] = defaultdict(set)
    for index, said in enumerate(verbatims):
        for word in set(_subjects(said)):
            if word not in mapped and word not in judging:
                using[word].add(index)
    common = {w: docs for w, docs in using.items() if len(docs) >= least}
    if not common:
        return []
    ours: Counter[str] = Counter({w: len(docs) for w, docs in common.items()})
    general: Counter[str] = sum(background().values(), Counter())
    leaning = separating_words([list(ours.elements())], [list(general.elements())], minimum=least)
    distinct = {d.word: d.z for d in leaning if d.z >= DISTINCT_Z}
    overall = Counter(m for said in verbatims for m in said.moments)
    groups = _together(sorted(distinct, key=lambda w: (-len(common[w]), w)), common)
    found = []
    for group in groups:
        members = sorted(set().union(*(common[w] for w in group)))
        if len(members) < least or not _untied(verbatims, set(members), overall):
            continue
        negative = sum(verbatims[i].polarity == "negative" for i in members) / len(members)
        quotes = _distinct([verbatims[i].masked for i in members])
        named = sorted(group, key=lambda w: -distinct[w])[:3]  # the words that set it apart most
        found.append(Candidate(named, len(members), len(members) / len(verbatims), negative, quotes))
    return sorted(found, key=lambda c: -c.count)


def _together(words: Sequence[str], docs: dict[str, set[int]]) -> list[list[str]]:
    """Words in groups: two words are one subject when their verbatims overlap (TOGETHER) or they start
    alike (STEM), and so is a word joined to either (each group keeps the given order)."""
    parent = {w: w for w in words}

    def root(word: str) -> str:
        while parent[word] != word:
            word = parent[word]
        return word

    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            if _overlap(docs[a], docs[b]) >= TOGETHER or _stem(a) == _stem(b):
                parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(root(word), []).append(word)
    return list(groups.values())


def _untied(verbatims: Sequence[Said], docs: set[int], overall: Counter[int]) -> bool:
    """Whether no moment on the map links to these verbatims far more often (TIED times, and to most of
    them) than to the verbatims as a whole (``overall``: how many verbatims each moment links to)."""
    counts = Counter(m for i in docs for m in verbatims[i].moments)
    return not any(
        n / len(docs) >= 0.5 and n / len(docs) >= TIED * overall[m] / len(verbatims)
        for m, n in counts.items()
    )


def _stem(word: str) -> str:
    """The first letters of a word, by which "taxateur", "taxatie" and "taxatierapport" are one subject."""
    return word[:STEM] if len(word) > STEM else word


def _judging() -> set[str]:
    return set(lexicon("nl").scores) | set(lexicon("en").scores)


def _overlap(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b)
