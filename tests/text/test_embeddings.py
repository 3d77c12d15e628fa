"""The embedding path with the packaged English model (the embeddings extra; CI installs it): texts close
in meaning are close, and with the setting on a comment is linked to the moment it is about even when it
shares no word with the moment's name or keywords."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.settings import get_settings
from nineplus.text import embeddings
from nineplus.text.models import VerbatimMoment
from nineplus.text.service import analyse_organisation
from tests.factories import World
from tests.imports.conftest import build_target
from tests.text.test_service import say

NOTARY = "Getting the keys at the notary. The notary transfers the house and the customer gets the keys."
BOOKING = "Booking an adviser appointment. The customer calls to book a meeting with an adviser."


def test_the_packaged_model_puts_texts_close_in_meaning_close_together() -> None:
    ready, why = embeddings.available()
    assert ready, why
    moments = embeddings.encode([NOTARY, BOOKING])
    comments = embeddings.encode(["It took three phone calls to schedule a meeting", "The weather was nice"])
    assert np.allclose(np.linalg.norm(comments, axis=1), 1.0, atol=1e-4)
    similarity = comments @ moments.T
    assert similarity[0, 1] > similarity[0, 0] + 0.2
    assert similarity[1].max() < 0.2
    assert embeddings.linked(comments, moments) == [[1], []]


@pytest.mark.parametrize("meaning", [False, True])
def test_with_the_setting_on_a_comment_links_to_the_moment_it_means(
    meaning: bool, db: Session, bank_a: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NINEPLUS_TEXT_EMBEDDINGS", "1" if meaning else "0")
    get_settings.cache_clear()
    target = build_target(db, bank_a)
    booking = target.moments[0]
    booking.name = {"en": "Booking an adviser appointment"}
    booking.description = {"en": "The customer calls to book a meeting with an adviser."}
    db.flush()
    say(db, target, "It took three phone calls to schedule a meeting", 3)
    analyse_organisation(db, bank_a.org.id)
    linked = list(db.scalars(select(VerbatimMoment.moment_id)))
    assert linked == ([booking.id] if meaning else [])
    assert embeddings.enabled()[0] is meaning


def test_on_the_embedding_path_english_themes_are_recovered_better_and_dutch_keeps_the_topics() -> None:
    from nineplus.text.quality import measure, theme_recovery_by_meaning

    by_meaning = theme_recovery_by_meaning("en")
    assert by_meaning is not None
    assert by_meaning >= 0.8
    assert by_meaning > measure("en").theme_recovery
    assert theme_recovery_by_meaning("nl") is None  # the packaged model reads English only


def test_a_comment_takes_the_theme_whose_comments_it_is_closest_to_in_meaning() -> None:
    from nineplus.text.pipeline import analyse_many, learn, with_meaning
    from nineplus.text.tokens import lemmas

    texts = ["We waited three weeks for the offer"] * 10 + ["The adviser was friendly and kind"] * 10
    words = [lemmas(t, "en") for t in texts]
    models = learn(words, ["en"] * len(texts), [None] * len(texts))
    # Made-up embeddings: the waiting comments point one way, the adviser comments another.
    vectors = np.array([[1.0, 0.0]] * 10 + [[0.0, 1.0]] * 10, dtype=np.float32)
    models = with_meaning(models, words, ["en"] * len(texts), vectors, ["en"])
    assert models.meaning["en"][0] == ("staff", "wait")
    new = ["The adviser was friendly", "Something else entirely"]
    plain = analyse_many(new, ["en", "en"], models=models)
    assert [a.theme for a in plain] == ["staff", None]
    close = np.array([[0.95, 0.31], [0.1, -0.99]], dtype=np.float32)  # near waiting; near nothing
    assert [a.theme for a in analyse_many(new, ["en", "en"], models=models, vectors=close)] == ["wait", None]
    # A comment without a content word means nothing, however close its vector: "-" gets no theme.
    assert [a.theme for a in analyse_many(["-"], ["en"], models=models, vectors=close[:1])] == [None]
    # A language the model does not read keeps the topics.
    dutch = with_meaning(models, words, ["en"] * len(texts), vectors, ["nl"])
    assert dutch.meaning == {}
