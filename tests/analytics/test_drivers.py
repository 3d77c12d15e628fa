"""Key drivers from correlations (Johnson's relative weights, Shapley values) and the emotional swing into
each moment, against hand-computed values; moments not gone through are left out pairwise, never filled."""

from __future__ import annotations

import numpy as np
import pytest

from nineplus.analytics.drivers import (
    key_drivers,
    pairwise_correlations,
    positive_definite,
    r_squared,
    relative_weights,
    shapley,
    swings,
)


def test_uncorrelated_moments_weigh_their_squared_correlation() -> None:
    r_xx, r_xy = np.eye(2), np.array([0.6, 0.3])
    assert relative_weights(r_xx, r_xy) == pytest.approx([0.36, 0.09])
    assert shapley(r_xx, r_xy) == pytest.approx([0.36, 0.09])
    assert r_squared(r_xx, r_xy, [0, 1]) == pytest.approx(0.45)


def test_correlated_moments_share_the_explained_variance() -> None:
    """Two moments correlated 0.5, with the score at 0.6 and 0.5: R² = rᵀR⁻¹r = 0.6133..., and the
    Shapley value of the first is ½[R²(1) + R²(1,2) - R²(2)] = ½[0.36 + 0.61333 - 0.25]."""
    r_xx, r_xy = np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([0.6, 0.5])
    total = r_squared(r_xx, r_xy, [0, 1])
    assert total == pytest.approx((0.36 + 0.25 - 2 * 0.5 * 0.6 * 0.5) / (1 - 0.25))
    phi = shapley(r_xx, r_xy)
    assert phi[0] == pytest.approx(0.5 * (0.36 + total - 0.25))
    assert phi.sum() == pytest.approx(total)
    weights = relative_weights(r_xx, r_xy)
    assert weights.sum() == pytest.approx(total)
    assert weights[0] > weights[1]


def test_a_moment_not_gone_through_is_left_out_pairwise() -> None:
    """The second moment is missing for half the customers: its correlations come from the other half
    only, and nothing is filled in (a filled mean would pull its correlation towards zero)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 2))
    y = x[:, 0] + x[:, 1] + rng.normal(size=400)
    x[::2, 1] = np.nan
    r_xx, r_xy, pairs = pairwise_correlations(x, y)
    kept = ~np.isnan(x[:, 1])
    assert r_xy[1] == pytest.approx(np.corrcoef(x[kept, 1], y[kept])[0, 1])
    assert r_xx[0, 1] == pytest.approx(np.corrcoef(x[kept, 0], x[kept, 1])[0, 1])
    assert list(pairs) == [400, 200]
    filled = np.where(np.isnan(x[:, 1]), np.nanmean(x[:, 1]), x[:, 1])
    assert np.corrcoef(filled, y)[0, 1] < r_xy[1] - 0.1


def test_a_matrix_that_pairwise_deletion_broke_is_made_positive_definite() -> None:
    broken = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(broken).min() < 0
    fixed, changed = positive_definite(broken)
    assert changed
    assert np.linalg.eigvalsh(fixed).min() > 0
    assert np.diag(fixed) == pytest.approx([1, 1, 1])
    same, unchanged = positive_definite(np.eye(3))
    assert not unchanged
    assert (same == np.eye(3)).all()


def test_the_model_ranks_shares_with_bootstrap_intervals_and_signs() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 3))
    y = 0.6 * x[:, 0] - 0.3 * x[:, 1] + rng.normal(size=2000)
    model = key_drivers(x, y, ["a", "b", "c"], bootstrap=100)
    assert [d.name for d in model.drivers] == ["a", "b", "c"]
    assert sum(d.share for d in model.drivers) == pytest.approx(1)
    first = model.drivers[0]
    assert first.low < first.share < first.high
    assert [d.sign for d in model.drivers[:2]] == [1, -1]  # b lowers the score
    assert model.r_squared == pytest.approx(0.45 / 1.45, abs=0.04)
    assert model.n == 2000


def test_too_many_moments_for_shapley_are_refused() -> None:
    with pytest.raises(ValueError, match="too many"):
        shapley(np.eye(16), np.full(16, 0.1))


def test_the_swing_into_each_moment_largest_first() -> None:
    found = swings(1.0, [("a", 1.2), ("b", None), ("c", -1.5), ("d", -0.5)])
    assert [(s.name, round(s.swing, 2)) for s in found] == [("c", -2.7), ("d", 1.0), ("a", 0.2)]
    assert swings(None, [("a", 1.0), ("b", 2.0)])[0].name == "b"  # without a start feeling: from a
