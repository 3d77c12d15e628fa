"""Scores and their intervals against hand-computed values and the worked examples of METHODS.md."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from nineplus.analytics import scores
from nineplus.analytics.scores import Mean, Nps, Proportion


def test_the_worked_example_is_30_plus_or_minus_4_8_points() -> None:
    nps = Nps(n=1000, promoters=500, detractors=200)
    assert nps.score == pytest.approx(30.0)
    plain = nps.interval(adjusted=False)
    assert plain.half_width == pytest.approx(4.84, abs=0.005)  # 1.96 * sqrt(0.61 / 1000)


def test_the_adjusted_wald_interval_by_hand() -> None:
    # n' = 23, p' = 10.75/23, d' = 4.75/23, V' = p' + d' - (p' - d')^2, 26.087 ± 1.959964 * sqrt(V'/23)
    interval = Nps(n=20, promoters=10, detractors=4).interval()
    assert interval.low == pytest.approx(-5.7227, abs=1e-3)
    assert interval.high == pytest.approx(57.8966, abs=1e-3)


def test_an_interval_stays_on_the_scale() -> None:
    assert Nps(n=5, promoters=5, detractors=0).interval().high == 100.0
    assert Nps(n=5, promoters=0, detractors=5).interval().low == -100.0


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="impossible"):
        Nps(n=10, promoters=8, detractors=5)


def test_few_answers_make_an_indicative_score_and_none_make_no_score() -> None:
    assert Nps(n=99, promoters=50, detractors=10).indicative
    assert not Nps(n=100, promoters=50, detractors=10).indicative
    assert Nps(n=0, promoters=0, detractors=0).score is None


def test_sample_sizes_of_methods_md() -> None:
    assert scores.nps_sample_size(5) == 1534  # ±5 points, worst case V = 1


def test_two_nps_values_compared_on_the_adjusted_shares() -> None:
    a, b = Nps(1000, 500, 200), Nps(1000, 450, 250)
    z, p = scores.compare_nps(a, b)
    pa, da = 500.75 / 1003, 200.75 / 1003
    pb, db = 450.75 / 1003, 250.75 / 1003
    va, vb = pa + da - (pa - da) ** 2, pb + db - (pb - db) ** 2
    assert z == pytest.approx(((pa - da) - (pb - db)) / np.sqrt(va / 1003 + vb / 1003))
    assert p == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert 0.001 < p < 0.01  # z about 2.8: ten points apart at n = 1,000 is clear, not overwhelming


def test_csat_uses_the_wilson_interval() -> None:
    interval = Proportion(n=100, hits=80).interval()
    assert (interval.low, interval.high) == (pytest.approx(71.12, abs=0.01), pytest.approx(86.66, abs=0.01))


def test_two_shares_compared_by_newcombe() -> None:
    # Newcombe (1998), Statistics in Medicine 17, example (a): 56/70 against 48/80.
    interval = scores.compare_proportions(Proportion(70, 56), Proportion(80, 48))
    assert (interval.low, interval.high) == (pytest.approx(5.24, abs=0.01), pytest.approx(33.39, abs=0.01))


def test_a_mean_from_its_sums_equals_the_mean_of_its_answers() -> None:
    answers = np.array([1, 2, 2, 3, 5, 7, 4, 4, 3, 6], dtype=float)
    mean = Mean(len(answers), float(answers.sum()), float((answers**2).sum()))
    assert mean.score == pytest.approx(answers.mean())
    assert mean.sd == pytest.approx(answers.std(ddof=1))
    low, high = stats.t.interval(0.95, len(answers) - 1, loc=answers.mean(), scale=stats.sem(answers))
    interval = mean.interval()
    assert interval is not None
    assert (interval.low, interval.high) == (pytest.approx(low), pytest.approx(high))


def test_welch_from_sums_equals_welch_on_the_answers() -> None:
    a = np.array([2, 3, 3, 4, 5, 5, 6], dtype=float)
    b = np.array([4, 5, 6, 6, 7, 7, 7, 6], dtype=float)
    by_sums = scores.welch(Mean(len(a), a.sum(), (a**2).sum()), Mean(len(b), b.sum(), (b**2).sum()))
    direct = stats.ttest_ind(a, b, equal_var=False)
    assert by_sums == (pytest.approx(direct.statistic), pytest.approx(direct.pvalue))


def test_benjamini_hochberg_keeps_only_what_survives_many_comparisons() -> None:
    # sorted: 0.01 <= 1/4 * 0.05; 0.03 > 2/4 * 0.05; 0.04 > 3/4 * 0.05; 0.2 > 0.05
    assert scores.false_discoveries([0.01, 0.04, 0.03, 0.2]) == [True, False, False, False]
    assert scores.false_discoveries([0.001, 0.002, 0.003]) == [True, True, True]
    assert scores.false_discoveries([]) == []
