# ruff: noqa: RUF002, RUF003  (the formula in its own symbols)
"""Why not a promoter? The words that separate detractors' verbatims from promoters' (METHODS.md, "Text"):
the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words").

With y_w^d and y_w^p the counts of word w among detractors and promoters, n^d and n^p their totals, and the
prior α_w = α0 · (the word's share of the whole corpus):

    δ_w = log[(y_w^d + α_w) / (n^d + α0 - y_w^d - α_w)] - log[(y_w^p + α_w) / (n^p + α0 - y_w^p - α_w)]
    σ²_w ≈ 1 / (y_w^d + α_w) + 1 / (y_w^p + α_w),    z_w = δ_w / σ_w

A positive z leans to the detractors, a negative one to the promoters. The prior shrinks rare words (a
word said twice by detractors and never by promoters is not a finding), which plain frequency ratios do
not. Run on lemmas, per language, so word forms count together.

Pure: the standard library only.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Z_SIGNIFICANT = 1.96
PRIOR_STRENGTH = 1000.0  # α0: at most this many pseudo-counts, spread over the corpus's words,
PRIOR_SHARE = 0.25  # and at most a quarter of the words counted (a common word leans by chance in 2 of 100)


@dataclass(frozen=True)
class DriverWord:
    word: str
    z: float  # > 0: detractors say it more; < 0: promoters do
    delta: float  # the log-odds ratio
    detractors: int  # times said by detractors
    promoters: int


def separating_words(
    detractors: Iterable[Sequence[str]],
    promoters: Iterable[Sequence[str]],
    *,
    minimum: int = 3,
    prior: float = PRIOR_STRENGTH,
) -> list[DriverWord]:
    """Every word said at least ``minimum`` times in all, ranked by z from the detractors' side to the
    promoters'. ``detractors`` and ``promoters``: the documents of each group as lists of lemmas."""
    counts_d: Counter[str] = Counter(word for document in detractors for word in document)
    counts_p: Counter[str] = Counter(word for document in promoters for word in document)
    n_d, n_p = sum(counts_d.values()), sum(counts_p.values())
    total = n_d + n_p
    if not n_d or not n_p:
        return []
    alpha0 = min(prior, PRIOR_SHARE * total)
    found = []
    for word in set(counts_d) | set(counts_p):
        y_d, y_p = counts_d[word], counts_p[word]
        if y_d + y_p < minimum:
            continue
        alpha = alpha0 * (y_d + y_p) / total
        delta = math.log((y_d + alpha) / (n_d + alpha0 - y_d - alpha)) - math.log(
            (y_p + alpha) / (n_p + alpha0 - y_p - alpha)
        )
        sigma = math.sqrt(1 / (y_d + alpha) + 1 / (y_p + alpha))
        found.append(DriverWord(word, delta / sigma, delta, y_d, y_p))
    return sorted(found, key=lambda item: -item.z)


def leaning(found: Sequence[DriverWord], side: str, top: int = 10) -> list[DriverWord]:
    """The ``top`` words that lean significantly to ``side`` (detractors or promoters), strongest first."""
    if side == "detractors":
        chosen = [w for w in found if w.z >= Z_SIGNIFICANT]
    else:
        chosen = [w for w in reversed(found) if w.z <= -Z_SIGNIFICANT]
    return chosen[:top]
