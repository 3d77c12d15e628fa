"""The figures of the journey, moment and team dashboards, each read on one snapshot of the analytic store
through the analytics layer, with their charts (Vega-Lite specs and the rows behind them).

Selections (a segment and a period) narrow what a curve counts, so that a journey's curve can be laid over
another segment's or another period's: a segment is a team of the respondents (``team:<id>``) or a value
of an imported person attribute (``attr:<key>=<value>``); a period is a year (``2026``) or a quarter
(``2026-Q2``), in the organisation's own days.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from nineplus.analytics import charts, queries
from nineplus.analytics.curves import NOTHING, CurvePoint, JourneyCurve, point
from nineplus.analytics.dashboards import mean_by, measured_curves, team_periods
from nineplus.analytics.engine import Engine, on_duckdb
from nineplus.analytics.overview import (
    Cell,
    Dimensions,
    TeamLine,
    cell,
    dimensions,
    score_kind,
    team_lines,
    team_months,
)
from nineplus.analytics.score_charts import distribution_chart, nps_series_chart
from nineplus.analytics.series import DayCounts, Period, SeriesPoint, series
from nineplus.analytics.store import AnalyticStore
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized

T = TypeVar("T")
_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


@dataclass(frozen=True)
class Selection:
    """Which respondents and days a curve counts (all of them by default)."""

    team_id: int | None = None
    attribute: tuple[str, str] | None = None  # key and value of an imported person attribute
    period: str = ""  # "2026" or "2026-Q2"

    @classmethod
    def parse(cls, segment: str | None, period: str | None) -> Selection:
        """A selection from a page's query (``segment``: ``team:<id>`` or ``attr:<key>=<value>``); what
        cannot be read selects everything."""
        segment, period = (segment or "").strip(), (period or "").strip()
        team = segment.removeprefix("team:")
        key, _sep, value = segment.removeprefix("attr:").partition("=")
        return cls(
            team_id=int(team) if segment.startswith("team:") and team.isdigit() else None,
            attribute=(key, value) if segment.startswith("attr:") and key and _sep else None,
            period=period if _PERIOD.match(period) else "",
        )

    @property
    def segment(self) -> str:
        """The segment as the page's query writes it ("" for everyone)."""
        if self.team_id is not None:
            return f"team:{self.team_id}"
        return "" if self.attribute is None else "attr:{}={}".format(*self.attribute)

    @property
    def everything(self) -> bool:
        return self == Selection()

    def filters(self) -> dict[str, Any]:
        """The layer's options for this selection."""
        options: dict[str, Any] = {}
        if self.team_id is not None:
            options["team_id"] = self.team_id
        if self.attribute is not None:
            options["attribute"] = self.attribute
        found = _PERIOD.match(self.period)
        if found:
            year, quarter = int(found[1]), found[2]
            first, last = (1, 12) if quarter is None else (3 * int(quarter) - 2, 3 * int(quarter))
            options["since"] = date(year, first, 1)
            options["until"] = date(year, last, calendar.monthrange(year, last)[1])
        return options

    def label(self, teams: dict[int, str]) -> str:
        """The selection in words ("" for everything)."""
        parts = []
        if self.team_id is not None:
            parts.append(teams.get(self.team_id, _("unknown team")))
        if self.attribute is not None:
            parts.append("{}: {}".format(*self.attribute))
        if self.period:
            parts.append(self.period)
        return " · ".join(parts)


@dataclass(frozen=True)
class Choices:
    """What a page offers to select: segments and periods, each as (code, words)."""

    segments: list[tuple[str, str]]
    periods: list[tuple[str, str]]


def read(store: AnalyticStore, question: Callable[[Engine, Any], T]) -> T:
    """Ask one question of the store on one snapshot (``question(engine, cursor)``)."""
    with store.snapshot() as cur:
        return question(on_duckdb(cur), cur)


_ATTRIBUTE_VALUES = (
    "SELECT DISTINCT key, value FROM person_attributes WHERE organisation_id = ? ORDER BY ALL LIMIT 200"
)


def choices(cur: Any, organisation_id: int, dims: Dimensions) -> Choices:
    org = [organisation_id]
    segments = [(f"team:{i}", name) for i, name in sorted(dims.teams.items(), key=lambda item: item[1])]
    segments += [
        (f"attr:{key}={value}", f"{key}: {value}")
        for key, value in cur.execute(_ATTRIBUTE_VALUES, org).fetchall()
    ]
    first, last = cur.execute(
        "SELECT min(month), max(month) FROM counts_month WHERE organisation_id = ?", org
    ).fetchone()
    periods: list[tuple[str, str]] = []
    if first is not None:
        for year in range(last.year, first.year - 1, -1):
            periods.append((str(year), str(year)))
            for quarter in range(4, 0, -1):
                if first <= date(year, 3 * quarter, 1) and date(year, 3 * quarter - 2, 1) <= last:
                    periods.append((f"{year}-Q{quarter}", f"{year}-Q{quarter}"))
    return Choices(segments, periods)


# The journey: measured curves per survey version, for each selection


@dataclass(frozen=True)
class JourneyFigures:
    curves: list[JourneyCurve]
    choices: Choices


def journey(
    store: AnalyticStore,
    organisation_id: int,
    journey_id: int,
    minimum: int,
    curve: Selection,
    compare: Selection | None = None,
) -> JourneyFigures:
    """The measured curves of the journey's customer surveys, one per version for ``curve`` and, laid over
    them, for ``compare`` (left out when it selects everything or the same as ``curve``), and what the
    page offers to select."""
    wanted = [curve] if compare is None or compare.everything or compare == curve else [curve, compare]

    def question(engine: Engine, cur: Any) -> JourneyFigures:
        dims = dimensions(cur, organisation_id)
        curves = [
            found
            for selection in wanted
            for found in _journey_curves(engine, dims, organisation_id, journey_id, minimum, selection)
        ]
        return JourneyFigures(curves, choices(cur, organisation_id, dims))

    return read(store, question)


def journey_curves(
    store: AnalyticStore, organisation_id: int, journey_id: int, minimum: int
) -> list[JourneyCurve]:
    """The journey's measured curves over every customer and day (the journey map's)."""

    def question(engine: Engine, cur: Any) -> list[JourneyCurve]:
        dims = dimensions(cur, organisation_id)
        return _journey_curves(engine, dims, organisation_id, journey_id, minimum, Selection())

    return read(store, question)


def _journey_curves(
    engine: Engine,
    dims: Dimensions,
    organisation_id: int,
    journey_id: int,
    minimum: int,
    selection: Selection,
) -> list[JourneyCurve]:
    """One measured curve per version of the journey's customer surveys, for ``selection``."""
    options = selection.filters()
    # The start feeling is a question of its own (asked once, before the first moment).
    starts = mean_by(
        engine.rows(
            queries.value_counts(
                organisation_id, ["version_id"], kinds=["start_feeling"], journey_id=journey_id, **options
            )
        ),
        lambda row: row["version_id"],
    )
    curves = []
    for measured in measured_curves(engine, organisation_id, minimum, journey_id=journey_id, **options):
        survey_id = dims.version_surveys.get(measured.version_id, 0)
        if dims.audiences.get(survey_id) == "employee":
            continue
        words = selection.label(dims.teams)
        label = _(
            "Measured: %(survey)s, version %(number)s",
            survey=localized(dims.titles.get(survey_id), get_locale()),
            number=dims.versions.get(measured.version_id, 0),
        )
        curves.append(
            JourneyCurve(
                survey_id,
                measured.version_id,
                f"{label} · {words}" if words else label,
                point(starts.get(measured.version_id), minimum),
                {m: p for m, p in measured.points.items() if m},
            )
        )
    return curves


def curve_rows(curves: Iterable[JourneyCurve], moments: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """The curves' data for the CSV: one row per curve and moment (and the start feeling first)."""
    rows = []
    for curve in curves:
        for moment_id, name in [(0, _("Start feeling")), *moments]:
            p = curve.start if moment_id == 0 else curve.points.get(moment_id, NOTHING)
            rows.append(
                {
                    "curve": curve.label,
                    "moment": name,
                    "n": p.n,
                    "mean": None if p.mean is None else round(p.mean, 3),
                    "sd": None if p.sd is None else round(p.sd, 3),
                    "low": None if p.band is None else round(p.band[0], 3),
                    "high": None if p.band is None else round(p.band[1], 3),
                }
            )
    return rows


CURVE_COLUMNS = ("curve", "moment", "n", "mean", "sd", "low", "high")


# One moment: its feeling over time and spread, per team of the respondents, and its other scores


@dataclass(frozen=True)
class MomentFigures:
    charts: dict[str, charts.Chart]  # "monthly" and "feelings", where there are answers
    per_team: list[tuple[str, CurvePoint]]  # the respondents' team (name) and the moment's point
    scores: list[tuple[str, Cell]]  # other questions asked about the moment: question key, score


def moment(
    store: AnalyticStore, organisation_id: int, moment_id: int, minimum: int, team_ids: frozenset[int] | None
) -> MomentFigures:
    """The moment's figures; ``team_ids``: the respondents' teams the viewer may see per team."""

    def question(engine: Engine, cur: Any) -> MomentFigures:
        dims = dimensions(cur, organisation_id)
        monthly = engine.rows(
            queries.value_counts(
                organisation_id, ["version_id", "question_id", "kind"], moment_id=moment_id, period="month"
            )
        )
        teams = engine.rows(
            queries.value_counts(organisation_id, ["team_id"], kinds=["emotion"], moment_id=moment_id)
        )
        return _moment_figures(dims, monthly, teams, minimum, team_ids)

    return read(store, question)


def _moment_figures(
    dims: Dimensions, monthly: list[dict], teams: list[dict], minimum: int, team_ids: frozenset[int] | None
) -> MomentFigures:
    emotions = [row for row in monthly if row["kind"] == "emotion"]
    feelings = mean_by(emotions, lambda row: row["period"])
    spread: dict[int, int] = defaultdict(int)
    for row in emotions:
        spread[row["value"]] += row["n"]
    others: dict[tuple[int, int, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in monthly:
        if row["kind"] != "emotion":
            others[(row["version_id"], row["question_id"], row["kind"])][row["value"]] += row["n"]
    found: dict[str, charts.Chart] = {}
    if feelings:
        points = [(month, point(stats, minimum)) for month, stats in sorted(feelings.items())]
        rows = charts.mean_series_rows(points)
        labels = charts.MeanSeriesLabels(_("Mean feeling per month"), _("Month"), _("Feeling (-3 to +3)"))
        found["monthly"] = charts.Chart(
            charts.mean_series_spec(rows, labels), rows, ("period", "n", "mean", "sd", "low", "high")
        )
        rows = charts.feeling_rows(spread)
        labels = charts.FeelingLabels(
            _("Feelings at this moment (n = %(n)s)", n=sum(spread.values())),
            _("Feeling (-3 to +3)"),
            _("Share of answers"),
        )
        found["feelings"] = charts.Chart(
            charts.feeling_spec(rows, labels), rows, ("feeling", "count", "share")
        )
    visible = [row for row in teams if team_ids is None or row["team_id"] in team_ids]
    team_points = [
        (dims.teams.get(team, "") if team else "", point(stats, minimum))
        for team, stats in mean_by(visible, lambda row: row["team_id"]).items()
    ]
    scores = []
    for (version_id, question_id, kind), values in sorted(others.items()):
        key = dims.questions.get(question_id, ("?", kind))[0]
        shown = score_kind(dims, dims.version_surveys.get(version_id, 0), kind)
        version = _("version %(number)s", number=dims.versions.get(version_id, 0))
        scores.append((f"{key} · {version}", cell(shown, values, minimum)))
    return MomentFigures(found, sorted(team_points, key=lambda item: item[0] or "~"), scores)


# A team: its NPS per month against its own history, its spread, and the moments it owns


@dataclass(frozen=True)
class TeamFigures:
    lines: list[TeamLine]  # the newest month against the team's history, per survey version
    charts: dict[str, charts.Chart]  # "monthly" (newest version with a score) and "distribution"
    moments: dict[int, CurvePoint]  # moments the team owns -> the mean feeling there


def team(store: AnalyticStore, organisation_id: int, team_id: int, minimum: int) -> TeamFigures:
    """The team's figures: NPS of the respondents of the team, feelings at the moments it owns."""

    def question(engine: Engine, cur: Any) -> TeamFigures:
        dims = dimensions(cur, organisation_id)
        lines = team_lines(
            team_months(engine, organisation_id, dims.today()), dims, minimum, frozenset({team_id})
        )
        monthly = engine.rows(
            queries.nps_counts(
                organisation_id, ["version_id", "question_id"], team_id=team_id, moment_id=0, period="month"
            )
        )
        values = engine.rows(
            queries.value_counts(
                organisation_id, ["version_id", "question_id"], kinds=["nps"], team_id=team_id, moment_id=0
            )
        )
        owned = engine.rows(
            queries.value_counts(organisation_id, ["moment_team_id", "moment_id"], kinds=["emotion"])
        )
        moments = mean_by([r for r in owned if r["moment_team_id"] == team_id], lambda r: r["moment_id"])
        return TeamFigures(
            lines,
            _team_charts(monthly, values, minimum),
            {m: point(stats, minimum) for m, stats in moments.items()},
        )

    return read(store, question)


def _team_charts(monthly: list[dict], values: list[dict], minimum: int) -> dict[str, charts.Chart]:
    found: dict[str, charts.Chart] = {}
    days = [
        DayCounts((r["version_id"], r["question_id"]), r["period"], r["n"], r["promoters"], r["detractors"])
        for r in monthly
    ]
    by_version: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for p in series(days, "month", minimum):
        by_version[p.group].append(p)  # type: ignore[index]
    scored = [key for key, points in by_version.items() if any(p.interval is not None for p in points)]
    if scored:
        newest = max(scored)
        found["monthly"] = nps_series_chart(by_version[newest], _("NPS per month"))
        counts = [0] * 11
        for row in values:
            if (row["version_id"], row["question_id"]) == newest:
                counts[row["value"]] += row["n"]
        found["distribution"] = distribution_chart(counts, _("Scores 0-10 (n = %(n)s)", n=sum(counts)))
    return found


# NPS per team and period: every team the viewer may see, the newest periods, the changes that stand

GRID_PERIODS = 12
GRID_KINDS: tuple[Period, ...] = ("week", "month", "quarter")


@dataclass(frozen=True)
class GridRow:
    team: str | None  # None: respondents without a team
    team_id: int | None
    points: list[SeriesPoint | None]  # one per period of the grid; None: no answers then


@dataclass(frozen=True)
class TeamGrid:
    """One survey version's NPS question: a row per team, a column per period."""

    survey_id: int
    title: dict[str, str]
    version: int
    question_key: str
    kind: str  # nps or enps
    periods: list[date]  # the first days of the newest GRID_PERIODS periods with answers, oldest first
    rows: list[GridRow]
    period: Period = "month"


def team_grid(
    store: AnalyticStore,
    organisation_id: int,
    minimum: int,
    team_ids: frozenset[int] | None,
    period: Period = "month",
) -> list[TeamGrid]:
    """Each team's NPS per week, month or quarter with its interval and its change against the team's
    period before; a change is marked only when it stands after false-discovery control over every team
    and period (of all teams: the viewer sees the rows of ``team_ids``, None for all)."""

    def question(engine: Engine, cur: Any) -> list[TeamGrid]:
        dims = dimensions(cur, organisation_id)
        grids = []
        found_periods = team_periods(engine, organisation_id, minimum, period)
        for (version_id, question_id), points in found_periods.items():
            periods = sorted({p.period for p in points})[-GRID_PERIODS:]
            by_team: dict[int, dict[date, SeriesPoint]] = defaultdict(dict)
            for p in points:
                if team_ids is None or p.group in team_ids:
                    by_team[p.group][p.period] = p  # type: ignore[index]
            rows = [
                GridRow(dims.teams.get(team) if team else None, team or None, [found.get(d) for d in periods])
                for team, found in by_team.items()
            ]
            survey_id = dims.version_surveys.get(version_id, 0)
            grids.append(
                TeamGrid(
                    survey_id,
                    dims.titles.get(survey_id, {}),
                    dims.versions.get(version_id, 0),
                    dims.questions.get(question_id, ("?", "nps"))[0],
                    score_kind(dims, survey_id, "nps"),
                    periods,
                    sorted(rows, key=lambda row: row.team or "~"),
                    period,
                )
            )
        return sorted(grids, key=lambda g: (localized(g.title, get_locale()), -g.version, g.question_key))

    return read(store, question)


GRID_COLUMNS = ["survey", "version", "question", "team", "period", "n", "nps", "low", "high", "change",
                "significant"]  # fmt: skip


def grid_rows(grids: Iterable[TeamGrid]) -> list[dict[str, Any]]:
    """The grids as the rows of their CSV (GRID_COLUMNS; a period by its first day), the periods without
    answers left out."""
    out = []
    for grid in grids:
        for row in grid.rows:
            for p in row.points:
                if p is None:
                    continue
                interval, score = p.interval, p.nps.score
                values = [
                    localized(grid.title, get_locale()), grid.version, grid.question_key,
                    row.team or _("No team"), p.period.isoformat(), p.nps.n,
                    "" if interval is None or score is None else round(score, 1),
                    "" if interval is None else round(interval.low, 1),
                    "" if interval is None else round(interval.high, 1),
                    "" if p.change is None else round(p.change, 1), p.significant,
                ]  # fmt: skip
                out.append(dict(zip(GRID_COLUMNS, values, strict=True)))
    return out
