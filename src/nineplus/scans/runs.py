"""Scan runs: start one among the staff of chosen teams (their employees and their managers), answer it
through a personal single-use link, and read the results without ever showing a group smaller than the
run's minimum: not the whole run, not a role, not a department, and not one that could be worked out by
subtracting the shown departments from the whole (complementary suppression).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import gettext as _
from nineplus.core.i18n import set_locale
from nineplus.core.mail import Email, composer, queue_composed
from nineplus.core.models import localized, utcnow
from nineplus.core.principal import Principal
from nineplus.core.security import constant_time_equals, id_of_signed, signed_id
from nineplus.core.settings import get_settings
from nineplus.core.tenancy import scope, system
from nineplus.scans import scoring
from nineplus.scans.instrument import Instrument, load_versions, newest
from nineplus.scans.models import ROLES, ScanAnswer, ScanInvitation, ScanRun

MIN_GROUP = 5  # the default smallest group whose scores are shown
# The user roles invited as managers: the teams' leads. Who runs scans and reads their results (CX leads,
# admins) is not asked: knowing one's own answer, one would read a group of one fewer.
MANAGERS = ("team_lead",)


class AlreadyAnswered(Exception):
    pass


@cache
def versions() -> dict[tuple[str, int], Instrument]:
    """The product's instruments, every version, read once per process (the files ship with the code)."""
    return load_versions()


def instruments() -> dict[str, Instrument]:
    """The newest version of each instrument: what a new run uses."""
    return newest(versions())


def instrument_of(run: ScanRun) -> Instrument:
    """The version the run was answered on (an older version's file is kept beside the newer one)."""
    found = versions().get((run.instrument, run.version))
    if found is None:
        raise NotFound("instruments")
    return found


def runs(session: Session, me: Principal) -> list[ScanRun]:
    require(me, Permission.RUN_SCANS)
    scope(session, me.organisation_id)
    return list(session.scalars(select(ScanRun).order_by(ScanRun.created_at.desc(), ScanRun.id.desc())))


def get(session: Session, me: Principal, run_id: int) -> ScanRun:
    require(me, Permission.RUN_SCANS)
    scope(session, me.organisation_id)
    run = session.scalar(select(ScanRun).where(ScanRun.id == run_id))
    if run is None:
        raise NotFound("scan_runs")
    return run


def team_options(session: Session, me: Principal) -> list[tuple[int, str]]:
    """The teams a run can be started among (who runs scans sees every team)."""
    from nineplus.accounts.models import Team

    require(me, Permission.RUN_SCANS)
    scope(session, me.organisation_id)
    return [(t.id, t.name) for t in session.execute(select(Team.id, Team.name).order_by(Team.name))]


def start(session: Session, me: Principal, form: dict[str, Any], *, notify: bool = True) -> ScanRun:
    """Start a run of an instrument among the chosen teams' employees and managers, and queue each a
    personal link by e-mail (``notify=False``: the demo's runs, answered already, e-mail nobody)."""
    from nineplus.accounts.models import Team

    require(me, Permission.RUN_SCANS)
    scope(session, me.organisation_id)
    errors: dict[str, str] = {}
    chosen = instruments().get(str(form.get("instrument", "")))
    if chosen is None:
        errors["instrument"] = _("Choose an instrument.")
    title = str(form.get("title", "")).strip()
    if not title or len(title) > 200:
        errors["title"] = _("Give the run a name, in at most 200 characters.")
    raw = form.get("team_ids") or []
    wanted = {
        int(t) for t in (raw if isinstance(raw, list) else [raw]) if str(t).isdecimal() and len(str(t)) < 10
    }
    teams = set(session.scalars(select(Team.id).where(Team.id.in_(sorted(wanted) or [-1]))))
    if not teams:
        errors["team_ids"] = _("Choose the teams whose staff answer.")
    group = str(form.get("min_group", MIN_GROUP)).strip()
    if not group.isdecimal() or not 3 <= int(group) <= 50:
        errors["min_group"] = _("Give a group size from 3 to 50.")
    if errors:
        raise Invalid(errors)
    assert chosen is not None
    # The previous run: the latest closed one of this instrument among the same teams (a change is only
    # a change among the same people).
    earlier = session.scalars(
        select(ScanRun)
        .where(ScanRun.instrument == chosen.key, ScanRun.status == "closed")
        .order_by(ScanRun.id.desc())
    )
    previous = next((r.id for r in earlier if sorted(r.teams or []) == sorted(teams)), None)
    run = ScanRun(
        instrument=chosen.key,
        version=chosen.version,
        title=title,
        anonymous=form.get("named") != "yes",
        min_group=int(group),
        previous_id=previous,
        created_by_id=me.user_id,
        teams=sorted(teams),
        open_link=form.get("open_link") == "yes",
    )
    session.add(run)
    session.flush()
    invited = 0 if run.open_link else _invite(session, run, teams, notify)
    if not invited and not run.open_link:
        raise Invalid({"team_ids": _("Nobody in these teams has an e-mail address to invite.")})
    record(session, me, "scan.start", run, after={"instrument": run.instrument, "invited": invited})
    return run


def _invite(session: Session, run: ScanRun, teams: set[int], notify: bool = True) -> int:
    """An invitation for every employee of the teams and every manager in them (once each)."""
    from nineplus.accounts.models import TeamMembership, User
    from nineplus.feedback.models import Person

    people = session.execute(
        select(Person.id, Person.team_id).where(
            Person.kind == "employee",
            Person.team_id.in_(sorted(teams)),
            Person.email.is_not(None),
            Person.unsubscribed_at.is_(None),
        )
    ).all()
    managers = session.execute(
        select(User.id, TeamMembership.team_id)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id.in_(sorted(teams)), User.role.in_(MANAGERS), User.is_active.is_(True))
        .order_by(User.id, TeamMembership.team_id)  # a lead of several teams counts for the first
    ).all()
    made: list[ScanInvitation] = []
    for person_id, team_id in people:
        made.append(ScanInvitation(run_id=run.id, person_id=person_id, role="employee", team_id=team_id))
    seen: set[int] = set()
    for user_id, team_id in managers:
        if user_id not in seen:
            seen.add(user_id)
            made.append(ScanInvitation(run_id=run.id, user_id=user_id, role="manager", team_id=team_id))
    session.add_all(made)
    session.flush()
    for invitation in made:
        if notify:
            queue_composed(session, "scan_invitation", {"invitation_id": invitation.id}, run.organisation_id)
    session.flush()
    return len(made)


def link_token(invitation: ScanInvitation) -> str:
    return signed_id("scan-invitation", invitation.organisation_id, invitation.id)


def opened(session: Session, token: str) -> tuple[ScanInvitation, ScanRun, Instrument]:
    """What a personal link opens (the session left scoped to its organisation), or NotFound."""
    system(session)
    found = id_of_signed(token)
    invitation = session.get(ScanInvitation, found) if found is not None else None
    if invitation is None or not constant_time_equals(link_token(invitation), token):
        raise NotFound("scan_invitations")
    scope(session, invitation.organisation_id)
    invitation = session.get_one(ScanInvitation, found)
    run = session.get_one(ScanRun, invitation.run_id)
    return invitation, run, instrument_of(run)


def shared_link(run: ScanRun) -> str | None:
    """The run's one link for everyone (where it has one): signed, so only the server makes it."""
    return signed_id("scan-link", run.organisation_id, run.id) if run.open_link else None


def opened_shared(session: Session, key: str) -> tuple[ScanRun, Instrument, list[tuple[int, str]]]:
    """What a shared link opens: the run, its instrument and the departments to choose from."""
    from nineplus.accounts.models import Team

    system(session)
    found = id_of_signed(key)
    run = session.get(ScanRun, found) if found is not None else None
    if run is None or not run.open_link or not constant_time_equals(shared_link(run) or "", key):
        raise NotFound("scan_runs")
    scope(session, run.organisation_id)
    run = session.get_one(ScanRun, found)
    teams = session.execute(
        select(Team.id, Team.name).where(Team.id.in_(run.teams or [-1])).order_by(Team.name)
    )
    return run, instrument_of(run), [(t.id, t.name) for t in teams]


def answer_shared(session: Session, run: ScanRun, form: dict[str, Any]) -> None:
    """An answer through the shared link: the respondent says their role and department. Anyone with the
    link can answer (the personal links are for when one answer per person matters)."""
    errors: dict[str, str] = {}
    role = str(form.get("role", ""))
    if role not in ROLES:
        errors["role"] = _("Say whether you are an employee or a manager.")
    team = str(form.get("team_id", ""))
    if not team.isdecimal() or int(team) not in (run.teams or []):
        errors["team_id"] = _("Choose your department.")
    given = _valid(run, form, errors)
    session.add(
        ScanAnswer(run_id=run.id, role=role, team_id=int(team), submitted_on=utcnow().date(), answers=given)
    )
    session.flush()


def _valid(run: ScanRun, form: dict[str, Any], errors: dict[str, str]) -> dict[str, int]:
    """The answered statements, or Invalid with a message per statement (and ``errors`` found before)."""
    if run.status != "open":
        raise Invalid({"__all__": _("This scan has closed: thank you all the same.")})
    instrument = instrument_of(run)
    low, high = instrument.scale.min, instrument.scale.max
    given: dict[str, int] = {}
    for item in instrument.items:
        text = str(form.get(item.key, "")).strip()
        if not text:
            continue  # no opinion
        if not text.isdecimal() or not low <= int(text) <= high:
            errors[item.key] = _("Choose a point from %(low)s to %(high)s.", low=low, high=high)
        else:
            given[item.key] = int(text)
    if errors:
        raise Invalid(errors)
    if len(given) < (len(instrument.items) + 1) // 2:
        raise Invalid({"__all__": _("Answer at least half of the statements, please.")})
    return given


def answer(session: Session, invitation: ScanInvitation, run: ScanRun, form: dict[str, Any]) -> None:
    """Store one respondent's answers and use up the link in the same transaction; an anonymous run keeps
    no link between the two."""
    given = _valid(run, form, {})
    today = utcnow().date()
    used = session.execute(
        update(ScanInvitation)
        .where(ScanInvitation.id == invitation.id, ScanInvitation.used_on.is_(None))
        .values(used_on=today)
    ).rowcount
    if used != 1:
        raise AlreadyAnswered
    session.add(
        ScanAnswer(
            run_id=run.id,
            role=invitation.role,
            team_id=invitation.team_id,
            person_id=None if run.anonymous else invitation.person_id,
            user_id=None if run.anonymous else invitation.user_id,
            submitted_on=today,
            answers=given,
        )
    )
    session.flush()


def close(session: Session, me: Principal, run: ScanRun) -> None:
    require(me, Permission.RUN_SCANS)
    if run.status == "open":
        run.status = "closed"
        run.closed_at = utcnow()
        record(session, me, "scan.close", run)
        from nineplus.webhooks.outbox import emit

        data = {
            "run_id": run.id,
            "instrument": run.instrument,
            "version": run.version,
            "title": run.title,
            "closed_at": run.closed_at.isoformat(),
        }
        emit(session, "scan.closed", [(run.organisation_id, data)])
    session.flush()


# --- Results ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A breakdown's group: its name, its respondents and its result (None when too small to show)."""

    key: str
    name: str
    n: int
    result: scoring.Result | None


@dataclass(frozen=True)
class Results:
    run: ScanRun
    instrument: Instrument
    invited: int
    answered: int
    whole: scoring.Result | None  # None below the minimum group, and while the run is open
    roles: list[Group]  # managers and employees (both shown or neither)
    gap: dict[str, float]  # dimension -> managers' score minus employees', where both may be shown
    departments: list[Group]
    hidden_departments: int  # left out: too small, or hidden so that a small one cannot be derived
    previous: scoring.Result | None
    change: dict[str, float]  # dimension -> change since the previous run
    waiting: bool = False  # the run is open: results show once it closes


def results(session: Session, me: Principal, run: ScanRun) -> Results:
    """What may be shown of a run. Nothing while it is open (two looks at a growing run give away the
    answers in between); nothing of a group under the minimum, on any breakdown, nor of one that follows
    from the others; no breakdown of a shared-link run (anyone can answer it more than once, so a group
    could be filled up to its minimum on purpose)."""
    from nineplus.accounts.models import Team

    require(me, Permission.RUN_SCANS)
    scope(session, me.organisation_id)
    instrument = instrument_of(run)
    rows = session.execute(
        select(ScanAnswer.role, ScanAnswer.team_id, ScanAnswer.answers).where(ScanAnswer.run_id == run.id)
    ).all()
    invited = session.scalar(select(func.count()).where(ScanInvitation.run_id == run.id)) or 0
    minimum = run.min_group
    if run.status == "open" or len(rows) < minimum:
        waiting = run.status == "open"
        return Results(run, instrument, invited, len(rows), None, [], {}, [], 0, None, {}, waiting=waiting)
    whole = scoring.score(instrument, [r.answers for r in rows], minimum)
    previous, change = _since(session, run, instrument, whole, minimum)
    if run.open_link:
        return Results(run, instrument, invited, len(rows), whole, [], {}, [], 0, previous, change)
    labels = {"employee": _("Employees"), "manager": _("Managers")}
    roles = [
        _group(instrument, role, labels[role], [r.answers for r in rows if r.role == role], minimum)
        for role in ROLES
    ]
    names = dict(session.execute(select(Team.id, Team.name)).all())
    teams = sorted({r.team_id for r in rows}, key=lambda t: names.get(t, "") if t else "")
    departments = [
        _group(
            instrument,
            str(t),
            names.get(t, _("no team")) if t else _("no team"),
            [r.answers for r in rows if r.team_id == t],
            minimum,
        )
        for t in teams
    ]
    departments, hidden = _suppress(departments, minimum)
    # Two roles: hiding one and showing the whole gives the hidden one away, so both or neither; and each
    # shown department's managers and employees (and those of the departments not shown) must each be none
    # or a full group, or the roles minus the departments would single someone out.
    shown = {g.key for g in departments}
    counted = Counter((r.role, str(r.team_id) if str(r.team_id) in shown else None) for r in rows)
    cells = [counted[(role, key)] for key in [*shown, None] for role in ROLES]
    if any(g.result is None for g in roles) or any(0 < n < minimum for n in cells):
        roles = [Group(g.key, g.name, g.n, None) for g in roles]
    gap = {}
    if all(g.result is not None for g in roles):
        by_role = {g.key: g.result for g in roles}
        for dimension in instrument.dimensions:
            manager = by_role["manager"].dimension(dimension.key).score  # type: ignore[union-attr]
            employee = by_role["employee"].dimension(dimension.key).score  # type: ignore[union-attr]
            if manager is not None and employee is not None:
                gap[dimension.key] = manager - employee
    return Results(
        run, instrument, invited, len(rows), whole, roles, gap, departments, hidden, previous, change
    )


def _since(
    session: Session, run: ScanRun, instrument: Instrument, whole: scoring.Result, minimum: int
) -> tuple[scoring.Result | None, dict[str, float]]:
    """The previous run's result (on its own version, under the larger of the two minimums) and the change
    per dimension."""
    if run.previous_id is None:
        return None, {}
    before = session.scalar(select(ScanRun).where(ScanRun.id == run.previous_id, ScanRun.status == "closed"))
    if before is None or before.instrument != run.instrument:
        return None, {}
    earlier = [
        a for (a,) in session.execute(select(ScanAnswer.answers).where(ScanAnswer.run_id == before.id))
    ]
    floor = max(before.min_group, minimum)
    if len(earlier) < floor:
        return None, {}
    previous = scoring.score(instrument_of(before), earlier, floor)
    change = {}
    for dimension in instrument.dimensions:
        now_score = whole.dimension(dimension.key).score
        then = next((d.score for d in previous.dimensions if d.key == dimension.key), None)
        if now_score is not None and then is not None:
            change[dimension.key] = now_score - then
    return previous, change


def _group(instrument: Instrument, key: str, name: str, answers: list[dict[str, Any]], minimum: int) -> Group:
    enough = len(answers) >= minimum
    return Group(key, name, len(answers), scoring.score(instrument, answers, minimum) if enough else None)


def _suppress(groups: list[Group], minimum: int) -> tuple[list[Group], int]:
    """Hide groups under the minimum; if the hidden ones together are fewer than the minimum, also hide
    the smallest shown group, so that no small group follows from the whole minus the rest
    (complementary suppression)."""
    shown = [g for g in groups if g.result is not None]
    hidden = [g for g in groups if g.result is None]
    if hidden and shown and sum(g.n for g in hidden) < minimum:
        smallest = min(shown, key=lambda g: g.n)
        shown = [g for g in shown if g is not smallest]
        hidden.append(smallest)
    return shown, len(hidden)


@composer("scan_invitation")
def _invitation_email(session: Session, payload: dict[str, Any]) -> Email | None:
    from nineplus.accounts.models import Organisation, User
    from nineplus.feedback.models import Person

    system(session)
    invitation = session.get(ScanInvitation, payload["invitation_id"])
    if invitation is None or invitation.used_on is not None:
        return None
    organisation_id = invitation.organisation_id
    scope(session, organisation_id)
    invitation = session.get_one(ScanInvitation, payload["invitation_id"])
    run = session.get_one(ScanRun, invitation.run_id)
    if run.status != "open":
        return None
    organisation = session.get_one(Organisation, organisation_id)
    if invitation.person_id is not None:
        person = session.get(Person, invitation.person_id)
        to = person.email if person and not person.unsubscribed_at and not person.bounced_at else None
        locale = organisation.locale
    else:
        user = session.get(User, invitation.user_id)
        to = user.email if user and user.is_active else None
        locale = (user.locale if user else None) or organisation.locale
    if not to:
        return None
    set_locale(locale)
    instrument = instrument_of(run)
    invitation.sent_at = utcnow()
    link = f"{get_settings().base_url.rstrip('/')}/scan/{link_token(invitation)}"
    promise = (
        _(
            "Your answers are anonymous: nobody can see what you answered, and no result of fewer than "
            "%(n)s people is shown.",
            n=run.min_group,
        )
        if run.anonymous
        else _("This scan is not anonymous: your answers are kept with your name.")
    )
    text = "\n\n".join(
        [
            _(
                "%(organisation)s asks you where we stand: %(title)s.",
                organisation=organisation.name,
                title=run.title,
            ),
            localized(instrument.description.model_dump(), locale),
            promise,
            _("It takes about five minutes: %(link)s", link=link),
        ]
    )
    return Email(to, _("Where do we stand? %(title)s", title=run.title), text)
