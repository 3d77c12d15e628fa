"""The lexicon's sentiment turns with a negation, grows with an intensifier, weighs the part after a
contrast word most, and the learned model's say grows with what it learned from."""

from __future__ import annotations

from nineplus.text.sentiment import LearnedSentiment, combined, lexicon, lexicon_score, polarity
from nineplus.text.tokens import lemmas


def score(text: str, lang: str) -> float:
    return lexicon_score(lemmas(text, lang), lexicon(lang))


def test_negation_turns_a_word_and_softens_it() -> None:
    assert score("vriendelijk geholpen", "nl") > 0 > score("niet vriendelijk geholpen", "nl")
    assert abs(score("niet vriendelijk", "nl")) < abs(score("vriendelijk", "nl"))
    assert score("They didn't help me", "en") < 0 < score("They helped me", "en")
    assert score("not helpful", "en") < 0 < score("helpful", "en")


def test_an_intensifier_strengthens_and_the_part_after_but_counts_most() -> None:
    assert score("heel vriendelijk", "nl") > score("vriendelijk", "nl") > 0
    assert score("snel geholpen, maar onvriendelijk", "nl") < 0
    assert score("rude at first, but in the end very helpful", "en") > 0


def test_scores_stay_between_minus_one_and_one_and_read_as_three_polarities() -> None:
    extreme = "fantastisch " * 30
    assert 0.99 < score(extreme, "nl") <= 1.0
    assert polarity(0.5) == "positive"
    assert polarity(-0.5) == "negative"
    assert polarity(0.05) == "neutral"


def test_the_learned_model_learns_the_organisation_s_own_words() -> None:
    documents = [lemmas(t, "nl") for t in ["taxatie duurde eindeloos", "taxatie weer uitgesteld"] * 20]
    documents += [lemmas(t, "nl") for t in ["sleutels op tijd", "sleutels netjes geregeld"] * 20]
    model = LearnedSentiment(documents, [False] * 40 + [True] * 40)
    bad, good = model.promoter_chance([lemmas("de taxatie", "nl"), lemmas("de sleutels", "nl")])
    assert bad < 0.5 < good
    assert combined(0.0, 0.9, 0) == 0.0  # learned from nothing: the lexicon alone
    assert combined(0.0, 0.9, 300) == 0.4  # half and half at LEARNED_HALF
