"""The survey page's scores: NPS (eNPS for employees) and CSAT per survey version, with n and the 95%
interval, the 0-10 distribution and the NPS per month; never pooled across versions, and no score below
the minimum number of answers.

The figures come from the analytic store through the analytics layer (one snapshot), like the
dashboards: read from the row store, a survey with millions of answers took a minute to show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from nineplus.analytics import charts, score_charts
from nineplus.analytics.scores import Nps, Proportion
from nineplus.analytics.series import DayCounts, series
from nineplus.core.i18n import gettext as _
from nineplus.core.settings import get_settings
from nineplus.feedback import service
from nineplus.feedback.models import Survey


@dataclass(frozen=True)
class ScoreLine:
    version: int
    question_key: str
    kind: str  # "nps", "enps" or "csat"
    n: int
    score: float | None  # None below the minimum
    low: float | None
    high: float | None
    indicative: bool
    top_share: float  # promoters (or satisfied), percent
    bottom_share: float  # detractors (or dissatisfied), percent
    minimum: int
    version_id: int = 0
    question_id: int = 0


@dataclass(frozen=True)
class SurveyFigures:
    """What the survey page shows, read on one snapshot of the analytic store."""

    lines: list[ScoreLine]  # newest version first
    values: dict[tuple[int, int], dict[int, int]] = field(default_factory=dict)  # (version, question) ids
    monthly: dict[tuple[int, int], list[DayCounts]] = field(default_factory=dict)  # NPS counts per month
    refreshed_at: datetime | None = None


def survey_figures(session: Session, store: Any, survey: Survey) -> SurveyFigures:
    """The survey's scores and chart data from the analytic store (``analytics.store.AnalyticStore``). A
    question asked about one moment counts too; a question asked per moment counts its answers at every
    moment together."""
    from nineplus.analytics import queries
    from nineplus.analytics.engine import on_duckdb

    org = survey.organisation_id
    with store.snapshot() as cur:
        engine = on_duckdb(cur)
        refreshed = cur.execute("SELECT value FROM meta WHERE key = 'refreshed_at'").fetchone()
        counted = engine.rows(
            queries.value_counts(
                org, ["version_id", "question_id"], kinds=["nps", "csat"], survey_id=survey.id
            )
        )
        monthly = engine.rows(
            queries.nps_counts(org, ["version_id", "question_id"], survey_id=survey.id, period="month")
        )
    values: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for row in counted:
        values[(row["version_id"], row["question_id"])][row["value"]] = row["n"]
    months: dict[tuple[int, int], list[DayCounts]] = defaultdict(list)
    for row in monthly:
        key = (row["version_id"], row["question_id"])
        months[key].append(DayCounts(key, row["period"], row["n"], row["promoters"], row["detractors"]))
    return SurveyFigures(
        _lines(session, survey, values),
        dict(values),
        dict(months),
        datetime.fromisoformat(refreshed[0]) if refreshed else None,
    )


def _lines(
    session: Session, survey: Survey, values: dict[tuple[int, int], dict[int, int]]
) -> list[ScoreLine]:
    minimum = get_settings().minimum_n
    versions = {v.id: v.number for v in service.versions(session, survey.id)}
    questions = {
        q.id: (q.key, q.type) for version_id in versions for q in service.questions(session, version_id)
    }
    lines = []
    for (version_id, question_id), counts in values.items():
        key, question_type = questions.get(question_id, ("?", "nps"))
        n = sum(counts.values())
        stats: Nps | Proportion
        if question_type == "nps":
            top = sum(c for v, c in counts.items() if v >= 9)
            bottom = sum(c for v, c in counts.items() if v <= 6)
            stats = Nps(n, top, bottom)
            kind = "enps" if survey.audience == "employee" else "nps"
        else:
            top = sum(c for v, c in counts.items() if v >= 4)
            bottom = sum(c for v, c in counts.items() if v <= 2)
            stats, kind = Proportion(n, top), "csat"
        interval = stats.interval() if n >= minimum else None
        lines.append(
            ScoreLine(
                version=versions.get(version_id, 0),
                question_key=key,
                kind=kind,
                n=n,
                score=stats.score if interval else None,
                low=interval.low if interval else None,
                high=interval.high if interval else None,
                indicative=stats.indicative,
                top_share=100 * top / n if n else 0.0,
                bottom_share=100 * bottom / n if n else 0.0,
                minimum=minimum,
                version_id=version_id,
                question_id=question_id,
            )
        )
    return sorted(lines, key=lambda line: (-line.version, line.question_key))


def _chosen_nps(figures: SurveyFigures, version: int | None) -> ScoreLine | None:
    """The NPS line to chart: in ``version``, or the newest version with the minimum number of answers."""
    minimum = get_settings().minimum_n
    candidates = [s for s in figures.lines if s.kind in ("nps", "enps") and s.n >= minimum]
    return next((s for s in candidates if version is None or s.version == version), None)


def distribution_chart(figures: SurveyFigures, version: int | None = None) -> charts.Chart | None:
    """The 0-10 distribution of the survey's NPS question; None when no version has enough answers."""
    chosen = _chosen_nps(figures, version)
    if chosen is None:
        return None
    found = figures.values.get((chosen.version_id, chosen.question_id), {})
    counts = [found.get(score, 0) for score in range(11)]
    title = _("Scores 0-10, version %(number)s (n = %(n)s)", number=chosen.version, n=sum(counts))
    return score_charts.distribution_chart(counts, title, chosen.version)


def monthly_chart(figures: SurveyFigures, version: int | None = None) -> charts.Chart | None:
    """NPS per month (the organisation's months) of the same question, with intervals and the changes that
    stand after false-discovery control; None without enough answers, or with only one month."""
    chosen = _chosen_nps(figures, version)
    if chosen is None:
        return None
    days = figures.monthly.get((chosen.version_id, chosen.question_id), [])
    points = series(
        [DayCounts(chosen.version, d.day, d.n, d.promoters, d.detractors) for d in days],
        "month",
        get_settings().minimum_n,
    )
    if len(points) < 2:
        return None
    return score_charts.nps_series_chart(
        points, _("NPS per month, version %(number)s", number=chosen.version), chosen.version
    )


CHARTS = {"distribution": distribution_chart, "monthly": monthly_chart}
