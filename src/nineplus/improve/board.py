"""A team's board ("Statistics for Everybody", DOMAIN.md section 5): what an employee takes in within ten
seconds at the daily line-up. The team's score over the last four weeks against the four before and its
own target, the months before that as a trend, this week's comments in the customers' own words (masked),
the open cases and the running improvement actions with their effect so far.

The board is read by the team's members and whoever sees every team, and on a screen in the team's room
through a board link: a random token of which only the hash is kept, that opens this one board and
nothing else, until it is revoked. Every Monday morning (the organisation's time) each team's members get
the board in a weekly digest e-mail.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.analytics.scores import Nps
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.core.security import new_token, token_hash
from nineplus.core.tenancy import scope, system
from nineplus.improve import actions as improvement
from nineplus.improve import targets
from nineplus.improve.models import BoardLink, Case, GrowthTarget, ImprovementAction

RECENT_DAYS = 28  # the board's score: the last four weeks, against the four before
TREND_MONTHS = 6
QUOTES = 8  # comments of this week shown
CASES = 8  # open cases listed (the most urgent first)
TREND_MINIMUM = 10  # answers a month needs for a point on the trend


@dataclass(frozen=True)
class Quote:
    text: str  # masked
    polarity: str
    at: datetime


@dataclass(frozen=True)
class RunningAction:
    action: ImprovementAction
    measured: improvement.Measured


@dataclass(frozen=True)
class Board:
    team_id: int
    team: str
    recent: Nps  # the last RECENT_DAYS days
    before: Nps  # the RECENT_DAYS days before those
    trend: Any  # the monthly NPS chart (analytics.charts.Chart), None without answers
    target: targets.Row | None  # the running growth target and its progress
    quotes: list[Quote]
    open_cases: int
    overdue: int
    cases: list[tuple[Case, list[str]]]  # the most urgent open cases and their reasons in words
    actions: list[RunningAction]
    now: datetime
    customers: bool = True  # whether the comments and the list of cases are shown

    @property
    def change(self) -> float | None:
        """Points against the four weeks before, when both have answers."""
        if self.recent.score is None or self.before.score is None:
            return None
        return self.recent.score - self.before.score


def may_see(me: Principal, team_id: int) -> bool:
    return me.can(Permission.VIEW_ALL_TEAMS) or team_id in me.team_ids


def may_read_customers(me: Principal, team_id: int) -> bool:
    """Who sees the customers' words and the open cases on a board: the team itself, and who reads
    responses or works cases anyway (a viewer of every team sees the scores and the actions only)."""
    return team_id in me.team_ids or me.can(Permission.VIEW_RESPONSES) or me.can(Permission.WORK_CASES)


def may_share(me: Principal, team_id: int) -> bool:
    """Who may make and revoke the team's board links: who may plan its improvement actions."""
    return me.can(Permission.MANAGE_ACTIONS) and may_see(me, team_id)


def team_name(session: Session, me: Principal, team_id: int) -> str:
    from nineplus.accounts.models import Team

    scope(session, me.organisation_id)
    name = session.scalar(select(Team.name).where(Team.id == team_id))
    if name is None or not may_see(me, team_id):
        raise NotFound("teams")
    return name


def boards(session: Session, me: Principal) -> list[tuple[int, str]]:
    """The teams whose boards ``me`` may open."""
    from nineplus.accounts.models import Team

    scope(session, me.organisation_id)
    teams = session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    return [(t.id, t.name) for t in teams if may_see(me, t.id)]


def build(
    session: Session,
    organisation_id: int,
    team_id: int,
    team: str,
    now: datetime | None = None,
    *,
    customers: bool = True,
) -> Board:
    """The board of ``team_id`` as it is ``now`` (the session scoped to the organisation); without
    ``customers``, no comments and no list of cases (their numbers stay)."""
    from nineplus.improve.service import reasons_of

    now = now or utcnow()
    zone = targets.zone_of(session, organisation_id)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=RECENT_DAYS - 1)
    recent = targets.team_nps(session, team_id, first, today, zone)
    before = targets.team_nps(
        session, team_id, first - timedelta(days=RECENT_DAYS), first - timedelta(days=1), zone
    )
    running = session.scalar(
        select(GrowthTarget)
        .where(
            GrowthTarget.team_id == team_id, GrowthTarget.starts_on <= today, GrowthTarget.ends_on >= today
        )
        .order_by(GrowthTarget.starts_on.desc())
        .limit(1)
    )
    goal = None
    if running is not None:
        current = targets.team_nps(session, team_id, running.starts_on, today, zone)
        goal = targets.Row(running, team, targets.progress(current, running, ended=False), False)
    open_cases = list(
        session.scalars(
            select(Case)
            .where(Case.team_id == team_id, Case.status != "closed")
            .order_by(Case.due_at, Case.id)
        )
    )
    listed = open_cases[:CASES] if customers else []
    words = reasons_of(session, listed)
    started = session.scalars(
        select(ImprovementAction)
        .where(
            ImprovementAction.team_id == team_id,
            ImprovementAction.starts_on <= today,
            (ImprovementAction.ends_on.is_(None)) | (ImprovementAction.ends_on >= today),
        )
        .order_by(ImprovementAction.starts_on)
    )
    return Board(
        team_id,
        team,
        recent,
        before,
        _trend(session, team_id, today, zone, goal.target.target if goal else None),
        goal,
        quotes(session, team_id, now - timedelta(days=7)) if customers else [],
        len(open_cases),
        sum(1 for c in open_cases if c.due_at < now),
        [(c, words[c.id]) for c in listed],
        [RunningAction(a, improvement.measure(session, a, today)) for a in started],
        now,
        customers,
    )


def quotes(session: Session, team_id: int, since: datetime, limit: int = QUOTES) -> list[Quote]:
    """The team's customers' comments since ``since``, newest first, as masked by the text analysis (a
    comment not analysed yet waits: only masked words reach a board)."""
    from nineplus.feedback.models import Response, Survey
    from nineplus.text.models import VerbatimAnalysis

    rows = session.execute(
        select(VerbatimAnalysis.masked, VerbatimAnalysis.polarity, Response.submitted_at)
        .join(Response, Response.id == VerbatimAnalysis.response_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Response.team_id == team_id, Survey.audience == "customer", Response.submitted_at >= since)
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(limit)
    ).all()
    return [Quote(text, polarity, at) for text, polarity, at in rows if text.strip()]


def _trend(session: Session, team_id: int, today: date, zone: ZoneInfo, target: float | None) -> Any:
    """The team's NPS per month over the last TREND_MONTHS months, with its target as a dashed line."""
    from nineplus.analytics import series
    from nineplus.analytics.score_charts import nps_series_chart
    from nineplus.feedback.models import Answer, Response

    first = targets.months_before(today.replace(day=1), TREND_MONTHS - 1).replace(day=1)
    since = datetime.combine(first, time(0), zone)
    rows = session.execute(
        targets.team_answers((Response.submitted_at, Answer.value_int), team_id, since)
    ).all()
    if not rows:
        return None
    counts: Counter[tuple[date, str]] = Counter()
    for submitted_at, value in rows:
        day = submitted_at.astimezone(zone).date()
        counts[(day, "n")] += 1
        counts[(day, "p")] += value >= 9
        counts[(day, "d")] += value <= 6
    days = sorted({day for day, _ in counts})
    points = series.series(
        [series.DayCounts(team_id, d, counts[(d, "n")], counts[(d, "p")], counts[(d, "d")]) for d in days],
        "month",
        TREND_MINIMUM,
    )
    chart = nps_series_chart(points, _("NPS per month"))
    if target is not None:
        chart.spec.setdefault("layer", []).append(
            {
                "mark": {"type": "rule", "strokeDash": [6, 4], "color": "#b45309", "aria": False},
                "encoding": {"y": {"datum": target}},
            }
        )
    return chart


# --- Board links ---------------------------------------------------------------------------------------


def links(session: Session, me: Principal, team_id: int) -> list[BoardLink]:
    scope(session, me.organisation_id)
    return list(
        session.scalars(select(BoardLink).where(BoardLink.team_id == team_id).order_by(BoardLink.id.desc()))
    )


def make_link(session: Session, me: Principal, team_id: int, label: str) -> str:
    """A new board link for the team; returns its token, which is shown once and never stored."""
    team_name(session, me, team_id)
    if not may_share(me, team_id):
        raise NotFound("teams")
    words = label.strip()
    if not words or len(words) > 100:
        raise Invalid({"label": _("Name the screen the link is for, in at most 100 characters.")})
    token = new_token(24)
    link = BoardLink(team_id=team_id, token_hash=token_hash(token), label=words, created_by_id=me.user_id)
    session.add(link)
    session.flush()
    record(session, me, "board_link.create", link, after={"team_id": team_id, "label": words})
    return token


def revoke_link(session: Session, me: Principal, team_id: int, link_id: int) -> None:
    scope(session, me.organisation_id)
    link = session.scalar(select(BoardLink).where(BoardLink.id == link_id, BoardLink.team_id == team_id))
    if link is None or not may_share(me, team_id):
        raise NotFound("board_links")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        record(session, me, "board_link.revoke", link, before={"label": link.label})
    session.flush()


def opened(session: Session, token: str) -> tuple[int, int, str, str] | None:
    """What a board link opens: (organisation, team, team name, organisation's language), or None for a
    token that is unknown or revoked. The session is left scoped to that organisation."""
    from nineplus.accounts.models import Organisation, Team

    system(session)
    found = session.execute(
        select(BoardLink.id, BoardLink.organisation_id).where(
            BoardLink.token_hash == token_hash(token), BoardLink.revoked_at.is_(None)
        )
    ).first()
    if found is None:
        return None
    link_id, organisation_id = found
    locale = session.get_one(Organisation, organisation_id).locale
    scope(session, organisation_id)  # (forgets what the system step loaded: read again below)
    link = session.scalars(select(BoardLink).where(BoardLink.id == link_id)).one()
    name = session.scalar(select(Team.name).where(Team.id == link.team_id))
    if name is None:
        return None
    link.last_used_at = utcnow()
    session.flush()
    return organisation_id, link.team_id, name, locale
