"""Load the demo organisation through the same services the product uses (so it passes validation)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from nineplus.accounts import repository as accounts_repo
from nineplus.accounts import service as accounts
from nineplus.accounts.models import Organisation
from nineplus.accounts.schemas import TeamIn, UserCreateIn
from nineplus.core.principal import Principal, system_principal
from nineplus.core.tenancy import scope, system
from nineplus.demo import content
from nineplus.demo import verbatims as demo_verbatims
from nineplus.demo.responses import CUSTOMERS, load_survey
from nineplus.journeys import service as journeys
from nineplus.journeys.schemas import (
    ChannelIn,
    ExperienceValueIn,
    JourneyIn,
    MomentIn,
    WorkshopEntriesIn,
    WorkshopEntryIn,
    WorkshopIn,
)


def demo_login() -> tuple[str, str]:
    return content.USERS[0]["email"], content.DEMO_PASSWORD


def load_demo(session: Session, *, lang: str = "nl") -> tuple[Organisation, bool]:
    """Create the demo organisation unless it exists; return it and whether it was created now.
    ``lang`` picks the language of the workshop records, which a room writes in one language."""
    system(session)
    existing = accounts_repo.organisation_by_slug(session, content.ORGANISATION["slug"])
    if existing is not None:
        return existing, False
    org = accounts.create_organisation(
        session,
        content.ORGANISATION["name"],
        locale=content.ORGANISATION["locale"],
        slug=content.ORGANISATION["slug"],
    )
    org.timezone = content.ORGANISATION["timezone"]
    actor = system_principal(org.id)

    teams = {
        t["key"]: accounts.create_team(session, actor, TeamIn(name=t["name"], description=t["description"]))
        for t in content.TEAMS
    }
    for user in content.USERS:
        accounts.create_user(
            session,
            UserCreateIn(
                email=user["email"],
                name=user["name"],
                password=content.DEMO_PASSWORD,
                role=user["role"],
                locale=user["locale"],
            ),
            [teams[key].id for key in user["teams"]],
        )
    for value in content.EXPERIENCE_VALUES:
        journeys.create_experience_value(session, actor, ExperienceValueIn.model_validate(value))
    channels = {
        c["key"]: journeys.create_channel(session, actor, ChannelIn(name=c["name"]))
        for c in content.CUSTOM_CHANNELS
    }

    for spec in content.JOURNEYS:
        journey = journeys.create_journey(
            session,
            actor,
            JourneyIn(
                name=spec["name"], description=spec["description"], start_feeling=spec["start_feeling"]
            ),
        )
        moment_ids: dict[str, int] = {}
        for m in spec["moments"]:
            channel = m["channel"] or ""
            if channel.startswith("custom:"):
                channel = f"custom:{channels[channel.removeprefix('custom:')].id}"
            moment = journeys.create_moment(
                session,
                actor,
                journey.id,
                MomentIn(
                    name=m["name"],
                    description=m["description"],
                    channel=channel,
                    team_id=teams[m["team"]].id if m["team"] else None,
                    role_label=m["role_label"],
                    predictability=m["predictability"],
                    kind=m["kind"],
                    contact=m["contact"],
                    service_guideline=m["service_guideline"],
                    keywords=demo_verbatims.keywords(m["key"]) if m["key"] in demo_verbatims.MOMENTS else {},
                ),
            )
            moment_ids[m["key"]] = moment.id
        for w in spec["workshops"]:
            workshop = journeys.create_workshop(
                session,
                actor,
                journey.id,
                WorkshopIn(
                    title=w["title"][lang],
                    held_on=date.fromisoformat(w["held_on"]),
                    facilitator=w["facilitator"],
                    participants=w["participants"],
                    notes=w["notes"][lang],
                ),
            )
            entries = [
                WorkshopEntryIn(
                    moment_id=moment_ids[key],
                    wanted=e["wanted"][lang],
                    today=e["today"][lang],
                    feeling_today=e["feeling_today"][lang],
                    quality_view=e["quality_view"][lang],
                    expected_emotion=e["expected_emotion"],
                )
                for key, e in w["entries"].items()
            ]
            journeys.save_entries(session, actor, workshop.id, WorkshopEntriesIn(entries=entries))
        if spec is content.MORTGAGE_JOURNEY:
            mortgage = (journey.id, dict(moment_ids))
    session.flush()
    scope(session, org.id)
    load_survey(session, actor, *mortgage, {key: teams[key].id for key in CUSTOMERS})
    from nineplus.text.service import analyse_organisation

    analyse_organisation(session, org.id)  # the job would within minutes; a first start shows them at once
    _case_rules(session, org.id)
    _improvement_actions(session, lang, {key: team.id for key, team in teams.items()}, mortgage[1])
    _growth_targets(session, actor, [teams[key].id for key in CUSTOMERS])
    from nineplus.improve.digest import mark_sent

    mark_sent(session, org.id)  # the first start sends no digest of a board nobody has seen
    from nineplus.demo.scans import load_scans

    load_scans(session, actor, [teams[key].id for key in CUSTOMERS], lang)
    return org, True


def _case_rules(session: Session, organisation_id: int) -> None:
    """The demo's rules for closing the loop (a detractor; a bad moment), applying to the last two weeks'
    answers, and the cases they open."""
    from datetime import timedelta

    from nineplus.core.models import utcnow
    from nineplus.improve.models import CaseRule
    from nineplus.improve.service import open_cases

    since = utcnow() - timedelta(days=14)
    session.add_all(
        [
            CaseRule(kind="nps", threshold=6, service_hours=16, applies_from=since),
            CaseRule(kind="emotion", threshold=-2, service_hours=8, applies_from=since),
        ]
    )
    session.flush()
    open_cases(session, organisation_id, notify_teams=False)  # no e-mail for cases already there


def _improvement_actions(
    session: Session, lang: str, team_ids: dict[str, int], moment_ids: dict[str, int]
) -> None:
    """The advice team's two actions, started weeks ago, with the effects ``demo.effects`` planted: one
    that helped and one that did not; the cases at their moments motivated them."""
    from sqlalchemy import select

    from nineplus.accounts.models import User
    from nineplus.core.models import utcnow
    from nineplus.demo import effects
    from nineplus.improve.models import ActionCase, Case, ImprovementAction

    owners = dict(session.execute(select(User.email, User.id)).all())
    today = utcnow().date()
    for key, (team, moment, weeks_ago, _lift) in effects.ACTIONS.items():
        spec = content.IMPROVEMENT_ACTIONS[key]
        action = ImprovementAction(
            title=spec["title"][lang],
            goal=spec["goal"][lang],
            actor=spec["actor"][lang],
            owner_id=owners[spec["owner"]],
            team_id=team_ids[team],
            moment_id=moment_ids[moment],
            starts_on=effects.action_start(today, weeks_ago),
            status=spec["status"],
            themes=spec["themes"],
        )
        session.add(action)
        session.flush()
        cases = session.scalars(
            select(Case.id).where(Case.moment_id == moment_ids[moment]).order_by(Case.id).limit(3)
        )
        session.add_all([ActionCase(action_id=action.id, case_id=case_id) for case_id in cases])
    session.flush()


def _growth_targets(session: Session, actor: Principal, team_ids: list[int]) -> None:
    """A half-year growth target for each team in the mortgage chain, started three months ago, each
    from its own baseline: the teams below the basic level get the steeper target."""
    from nineplus.core.models import utcnow
    from nineplus.improve import targets

    today = utcnow().date()
    start = targets.months_before(today.replace(day=1), 3)
    end = targets.months_before(start, -6) - timedelta(days=1)
    for team_id in team_ids:
        before = targets.baseline(session, actor.organisation_id, team_id, start)
        hint = targets.suggest(before.score, targets.BASIC_LEVEL)
        form = {"team_id": team_id, "starts_on": start.isoformat(), "ends_on": end.isoformat()}
        form |= {"basic_level": targets.BASIC_LEVEL, "target": hint.target if hint else 0.0}
        targets.create(session, actor, form, today)
