"""Scores over time: NPS per group (team, channel, survey version ...) and period (week, month, quarter),
each with its interval and the significance of its change against the group's previous period, with the
false-discovery rate controlled over all the changes compared at once (METHODS.md).

Input is per-day counts, as the engine returns them; the periods are made here. Pure: no web, no ORM.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np

from nineplus.analytics.scores import Interval, Nps, false_discoveries, z_for

Period = Literal["week", "month", "quarter"]


def period_start(day: date, period: Period) -> date:
    """The first day of the ISO week (Monday), month or quarter that holds ``day``."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@dataclass(frozen=True)
class DayCounts:
    group: Hashable
    day: date
    n: int
    promoters: int
    detractors: int


@dataclass(frozen=True)
class SeriesPoint:
    group: Hashable
    period: date  # the period's first day
    nps: Nps
    interval: Interval | None  # None below the minimum
    change: float | None  # points against the group's previous period with a score
    p_value: float | None
    significant: bool  # the change stands after Benjamini-Hochberg over every change in the series


def series(days: Iterable[DayCounts], period: Period, minimum_n: int, fdr: float = 0.05) -> list[SeriesPoint]:
    """Per group and period, in order: the NPS, its interval, and its change against the previous period
    of the same group that had a score; a change is significant only after false-discovery control.

    The intervals and tests are computed for all points at once (numpy), with the formulas of
    ``Nps.interval`` and ``compare_nps``: a team-by-month table has thousands of points."""
    totals: dict[tuple[Hashable, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in days:
        counts = totals[(row.group, period_start(row.day, period))]
        counts[0] += row.n
        counts[1] += row.promoters
        counts[2] += row.detractors
    keys = sorted(totals, key=lambda key: (str(key[0]), key[1]))
    if not keys:
        return []
    n, promoters, detractors = np.array([totals[key] for key in keys], dtype=float).T
    adjusted = n + 3  # the adjusted Wald shares (Nps._shares)
    centre = (promoters - detractors) / adjusted
    variance = (promoters + detractors + 1.5) / adjusted - centre**2
    half = z_for(0.95) * np.sqrt(variance / adjusted)
    low, high = 100 * np.maximum(-1.0, centre - half), 100 * np.minimum(1.0, centre + half)
    score = 100 * (promoters - detractors) / np.maximum(n, 1)
    enough = n >= minimum_n
    previous = np.full(len(keys), -1)  # the group's previous point with a score
    last: dict[Hashable, int] = {}
    for i, (group, _start) in enumerate(keys):
        previous[i] = last.get(group, -1)
        if enough[i]:
            last[group] = i
    tested = np.flatnonzero(enough & (previous >= 0))
    before = previous[tested]
    se = np.sqrt(variance[tested] / adjusted[tested] + variance[before] / adjusted[before])
    z = np.divide(centre[tested] - centre[before], se, out=np.zeros(len(tested)), where=se > 0)
    p_values = [math.erfc(abs(value) / math.sqrt(2)) for value in z]
    verdicts = dict(zip(tested.tolist(), false_discoveries(p_values, fdr), strict=True))
    tests = dict(
        zip(
            tested.tolist(), zip(p_values, (score[tested] - score[before]).tolist(), strict=True), strict=True
        )
    )
    points = []
    columns = zip(
        keys, n.astype(int).tolist(), promoters.astype(int).tolist(), detractors.astype(int).tolist(),
        low.tolist(), high.tolist(), enough.tolist(), strict=True,
    )  # fmt: skip
    for i, ((group, start), count, p, d, lo, hi, scored) in enumerate(columns):
        p_value, change = tests.get(i, (None, None))
        interval = Interval(lo, hi) if scored else None
        points.append(
            SeriesPoint(group, start, Nps(count, p, d), interval, change, p_value, verdicts.get(i, False))
        )
    return points
