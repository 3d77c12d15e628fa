"""Key drivers: how much each moment's score accounts for the overall score (METHODS.md, "Key drivers"),
and the emotional swing into each moment. Pure: numpy (and pandas for pairwise correlations).

Both driver methods work on the correlation matrix, so a moment a customer did not go through is left
out of the pairs it is missing from (pairwise correlations), never filled with a mean:

- Johnson's relative weights: with R_xx = Q Λ Qᵀ and Λ* = Q Λ^½ Qᵀ, β = Λ*⁻¹ r_xy and the raw weight
  ε_j = Σ_k Λ*_jk² β_k²; the weights sum to R².
- Shapley values (LMG, general dominance): each moment's R² gain averaged over every order of entry, with
  R²(S) = r_Sᵀ R_SS⁻¹ r_S; exact for up to about 15 moments.

Each weight is reported as its share of R², with a percentile-bootstrap interval (resampling customers)
and the sign of the moment's coefficient in the full regression. A share cannot fall below 0, so its
interval is no test of importance: it says how precisely the share is known. It is association, not
causation.

Two moments few customers went through together (fewer than MIN_PAIRS) have no reliable correlation:
the model says which pairs, and counts them as uncorrelated; the whole matrix (moments and score) is
made positive definite when pairwise deletion left it not so, which keeps R² below 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

MAX_SHAPLEY = 15  # moments: beyond this the 2^p subsets take too long
MIN_PAIRS = 30  # customers who went through both moments (or a moment and gave a score) for a correlation
MIN_CUSTOMERS = 50  # with an overall score, for a model at all


@dataclass(frozen=True)
class Driver:
    name: Hashable
    share: float  # of the explained variance (R²): the shares of all moments sum to 1
    low: float | None  # bootstrap 95% interval of the share; None without a bootstrap
    high: float | None
    sign: int  # +1 or -1: the direction of the moment's coefficient with the others held fixed (0: none)
    n: int  # customers who went through the moment and gave an overall score


@dataclass(frozen=True)
class DriverModel:
    drivers: list[Driver]  # ranked, largest share first
    r_squared: float
    method: str  # "relative_weights" or "shapley"
    n: int  # customers with an overall score
    adjusted: bool  # the pairwise correlation matrix had to be made positive definite
    thin_pairs: list[tuple[Hashable, Hashable]]  # moments too few customers went through together


def pairwise_correlations(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R_xx, r_xy and the pairs behind each entry, from the rows where both values are present (NaN:
    the moment was not experienced)."""
    import pandas as pd

    frame = pd.DataFrame(np.column_stack([x, y]))
    corr = frame.corr(min_periods=MIN_PAIRS).to_numpy()
    present = (~np.isnan(np.column_stack([x, y]))).astype(float)
    pairs = present.T @ present
    p = x.shape[1]
    return corr[:p, :p], corr[:p, p], pairs[:p, p]


def positive_definite(r: np.ndarray, floor: float = 1e-6) -> tuple[np.ndarray, bool]:
    """A correlation matrix made positive definite where pairwise deletion left it not so: eigenvalues
    below ``floor`` raised to it, then rescaled to a unit diagonal. Returns the matrix and whether it
    changed."""
    values, vectors = np.linalg.eigh(r)
    if values.min() >= floor:
        return r, False
    fixed = vectors @ np.diag(np.maximum(values, floor)) @ vectors.T
    scale = np.sqrt(np.diag(fixed))
    return fixed / np.outer(scale, scale), True


def relative_weights(r_xx: np.ndarray, r_xy: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights ε (they sum to R²)."""
    values, vectors = np.linalg.eigh(r_xx)
    root = vectors @ np.diag(np.sqrt(np.maximum(values, 0))) @ vectors.T  # Λ*
    beta = np.linalg.solve(root, r_xy)
    return (root**2) @ (beta**2)


def r_squared(r_xx: np.ndarray, r_xy: np.ndarray, subset: Sequence[int]) -> float:
    """R² of the regression on the moments of ``subset``, from correlations."""
    if not subset:
        return 0.0
    index = list(subset)
    r_s = r_xy[index]
    return float(r_s @ np.linalg.solve(r_xx[np.ix_(index, index)], r_s))


def shapley(r_xx: np.ndarray, r_xy: np.ndarray) -> np.ndarray:
    """Shapley values (LMG) of R²: they sum to R²."""
    p = len(r_xy)
    if p > MAX_SHAPLEY:
        raise ValueError(f"Shapley values over {p} moments are too many subsets; use relative weights")
    gains = {(): 0.0}
    for size in range(1, p + 1):
        for subset in combinations(range(p), size):
            gains[subset] = r_squared(r_xx, r_xy, subset)
    phi = np.zeros(p)
    for subset, value in gains.items():
        size = len(subset)
        for j in range(p):
            if j in subset:
                continue
            grown = tuple(sorted((*subset, j)))
            weight = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
            phi[j] += weight * (gains[grown] - value)
    return phi


_METHODS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "relative_weights": relative_weights,
    "shapley": shapley,
}


def key_drivers(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[Hashable],
    *,
    method: str = "relative_weights",
    bootstrap: int = 200,
    seed: int = 2026,
) -> DriverModel:
    """The moments ranked by their share of the explained variance of ``y`` (the overall score).

    ``x``: one row per customer, one column per moment, NaN where the customer did not go through the
    moment; ``y``: the overall score (rows without one are left out). ``bootstrap``: resamples of the
    customers for the intervals (0: none). Fewer than MIN_CUSTOMERS customers with a score: ValueError."""
    weigh = _METHODS[method]
    y = np.asarray(y, dtype=float)
    scored = ~np.isnan(y)
    x, y = np.asarray(x, dtype=float)[scored], y[scored]
    if len(y) < MIN_CUSTOMERS:
        raise ValueError(f"{len(y)} customers with a score: a driver model needs {MIN_CUSTOMERS}")
    shares, r2, adjusted, signs, pairs = _fit(x, y, weigh)
    together = (~np.isnan(x)).astype(float)
    counts = together.T @ together
    thin = [
        (names[i], names[j])
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if counts[i, j] < MIN_PAIRS
    ]
    lows = highs = [None] * len(names)
    if bootstrap:
        rng = np.random.default_rng(seed)
        samples = []
        for _ in range(bootstrap):
            rows = rng.integers(0, len(y), len(y))
            samples.append(_fit(x[rows], y[rows], weigh)[0])
        lows, highs = np.percentile(samples, [2.5, 97.5], axis=0).tolist()
    drivers = [
        Driver(name, float(share), low, high, int(sign), int(n))
        for name, share, low, high, sign, n in zip(names, shares, lows, highs, signs, pairs, strict=True)
    ]
    ranked = sorted(drivers, key=lambda d: -d.share)
    return DriverModel(ranked, r2, method, len(y), adjusted, thin)


def _fit(
    x: np.ndarray, y: np.ndarray, weigh: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> tuple[np.ndarray, float, bool, np.ndarray, np.ndarray]:
    r_xx, r_xy, pairs = pairwise_correlations(x, y)
    p = len(r_xy)
    full = np.eye(p + 1)
    full[:p, :p], full[:p, p], full[p, :p] = r_xx, r_xy, r_xy
    full = np.nan_to_num(full)  # too few customers for a correlation: counted as none (see thin_pairs)
    np.fill_diagonal(full, 1.0)
    full, adjusted = positive_definite(full)  # the whole matrix: R² stays below 1
    r_xx, r_xy = full[:p, :p], full[:p, p]
    raw = weigh(r_xx, r_xy)
    r2 = float(raw.sum())
    signs = np.sign(np.linalg.solve(r_xx, r_xy))
    return (raw / r2 if r2 > 0 else raw), r2, adjusted, signs, pairs


@dataclass(frozen=True)
class Swing:
    name: Hashable
    swing: float  # mean feeling here minus at the step before (the start feeling for the first moment)


def swings(start: float | None, means: Sequence[tuple[Hashable, float | None]]) -> list[Swing]:
    """The emotional swing into each moment, largest first (by size): a moment customers come into with a
    big rise or drop in feeling is a candidate moment of truth. A moment without a mean is skipped, and
    the next is compared with the last moment that had one."""
    found, before = [], start
    for name, mean in means:
        if mean is None:
            continue
        if before is not None:
            found.append(Swing(name, mean - before))
        before = mean
    return sorted(found, key=lambda s: -abs(s.swing))
