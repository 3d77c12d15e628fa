"""Scores over time: NPS per group (team, channel, survey version ...) and period (week, month, quarter),
each with its interval and the significance of its change against the group's previous period, with the
false-discovery rate controlled over all the changes compared at once (METHODS.md).

Input is per-day counts, as the engine returns them; the periods are made here. Pure: no web, no ORM.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from nineplus.analytics.scores import Interval, Nps, compare_nps, false_discoveries

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
    of the same group that had a score; a change is significant only after false-discovery control."""
    totals: dict[tuple[Hashable, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in days:
        counts = totals[(row.group, period_start(row.day, period))]
        counts[0] += row.n
        counts[1] += row.promoters
        counts[2] += row.detractors
    points: list[SeriesPoint] = []
    previous: dict[Hashable, Nps] = {}
    for (group, start), (n, promoters, detractors) in sorted(
        totals.items(), key=lambda item: (str(item[0][0]), item[0][1])
    ):
        nps = Nps(n, promoters, detractors)
        enough = n >= minimum_n
        change = p_value = None
        if enough and group in previous:
            before = previous[group]
            change = (nps.score or 0.0) - (before.score or 0.0)
            _z, p_value = compare_nps(nps, before)
        points.append(
            SeriesPoint(group, start, nps, nps.interval() if enough else None, change, p_value, False)
        )
        if enough:
            previous[group] = nps
    tested = [i for i, point in enumerate(points) if point.p_value is not None]
    verdicts = false_discoveries([points[i].p_value for i in tested], fdr)  # type: ignore[misc]
    for index, verdict in zip(tested, verdicts, strict=True):
        point = points[index]
        points[index] = SeriesPoint(
            point.group, point.period, point.nps, point.interval, point.change, point.p_value, verdict
        )
    return points
