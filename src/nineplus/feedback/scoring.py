"""The survey page's scores: NPS (eNPS for employees) and CSAT per survey version, with n and the 95%
interval; never pooled across versions, and no score below the minimum number of answers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from nineplus.analytics import charts, score_charts
from nineplus.analytics.scores import Nps, Proportion
from nineplus.analytics.series import DayCounts, series
from nineplus.core.i18n import gettext as _
from nineplus.core.settings import get_settings
from nineplus.feedback import repository, service
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


def survey_scores(session: Session, survey: Survey) -> list[ScoreLine]:
    """The scores of the survey's versions, newest version first."""
    minimum = get_settings().minimum_n
    numbers = {v.id: v.number for v in service.versions(session, survey.id)}
    lines = []
    for version_id, key, question_type, n, top, bottom in repository.score_counts(session, survey.id):
        if question_type == "nps":
            nps = Nps(n, top, bottom)
            interval = nps.interval() if n >= minimum else None
            score = nps.score if n >= minimum else None
            kind = "enps" if survey.audience == "employee" else "nps"
            indicative = nps.indicative
        else:
            share = Proportion(n, top)
            interval = share.interval() if n >= minimum else None
            score = share.score if n >= minimum else None
            kind, indicative = "csat", share.indicative
        lines.append(
            ScoreLine(
                version=numbers.get(version_id, 0),
                question_key=key,
                kind=kind,
                n=n,
                score=score,
                low=interval.low if interval else None,
                high=interval.high if interval else None,
                indicative=indicative,
                top_share=100 * top / n if n else 0.0,
                bottom_share=100 * bottom / n if n else 0.0,
                minimum=minimum,
            )
        )
    return sorted(lines, key=lambda line: (-line.version, line.question_key))


def _chosen_nps(
    session: Session, survey: Survey, version: int | None, scores: list[ScoreLine] | None
) -> tuple[int, int, int] | None:
    """(version number, version id, question id) of the NPS question to chart: in ``version``, or the
    newest version with the minimum number of answers. ``scores``: the survey's, if already read."""
    minimum = get_settings().minimum_n
    lines = survey_scores(session, survey) if scores is None else scores
    candidates = [s for s in lines if s.kind in ("nps", "enps") and s.n >= minimum]
    chosen = next((s for s in candidates if version is None or s.version == version), None)
    if chosen is None:
        return None
    found = next(v for v in service.versions(session, survey.id) if v.number == chosen.version)
    question = next(q for q in service.questions(session, found.id) if q.key == chosen.question_key)
    return chosen.version, found.id, question.id


def distribution_chart(
    session: Session, survey: Survey, version: int | None = None, scores: list[ScoreLine] | None = None
) -> charts.Chart | None:
    """The 0-10 distribution of the survey's NPS question; None when no version has enough answers."""
    chosen = _chosen_nps(session, survey, version, scores)
    if chosen is None:
        return None
    number, version_id, question_id = chosen
    counts = repository.score_distribution(session, version_id, question_id)
    title = _("Scores 0-10, version %(number)s (n = %(n)s)", number=number, n=sum(counts))
    return score_charts.distribution_chart(counts, title, number)


def monthly_chart(
    session: Session, survey: Survey, version: int | None = None, scores: list[ScoreLine] | None = None
) -> charts.Chart | None:
    """NPS per month (UTC) of the same question, with intervals and the changes that stand after
    false-discovery control; None without enough answers, or with only one month."""
    chosen = _chosen_nps(session, survey, version, scores)
    if chosen is None:
        return None
    number, version_id, question_id = chosen
    days = [
        DayCounts(number, day, n, promoters, detractors)
        for day, n, promoters, detractors in repository.daily_score_counts(session, version_id, question_id)
    ]
    points = series(days, "month", get_settings().minimum_n)
    if len(points) < 2:
        return None
    return score_charts.nps_series_chart(
        points, _("NPS per month, version %(number)s", number=number), number
    )


CHARTS = {"distribution": distribution_chart, "monthly": monthly_chart}
