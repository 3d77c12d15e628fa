"""Which rules a response trips, and where its case goes. Pure: no database, no web.

A rule trips on an NPS answer of at most its threshold, a feeling of at most its threshold at a moment,
a comment on its theme, or a comment holding a form of its keyword. The case goes to the team that owns
the moment the trouble was at (a feeling, or a comment linked to a moment), else to the respondent's
team, else to nobody yet (the CX lead routes it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from nineplus.text.tokens import forms as word_forms

PREFIX = 5  # a keyword this long also finds the compounds it starts ("hypotheek": "hypotheekofferte")


@dataclass(frozen=True)
class Rule:
    id: int
    kind: str  # nps, emotion, theme, keyword
    threshold: int | None = None
    value: str | None = None


@dataclass(frozen=True)
class Comment:
    theme: str | None
    lemmas: frozenset[str]
    moments: tuple[int, ...] = ()


@dataclass(frozen=True)
class Said:
    """What one response said, as far as the rules look."""

    nps: int | None = None
    feelings: Mapping[int, int] = field(default_factory=dict)  # moment id -> feeling (-3..3)
    comments: Sequence[Comment] = ()
    team_id: int | None = None  # the respondent's team


@dataclass(frozen=True)
class Catch:
    rule_id: int
    reason: str  # "nps:3", "emotion:-3:12" (at moment 12), "theme:wait", "keyword:hypotheek"
    moment_id: int | None = None


def caught(rules: Iterable[Rule], said: Said) -> list[Catch]:
    found: list[Catch] = []
    for rule in rules:
        if rule.kind == "nps" and said.nps is not None and rule.threshold is not None:
            if said.nps <= rule.threshold:
                found.append(Catch(rule.id, f"nps:{said.nps}"))
        elif rule.kind == "emotion" and rule.threshold is not None:
            worst = sorted((feeling, moment) for moment, feeling in said.feelings.items())
            if worst and worst[0][0] <= rule.threshold:
                feeling, moment = worst[0]
                found.append(Catch(rule.id, f"emotion:{feeling}:{moment}", moment))
        elif rule.kind == "theme" and rule.value:
            for comment in said.comments:
                if comment.theme == rule.value:
                    found.append(Catch(rule.id, f"theme:{rule.value}", _first(comment.moments)))
                    break
        elif rule.kind == "keyword" and rule.value:
            forms = word_forms(rule.value)
            for comment in said.comments:
                if _holds(comment.lemmas, forms):
                    found.append(Catch(rule.id, f"keyword:{rule.value}", _first(comment.moments)))
                    break
    return found


def _first(moments: Sequence[int]) -> int | None:
    return moments[0] if moments else None


def _holds(lemmas: frozenset[str], forms: frozenset[str]) -> bool:
    if lemmas & forms:
        return True
    long = [form for form in forms if len(form) >= PREFIX]
    return any(word.startswith(form) for word in lemmas for form in long)


def route(
    catches: Sequence[Catch], said: Said, moment_teams: Mapping[int, int | None]
) -> tuple[int | None, int | None]:
    """The case's team and moment: the first caught moment that a team owns, else the respondent's team
    (with the first caught moment, if any)."""
    for catch in catches:
        if catch.moment_id is not None and moment_teams.get(catch.moment_id) is not None:
            return moment_teams[catch.moment_id], catch.moment_id
    moment = next((c.moment_id for c in catches if c.moment_id is not None), None)
    return said.team_id, moment
