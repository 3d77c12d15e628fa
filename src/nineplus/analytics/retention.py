"""Retention as a function of the score, and where it stops rising (METHODS.md, "Score and retention";
DOMAIN section 3, "is 8 enough?"). Pure: numpy, SciPy and statsmodels on per-score counts.

- The honest curve: per score 0-10 the share retained, with its Wilson interval.
- The isotonic fit (weighted by n): the best non-decreasing curve; plateaus show by themselves.
- The threshold test: logit p = a + b1·x + b2·max(0, x - c), with c found by profile likelihood over the
  scores; the curve rises with slope b1 before c and with b1 + b2 after it. A plateau is a rise before c
  and no detectable rise after it (the 95% interval of b1 + b2 reaches 0), and the hinge must fit
  significantly better than a straight line (likelihood-ratio test).
- The gain of moving a customer one score up, from the isotonic fit, so a page can say where a point of
  score is worth most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nineplus.analytics.scores import Proportion

SCORES = range(11)


@dataclass(frozen=True)
class ScoreRate:
    score: int
    n: int
    retained: int
    rate: float | None  # share retained; None without customers at this score
    low: float | None  # Wilson 95%
    high: float | None


@dataclass(frozen=True)
class Threshold:
    score: int  # c: where the slope changes
    slope_before: float  # b1, logit per score point
    slope_after: float  # b1 + b2
    after_low: float  # 95% interval of b1 + b2
    after_high: float
    p_value: float  # likelihood-ratio test of the hinge against a straight line (Bonferroni over c)
    bend_high: float  # upper end of the 95% interval of b2, the change of slope at c

    @property
    def plateau(self) -> bool:
        """Retention rises up to the threshold, the slope drops there (b2 < 0, its interval below 0, and
        the hinge fits better than a line), and no rise is detectable after it (it may even dip)."""
        return self.slope_before > 0 and self.bend_high < 0 and self.after_low <= 0 and self.p_value < 0.05


@dataclass(frozen=True)
class RetentionCurve:
    rates: list[ScoreRate]
    fitted: list[float | None]  # the isotonic fit per score (None where no customer gave it)
    threshold: Threshold | None  # None with too few scores to fit it
    n: int

    def gain(self, score: int) -> float | None:
        """Retention gained (share) by moving a customer from ``score - 1`` to ``score`` (1-10), on the
        fit."""
        if not 1 <= score <= 10:
            return None
        before, after = self.fitted[score - 1], self.fitted[score]
        return None if before is None or after is None else after - before


def retention_curve(
    scores: Sequence[int] | np.ndarray, retained: Sequence[bool] | np.ndarray
) -> RetentionCurve:
    """The retention curve of customers with a score (0-10) and whether they stayed."""
    scores = np.asarray(scores, dtype=int)
    kept = np.asarray(retained, dtype=bool)
    if scores.size and (scores.min() < 0 or scores.max() > 10):
        raise ValueError("scores run from 0 to 10")
    n = np.bincount(scores, minlength=11)[:11]
    stayed = np.bincount(scores, weights=kept, minlength=11)[:11].astype(int)
    rates = []
    for score in SCORES:
        if n[score]:
            interval = Proportion(int(n[score]), int(stayed[score])).interval()
            rates.append(
                ScoreRate(score, int(n[score]), int(stayed[score]), float(stayed[score] / n[score]),
                          interval.low / 100, interval.high / 100)
            )  # fmt: skip
        else:
            rates.append(ScoreRate(score, 0, 0, None, None, None))
    return RetentionCurve(rates, _isotonic(n, stayed), _threshold(n, stayed), int(n.sum()))


def _isotonic(n: np.ndarray, stayed: np.ndarray) -> list[float | None]:
    """The non-decreasing fit of the per-score rates, weighted by n (SciPy's pool-adjacent-violators)."""
    from scipy.optimize import isotonic_regression

    given = np.flatnonzero(n > 0)
    out: list[float | None] = [None] * 11
    if not len(given):
        return out
    fit = isotonic_regression(stayed[given] / n[given], weights=n[given], increasing=True)
    for score, value in zip(given.tolist(), fit.x.tolist(), strict=True):
        out[score] = value
    return out


def _threshold(n: np.ndarray, stayed: np.ndarray) -> Threshold | None:
    """The hinge logit at the observed score c with the highest likelihood (at least two observed scores
    on each side), with its test against a line. None with too few scores, or when a score group all
    stayed or all left in a way that sends the fit to infinity (separation): then the isotonic curve
    speaks alone."""
    import warnings

    import statsmodels.api as sm
    from scipy import stats

    given = n > 0
    x = np.flatnonzero(given).astype(float)
    candidates = x[2:-2] if len(x) >= 5 else x[:0]
    if not len(candidates):
        return None
    endog = np.column_stack([stayed[given], n[given] - stayed[given]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation shows in the errors below
        line = sm.GLM(endog, sm.add_constant(x), family=sm.families.Binomial()).fit()
        fits = []
        for c in candidates:
            exog = sm.add_constant(np.column_stack([x, np.maximum(0.0, x - c)]))
            fits.append((int(c), sm.GLM(endog, exog, family=sm.families.Binomial()).fit()))
    c, fit = max(fits, key=lambda found: found[1].llf)
    if not np.all(np.isfinite(fit.bse)) or float(np.max(fit.bse)) > MAX_LOGIT_SE:
        return None
    b1, b2 = float(fit.params[1]), float(fit.params[2])
    cov = fit.cov_params()
    se = float(np.sqrt(cov[1, 1] + cov[2, 2] + 2 * cov[1, 2]))
    z = float(stats.norm.ppf(0.975))
    # c is the best of several candidates, so the likelihood-ratio p-value is multiplied by their number
    # (Bonferroni): without that a straight line is called bent in about a fifth of samples.
    p_value = min(1.0, len(fits) * float(stats.chi2.sf(2 * (fit.llf - line.llf), df=1)))
    bend_high = b2 + z * float(fit.bse[2])
    return Threshold(c, b1, b1 + b2, b1 + b2 - z * se, b1 + b2 + z * se, p_value, bend_high)


MAX_LOGIT_SE = 5.0  # a logit coefficient this uncertain means the fit ran off to infinity
