"""The figures behind the dashboards, from the analytics layer's value counts on any engine.

Each function asks the engine one question (``analytics.queries``) and turns the small per-group result
into scores with intervals here, in numpy/statsmodels (``analytics.scores``): the split METHODS.md
("Portable analytics") describes. Versions are never pooled: every figure is per survey version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nineplus.analytics import queries
from nineplus.analytics.curves import CurvePoint, point
from nineplus.analytics.engine import Engine
from nineplus.analytics.scores import Mean
from nineplus.analytics.series import Period, SeriesPoint, period_points


def team_periods(
    engine: Engine, organisation_id: int, minimum: int, period: Period = "month"
) -> dict[tuple[int, int], list[SeriesPoint]]:
    """Per survey version and NPS question: each team's NPS per period with its interval and the change
    against the team's previous period (false-discovery control over every team and period at once)."""
    columns = engine.columns(
        queries.nps_counts(
            organisation_id, ["version_id", "question_id", "team_id"], moment_id=0, period=period
        )
    )
    return team_periods_from(columns, minimum)


def team_periods_from(
    columns: Mapping[str, Sequence], minimum: int
) -> dict[tuple[int, int], list[SeriesPoint]]:
    """``team_periods`` from NPS counts (n, promoters, detractors) per version, question, team and period,
    as columns ordered by those keys."""
    found: dict[tuple[int, int], list[SeriesPoint]] = {}
    keys = list(zip(columns["version_id"], columns["question_id"], strict=True))
    start = 0
    for end in range(1, len(keys) + 1):
        if end == len(keys) or keys[end] != keys[start]:
            part = slice(start, end)
            found[keys[start]] = period_points(
                columns["team_id"][part],
                columns["period"][part],
                columns["n"][part],
                columns["promoters"][part],
                columns["detractors"][part],
                minimum,
            )
            start = end
    return found


@dataclass(frozen=True)
class MeasuredCurve:
    version_id: int
    question_id: int
    points: dict[int, CurvePoint]  # moment id -> mean, spread and band


def measured_curves(
    engine: Engine, organisation_id: int, minimum: int, **options: Any
) -> list[MeasuredCurve]:
    """Per survey version and emotion question: the mean feeling per moment with its spread and band.
    ``options`` narrow the answers counted, as ``queries.value_counts`` takes them (e.g. ``journey_id``,
    ``team_id``, ``attribute``, ``since`` and ``until``)."""
    rows = engine.rows(
        queries.value_counts(
            organisation_id, ["version_id", "question_id", "moment_id"], kinds=["emotion"], **options
        )
    )
    return measured_curves_from(rows, minimum)


def measured_curves_from(rows: Iterable[dict], minimum: int) -> list[MeasuredCurve]:
    """``measured_curves`` from value counts per version, question, moment and value."""
    means = mean_by(rows, lambda row: (row["version_id"], row["question_id"], row["moment_id"]))
    curves: dict[tuple[int, int], dict[int, CurvePoint]] = defaultdict(dict)
    for (version, question, moment), stats in means.items():
        curves[(version, question)][moment] = point(stats, minimum)
    return [MeasuredCurve(v, q, points) for (v, q), points in sorted(curves.items())]


def mean_by(rows: Iterable[dict], key: Callable[[dict], Hashable]) -> dict[Hashable, Mean]:
    """The mean's sufficient statistics (n, sum, sum of squares) per ``key`` of value-count rows."""
    sums: dict[Hashable, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        totals = sums[key(row)]
        totals[0] += row["n"]
        totals[1] += row["n"] * row["value"]
        totals[2] += row["n"] * row["value"] ** 2
    return {k: Mean(n, total, squares) for k, (n, total, squares) in sums.items()}


@dataclass(frozen=True)
class Distribution:
    version_id: int
    question_id: int
    counts: dict[int, int]  # every value of the 0-10 scale, also those nobody gave

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def share(self, values: Iterable[int]) -> float:
        return sum(self.counts[v] for v in values) / self.n if self.n else 0.0


def distributions(engine: Engine, organisation_id: int) -> list[Distribution]:
    """Per survey version and NPS question: how many answered each value from 0 to 10."""
    rows = engine.rows(
        queries.value_counts(organisation_id, ["version_id", "question_id"], kinds=["nps"], moment_id=0)
    )
    return distributions_from(rows)


def distributions_from(rows: Iterable[dict]) -> list[Distribution]:
    """``distributions`` from value counts per version, question and value."""
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: dict.fromkeys(range(11), 0))
    for row in rows:
        counts[(row["version_id"], row["question_id"])][row["value"]] += row["n"]
    return [Distribution(v, q, c) for (v, q), c in sorted(counts.items())]
