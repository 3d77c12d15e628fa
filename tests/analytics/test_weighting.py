"""Post-stratified NPS: hand-computed values, the design effect, strata without answers, and the interval's
coverage over simulated samples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nineplus.analytics.scores import Nps
from nineplus.analytics.weighting import post_stratified


def test_a_stratum_that_answered_more_counts_as_much_as_it_weighs() -> None:
    # 800 customers in A (NPS +40 among its 100 answers), 200 in B (-40 among its 100 answers).
    weighted = post_stratified({"A": 800, "B": 200}, {"A": Nps(100, 50, 10), "B": Nps(100, 10, 50)})
    assert weighted.unweighted.score == 0.0
    assert weighted.score == pytest.approx(0.8 * 40 + 0.2 * -40)  # +24
    assert weighted.shift == pytest.approx(24.0)
    assert weighted.weights == pytest.approx({"A": 1.6, "B": 0.4})
    assert weighted.design_effect == pytest.approx((100 * 1.6**2 + 100 * 0.4**2) / 200)  # 1.36
    assert weighted.effective_n == pytest.approx(200 / 1.36)
    # Stratified variance on the adjusted shares: (50.75/103, 10.75/103) in A, mirrored in B.
    p, d = 50.75 / 103, 10.75 / 103
    v = (p + d - (p - d) ** 2) / 103
    half = 100 * 1.959964 * math.sqrt(0.8**2 * v + 0.2**2 * v)
    assert weighted.interval.low == pytest.approx(24 - half, abs=1e-3)
    assert weighted.interval.high == pytest.approx(24 + half, abs=1e-3)
    assert half == pytest.approx(10.64, abs=0.01)


def test_strata_that_answered_in_proportion_need_no_weighting() -> None:
    weighted = post_stratified({"A": 300, "B": 100}, {"A": Nps(60, 30, 6), "B": Nps(20, 4, 10)})
    assert weighted.score == pytest.approx(weighted.unweighted.score)
    assert weighted.design_effect == pytest.approx(1.0)
    assert weighted.effective_n == pytest.approx(80)


def test_strata_without_answers_and_respondents_outside_the_population_are_reported() -> None:
    weighted = post_stratified(
        {"A": 600, "B": 300, "C": 100},
        {"A": Nps(50, 25, 5), "B": Nps(50, 5, 25), None: Nps(7, 7, 0)},
    )
    assert weighted.uncovered == ("C",)
    assert weighted.uncovered_share == pytest.approx(0.1)
    assert weighted.outside == 7
    assert weighted.unweighted.n == 100  # only the weighted strata
    assert weighted.score == pytest.approx((600 * 40 + 300 * -40) / 900)
    nobody = post_stratified({"A": 10}, {None: Nps(5, 5, 0)})
    assert (nobody.score, nobody.interval, nobody.design_effect) == (None, None, None)
    assert nobody.uncovered == ("A",)
    assert nobody.outside == 5
    with pytest.raises(ValueError, match="negative population"):
        post_stratified({"A": -1}, {})


def test_the_weighted_interval_covers_the_population_score_95_times_in_100() -> None:
    """Three strata of one population answer at 30%, 10% and 3%; 1,000 samples (fixed seed)."""
    rng = np.random.default_rng(20261204)
    population = {"a": 5000, "b": 3000, "c": 2000}
    answering = {"a": 1500, "b": 300, "c": 60}
    shares = {
        "a": (0.6, 0.25, 0.15),
        "b": (0.3, 0.4, 0.3),
        "c": (0.1, 0.3, 0.6),
    }  # promoters, passives, detractors
    truth = 100 * sum(population[h] * (shares[h][0] - shares[h][2]) for h in population) / 10000
    covered = 0
    for _ in range(1000):
        drawn = {h: rng.multinomial(answering[h], shares[h]) for h in population}
        sample = {h: Nps(answering[h], int(drawn[h][0]), int(drawn[h][2])) for h in population}
        interval = post_stratified(population, sample).interval
        covered += interval.low <= truth <= interval.high
    assert 930 <= covered <= 970, covered
