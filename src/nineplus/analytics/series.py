"""Scores over time: NPS per group (team, channel, survey version ...) and period (week, month, quarter),
each with its interval and the significance of its change against the group's previous period, with the
false-discovery rate controlled over all the changes compared at once (METHODS.md).

Input is per-day counts, as the engine returns them; the periods are made here. Pure: no web, no ORM.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, NamedTuple

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


class SeriesPoint(NamedTuple):
    """One group's score in one period (a named tuple: a team-by-month table has thousands)."""

    group: Hashable
    period: date  # the period's first day
    nps: Nps
    interval: Interval | None  # None below the minimum
    change: float | None  # points against the group's previous period with a score
    p_value: float | None
    significant: bool  # the change stands after Benjamini-Hochberg over every change in the series


def series(days: Iterable[DayCounts], period: Period, minimum_n: int, fdr: float = 0.05) -> list[SeriesPoint]:
    """Per group and period, in order: the NPS, its interval, and its change against the previous period
    of the same group that had a score; a change is significant only after false-discovery control."""
    totals: dict[tuple[Hashable, date], list[int]] = {}
    starts: dict[date, date] = {}  # each day's period, worked out once
    for row in days:
        start = starts.get(row.day)
        if start is None:
            start = starts[row.day] = period_start(row.day, period)
        counts = totals.get((row.group, start))
        if counts is None:
            totals[(row.group, start)] = [row.n, row.promoters, row.detractors]
        else:
            counts[0] += row.n
            counts[1] += row.promoters
            counts[2] += row.detractors
    keys = sorted(totals, key=lambda key: (str(key[0]), key[1]))
    n, promoters, detractors = zip(*(totals[key] for key in keys), strict=True) if keys else ((), (), ())
    return period_points(
        [group for group, _ in keys], [start for _, start in keys], n, promoters, detractors, minimum_n, fdr
    )


def period_points(
    groups: Sequence[Hashable],
    periods: Sequence[date],
    n: Sequence[int],
    promoters: Sequence[int],
    detractors: Sequence[int],
    minimum_n: int,
    fdr: float = 0.05,
) -> list[SeriesPoint]:
    """``series`` from NPS counts that are already one row per group and period, the rows of a group
    together and in period order (as the engine returns them grouped and ordered).

    The intervals and tests are computed for all points at once (numpy), with the formulas of
    ``Nps.interval`` and ``compare_nps``: a team-by-month table has thousands of points."""
    size = len(groups)
    if not size:
        return []
    counts = np.array([n, promoters, detractors], dtype=float)
    if (counts < 0).any() or (counts[1] + counts[2] > counts[0]).any():
        raise ValueError("impossible counts: promoters and detractors outnumber the answers")
    adjusted = counts[0] + 3  # the adjusted Wald shares (Nps._shares)
    centre = (counts[1] - counts[2]) / adjusted
    variance = (counts[1] + counts[2] + 1.5) / adjusted - centre**2
    half = z_for(0.95) * np.sqrt(variance / adjusted)
    low, high = 100 * np.maximum(-1.0, centre - half), 100 * np.minimum(1.0, centre + half)
    score = 100 * (counts[1] - counts[2]) / np.maximum(counts[0], 1)
    enough = counts[0] >= minimum_n
    # Each point's previous point with a score in the same group (-1: none).
    index = np.arange(size)
    first = np.ones(size, dtype=bool)
    changed = (a != b for a, b in zip(groups[1:], groups[:-1], strict=True))
    first[1:] = np.fromiter(changed, dtype=bool, count=size - 1)
    group_start = np.maximum.accumulate(np.where(first, index, 0))
    last_scored = np.maximum.accumulate(np.where(enough, index, -1))
    previous = np.concatenate(([-1], last_scored[:-1]))
    previous[previous < group_start] = -1
    tested = np.flatnonzero(enough & (previous >= 0))
    before = previous[tested]
    se = np.sqrt(variance[tested] / adjusted[tested] + variance[before] / adjusted[before])
    z = np.divide(centre[tested] - centre[before], se, out=np.zeros(len(tested)), where=se > 0)
    p_values = [math.erfc(abs(value) / math.sqrt(2)) for value in z.tolist()]
    changes = (score[tested] - score[before]).tolist()
    verdicts = false_discoveries(p_values, fdr)
    p_column: list[float | None] = [None] * size
    change_column: list[float | None] = [None] * size
    significant_column = [False] * size
    for i, p_value, change, verdict in zip(tested.tolist(), p_values, changes, verdicts, strict=True):
        p_column[i], change_column[i], significant_column[i] = p_value, change, verdict
    # The points are made as plain tuples (the counts were checked at once above): thousands of them
    # through their Python constructors took longer than all the arithmetic.
    make_interval, make_nps = Interval._make, _nps_of
    intervals = [
        make_interval((lo, hi)) if scored else None
        for lo, hi, scored in zip(low.tolist(), high.tolist(), enough.tolist(), strict=True)
    ]
    npss = list(map(make_nps, zip(n, promoters, detractors, strict=True)))
    columns = zip(groups, periods, npss, intervals, change_column, p_column, significant_column, strict=True)
    return list(map(SeriesPoint._make, columns))


def _nps_of(counts: tuple[int, int, int]) -> Nps:
    return tuple.__new__(Nps, counts)  # type: ignore[arg-type]
