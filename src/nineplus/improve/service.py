"""Opening cases from responses (the ``open_cases`` job) and working them.

Every two minutes the job looks at the customers' responses submitted since it last looked (again over the
last few minutes: a response commits with the moment it was submitted, a little before it is seen) and
opens a case for each one a rule catches, unless it has one. A theme or keyword rule waits for the
response's comments to be analysed (the verbatim job), for at most an hour.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session

from nineplus.accounts.models import Organisation
from nineplus.accounts.roles import Permission
from nineplus.audit.service import record
from nineplus.core.errors import Invalid, NotFound
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized, utcnow
from nineplus.core.principal import Principal
from nineplus.core.tenancy import scope, system
from nineplus.feedback.models import Answer, Question, Response, Survey
from nineplus.improve import notify
from nineplus.improve import rules as caserules
from nineplus.improve.models import OUTCOMES, RULE_KINDS, STATUSES, Case, CaseNote, CaseRule, CaseScan
from nineplus.improve.worktime import Office, due, working_hours_between
from nineplus.jobs.runner import handler
from nineplus.journeys.models import Moment
from nineplus.privacy import consent
from nineplus.text.models import VerbatimAnalysis, VerbatimMoment

log = logging.getLogger(__name__)
LOOK_BACK = timedelta(minutes=5)  # responses submitted this long before the last look are looked at again
ANONYMOUS_LOOK_BACK = timedelta(hours=26)  # a day, and a zone's offset
WAIT_FOR_TEXT = timedelta(hours=1)  # how long a text rule waits for a response's comments to be analysed
BATCH = 2_000
TEXT_RULES = ("theme", "keyword")


def office_of(session: Session, organisation_id: int) -> Office:
    timezone = session.scalar(select(Organisation.timezone).where(Organisation.id == organisation_id))
    return Office(timezone=timezone or "Europe/Amsterdam")


def open_cases(
    session: Session, organisation_id: int, now: datetime | None = None, *, notify_teams: bool = True
) -> int:
    """Open the cases the organisation's rules catch among its new responses; how many were opened.
    ``notify_teams`` False: no e-mail (the demo's cases, there before anyone arrives)."""
    scope(session, organisation_id)
    now = now or utcnow()
    found = list(session.scalars(select(CaseRule).where(CaseRule.active.is_(True))))
    if not found:
        return 0
    scan = session.scalar(select(CaseScan)) or CaseScan(organisation_id=organisation_id)
    session.add(scan)
    earliest = min(rule.applies_from for rule in found)
    # An anonymous survey's responses carry the start of their day, behind the last scan: while one is
    # fielded, a day and more is looked at again (the responses with a case are passed over).
    back = ANONYMOUS_LOOK_BACK if _fields_anonymously(session) else LOOK_BACK
    since = max(earliest, scan.checked_until - back) if scan.checked_until else earliest
    office = office_of(session, organisation_id)
    moment_teams = dict(session.execute(select(Moment.id, Moment.team_id)).all())
    opened = 0
    after_id = 0  # keyset: (submitted_at, id) after (since, after_id)
    while True:
        batch = _submitted(session, since, after_id, now)
        ids = [r[0] for r in batch]
        said, waiting = _said(session, ids, any(r.kind in TEXT_RULES for r in found))
        have = (
            set(session.scalars(select(Case.response_id).where(Case.response_id.in_(ids)))) if ids else set()
        )
        held = None
        for response_id, submitted_at, team_id in batch:
            if response_id in have:
                continue  # (looked at again: it has its case)
            if response_id in waiting and now - submitted_at < WAIT_FOR_TEXT:
                held = held or submitted_at  # its comments are not analysed yet: look again next time
                continue
            applying = [
                caserules.Rule(r.id, r.kind, r.threshold, r.value)
                for r in found
                if r.applies_from <= submitted_at
            ]
            heard = replace(said[response_id], team_id=team_id)
            catches = caserules.caught(applying, heard)
            if catches:
                case = _open(session, response_id, catches, heard, moment_teams, found, office)
                if notify_teams:
                    notify.queue_opened(session, case)
                opened += 1
        if held is not None:
            scan.checked_until = held
            break
        if len(batch) < BATCH:
            scan.checked_until = now
            break
        since, after_id = batch[-1][1], batch[-1][0]
    session.flush()
    return opened


def _fields_anonymously(session: Session) -> bool:
    from nineplus.feedback import service as surveys

    live = list(
        session.scalars(select(Survey.id).where(Survey.status == "live", Survey.audience == "customer"))
    )
    return any(surveys.is_anonymous(surveys.current_version(session, survey_id)) for survey_id in live)


def _submitted(
    session: Session, since: datetime, after_id: int, now: datetime
) -> list[tuple[int, datetime, int | None]]:
    """The customers' responses submitted after ``since`` (or at it, with an id above ``after_id``) and up
    to ``now``, oldest first."""
    rows = session.execute(
        select(Response.id, Response.submitted_at, Response.team_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(
            or_(
                Response.submitted_at > since,
                and_(Response.submitted_at == since, Response.id > after_id),
            ),
            Response.submitted_at <= now,
            Survey.audience == "customer",
        )
        .order_by(Response.submitted_at, Response.id)
        .limit(BATCH)
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def _said(
    session: Session, ids: Sequence[int], with_text: bool
) -> tuple[dict[int, caserules.Said], set[int]]:
    """Per response, its NPS, its feelings per moment and its analysed comments; and the responses whose
    comments are not all analysed yet (only looked for when a rule reads comments)."""
    nps: dict[int, int] = {}
    feelings: dict[int, dict[int, int]] = defaultdict(dict)
    rows = session.execute(
        select(Answer.response_id, Answer.moment_id, Answer.value_int, Question.type)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Answer.response_id.in_(ids),
            Question.type.in_(("nps", "emotion")),
            Answer.value_int.is_not(None),
        )
    )
    for response_id, moment_id, value, kind in rows:
        if kind == "nps" and moment_id is None:
            nps[response_id] = value
        elif kind == "emotion" and moment_id is not None:
            feelings[response_id][moment_id] = value
    comments: dict[int, list[caserules.Comment]] = defaultdict(list)
    waiting: set[int] = set()
    if with_text:
        links: dict[int, list[int]] = defaultdict(list)
        analysed = session.execute(
            select(
                VerbatimAnalysis.id,
                VerbatimAnalysis.response_id,
                VerbatimAnalysis.theme,
                VerbatimAnalysis.lemmas,
            ).where(VerbatimAnalysis.response_id.in_(ids))
        ).all()
        for analysis_id, moment_id in session.execute(
            select(VerbatimMoment.analysis_id, VerbatimMoment.moment_id).where(
                VerbatimMoment.analysis_id.in_([a[0] for a in analysed])
            )
        ):
            links[analysis_id].append(moment_id)
        count: dict[int, int] = defaultdict(int)
        for analysis_id, response_id, theme, lemmas in analysed:
            comments[response_id].append(
                caserules.Comment(theme, frozenset(lemmas.split()), tuple(sorted(links[analysis_id])))
            )
            count[response_id] += 1
        texts = session.execute(
            select(Answer.response_id, func.count())
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.response_id.in_(ids), Question.type == "text", Answer.value_text.is_not(None))
            .where(func.length(func.trim(Answer.value_text)) > 0)
            .group_by(Answer.response_id)
        )
        waiting = {response_id for response_id, n in texts if count[response_id] < n}
    said = {
        response_id: caserules.Said(
            nps.get(response_id), feelings.get(response_id, {}), comments.get(response_id, ())
        )
        for response_id in ids
    }
    return said, waiting


def _open(
    session: Session,
    response_id: int,
    catches: Sequence[caserules.Catch],
    said: caserules.Said,
    moment_teams: dict[int, int | None],
    found: Sequence[CaseRule],
    office: Office,
) -> Case:
    team_id, moment_id = caserules.route(catches, said, moment_teams)
    by_id = {rule.id: rule for rule in found}
    hours = min(by_id[c.rule_id].service_hours for c in catches)
    opened_at = utcnow()
    case = Case(
        response_id=response_id,
        rule_id=catches[0].rule_id,
        team_id=team_id,
        moment_id=moment_id,
        reasons=[c.reason for c in catches],
        opened_at=opened_at,
        due_at=due(opened_at, hours, office),
    )
    session.add(case)
    session.flush()
    from nineplus.webhooks.outbox import emit

    emit(session, "case.opened", [(case.organisation_id, _case_data(case))])
    return case


def _case_data(case: Case) -> dict[str, object]:
    return {
        "case_id": case.id,
        "response_id": case.response_id,
        "team_id": case.team_id,
        "moment_id": case.moment_id,
        "reasons": list(case.reasons),
        "opened_at": case.opened_at.isoformat(),
        "due_at": case.due_at.isoformat() if case.due_at else None,
    }


@handler("open_cases", every=timedelta(minutes=2))
def open_cases_job(session: Session, payload: dict[str, object]) -> None:
    """Open cases for every organisation's new responses."""
    system(session)
    ids = [org_id for (org_id,) in session.execute(select(Organisation.id).order_by(Organisation.id))]
    for organisation_id in ids:
        opened = open_cases(session, organisation_id)
        if opened:
            log.info("cases: %s opened for organisation %s", opened, organisation_id)
        session.commit()
        system(session)


# --- Working the cases -------------------------------------------------------------------------------


class CaseError(ValueError):
    """A change to a case that cannot be made, in words for the user."""


def _visible(me: Principal) -> Any:
    """The cases ``me`` may see: every one with VIEW_ALL_TEAMS, else those of one's own teams."""
    if me.can(Permission.VIEW_ALL_TEAMS):
        return true()
    return Case.team_id.in_(sorted(me.team_ids))


def team_names(session: Session, me: Principal) -> dict[int, str]:
    """The teams whose cases ``me`` may see, by name."""
    from nineplus.accounts.models import Team

    scope(session, me.organisation_id)
    teams = dict(session.execute(select(Team.id, Team.name).order_by(Team.name)).all())
    return (
        teams if me.can(Permission.VIEW_ALL_TEAMS) else {i: n for i, n in teams.items() if i in me.team_ids}
    )


def cases_for(
    session: Session,
    me: Principal,
    *,
    team_id: int | None = None,
    moment_id: int | None = None,
    status: str = "open",
    limit: int = 500,
) -> list[Case]:
    """The cases ``me`` may see, soonest due first; ``status`` 'open' means not closed."""
    scope(session, me.organisation_id)
    stmt = select(Case).where(_visible(me)).order_by(Case.due_at, Case.id).limit(limit)
    if team_id is not None:
        stmt = stmt.where(Case.team_id == team_id)
    if moment_id is not None:
        stmt = stmt.where(Case.moment_id == moment_id)
    if status == "open":
        stmt = stmt.where(Case.status != "closed")
    elif status in STATUSES:
        stmt = stmt.where(Case.status == status)
    return list(session.scalars(stmt))


def case_for(session: Session, me: Principal, case_id: int) -> Case | None:
    scope(session, me.organisation_id)
    return session.scalar(select(Case).where(Case.id == case_id, _visible(me)))


def add_note(session: Session, me: Principal, case: Case, text: str) -> CaseNote:
    words = text.strip()
    if not words:
        raise CaseError(_("Write a note first."))
    if len(words) > 4_000:
        raise CaseError(_("A note holds at most 4,000 characters."))
    note = CaseNote(case_id=case.id, author_id=me.user_id, kind="note", text=words)
    session.add(note)
    session.flush()
    return note


def set_status(
    session: Session, me: Principal, case: Case, status: str, outcome: str | None, *, resurvey: bool = False
) -> None:
    """Move a case on. Closing it needs its outcome (recovered or not); reopening clears it. ``resurvey``:
    closing as won back, ask the customer again some days later (``improve.resurvey``)."""
    from nineplus.improve import resurvey as again

    if status not in STATUSES:
        raise CaseError(_("Choose a status."))
    if status == "closed" and outcome not in OUTCOMES:
        raise CaseError(_("Say whether the customer was won back before closing the case."))
    asked = resurvey and status == "closed" and outcome == "recovered" and case.resurvey_due_at is None
    if asked and (why := again.refusal(session, case)) is not None:
        raise CaseError(why)
    before = {"status": case.status, "outcome": case.outcome}
    case.status = status
    case.outcome = outcome if status == "closed" else None
    case.closed_at = utcnow() if status == "closed" else None
    if asked:
        again.ask(session, case, utcnow())
    elif status != "closed" or outcome != "recovered":
        again.withdraw(case)
    session.add(CaseNote(case_id=case.id, author_id=me.user_id, kind="status", text=status))
    if status == "closed":
        session.add(CaseNote(case_id=case.id, author_id=me.user_id, kind="outcome", text=outcome or ""))
    after = {"status": status, "outcome": case.outcome, "resurvey": case.resurvey_due_at is not None}
    record(session, me, "case.status", case, before=before, after=after)
    session.flush()


@dataclass(frozen=True)
class CaseView:
    """A case with what the page shows of it: the response's scores and masked comments, the notes."""

    case: Case
    team: str | None
    moment: dict[str, str] | None
    nps: int | None
    feelings: list[tuple[dict[str, str], int]]  # moment name, feeling
    comments: list[str]  # masked
    notes: list[tuple[CaseNote, str]]  # note, author
    overdue_hours: float  # working hours past its due moment (0 when not overdue or closed)
    reasons: list[str]  # what caught it, in words
    now: datetime
    resurvey_refusal: str | None = None  # why the customer cannot be asked again after recovery
    # None: the survey did not ask; False: the customer said no (or did not answer) to being contacted
    contact_agreed: bool | None = None


def _contact_agreed(session: Session, response_id: int) -> bool | None:
    """False when the response withholds permission to be contacted; True when it gives it and the
    response is linked to a customer who could be contacted; None when the survey did not ask (or the
    answers are linked to no one, so there is nobody to contact either way)."""
    agreed = consent.given(session, response_id, "contact")
    if agreed and session.scalar(select(Response.respondent).where(Response.id == response_id)) is None:
        return None
    return agreed


def reason_words(code: str, moments: dict[int, dict[str, str]]) -> str:
    """A case's reason code ("nps:3", "emotion:-3:12", "theme:wait", "keyword:taxateur") in words."""
    from nineplus.text.themes import seeded

    kind, _colon, rest = code.partition(":")
    locale = get_locale()
    if kind == "nps":
        return _("NPS %(score)s", score=rest)
    if kind == "emotion":
        feeling, _colon, moment = rest.partition(":")
        name = localized(moments.get(int(moment)) if moment.isdigit() else None, locale)
        return _("feeling %(feeling)s at %(moment)s", feeling=feeling, moment=name)
    if kind == "theme":
        names = {t.key: t.name for t in seeded("nl")}
        return _("a comment on %(theme)s", theme=localized(names.get(rest), locale) or rest)
    if kind == "keyword":
        return _("a comment mentioning “%(word)s”", word=rest)
    return code


def reasons_of(session: Session, cases: Sequence[Case]) -> dict[int, list[str]]:
    """Each case's reasons in words (the moments' names read once)."""
    if not cases:
        return {}
    names = dict(session.execute(select(Moment.id, Moment.name)).all())
    return {case.id: [reason_words(code, names) for code in case.reasons] for case in cases}


def view(session: Session, case: Case) -> CaseView:
    from nineplus.accounts.models import Team, User
    from nineplus.improve import resurvey as again

    said, _waiting = _said(session, [case.response_id], with_text=False)
    names = dict(session.execute(select(Moment.id, Moment.name)).all())
    heard = said[case.response_id]
    comments = list(
        session.scalars(
            select(VerbatimAnalysis.masked)
            .where(VerbatimAnalysis.response_id == case.response_id)
            .order_by(VerbatimAnalysis.id)
        )
    )
    authors = dict(session.execute(select(User.id, User.name)).all())
    notes = session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))
    now = utcnow()
    late = 0.0
    if case.status != "closed" and now > case.due_at:
        late = working_hours_between(case.due_at, now, office_of(session, case.organisation_id))
    return CaseView(
        case,
        session.scalar(select(Team.name).where(Team.id == case.team_id)) if case.team_id else None,
        names.get(case.moment_id) if case.moment_id else None,
        heard.nps,
        [(names.get(moment, {}), feeling) for moment, feeling in sorted(heard.feelings.items())],
        comments,
        [(note, authors.get(note.author_id or 0) or "") for note in notes],
        round(late, 1),
        [reason_words(code, names) for code in case.reasons],
        now,
        again.refusal(session, case),
        _contact_agreed(session, case.response_id),
    )


# --- The rules -----------------------------------------------------------------------------------------

LIMITS = {"nps": (0, 10), "emotion": (-3, 3)}


def rules(session: Session, me: Principal) -> list[CaseRule]:
    scope(session, me.organisation_id)
    return list(session.scalars(select(CaseRule).order_by(CaseRule.active.desc(), CaseRule.id)))


def add_rule(session: Session, me: Principal, form: dict[str, Any]) -> CaseRule:
    """A new rule from the rules form; it applies to responses submitted from now on. Refused with the
    reason per field (``Invalid``)."""
    from nineplus.text.themes import seeded

    errors: dict[str, str] = {}
    kind = str(form.get("kind", ""))
    threshold: int | None = None
    value: str | None = None
    if kind not in RULE_KINDS:
        errors["kind"] = _("Choose what the rule looks at.")
    elif kind in LIMITS:
        low, high = LIMITS[kind]
        try:
            threshold = int(str(form.get("threshold", "")).strip())
        except ValueError:
            threshold = None
        if threshold is None or not low <= threshold <= high:
            errors["threshold"] = _("Give a whole number from %(low)s to %(high)s.", low=low, high=high)
    elif kind == "theme":
        value = str(form.get("theme", ""))
        if value not in {t.key for t in seeded("nl")}:
            errors["theme"] = _("Choose a theme.")
    else:
        value = str(form.get("keyword", "")).strip()
        if not value or len(value) > 100 or " " in value:
            errors["keyword"] = _("Give one word of at most 100 letters.")
    try:
        hours = int(str(form.get("service_hours", "")).strip())
    except ValueError:
        hours = 0
    if not 1 <= hours <= 400:
        errors["service_hours"] = _("Give the working hours to the first contact, from 1 to 400.")
    if errors:
        raise Invalid(errors)
    rule = CaseRule(kind=kind, threshold=threshold, value=value, service_hours=hours, applies_from=utcnow())
    session.add(rule)
    session.flush()
    record(
        session, me, "case_rule.create", rule, after={"kind": kind, "threshold": threshold, "value": value}
    )
    return rule


def switch_rule(session: Session, me: Principal, rule_id: int) -> CaseRule:
    """Switch a rule off, or on again (from now: the responses in between are not looked at)."""
    scope(session, me.organisation_id)
    rule = session.scalar(select(CaseRule).where(CaseRule.id == rule_id))
    if rule is None:
        raise NotFound("case_rules")
    rule.active = not rule.active
    if rule.active:
        rule.applies_from = utcnow()
    record(session, me, "case_rule.switch", rule, after={"active": rule.active})
    session.flush()
    return rule
