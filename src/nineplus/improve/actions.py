"""Improvement actions at interaction moments: planned, carried out, checked and acted on (plan-do-check-
act), each with what motivated it. Everyone who sees the journeys sees the actions; a CX lead plans them
for any team, a team lead for the own teams."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized
from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope
from nineplus.improve import effect, fields, targets
from nineplus.improve.models import ACTION_STATUSES, ActionCase, Case, ImprovementAction
from nineplus.journeys.models import Moment

FIELDS = (
    "title",
    "goal",
    "actor",
    "moment_id",
    "team_id",
    "owner_id",
    "starts_on",
    "ends_on",
    "status",
    "themes",
    "min_effect_nps",
    "min_effect_emotion",
)
# The smallest effect worth detecting: its default and what is sensible.
MINIMUM_EFFECT = {"min_effect_nps": (5.0, 0.5, 100.0), "min_effect_emotion": (0.3, 0.05, 6.0)}


def choices(session: Session, locale: str) -> dict[str, Any]:
    """What the form offers: the active moments per journey, the teams, the staff, the themes."""
    from nineplus.accounts.models import Team, User
    from nineplus.journeys.models import Journey, Moment
    from nineplus.text.themes import seeded

    journeys = dict(session.execute(select(Journey.id, Journey.name)).all())
    moments = session.execute(
        select(Moment.id, Moment.name, Moment.journey_id)
        .where(Moment.archived_at.is_(None))
        .order_by(Moment.journey_id, Moment.position)
    ).all()
    teams = session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    owners = session.execute(
        select(User.id, User.name).where(User.is_active.is_(True)).order_by(User.name)
    ).all()
    moment_options = [
        (m.id, f"{localized(journeys.get(m.journey_id), locale)} · {localized(m.name, locale)}")
        for m in moments
    ]
    return {
        "moment_options": moment_options,
        "team_options": [("", _("no team")), *teams],
        "owner_options": [("", _("nobody yet")), *owners],
        "theme_options": [(t.key, localized(t.name, locale)) for t in seeded("nl")],
        "moment_names": dict(moment_options),
        "team_names": dict(teams),
        "statuses": {"plan": _("plan"), "do": _("do"), "check": _("check"), "act": _("act")},
    }


def actions(
    session: Session, me: Principal, *, status: str | None = None, team_id: int | None = None
) -> list[ImprovementAction]:
    require(me, Permission.VIEW_JOURNEYS)
    scope(session, me.organisation_id)
    stmt = select(ImprovementAction).order_by(ImprovementAction.starts_on.desc(), ImprovementAction.id.desc())
    if status in ACTION_STATUSES:
        stmt = stmt.where(ImprovementAction.status == status)
    if team_id is not None:
        stmt = stmt.where(ImprovementAction.team_id == team_id)
    return list(session.scalars(stmt))


def get(session: Session, me: Principal, action_id: int) -> ImprovementAction:
    require(me, Permission.VIEW_JOURNEYS)
    scope(session, me.organisation_id)
    action = session.scalar(select(ImprovementAction).where(ImprovementAction.id == action_id))
    if action is None:
        raise NotFound("improvement_actions")
    return action


def may_edit(me: Principal, action: ImprovementAction | None) -> bool:
    if not me.can(Permission.MANAGE_ACTIONS):
        return False
    if action is None or me.can(Permission.VIEW_ALL_TEAMS):
        return True
    return action.team_id in me.team_ids


def _parsed(session: Session, me: Principal, form: dict[str, Any]) -> dict[str, Any]:
    from nineplus.accounts.models import Team, User
    from nineplus.text.themes import seeded

    errors: dict[str, str] = {}
    found: dict[str, Any] = {}
    title = str(form.get("title", "")).strip()
    if not title or len(title) > 200:
        errors["title"] = _("Say what will be done, in at most 200 characters.")
    found["title"] = title
    found["goal"] = str(form.get("goal", "")).strip()[:4000]
    found["actor"] = str(form.get("actor", "")).strip()[:200]
    found["moment_id"] = fields.whole(form.get("moment_id"))
    if found["moment_id"] is None or not _exists(session, Moment, found["moment_id"]):
        errors["moment_id"] = _("Choose the interaction moment the action improves.")
    found["team_id"] = fields.whole(form.get("team_id"))
    if found["team_id"] is not None and not _exists(session, Team, found["team_id"]):
        errors["team_id"] = _("Choose a team.")
    elif not me.can(Permission.VIEW_ALL_TEAMS) and found["team_id"] not in me.team_ids:
        errors["team_id"] = _("Choose one of your own teams.")
    found["owner_id"] = fields.whole(form.get("owner_id"))
    if found["owner_id"] is not None and not _exists(session, User, found["owner_id"]):
        errors["owner_id"] = _("Choose who answers for the action.")
    found["starts_on"] = fields.day(form.get("starts_on"))
    if found["starts_on"] is None:
        errors["starts_on"] = _("Give the start date.")
    found["ends_on"] = fields.day(form.get("ends_on"))
    if form.get("ends_on") and found["ends_on"] is None:
        errors["ends_on"] = _("Give the end date as a date, or leave it empty.")
    elif found["ends_on"] and found["starts_on"] and found["ends_on"] < found["starts_on"]:
        errors["ends_on"] = _("The end date comes after the start date.")
    found["status"] = str(form.get("status") or "plan")
    if found["status"] not in ACTION_STATUSES:
        errors["status"] = _("Choose plan, do, check or act.")
    for key, (default, low, high) in MINIMUM_EFFECT.items():
        found[key] = fields.number(form.get(key)) if form.get(key) not in (None, "") else default
        if found[key] is None or not low <= found[key] <= high:
            errors[key] = _("Give a number from %(low)s to %(high)s.", low=low, high=high)
    keys = {t.key for t in seeded("nl")}
    chosen = form.get("themes") or []
    found["themes"] = sorted({str(t) for t in (chosen if isinstance(chosen, list) else [chosen])} & keys)
    if errors:
        raise Invalid(errors)
    return found


def _exists(session: Session, model: Any, object_id: int) -> bool:
    """Whether the organisation has it (a scoped query: ``session.get`` could answer from another
    organisation's objects in the identity map)."""
    return session.scalar(select(model.id).where(model.id == object_id)) is not None


def create(session: Session, me: Principal, form: dict[str, Any]) -> ImprovementAction:
    require(me, Permission.MANAGE_ACTIONS)
    scope(session, me.organisation_id)
    action = ImprovementAction(**_parsed(session, me, form))
    session.add(action)
    session.flush()
    record(session, me, "action.create", action, after={"title": action.title, "status": action.status})
    return action


def update(session: Session, me: Principal, action: ImprovementAction, form: dict[str, Any]) -> None:
    if not may_edit(me, action):
        raise NotFound("improvement_actions")
    values = _parsed(session, me, form)
    before = {key: str(getattr(action, key)) for key in FIELDS}
    for key, value in values.items():
        setattr(action, key, value)
    after = {key: str(getattr(action, key)) for key in FIELDS}
    changed = {k: v for k, v in after.items() if v != before[k]}
    record(session, me, "action.update", action, before={k: before[k] for k in changed}, after=changed)
    session.flush()


def link_cases(session: Session, me: Principal, action: ImprovementAction, case_ids: list[int]) -> int:
    """Link cases of the organisation (that the user may see) to the action; how many were new."""
    from nineplus.improve.service import case_for

    if not may_edit(me, action):
        raise NotFound("improvement_actions")
    have = set(session.scalars(select(ActionCase.case_id).where(ActionCase.action_id == action.id)))
    added = 0
    for case_id in sorted(set(case_ids) - have):
        if case_for(session, me, case_id) is None:
            raise Invalid({"case_ids": _("Case %(number)s is not one you can link.", number=case_id)})
        session.add(ActionCase(action_id=action.id, case_id=case_id))
        added += 1
    session.flush()
    return added


def candidate_cases(
    session: Session, me: Principal, action: ImprovementAction, linked: list[Case], limit: int = 50
) -> list[Case]:
    """The cases at the action's moment that ``me`` may link and that are not linked yet."""
    from nineplus.improve.service import cases_for

    if not me.can(Permission.WORK_CASES):
        return []
    if action.moment_id is None:
        return []
    have = {c.id for c in linked}
    found = cases_for(session, me, moment_id=action.moment_id, status="all")
    return [c for c in found if c.id not in have][:limit]


def linked_cases(session: Session, action: ImprovementAction) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .join(ActionCase, ActionCase.case_id == Case.id)
            .where(ActionCase.action_id == action.id)
        )
    )


WINDOW_WEEKS = 12  # weeks compared on each side of an action's start, at most


@dataclass(frozen=True)
class Measured:
    """An action's effect so far on the moment's feeling and on the overall NPS."""

    feeling: effect.Effect | None
    nps: effect.Effect | None
    weeks_before: int
    weeks_after: int
    why_not: str | None  # in words, when nothing can be measured yet
    overlapping: tuple[ImprovementAction, ...] = ()  # the team's other actions at the moment in the window


def measure(session: Session, action: ImprovementAction, today: date | None = None) -> Measured:
    """Read the respondents' feelings at the action's moment and their NPS, per team and week (in the
    organisation's time zone), and estimate the effect for the action's team."""

    from nineplus.feedback.models import Answer, Question, Response, Survey

    today = today or date.today()
    if action.team_id is None or action.moment_id is None:
        return Measured(None, None, 0, 0, _("An action without a team or a moment cannot be compared."))
    start = _week(action.starts_on)
    after = min(WINDOW_WEEKS, _week(today) - start + 1)  # its effect may outlast its end date
    if after < 1:
        return Measured(None, None, WINDOW_WEEKS, 0, _("The action has not started yet."))
    zone = targets.zone_of(session, action.organisation_id)
    first = action.starts_on - timedelta(weeks=WINDOW_WEEKS)
    rows = session.execute(
        select(Response.team_id, Response.submitted_at, Question.type, Answer.moment_id, Answer.value_int)
        .join(Response, Response.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(
            Survey.audience == "customer",
            Response.submitted_at >= datetime.combine(first, time(0), zone),
            Response.team_id.is_not(None),
            Answer.value_int.is_not(None),
            or_(
                and_(Question.type == "emotion", Answer.moment_id == action.moment_id),
                and_(Question.type == "nps", Answer.moment_key == 0),
            ),
        )
    ).all()
    feelings, scores = [], []
    for team_id, submitted_at, kind, _moment, value in rows:
        week = _week(submitted_at.astimezone(zone).date())
        if kind == "emotion":
            feelings.append((team_id, week, float(value)))
        else:
            scores.append((team_id, week, effect.nps_points(value)))
    starts = _other_starts(session, action)
    common = {"before": WINDOW_WEEKS, "after": after, "starts": starts}
    overlapping = session.scalars(
        select(ImprovementAction)
        .where(
            ImprovementAction.id != action.id,
            ImprovementAction.team_id == action.team_id,
            ImprovementAction.moment_id == action.moment_id,
            ImprovementAction.starts_on >= first,
            ImprovementAction.starts_on < action.starts_on + timedelta(weeks=after),
        )
        .order_by(ImprovementAction.starts_on)
    )
    return Measured(
        effect.estimate(feelings, action.team_id, start, minimum_effect=action.min_effect_emotion, **common),
        effect.estimate(scores, action.team_id, start, minimum_effect=action.min_effect_nps, **common),
        WINDOW_WEEKS,
        after,
        None,
        tuple(overlapping),
    )


def _week(day: date) -> int:
    """Weeks since Monday 1 January 2001: a week index that runs on across years."""
    return (day - date(2001, 1, 1)).days // 7


def _other_starts(session: Session, action: ImprovementAction) -> dict[int, int]:
    """Per other team, the week its own earliest action at the same moment started."""
    found: dict[int, int] = {}
    for team_id, starts_on in session.execute(
        select(ImprovementAction.team_id, ImprovementAction.starts_on).where(
            ImprovementAction.moment_id == action.moment_id,
            ImprovementAction.id != action.id,
            ImprovementAction.team_id.is_not(None),
        )
    ):
        found[team_id] = min(found.get(team_id, 10**9), _week(starts_on))
    return found
