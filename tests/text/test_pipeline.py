"""A verbatim through the whole pipeline, and what an organisation's own verbatims teach it."""

from __future__ import annotations

from nineplus.text.pipeline import analyse_many, learn
from nineplus.text.tokens import lemmas


def test_a_verbatim_gets_its_language_lemmas_mask_sentiment_and_theme() -> None:
    dutch, english, short = analyse_many(
        [
            "Drie weken gewacht op de offerte, heel slecht. Bel me op 06-12345678.",
            "Mr Patel explained everything, very helpful and friendly!",
            "Top",
        ],
        ["en", "nl", "en"],
    )
    assert dutch.language == "nl"
    assert "wachten" in dutch.lemmas
    assert dutch.masked.endswith("Bel me op [telefoon].")
    assert dutch.masked_kinds == ("phone",)
    assert dutch.polarity == "negative"
    assert dutch.theme == "wait"
    assert english.language == "en"
    assert english.masked.startswith("Mr [name] explained")
    assert english.polarity == "positive"
    assert english.theme == "staff"
    assert short.language == "en"  # too short to tell: the language the survey was answered in


def test_the_organisation_s_own_scored_verbatims_teach_the_sentiment_its_words() -> None:
    texts = ["De taxatie liep weer uit", "Taxatie opnieuw verschoven"] * 40
    texts += ["Sleutels op de afgesproken dag", "Sleutels keurig op tijd"] * 40
    scores = [2] * 80 + [10] * 80
    models = learn([lemmas(t, "nl") for t in texts], ["nl"] * 160, scores)
    assert "nl" in models.learned
    before, after = (
        analyse_many(["De taxatie"], ["nl"])[0].sentiment,
        analyse_many(["De taxatie"], ["nl"], models=models)[0].sentiment,
    )
    assert after < before
    too_few = learn([lemmas("prima", "nl")] * 10, ["nl"] * 10, [9] * 5 + [3] * 5)
    assert too_few.learned == {}  # fewer than 50 scored verbatims: the lexicon alone


def test_nothing_masked_reaches_the_lemmas() -> None:
    (said,) = analyse_many(["Mevrouw Jansen mailde vanaf jansen@gmail.com"], ["nl"], names=["Piet Smit"])
    assert "jansen" not in said.lemmas
    assert not [word for word in said.lemmas if "gmail" in word]
    assert said.masked == "Mevrouw [naam] mailde vanaf [e-mail]"
