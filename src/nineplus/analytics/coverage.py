"""How often the intervals of ``scores`` hold the true value, over simulated samples (a fixed seed).

A 95% interval should hold the truth in about 95% of samples; far less means it promises more certainty
than the data give, far more means it is wider than it need be.
"""

from __future__ import annotations

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from nineplus.analytics.scores import z_for

GRID_N = (200, 1000, 5000)
GRID_SHARES = ((0.2, 0.2), (0.5, 0.1), (0.7, 0.05))  # (promoters, detractors)


def nps_coverage(
    n: int,
    promoters: float,
    detractors: float,
    samples: int = 1000,
    seed: int = 2026,
    confidence: float = 0.95,
) -> float:
    """The share of ``samples`` simulated surveys of ``n`` whose adjusted Wald interval holds the true NPS."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, [promoters, detractors, 1 - promoters - detractors], size=samples)
    adjusted = n + 3
    p = (counts[:, 0] + 0.75) / adjusted
    d = (counts[:, 1] + 0.75) / adjusted
    centre = p - d
    half = z_for(confidence) * np.sqrt((p + d - centre**2) / adjusted)
    truth = promoters - detractors
    return float(np.mean((centre - half <= truth) & (truth <= centre + half)))


def share_coverage(
    n: int, share: float, samples: int = 1000, seed: int = 2026, confidence: float = 0.95
) -> float:
    """The same for a top-box share (CSAT) and its Wilson interval."""
    rng = np.random.default_rng(seed)
    hits = rng.binomial(n, share, size=samples)
    low, high = proportion_confint(hits, n, alpha=1 - confidence, method="wilson")
    return float(np.mean((low <= share) & (share <= high)))
