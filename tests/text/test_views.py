"""A page's story behind the score: themes, words that separate detractors from promoters with quotes,
and the subjects customers raise that no moment on the map covers."""

from __future__ import annotations

import random
from datetime import datetime

from nineplus.text.repository import Said
from nineplus.text.tokens import lemmas
from nineplus.text.views import candidates, story

ON_MAP = {
    1: "Het wachten op de offerte duurde lang",
    2: "Het adviesgesprek was fijn",
    3: "De notaris was snel",
}


def said(index: int, text: str, score: int, moments: tuple[int, ...], polarity: str = "neutral") -> Said:
    return Said(index, text, "nl", tuple(lemmas(text, "nl")), 0.0, polarity, None, score,
                datetime(2026, 1 + index % 6, 1), moments)  # fmt: skip


def planted(seed: int = 1) -> list[Said]:
    """300 comments about the moments on the map; a sixth also raise the valuation (not on the map), spread
    over the moments; one moment's own aspect ("deadline") comes only with that moment."""
    rng = random.Random(seed)
    found = []
    for index in range(300):
        moment = rng.choice([1, 2, 3])
        text = ON_MAP[moment]
        if moment == 1 and rng.random() < 0.4:
            text += " en de deadline kwam in gevaar"
        if rng.random() < 1 / 6:
            text += rng.choice([" en de taxateur kwam laat", " maar het taxatierapport bleef liggen"])
        found.append(said(index, text, rng.choice([3, 9]), (moment,)))
    return found


def test_a_recurring_subject_no_moment_covers_is_a_candidate_and_a_moment_s_own_aspect_is_not() -> None:
    mapped = {"wachten", "offerte", "adviesgesprek", "notaris"}
    found = candidates(planted(), mapped)
    assert len(found) == 1
    assert {"taxateur", "taxatierapport"} <= set(found[0].words)  # with the words said with them
    assert 35 <= found[0].count <= 65
    assert all("taxat" in quote for quote in found[0].quotes)
    assert candidates(planted()[:8], mapped) == []  # too few comments to say anything


def test_the_words_that_separate_detractors_from_promoters_come_with_their_quotes() -> None:
    rng = random.Random(2)
    comments = []
    for index in range(200):
        if index % 2:
            comments.append(
                said(index, rng.choice(["Wekenlang stilte over de offerte", "Niemand belde terug"]), 2, (1,))
            )
        else:
            comments.append(
                said(index, rng.choice(["Adviseur legde alles rustig uit", "Snel de sleutels"]), 10, (2,))
            )
    told = story(comments)
    assert {d.word.word for d in told.against} >= {"stilte", "wekenlang"}
    assert {d.word.word for d in told.towards} >= {"adviseur", "sleutel"}
    assert all(d.quotes and all(d.word.word in lemmas(q, "nl") for q in d.quotes) for d in told.towards)
    assert told.scored == (100, 100)
    assert "belde terug" in [p.text for p in told.phrases]  # as written ("bellen terug" as lemmas)
    assert [m.n for m in told.months] == [34, 34, 33, 33, 33, 33]
