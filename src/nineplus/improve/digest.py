"""The weekly digest: every week, from Monday DIGEST_HOUR in the organisation's time, each team's members
get their board by e-mail, once per team and week (``BoardDigest`` remembers it, so a runner that was down
on Monday sends it when it is back that week). The e-mail is written when it is sent, in the reader's
language, from the board as it is then; a team whose board is empty (no answers, cases or actions) and a
reader who left the team get nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.models import Organisation, Team, TeamMembership, User
from nineplus.core.i18n import gettext as _
from nineplus.core.i18n import ngettext, set_locale
from nineplus.core.mail import Email, composer, queue_composed
from nineplus.core.models import utcnow
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.improve import board, targets
from nineplus.improve.models import BoardDigest
from nineplus.improve.words import EFFECT_VERDICTS, TARGET_VERDICTS
from nineplus.jobs.runner import handler

DIGEST_HOUR = 7
QUOTES = 3


def week_due(now: datetime, zone: ZoneInfo) -> date | None:
    """The Monday of the week whose digest is due at ``now`` (from Monday DIGEST_HOUR on), or None before
    that hour on a Monday."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() == 0 and local.hour < DIGEST_HOUR:
        return None
    return monday


def members(session: Session, team_id: int) -> list[int]:
    return list(
        session.scalars(
            select(User.id)
            .join(TeamMembership, TeamMembership.user_id == User.id)
            .where(TeamMembership.team_id == team_id, User.is_active.is_(True))
            .order_by(User.id)
        )
    )


def mark_sent(session: Session, organisation_id: int, now: datetime | None = None) -> None:
    """Record this week's digests as sent (the demo, whose board nobody has seen yet: no e-mail at its
    first start)."""
    scope(session, organisation_id)
    week = week_due(now or utcnow(), targets.zone_of(session, organisation_id))
    if week is None:
        return
    have = set(session.scalars(select(BoardDigest.team_id).where(BoardDigest.week == week)))
    for team_id in session.scalars(select(Team.id)):
        if team_id not in have:
            session.add(BoardDigest(team_id=team_id, week=week))
    session.flush()


@handler("team_digests", every=timedelta(hours=1))
def team_digests(session: Session, payload: dict[str, Any]) -> None:
    queue_digests(session, utcnow())


def queue_digests(session: Session, now: datetime) -> None:
    """Queue each team's digest for the week due at ``now`` to its members, once per team and week."""
    system(session)
    for organisation in session.scalars(select(Organisation).order_by(Organisation.id)).all():
        week = week_due(now, ZoneInfo(organisation.timezone))
        if week is None:
            continue
        scope(session, organisation.id)
        sent = set(session.scalars(select(BoardDigest.team_id).where(BoardDigest.week == week)))
        for team_id in session.scalars(select(Team.id).order_by(Team.id)).all():
            readers = members(session, team_id)
            if team_id in sent or not readers:
                continue
            session.add(BoardDigest(team_id=team_id, week=week))
            for user_id in readers:
                payload = {"team_id": team_id, "user_id": user_id, "week": week.isoformat()}
                queue_composed(session, "team_digest", payload, organisation.id)
        session.commit()
        system(session)


@composer("team_digest")
def _digest_email(session: Session, payload: dict[str, Any]) -> Email | None:
    system(session)
    team = session.get(Team, payload["team_id"])
    user = session.get(User, payload["user_id"])
    if team is None or user is None or not user.is_active:
        return None
    organisation = session.get_one(Organisation, team.organisation_id)
    scope(session, organisation.id)
    if user.id not in members(session, team.id):
        return None
    set_locale(user.locale or organisation.locale)  # before the board: its words are in it too
    found = board.build(session, organisation.id, team.id, team.name)
    if not (found.recent.n or found.before.n or found.open_cases or found.actions or found.quotes):
        return None
    week = date.fromisoformat(payload["week"])
    return Email(user.email, _subject(found, week), "\n\n".join(_lines(found, organisation.name)))


def _points(value: float) -> str:
    return f"{value:+.0f}"


def _subject(found: board.Board, week: date) -> str:
    number = week.isocalendar().week
    if found.recent.n and found.recent.score is not None:
        return _(
            "Week %(week)s: %(team)s, NPS %(score)s",
            week=number,
            team=found.team,
            score=_points(found.recent.score),
        )
    return _("Week %(week)s: %(team)s", week=number, team=found.team)


def _lines(found: board.Board, organisation: str) -> list[str]:
    lines = [_("The board of %(team)s for this week.", team=found.team)]
    if found.recent.n and found.recent.score is not None:
        low, high = found.recent.interval()
        score = _(
            "Our NPS over the last 4 weeks: %(score)s (95 in 100: %(low)s to %(high)s), from %(n)s answers.",
            score=_points(found.recent.score),
            low=_points(low),
            high=_points(high),
            n=found.recent.n,
        )
        if found.change is not None:
            score += " " + _("%(change)s against the 4 weeks before.", change=_points(found.change))
        lines.append(score)
    else:
        lines.append(_("No answers from our customers in the last 4 weeks."))
    if found.target is not None:
        lines.append(
            _(
                "Our target: %(target)s by %(end)s: %(verdict)s.",
                target=_points(found.target.target.target),
                end=found.target.target.ends_on.isoformat(),
                verdict=_(TARGET_VERDICTS[found.target.progress.verdict][0]),
            )
        )
    cases = ngettext(
        "%(num)s customer is waiting for us", "%(num)s customers are waiting for us", found.open_cases
    )
    if found.overdue:
        cases += " " + ngettext("(%(num)s overdue)", "(%(num)s overdue)", found.overdue)
    lines.append(cases + ".")
    if found.actions:
        improving = [_("What we are improving:")]
        for running in found.actions:
            effect = running.measured.feeling
            verdict = _(EFFECT_VERDICTS[effect.verdict]) if effect else (running.measured.why_not or "")
            improving.append(f"- {running.action.title}: {verdict}")
        lines.append("\n".join(improving))
    if found.quotes:
        lines.append(
            "\n".join([_("What our customers said:"), *[f"- “{q.text}”" for q in found.quotes[:QUOTES]]])
        )
    link = f"{get_settings().base_url.rstrip('/')}/boards/{found.team_id}"
    lines += [_("The whole board: %(link)s", link=link), organisation]
    return lines
