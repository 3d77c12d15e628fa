"""Key drivers from correlations (Johnson's relative weights, Shapley values) and the emotional swing into
each moment, against hand-computed values; moments not gone through are left out pairwise, never filled."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import sqrtm

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
    root = np.real(sqrtm(r_xx))  # Johnson: Λ* = R_xx^½, β = Λ*⁻¹ r_xy, ε_j = Σ_k Λ*_jk² β_k²
    beta = np.linalg.solve(root, r_xy)
    assert weights == pytest.approx([(root[j] ** 2) @ beta**2 for j in range(2)])
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
    same, changed_again = positive_definite(np.eye(3))
    assert not changed_again
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


def test_moments_never_gone_through_together_are_named_and_r_squared_stays_below_one() -> None:
    """Online and in-store checkout exclude each other and each follow the score closely: their mutual
    correlation cannot be known. The model names the pair and keeps R² below 1."""
    rng = np.random.default_rng(0)
    score = rng.normal(size=2000)
    online = np.where(np.arange(2000) % 2 == 0, score + 0.3 * rng.normal(size=2000), np.nan)
    store = np.where(np.arange(2000) % 2 == 1, score + 0.3 * rng.normal(size=2000), np.nan)
    model = key_drivers(np.column_stack([online, store]), score, ["online", "store"], bootstrap=0)
    assert model.thin_pairs == [("online", "store")]
    assert model.adjusted
    assert model.r_squared < 1


def test_a_model_needs_enough_customers_with_a_score() -> None:
    x = np.ones((40, 2))
    y = np.full(40, np.nan)
    y[:10] = 1.0
    with pytest.raises(ValueError, match="10 customers"):
        key_drivers(x, y, ["a", "b"])


def test_too_many_moments_for_shapley_are_refused() -> None:
    with pytest.raises(ValueError, match="too many"):
        shapley(np.eye(16), np.full(16, 0.1))


def test_the_swing_into_each_moment_largest_first() -> None:
    found = swings(1.0, [("a", 1.2), ("b", None), ("c", -1.5), ("d", -0.5)])
    assert [(s.name, round(s.swing, 2)) for s in found] == [("c", -2.7), ("d", 1.0), ("a", 0.2)]
    assert swings(None, [("a", 1.0), ("b", 2.0)])[0].name == "b"  # without a start feeling: from a
