"""Scores with their uncertainty, from per-group sufficient statistics (METHODS.md, "Scores and intervals").

The engine (DuckDB, Spark) counts; this module turns the counts of one group into a score, its interval
and the tests between groups. It imports neither the web layer nor the ORM.

- NPS (and eNPS, the same score asked of employees): each respondent scores +1 (9-10), 0 (7-8) or -1
  (0-6); NPS = p - d, per-respondent variance V = p + d - (p - d)^2. The interval is the adjusted Wald
  interval of Rocks (2016): n' = n + 3, p' = (P + 3/4)/n', d' = (D + 3/4)/n'. Scores are in points (x100).
- CSAT: the top-2-box share, a binomial proportion with the Wilson interval; two groups by Newcombe.
- CES: a mean with a t interval; two groups by Welch's test.
- Many comparisons at once: Benjamini-Hochberg false-discovery control.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from statistics import NormalDist
from typing import NamedTuple

# SciPy and statsmodels (with pandas) take about two seconds to import: they are imported where first
# needed, so that neither the web server's start nor a page that shows only NPS waits for them.

INDICATIVE_BELOW = 100  # below this many answers a score is labelled indicative (METHODS.md)


@cache
def z_for(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


class Interval(NamedTuple):
    """A confidence interval (a named tuple: a dashboard makes thousands of them)."""

    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


class _NpsCounts(NamedTuple):
    n: int
    promoters: int
    detractors: int


class Nps(_NpsCounts):
    """An NPS from its counts: ``n`` answers, ``promoters`` (9-10) and ``detractors`` (0-6). A named
    tuple, not a dataclass: a team-by-month table makes thousands, and a tuple is made five times faster."""

    __slots__ = ()

    def __new__(cls, n: int, promoters: int, detractors: int) -> Nps:
        if n < 0 or promoters < 0 or detractors < 0 or promoters + detractors > n:
            raise ValueError(f"impossible counts: n={n}, P={promoters}, D={detractors}")
        return tuple.__new__(cls, (n, promoters, detractors))

    @property
    def passives(self) -> int:
        return self.n - self.promoters - self.detractors

    @property
    def score(self) -> float | None:
        """Promoters' share minus detractors' share, in points; None without answers."""
        if self.n == 0:
            return None
        return 100 * (self.promoters - self.detractors) / self.n

    @property
    def indicative(self) -> bool:
        return self.n < INDICATIVE_BELOW

    def variance(self, adjusted: bool = True) -> float:
        """Per-respondent variance of the +1/0/-1 score (adjusted: with 3/4 added to P and D, n + 3)."""
        p, d, _n = self._shares(adjusted)
        return p + d - (p - d) ** 2

    def _shares(self, adjusted: bool) -> tuple[float, float, float]:
        if adjusted:
            n = self.n + 3
            return (self.promoters + 0.75) / n, (self.detractors + 0.75) / n, n
        if self.n == 0:
            raise ValueError("no answers")
        return self.promoters / self.n, self.detractors / self.n, self.n

    def interval(self, confidence: float = 0.95, *, adjusted: bool = True) -> Interval:
        """The adjusted Wald interval in points (``adjusted=False``: the plain Wald interval), clipped to
        the scale's -100..100."""
        p, d, n = self._shares(adjusted)
        centre = p - d
        half = z_for(confidence) * math.sqrt((p + d - centre**2) / n)
        return Interval(100 * max(-1.0, centre - half), 100 * min(1.0, centre + half))


def compare_nps(a: Nps, b: Nps) -> tuple[float, float]:
    """(z, two-sided p) for the difference of two independent NPS values, on the adjusted shares."""
    pa, da, na = a._shares(True)
    pb, db, nb = b._shares(True)
    se = math.sqrt(a.variance() / na + b.variance() / nb)
    z = ((pa - da) - (pb - db)) / se if se > 0 else 0.0
    return z, math.erfc(abs(z) / math.sqrt(2))  # two-sided: 2 (1 - Phi(|z|))


def nps_sample_size(half_width_points: float, variance: float = 1.0, confidence: float = 0.95) -> int:
    """Answers needed for an adjusted-Wald half-width of ``half_width_points`` (V = 1: the worst case)."""
    e = half_width_points / 100
    return max(1, math.ceil(z_for(confidence) ** 2 * variance / e**2 - 3))


@dataclass(frozen=True)
class Proportion:
    """A top-box share such as CSAT top-2-box: ``hits`` of ``n`` answers."""

    n: int
    hits: int

    @property
    def score(self) -> float | None:
        return None if self.n == 0 else 100 * self.hits / self.n

    @property
    def indicative(self) -> bool:
        return self.n < INDICATIVE_BELOW

    def interval(self, confidence: float = 0.95) -> Interval:
        """The Wilson interval, in percent."""
        from statsmodels.stats.proportion import proportion_confint

        low, high = proportion_confint(self.hits, self.n, alpha=1 - confidence, method="wilson")
        return Interval(100 * float(low), 100 * float(high))


def compare_proportions(a: Proportion, b: Proportion, confidence: float = 0.95) -> Interval:
    """Newcombe's interval for the difference a - b, in points."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(a.hits, a.n, b.hits, b.n, method="newcomb", alpha=1 - confidence)
    return Interval(100 * float(low), 100 * float(high))


@dataclass(frozen=True)
class Mean:
    """A mean (CES, emotion) from ``n``, the sum and the sum of squares of the answers."""

    n: int
    total: float
    squares: float

    @property
    def score(self) -> float | None:
        return None if self.n == 0 else self.total / self.n

    @property
    def variance(self) -> float:
        """The sample variance (n - 1 in the denominator); 0 below two answers."""
        if self.n < 2:
            return 0.0
        return max(0.0, (self.squares - self.total**2 / self.n) / (self.n - 1))

    @property
    def sd(self) -> float:
        return math.sqrt(self.variance)

    def interval(self, confidence: float = 0.95) -> Interval | None:
        """The t interval of the mean; None below two answers."""
        if self.n < 2:
            return None
        mean = self.total / self.n
        half = t_for(confidence, self.n - 1) * self.sd / math.sqrt(self.n)
        return Interval(mean - half, mean + half)


@lru_cache(maxsize=4096)
def t_for(confidence: float, df: int) -> float:
    """The two-sided t quantile (kept: a measured curve asks it per moment, SciPy takes 0.1 ms a time)."""
    from scipy import stats

    return float(stats.t.ppf(0.5 + confidence / 2, df))


def welch(a: Mean, b: Mean) -> tuple[float, float]:
    """(t, two-sided p) of Welch's test for two means given by their sufficient statistics."""
    from scipy import stats

    result = stats.ttest_ind_from_stats(a.total / a.n, a.sd, a.n, b.total / b.n, b.sd, b.n, equal_var=False)
    return float(result.statistic), float(result.pvalue)


def false_discoveries(p_values: Sequence[float], rate: float = 0.05) -> list[bool]:
    """Which of many tests stand after Benjamini-Hochberg control of the false-discovery rate."""
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests

    reject, *_ = multipletests(list(p_values), alpha=rate, method="fdr_bh")
    return [bool(r) for r in reject]
