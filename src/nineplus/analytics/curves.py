"""The measured emotion curve: per moment the mean feeling, its spread and a 95% band, from the sums the
engine counted (n, sum, sum of squares per moment). Pure: no web layer, no ORM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nineplus.analytics.scores import Mean

LOW, HIGH = -3.0, 3.0  # the emotion scale


@dataclass(frozen=True)
class CurvePoint:
    n: int
    mean: float | None  # None below the minimum number of answers
    sd: float | None
    band: tuple[float, float] | None  # the mean's 95% t interval, clipped to the scale


@dataclass(frozen=True)
class JourneyCurve:
    """A measured curve of a journey, named: per moment the point, and the start feeling apart."""

    survey_id: int
    version_id: int
    label: str
    start: CurvePoint  # the start feeling (asked once, not per moment)
    points: dict[int, CurvePoint]  # moment id -> mean, spread and band


NOTHING = CurvePoint(0, None, None, None)  # a moment nobody answered about


def point(stats: Mean | None, minimum_n: int) -> CurvePoint:
    """One moment's point; no mean below ``minimum_n`` answers (nor a band below two)."""
    if stats is None or stats.n == 0:
        return NOTHING
    if stats.n < minimum_n:
        return CurvePoint(stats.n, None, None, None)
    interval = stats.interval()
    band = None if interval is None else (max(LOW, interval.low), min(HIGH, interval.high))
    return CurvePoint(stats.n, stats.score, stats.sd, band)


def curve(stats: Mapping[int, Mean], moments: Sequence[int], minimum_n: int) -> list[CurvePoint]:
    """The points for ``moments`` in their order, from per-moment sums keyed by moment id."""
    return [point(stats.get(moment), minimum_n) for moment in moments]
