"""A lint for leading survey wording, in Dutch and English.

A question is leading when its wording steers the answer: it names the score it wants ("give us a 9 or
10"), praises what it asks about ("our excellent service", "de vlotte afhandeling"), presupposes the
judgement or asks the respondent to agree with the organisation ("wouldn't you agree", "toch?"), or puts
pressure on the score ("we are rated on this", "most customers give us a 10"). Each rule is a pattern
of the language, not a list of known sentences; a labelled set of wordings in
``tests/fixtures/wording/`` measures precision and recall per language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nineplus.core.i18n import N_

RULES: dict[str, str] = {
    "names_score": N_("names the score it wants"),
    "praises": N_("praises what it asks about"),
    "presupposes": N_("presupposes the answer or asks for agreement"),
    "pressure": N_("puts pressure on the score"),
}

_STRONG_EN = (
    r"excellent|outstanding|amazing|great|wonderful|superb|fantastic|brilliant|perfect|awesome|terrific"
)
_MODERATE_EN = r"friendly|fast|quick|speedy|swift|helpful|efficient|smooth|pleasant|improved|easy|clear"
_STRONG_NL = (
    r"uitstekend|voortreffelijk|geweldig|fantastisch|prima|perfect|super|schitterend|formidabel|subliem"
)
# Dutch adjectives take -e before a noun ("de vlotte afhandeling"); the bare form is a judgement asked
# about ("hoe snel was ..."), the inflected one a judgement already given.
_MODERATE_NL = (
    r"vriendelijke|snelle|vlotte|behulpzame|efficiënte|soepele|prettige|fijne|verbeterde|heldere|"
    r"duidelijke|makkelijke|gemakkelijke"
)

PATTERNS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "en": [
        (
            "names_score",
            re.compile(
                r"\b(?:a|an|score of|below an?|rate us|give us)\s+(?:9|10|nine|ten)\b"
                # not a scale: "a 10-point scale", "a 10 means extremely likely"
                r"(?![-\s]*(?:point|pt)\b)(?!\s+(?:means|=|is|stands)\b)"
            ),
        ),
        ("names_score", re.compile(r"\b(?:9|10)\s+or\s+(?:9|10)\b")),
        ("names_score", re.compile(r"\b(?:highest|top|best)\s+(?:score|mark|marks|rating|grade)\b")),
        ("names_score", re.compile(r"\b(?:full|top)\s+marks\b|\b(?:5|five)\s+stars?\b")),
        ("praises", re.compile(rf"\b(?:{_STRONG_EN})\b")),
        (
            "praises",
            re.compile(
                rf"\b(?:our|the|your|this|its)\s+(?:(?:very|really|new|and)\s+)*(?:{_MODERATE_EN})\b(?!\s+or\b)"
                r"(?:\s+(?:and\s+)?\w+)"
            ),
        ),
        ("praises", re.compile(rf"\b(?:{_MODERATE_EN})\s+and\s+(?:{_MODERATE_EN})\s+\w+")),
        (
            "presupposes",
            re.compile(
                r"\b(?:wouldn'?t you agree|would you not agree|don'?t you think|do you not think|"
                r"(?:do|would) you agree that|isn'?t it|weren'?t you|didn'?t we|wasn'?t it|,\s*right\?)"
            ),
        ),
        ("presupposes", re.compile(r"\bhow much did you (?:enjoy|like|love|appreciate)\b")),
        ("presupposes", re.compile(r"\bhow (?:pleased|happy|delighted|thrilled) (?:were|are|was|is) you\b")),
        (
            "pressure",
            re.compile(
                r"\b(?:we hope|would (?:really )?help (?:us|our)|we are (?:rated|judged|assessed)|"
                r"(?:counts|treated|seen) as (?:a )?fail|most (?:of our )?customers give|"
                r"worked (?:very |so )?hard|how hard we tried|please remember)\b"
            ),
        ),
    ],
    "nl": [
        (
            "names_score",
            re.compile(
                r"\b(?:een|geef ons|onder een|score van)\s+(?:9|10|negen|tien)\b"
                r"(?![-\s]*punts)(?!\s+(?:betekent|=|is|staat)\b)"
            ),
        ),
        ("names_score", re.compile(r"\b(?:9|10)\s+of\s+(?:9|10)\b")),
        ("names_score", re.compile(r"\bhoogste\s+(?:score|cijfer|waardering|beoordeling)\b")),
        ("names_score", re.compile(r"\b(?:5|vijf)\s+sterren\b|\bhet maximale cijfer\b")),
        ("praises", re.compile(rf"\b(?:{_STRONG_NL})e?\b")),
        ("praises", re.compile(rf"\b(?:{_MODERATE_NL})\s+(?:en\s+\w+\s+)?\w+")),
        (
            "presupposes",
            re.compile(
                r"\b(?:vind|vindt) (?:je|jij|u) (?:ook )?niet dat|\btoch\s*\?|"
                r"\b(?:ben|bent|is) (?:je|jij|u) het\b.{0,15}\beens\b(?!\s+of\s+oneens)|\bniet waar\s*\?"
            ),
        ),
        ("presupposes", re.compile(r"\bhoeveel plezier\b|\bhoe (?:blij|leuk|fijn|prettig|heerlijk)\b")),
        (
            "pressure",
            re.compile(
                r"\b(?:we hopen|wij hopen|zou ons\b.{0,20}\bhelpen|worden (?:wij |we )?beoordeeld|"
                r"telt als onvoldoende|de meeste klanten geven|hard\b.{0,15}\bgewerkt|ons best deden|"
                r"denk eraan)\b"
            ),
        ),
    ],
}


@dataclass(frozen=True)
class Finding:
    rule: str  # a key of RULES
    excerpt: str  # the words that matched

    @property
    def reason(self) -> str:
        return RULES[self.rule]


def lint(text: str, language: str) -> list[Finding]:
    """What makes ``text`` leading, per rule (the first match of each); empty for a neutral wording."""
    normal = " ".join(text.lower().replace("’", "'").split())
    found: dict[str, Finding] = {}
    for rule, pattern in PATTERNS.get(language, []):
        if rule in found:
            continue
        match = pattern.search(normal)
        if match is not None:
            found[rule] = Finding(rule, match.group(0).strip())
    return list(found.values())


def is_leading(text: str, language: str) -> bool:
    return bool(lint(text, language))
