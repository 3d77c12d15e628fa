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
