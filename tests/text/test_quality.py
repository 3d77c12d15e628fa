"""The text pipeline's quality on the held-out split of the project's labelled sets (README: "Verbatims").
The sets are frozen: their checksums are held here, so a set changed after tuning fails this test."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

import pytest

from nineplus.text.quality import Quality, labelled, measure, split

FROZEN = {
    "nl": "f11ae5e051e78c6ab1c41727a25304de1ec89fbcec0ca307a2f4acf96fb687f3",
    "en": "06c21867d937a66ae4cd74ba3f15e1123f2632e186e4ec55529bed152b86afa3",
}


@cache
def quality(lang: str) -> Quality:
    return measure(lang)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_labelled_sets_are_the_frozen_ones(lang: str) -> None:
    data = (resources.files("nineplus.text") / "labelled" / f"{lang}.jsonl").read_bytes()
    assert hashlib.sha256(data).hexdigest() == FROZEN[lang]
    verbatims = labelled(lang)
    assert len(verbatims) >= 300
    train, held_out = split(verbatims)
    assert 0.2 < len(held_out) / len(verbatims) < 0.4
    assert {v.theme for v in held_out} == {v.theme for v in train}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_themes_are_recovered_on_the_held_out_split(lang: str) -> None:
    q = quality(lang)
    assert q.theme_recovery >= 0.7
    # Comments the topics were not fitted on fare worse, and still far better than the seed words alone.
    assert q.theme_recovery_new >= 0.6


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_learned_model_lifts_sentiment_above_the_lexicon_and_far_above_the_majority(lang: str) -> None:
    q = quality(lang)
    assert q.combined_f1 >= q.lexicon_f1 + 0.05
    assert q.combined_f1 >= q.majority_f1 + 0.25
    assert q.lexicon_f1 > q.majority_f1
