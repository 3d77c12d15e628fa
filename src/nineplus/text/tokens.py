"""Words and lemmas of a verbatim, and its language (Dutch or English), offline with simplemma: a text is
normalised (Unicode NFKC, lower case), split into word tokens, and each token lemmatised in the text's
language (``belden`` -> ``bellen``, ``documents`` -> ``document``), so that counts, search and models see
one word where customers write many forms.

Pure: simplemma only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

LANGUAGES = ("nl", "en")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
# Words that carry no topic (articles, pronouns, auxiliaries, prepositions), as lemmas. Short on purpose:
# negations and contrast words stay (they matter to sentiment and to driver words).
_STOP_NL = (
    "de het een en of dat die dit deze ik je jij u hij zij ze we wij jullie mij me mijn jouw uw zijn "
    "haar ons onze hun hen er hier daar te van in op aan met voor door over bij naar uit als om tot "
    "dan ook nog al wel zo is was worden hebben zullen kunnen moeten gaan doen komen heel erg toen "
    "waar wat wie hoe wanneer omdat want dus even weer eens iets alles zich zelf "
)
_STOP_EN = (
    "the a an and or that this these those i you he she it we they me my your his her its our their "
    "us them to of in on at with for by about from into as than then also still too so is was be been "
    "being have has had do does did will would shall should can could may might must there here what "
    "which who whom how when where why because while just very really get got "
)
STOPWORDS = {"nl": frozenset(_STOP_NL.split()), "en": frozenset(_STOP_EN.split())}


def normalise(text: str) -> str:
    """NFKC (so full-width letters and ligatures become plain ones), lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def words(text: str) -> list[str]:
    """The word tokens of a normalised text (letters, with inner apostrophes and hyphens)."""
    return _WORD.findall(text)


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: str) -> str:
    """The word's lemma in ``lang`` (kept per word and language: a dictionary lookup, not a text's)."""
    import simplemma

    return simplemma.lemmatize(word, lang=lang).lower()


def forms(word: str, langs: tuple[str, ...] = ("nl", "en")) -> frozenset[str]:
    """A word as written and as lemmatised in each of ``langs``, once and twice: the lemmatiser does not
    always give a lemma back for a lemma ("gewacht" -> "wachten" -> "wacht"). What a search, a keyword
    rule or a theme's seed word matches among stored lemmas."""
    written = word.strip().lower()
    found = {written}
    for lang in langs:
        once = lemma(written, lang)
        found |= {once, lemma(once, lang)}
    return frozenset(found - {""})


_NOT = {"can't": "can", "cannot": "can", "won't": "will", "shan't": "shall"}


def lemmas(text: str, lang: str) -> list[str]:
    """The lemmas of a text's words, in order. An English contraction with "not" keeps its negation as a
    word of its own ("didn't" -> "do", "not"), which the lemmatiser alone would drop."""
    return [found for _word, found in worded(text, lang)]


def worded(text: str, lang: str) -> list[tuple[str, str]]:
    """Each word as written (lower case) with its lemma, in order (a contraction gives two)."""
    found = []
    for word in words(normalise(text).replace("’", "'")):
        if lang == "en" and (word in _NOT or word.endswith("n't")):
            found += [(word, lemma(_NOT.get(word, word[:-3]), lang)), (word, "not")]
        else:
            found.append((word, lemma(word, lang)))
    return found


def given(document: Any) -> Any:
    """A document that is already a list of words, as scikit-learn's vectorisers take it (``analyzer``)."""
    return document


def content(lemmas_: list[str], lang: str) -> list[str]:
    """The lemmas without stop words."""
    stop = STOPWORDS.get(lang, frozenset())
    return [item for item in lemmas_ if item not in stop and len(item) > 1]


def language(text: str, hint: str | None = None) -> str:
    """nl or en: the language simplemma's detector finds more of in the text, or ``hint`` (the language the
    respondent answered the survey in) where the text is too short or too mixed to tell."""
    import simplemma

    fallback = hint if hint in LANGUAGES else "nl"
    if len(text) < 12:
        return fallback
    scores = dict(simplemma.langdetect(text, lang=LANGUAGES))
    nl, en = scores.get("nl", 0.0), scores.get("en", 0.0)
    if abs(nl - en) < 0.2:
        return fallback
    return "nl" if nl > en else "en"
