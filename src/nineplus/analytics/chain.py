"""The effect chain (DOMAIN section 5): employee score -> customer score -> retention -> revenue, per team
and period. Each link is a regression across teams and periods of the next figure on the previous one,
optionally lagged (the employee score of a period against the customer score some periods later), with a
confidence interval clustered by team (a team's periods are not independent). It shows association,
never proof: a team that is well run may have both happier employees and happier customers. The links
compare teams as much as periods: where a team's level lasts (its employees are happy month after
month) a lagged link finds it too, so a lag that fits is no evidence of timing on its own.

Pure: numpy and statsmodels on the small per-team-period table.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

Cell = tuple[Hashable, int]  # (team, period index)


@dataclass(frozen=True)
class Link:
    lag: int  # periods between the cause's period and the effect's
    slope: float  # change in the effect per unit of the cause
    low: float  # 95% interval (clustered by team, or conventional where that is wider)
    high: float
    p_value: float
    standardised: float  # the slope in standard deviations of the effect per standard deviation of the cause
    n: int  # team-periods paired
    teams: int

    @property
    def detected(self) -> bool:
        """The interval excludes no association."""
        return self.low > 0 or self.high < 0


def link(cause: Mapping[Cell, float], effect: Mapping[Cell, float], lag: int = 0) -> Link | None:
    """The regression of ``effect`` in period t on ``cause`` in period t - ``lag``, over the teams and
    periods that have both; None with fewer than three teams or ten pairs."""
    import statsmodels.api as sm
    from scipy import stats

    pairs = [
        (team, cause[(team, period - lag)], value)
        for (team, period), value in effect.items()
        if (team, period - lag) in cause
    ]
    teams = sorted({team for team, _x, _y in pairs}, key=str)
    if len(teams) < 3 or len(pairs) < 10:
        return None
    groups = np.array([teams.index(team) for team, _x, _y in pairs])
    x = np.array([p[1] for p in pairs], dtype=float)
    y = np.array([p[2] for p in pairs], dtype=float)
    if x.std() == 0:
        return None  # a cause that never varies says nothing
    # The standard error clustered by team (a team's periods are not independent) or the conventional one,
    # whichever is larger, with Student's t on (teams - 1) degrees of freedom: with some twenty teams the
    # clustered error alone is too small too often (Angrist & Pischke 2009, section 8.2).
    design = sm.add_constant(x, has_constant="add")
    clustered = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    conventional = sm.OLS(y, design).fit()
    slope, se = float(clustered.params[1]), max(float(clustered.bse[1]), float(conventional.bse[1]))
    quantile = float(stats.t.ppf(0.975, len(teams) - 1))
    low, high = slope - quantile * se, slope + quantile * se
    p_value = float(2 * stats.t.sf(abs(slope / se), len(teams) - 1)) if se > 0 else 0.0
    spread = x.std(ddof=1) / y.std(ddof=1) if y.std(ddof=1) > 0 else 0.0
    return Link(lag, slope, low, high, p_value, slope * spread, len(pairs), len(teams))


def chain(
    figures: Mapping[str, Mapping[Cell, float]], lags: range = range(3)
) -> dict[tuple[str, str], list[Link]]:
    """Each consecutive link of the chain that has figures, at every lag of ``lags``: keys of ``figures``
    among "employee", "customer", "retention", "revenue", in that order."""
    order = [name for name in ("employee", "customer", "retention", "revenue") if name in figures]
    found: dict[tuple[str, str], list[Link]] = {}
    for cause, effect in pairwise(order):
        links = [link(figures[cause], figures[effect], lag) for lag in lags]
        found[(cause, effect)] = [found_link for found_link in links if found_link is not None]
    return found
