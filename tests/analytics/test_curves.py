"""The measured curve: means and bands from per-moment sums, nothing below the minimum n."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from nineplus.analytics.curves import curve, point
from nineplus.analytics.scores import Mean


def sums(values: list[int]) -> Mean:
    array = np.asarray(values, dtype=float)
    return Mean(len(values), float(array.sum()), float((array**2).sum()))


def test_a_point_is_the_mean_with_its_t_band() -> None:
    feelings = [-2, -1, -1, 0, -2, -3, -1, 0, -2, -1, -1, -2]
    p = point(sums(feelings), minimum_n=10)
    assert p.n == 12
    assert p.mean == pytest.approx(np.mean(feelings))
    assert p.sd == pytest.approx(np.std(feelings, ddof=1))
    low, high = stats.t.interval(0.95, 11, loc=np.mean(feelings), scale=stats.sem(feelings))
    assert p.band == (pytest.approx(low), pytest.approx(high))


def test_a_band_never_leaves_the_scale() -> None:
    p = point(sums([3] * 9 + [2]), minimum_n=5)
    assert p.band is not None
    assert p.band[1] == 3.0


def test_below_the_minimum_there_is_a_count_but_no_point() -> None:
    p = point(sums([1, 2, 3]), minimum_n=10)
    assert (p.n, p.mean, p.band) == (3, None, None)


def test_a_curve_follows_the_moments_order_and_leaves_gaps() -> None:
    points = curve({7: sums([1] * 10), 9: sums([-1] * 10)}, [9, 8, 7], minimum_n=10)
    assert [p.mean for p in points] == [pytest.approx(-1.0), None, pytest.approx(1.0)]
    assert points[1].n == 0
