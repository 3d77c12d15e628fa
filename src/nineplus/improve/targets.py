"""Growth targets per team (DOMAIN.md section 5): each team grows from its own baseline, never towards one
absolute score for all; a team below the basic level first needs its basics and gets a steeper target.

The measure is the NPS of the team's customers (the overall score of the customer surveys). The baseline
is their NPS in the BASELINE_MONTHS before the period; the suggestion adds GROWTH points, or, below the
basic level, STEEP points or half the way to the basic level if that is more. Progress is the NPS since
the period started with its interval, and the growth since the baseline with its own interval; whether
the target is reached is only said when the interval says so. A target changed after its period started
is written to the audit log as such, with what it was.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.analytics.scores import Nps, z_for
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.models import utcnow
from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope, system
from nineplus.improve import fields
from nineplus.improve.models import GrowthTarget
from nineplus.jobs.runner import handler

BASELINE_MONTHS = 6
GROWTH = 5.0  # NPS points a team at or above the basic level is asked to grow in a period
STEEP = 10.0  # at least this much below it
BASIC_LEVEL = 0.0  # default: more detractors than promoters means the basics are not in order


@dataclass(frozen=True)
class Suggestion:
    target: float
    steeper: bool


def suggest(baseline: float | None, basic_level: float) -> Suggestion | None:
    """The target a team with this baseline is asked for (None: without a baseline, nothing to grow
    from)."""
    if baseline is None:
        return None
    if baseline < basic_level:
        step = max(STEEP, (basic_level - baseline) / 2)
        return Suggestion(min(100.0, round(baseline + step)), True)
    return Suggestion(min(100.0, round(baseline + GROWTH)), False)


@dataclass(frozen=True)
class Progress:
    """Where a team stands against its target: the NPS since the period started, the growth since the
    baseline (both with 95% intervals) and the verdict in words."""

    current: Nps
    growth: tuple[float, float, float] | None  # value, low, high in NPS points
    verdict: str  # reached, not_reached, too_early, no_answers
    share: float | None  # how much of the way from baseline to target the estimate has gone


def progress(current: Nps, target: GrowthTarget, ended: bool) -> Progress:
    """Pure: the verdict follows the interval of the NPS since the start. ``ended``: the period is over
    (a target not reached then is "not reached", before then "not yet")."""
    if current.n == 0:
        return Progress(current, None, "no_answers", None)
    interval = current.interval()
    score = current.score or 0.0
    growth = None
    if target.baseline is not None and target.baseline_n > 0:
        # The baseline's own sampling error counts too: both are estimates from respondents.
        before = _counts(target.baseline, target.baseline_n)
        half = z_for(0.95) * 100 * math.sqrt(current.variance() / (current.n + 3) + before)
        growth = (score - target.baseline, score - target.baseline - half, score - target.baseline + half)
    if interval.low >= target.target:
        verdict = "reached"
    elif interval.high < target.target:
        verdict = "not_reached" if ended else "not_yet"
    else:
        verdict = "too_early"
    share = None
    if target.baseline is not None and target.target != target.baseline:
        share = (score - target.baseline) / (target.target - target.baseline)
    return Progress(current, growth, verdict, share)


def _counts(score: float, n: int) -> float:
    """The sampling variance (in shares) of a stored baseline: the worst case for its score (all
    respondents promoters or detractors but the passives the score implies: V = p + d - (p - d)^2 with
    p + d = 1), which never understates it."""
    share = score / 100
    return (1 - share**2) / (n + 3)


def team_answers(columns: Sequence[Any], team_id: int, since: datetime, until: datetime | None = None) -> Any:
    """A select of ``columns`` over the overall NPS answers of ``team_id``'s customers submitted from
    ``since`` (and before ``until``)."""
    from nineplus.feedback.models import Answer, Question, Response, Survey

    stmt = (
        select(*columns)
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(
            Survey.audience == "customer",
            Question.type == "nps",
            Answer.moment_key == 0,
            Answer.value_int.is_not(None),
            Response.team_id == team_id,
            Response.submitted_at >= since,
        )
    )
    return stmt if until is None else stmt.where(Response.submitted_at < until)


def team_nps(session: Session, team_id: int, first: date, last: date, zone: ZoneInfo) -> Nps:
    """The NPS of the team's customers who answered from ``first`` up to and including ``last`` (days in
    the organisation's time zone)."""
    from nineplus.feedback.models import Answer

    columns = (
        func.count(),
        func.coalesce(func.sum(case((Answer.value_int >= 9, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Answer.value_int <= 6, 1), else_=0)), 0),
    )
    since = datetime.combine(first, time(0), zone)
    until = datetime.combine(last + timedelta(days=1), time(0), zone)
    row = session.execute(team_answers(columns, team_id, since, until)).one()
    return Nps(int(row[0]), int(row[1]), int(row[2]))


def zone_of(session: Session, organisation_id: int) -> ZoneInfo:
    from nineplus.accounts.models import Organisation

    name = session.scalar(select(Organisation.timezone).where(Organisation.id == organisation_id))
    return ZoneInfo(name or "UTC")


def baseline(session: Session, organisation_id: int, team_id: int, starts_on: date) -> Nps:
    """The team's NPS in the BASELINE_MONTHS before ``starts_on``."""
    first = months_before(starts_on, BASELINE_MONTHS)
    zone = zone_of(session, organisation_id)
    return team_nps(session, team_id, first, starts_on - timedelta(days=1), zone)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day where it has fewer days)."""
    from dateutil.relativedelta import relativedelta

    return day - relativedelta(months=months)


@dataclass(frozen=True)
class Row:
    """One target on the targets page: the team, the target and its progress."""

    target: GrowthTarget
    team: str
    progress: Progress
    editable: bool


def targets(session: Session, me: Principal, today: date) -> list[Row]:
    """The targets of the teams ``me`` sees, the running and the latest first."""
    from nineplus.accounts.models import Team

    require(me, Permission.VIEW_JOURNEYS)
    scope(session, me.organisation_id)
    names = dict(session.execute(select(Team.id, Team.name)).all())
    stmt = select(GrowthTarget).order_by(GrowthTarget.starts_on.desc(), GrowthTarget.team_id)
    if not me.can(Permission.VIEW_ALL_TEAMS):
        stmt = stmt.where(GrowthTarget.team_id.in_(sorted(me.team_ids) or [-1]))
    zone = zone_of(session, me.organisation_id)
    return [_row(session, me, t, names.get(t.team_id, ""), today, zone) for t in session.scalars(stmt)]


def _row(
    session: Session, me: Principal, target: GrowthTarget, team: str, today: date, zone: ZoneInfo
) -> Row:
    current = team_nps(session, target.team_id, target.starts_on, min(today, target.ends_on), zone)
    return Row(target, team, progress(current, target, today > target.ends_on), may_edit(me, target.team_id))


def get(session: Session, me: Principal, target_id: int) -> GrowthTarget:
    require(me, Permission.VIEW_JOURNEYS)
    scope(session, me.organisation_id)
    found = session.scalar(select(GrowthTarget).where(GrowthTarget.id == target_id))
    if found is None or not (me.can(Permission.VIEW_ALL_TEAMS) or found.team_id in me.team_ids):
        raise NotFound("growth_targets")
    return found


def may_edit(me: Principal, team_id: int | None) -> bool:
    if not me.can(Permission.MANAGE_ACTIONS):
        return False
    return me.can(Permission.VIEW_ALL_TEAMS) or team_id in me.team_ids


def team_options(session: Session, me: Principal) -> list[tuple[int, str]]:
    from nineplus.accounts.models import Team

    scope(session, me.organisation_id)
    teams = session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    return [(t.id, t.name) for t in teams if may_edit(me, t.id)]


def _parsed(session: Session, me: Principal, form: dict[str, Any], fixed_team: int | None) -> dict[str, Any]:
    from nineplus.accounts.models import Team

    errors: dict[str, str] = {}
    found: dict[str, Any] = {}
    team = fixed_team if fixed_team is not None else fields.whole(form.get("team_id"))
    if (
        team is None
        or session.scalar(select(Team.id).where(Team.id == team)) is None
        or not may_edit(me, team)
    ):
        errors["team_id"] = _("Choose one of the teams you may set targets for.")
    found["team_id"] = team
    found["starts_on"], found["ends_on"] = fields.day(form.get("starts_on")), fields.day(form.get("ends_on"))
    if found["starts_on"] is None:
        errors["starts_on"] = _("Give the date the period starts.")
    if found["ends_on"] is None:
        errors["ends_on"] = _("Give the date the period ends.")
    elif found["starts_on"] is not None and found["ends_on"] <= found["starts_on"]:
        errors["ends_on"] = _("The period ends after it starts.")
    for key, low in (("basic_level", -100.0), ("target", -100.0)):
        found[key] = fields.number(form.get(key))
        if found[key] is None or not low <= found[key] <= 100:
            errors[key] = _("Give an NPS from -100 to 100.")
    found["note"] = str(form.get("note", "")).strip()
    if len(found["note"]) > 2000:
        errors["note"] = _("Say why in at most 2,000 characters.")
    if errors:
        raise Invalid(errors)
    return found


def _clash(session: Session, values: dict[str, Any], own: int | None = None) -> None:
    """One target per team at a time: refuse a period that overlaps another of the team's."""
    stmt = select(GrowthTarget.id).where(
        GrowthTarget.team_id == values["team_id"],
        GrowthTarget.starts_on <= values["ends_on"],
        GrowthTarget.ends_on >= values["starts_on"],
    )
    if own is not None:
        stmt = stmt.where(GrowthTarget.id != own)
    if session.scalar(stmt.limit(1)) is not None:
        raise Invalid({"starts_on": _("This team already has a target in that period: change that one.")})


def measure_baseline(session: Session, target: GrowthTarget, today: date) -> None:
    """The team's NPS in the BASELINE_MONTHS before the start, as far as they have passed by ``today``
    (a target set ahead of its period is measured again once it starts: ``settle_baselines``)."""
    zone = zone_of(session, target.organisation_id)
    last = min(target.starts_on - timedelta(days=1), today)
    found = team_nps(session, target.team_id, months_before(target.starts_on, BASELINE_MONTHS), last, zone)
    target.baseline, target.baseline_n, target.baseline_until = found.score, found.n, last
    target.steeper = target.baseline is not None and target.baseline < target.basic_level


def create(session: Session, me: Principal, form: dict[str, Any], today: date) -> GrowthTarget:
    """Set a team's target for a period; its baseline is measured now, from the team's own history."""
    require(me, Permission.MANAGE_ACTIONS)
    scope(session, me.organisation_id)
    values = _parsed(session, me, form, None)
    _clash(session, values)
    target = GrowthTarget(**values, organisation_id=me.organisation_id)
    measure_baseline(session, target, today)
    session.add(target)
    session.flush()
    record(session, me, "target.create", target, after=_audited(target))
    return target


def update(session: Session, me: Principal, target: GrowthTarget, form: dict[str, Any], today: date) -> None:
    """Change a target. Before its period starts, a new start measures the baseline again; after, the
    start stays, and any change needs a reason, written to the audit log as a change after the start."""
    if not may_edit(me, target.team_id):
        raise NotFound("growth_targets")
    values = _parsed(session, me, form, target.team_id)
    _clash(session, values, target.id)
    started = today >= target.starts_on
    reason = str(form.get("reason", "")).strip()
    if started and values["starts_on"] != target.starts_on:
        raise Invalid({"starts_on": _("The period has started: its start stays as it was.")})
    before = _audited(target)
    moved = values["starts_on"] != target.starts_on
    for key, value in values.items():
        setattr(target, key, value)
    if moved:
        measure_baseline(session, target, today)
    target.steeper = target.baseline is not None and target.baseline < target.basic_level
    after = _audited(target)
    changed = [k for k in after if after[k] != before[k]]
    if started and changed and not reason:
        raise Invalid({"reason": _("The period has started: say why the target changes.")})
    if len(reason) > 1000:
        raise Invalid({"reason": _("Say why in at most 1,000 characters.")})
    if changed:
        record(
            session,
            me,
            "target.change_after_start" if started else "target.update",
            target,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            reason=reason if started else "",
        )
    session.flush()


@handler("settle_baselines", every=timedelta(hours=1))
def settle_baselines(session: Session, payload: dict[str, Any]) -> None:
    """Measure again the baseline of each target that was set ahead of its period and has started now."""
    from nineplus.accounts.models import Organisation

    system(session)
    for organisation_id in session.scalars(select(Organisation.id).order_by(Organisation.id)).all():
        scope(session, organisation_id)
        today = utcnow().astimezone(zone_of(session, organisation_id)).date()
        for target in session.scalars(select(GrowthTarget).where(GrowthTarget.starts_on <= today)).all():
            if target.baseline_until is None or target.baseline_until < target.starts_on - timedelta(days=1):
                measure_baseline(session, target, today)
        session.commit()
        system(session)


def _audited(target: GrowthTarget) -> dict[str, Any]:
    return {
        "starts_on": str(target.starts_on),
        "ends_on": str(target.ends_on),
        "basic_level": target.basic_level,
        "target": target.target,
        "baseline": target.baseline,
    }


def policy() -> dict[str, float | int]:
    return {"months": BASELINE_MONTHS, "growth": GROWTH, "steep": STEEP, "basic_level": BASIC_LEVEL}


def proposal(
    session: Session, me: Principal, team_id: int | None, starts_on: str, today: date
) -> dict[str, Any]:
    """What the new-target form starts with: the next half year (or the start asked for), the team's
    baseline and the target suggested from it."""
    options = team_options(session, me)
    team = team_id if team_id in {t for t, _ in options} else (options[0][0] if options else None)
    start = fields.day(starts_on) or (date(today.year, 1, 1) if today.month <= 6 else date(today.year, 7, 1))
    end = date(start.year, 12, 31) if start.month > 6 else date(start.year, 6, 30)
    if end <= start:
        end = start + timedelta(days=182)
    form: dict[str, Any] = {"team_id": team, "starts_on": start, "ends_on": end, "basic_level": BASIC_LEVEL}
    if team is not None:
        before = baseline(session, me.organisation_id, team, start)
        hint = suggest(before.score, BASIC_LEVEL)
        form |= {"baseline": before, "suggestion": hint, "target": hint.target if hint else ""}
    return form


def row(session: Session, me: Principal, target: GrowthTarget, today: date) -> Row:
    from nineplus.accounts.models import Team

    name = session.scalar(select(Team.name).where(Team.id == target.team_id)) or ""
    return _row(session, me, target, name, today, zone_of(session, me.organisation_id))


def history(session: Session, me: Principal, target: GrowthTarget) -> list[Any]:
    """What was done to the target, from the audit log, newest first."""
    from nineplus.audit.models import AuditEvent

    scope(session, me.organisation_id)
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "GrowthTarget", AuditEvent.object_id == str(target.id))
            .order_by(AuditEvent.id.desc())
        )
    )
