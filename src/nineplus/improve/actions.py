"""Improvement actions at interaction moments: planned, carried out, checked and acted on (plan-do-check-
act), each with what motivated it. Everyone who sees the journeys sees the actions; a CX lead plans them
for any team, a team lead for the own teams."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope
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
)


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
    found["moment_id"] = _id(form.get("moment_id"))
    if found["moment_id"] is None or not _exists(session, Moment, found["moment_id"]):
        errors["moment_id"] = _("Choose the interaction moment the action improves.")
    found["team_id"] = _id(form.get("team_id"))
    if found["team_id"] is not None and not _exists(session, Team, found["team_id"]):
        errors["team_id"] = _("Choose a team.")
    elif not me.can(Permission.VIEW_ALL_TEAMS) and found["team_id"] not in me.team_ids:
        errors["team_id"] = _("Choose one of your own teams.")
    found["owner_id"] = _id(form.get("owner_id"))
    if found["owner_id"] is not None and not _exists(session, User, found["owner_id"]):
        errors["owner_id"] = _("Choose who answers for the action.")
    found["starts_on"] = _day(form.get("starts_on"))
    if found["starts_on"] is None:
        errors["starts_on"] = _("Give the start date.")
    found["ends_on"] = _day(form.get("ends_on"))
    if form.get("ends_on") and found["ends_on"] is None:
        errors["ends_on"] = _("Give the end date as a date, or leave it empty.")
    elif found["ends_on"] and found["starts_on"] and found["ends_on"] < found["starts_on"]:
        errors["ends_on"] = _("The end date comes after the start date.")
    found["status"] = str(form.get("status") or "plan")
    if found["status"] not in ACTION_STATUSES:
        errors["status"] = _("Choose plan, do, check or act.")
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


def _id(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


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


def linked_cases(session: Session, action: ImprovementAction) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .join(ActionCase, ActionCase.case_id == Case.id)
            .where(ActionCase.action_id == action.id)
        )
    )
