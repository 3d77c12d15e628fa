"""Honest-measurement checks: what would let a score be bent, counted and shown on the survey page.

Each check is silent on a clean sample and speaks, with counts, when the sample shows the pattern:

- leading wording in a question of the version being fielded (``wording.lint``, Dutch and English);
- internal respondents: persons at the organisation's own domains (its staff's e-mail domains and the
  protocol's excluded domains) that are in the sample, and how many the protocol kept out;
- sampling coverage per team: a team whose customers were invited far less than the others' (a team
  that withheld customers "because we already spoke to them");
- ballot stuffing: bursts of responses from one device (a keyed hash of address and browser), and the
  same full set of answers submitted again and again;
- straight-lining: the same emotion for every one of four or more moments.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from nineplus.accounts.models import Team, User
from nineplus.core.i18n import gettext as _
from nineplus.feedback import service, wording
from nineplus.feedback.models import Answer, Person, Question, Response, Survey, SurveyInvitation

BURST_SIZE = 5  # responses from one device ...
BURST_WINDOW = timedelta(minutes=10)  # ... within this time
REPEAT_SIZE = 3  # the same full set of answers this many times
REPEAT_WINDOW = timedelta(hours=1)
REPEAT_MIN_TEXT = 20  # characters of verbatim before identical answer sets count as a repeat
COVERAGE_MIN_PERSONS = 5  # a team needs this many eligible persons before its coverage is judged
COVERAGE_FACTOR = 0.5  # flagged below half of the other teams' coverage
STRAIGHT_MIN_MOMENTS = 4
STRAIGHT_SHARE = 0.10  # warned about when more than this share of the grid answers is straight-lined
STRAIGHT_MIN_COUNT = 3


@dataclass
class Check:
    code: str  # leading_wording, internal, coverage, bursts, repeats, straight_lining
    title: str
    count: int
    details: list[str] = field(default_factory=list)


CACHE_SECONDS = 120.0
_cache: dict[tuple[int, int, int, int], tuple[float, list[Check]]] = {}


def run_cached(session: Session, survey: Survey) -> list[Check]:
    """``run``, remembered for CACHE_SECONDS per survey state: the response checks read up to 20,000
    responses, too much for every view of the survey page. The key holds the version and the number of
    invitations, so a revision or a new invitation shows at once; new responses show within two minutes."""
    version = service.current_version(session, survey.id).id
    invited = session.scalar(
        select(func.count()).select_from(SurveyInvitation).where(SurveyInvitation.survey_id == survey.id)
    )
    key = (survey.organisation_id, survey.id, version, invited or 0)
    found = _cache.get(key)
    now = time.monotonic()
    if found is not None and now - found[0] <= CACHE_SECONDS:
        return found[1]
    checks = run(session, survey)
    if len(_cache) > 1000:
        _cache.clear()
    _cache[key] = (now, checks)
    return checks


def run(session: Session, survey: Survey) -> list[Check]:
    """The checks that fire for ``survey`` (an empty list for a clean sample)."""
    recent = _submitted(session, survey)  # read once for the response checks, with their answers
    answers = _answers(session, [row.id for row in recent])
    checks = [
        _leading_wording(session, survey),
        _internal(session, survey),
        _coverage(session, survey),
        *_stuffing(recent, answers),
        _straight_lining(session, answers),
    ]
    return [c for c in checks if c is not None]


def _leading_wording(session: Session, survey: Survey) -> Check | None:
    details = []
    for question in service.questions(session, service.current_version(session, survey.id).id):
        for language, text in sorted((question.text or {}).items()):
            for finding in wording.lint(text, language):
                details.append(f"{question.key} ({language}): {_(finding.reason)}: “{finding.excerpt}”")
    if not details:
        return None
    return Check("leading_wording", _("Leading wording"), len(details), details)


# Mail providers anyone can use: a member of staff with such an address does not make its customers staff.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "hotmail.com", "hotmail.nl", "outlook.com", "outlook.nl", "live.com",
        "live.nl", "msn.com", "yahoo.com", "yahoo.nl", "icloud.com", "me.com", "proton.me", "protonmail.com",
        "ziggo.nl", "kpnmail.nl", "planet.nl", "home.nl", "xs4all.nl", "hetnet.nl", "casema.nl", "telfort.nl",
    }
)  # fmt: skip


def internal_domains(session: Session, survey: Survey) -> set[str]:
    """The organisation's own domains: its staff's e-mail domains and the protocol's exclusions."""
    protocol = service.current_version(session, survey.id).protocol
    staff = {_domain(email) for email in session.scalars(select(User.email))} - PUBLIC_MAIL_DOMAINS
    return staff | set(protocol.get("excluded_domains", []))


def _domain(email: str | None) -> str:
    return (email or "").rpartition("@")[2].lower()


def _internal(session: Session, survey: Survey) -> Check | None:
    domains = internal_domains(session, survey)
    if not domains:
        return None
    invited = session.scalars(
        select(Person.email)
        .join(SurveyInvitation, SurveyInvitation.person_id == Person.id)
        .where(SurveyInvitation.survey_id == survey.id)
    ).all()
    inside = Counter(_domain(e) for e in invited if _domain(e) in domains)
    if not inside:
        return None
    details = [f"@{domain}: {n}" for domain, n in sorted(inside.items())]
    return Check("internal", _("Internal addresses in the sample"), sum(inside.values()), details)


def internal_kept_out(session: Session, survey: Survey) -> int:
    """Persons of the survey's audience at a domain the protocol excludes (the ones it keeps out)."""
    domains = service.current_version(session, survey.id).protocol.get("excluded_domains", [])
    if not domains:
        return 0
    at_domain = [Person.email.like(f"%@{d}") for d in domains]
    return (
        session.scalar(
            select(func.count()).select_from(Person).where(Person.kind == survey.audience, or_(*at_domain))
        )
        or 0
    )


def _coverage(session: Session, survey: Survey) -> Check | None:
    eligible = dict(
        session.execute(
            select(Person.team_id, func.count())
            .where(Person.kind == survey.audience, Person.team_id.is_not(None), Person.email.is_not(None))
            .where(Person.unsubscribed_at.is_(None), Person.bounced_at.is_(None))
            .group_by(Person.team_id)
        ).all()
    )
    invited = dict(
        session.execute(
            select(Person.team_id, func.count(func.distinct(Person.id)))
            .join(SurveyInvitation, SurveyInvitation.person_id == Person.id)
            .where(SurveyInvitation.survey_id == survey.id, Person.team_id.is_not(None))
            .group_by(Person.team_id)
        ).all()
    )
    if not invited:
        return None
    names = dict(session.execute(select(Team.id, Team.name)).all())
    details = []
    for team_id, size in sorted(eligible.items()):
        if size < COVERAGE_MIN_PERSONS:
            continue
        others_eligible = sum(n for t, n in eligible.items() if t != team_id)
        others_invited = sum(n for t, n in invited.items() if t != team_id)
        if not others_eligible or not others_invited:
            continue
        share, others = invited.get(team_id, 0) / size, others_invited / others_eligible
        if share < COVERAGE_FACTOR * others:
            details.append(
                _(
                    "%(team)s: %(invited)s of %(size)s invited (%(share)s%%; other teams %(others)s%%)",
                    team=names.get(team_id, team_id),
                    invited=invited.get(team_id, 0),
                    size=size,
                    share=round(100 * share),
                    others=round(100 * others),
                )
            )
    if not details:
        return None
    return Check("coverage", _("Teams that may have withheld customers"), len(details), details)


RECENT = 20_000  # the response checks look at the latest responses: stuffing is a recent event


def _submitted(session: Session, survey: Survey) -> list[Any]:
    """The latest RECENT submitted responses, oldest first."""
    rows = session.execute(
        select(Response.id, Response.submitted_at, Response.source_hash)
        .where(Response.survey_id == survey.id, Response.submitted_at.is_not(None))
        .order_by(Response.submitted_at.desc())
        .limit(RECENT)
    ).all()
    return rows[::-1]


def _windows(times: list[Any], size: int, window: timedelta) -> set[int]:
    """Indexes of the items that lie in a run of at least ``size`` within ``window`` (times sorted)."""
    flagged: set[int] = set()
    start = 0
    for end in range(len(times)):
        while times[end] - times[start] > window:
            start += 1
        if end - start + 1 >= size:
            flagged.update(range(start, end + 1))
    return flagged


def _answers(session: Session, ids: list[int]) -> list[Any]:
    """The answers of these responses, in order of response, question and moment."""
    found: list[Any] = []
    for chunk in range(0, len(ids), 5000):
        found += session.execute(
            select(
                Answer.response_id, Answer.question_id, Answer.moment_id, Answer.value_int, Answer.value_text
            )
            .where(Answer.response_id.in_(ids[chunk : chunk + 5000]))
            .order_by(Answer.response_id, Answer.question_id, Answer.moment_id)
        ).all()
    return found


def _clustered(groups: Iterable[list[Any]], size: int, window: timedelta) -> list[int]:
    """Per group of times that holds any: how many of its times fall in clusters of ``size`` or more
    within ``window``."""
    counts = (len(_windows(times, size, window)) for times in groups)
    return [n for n in counts if n]


def _stuffing(rows: list[Any], answers: list[Any]) -> list[Check]:
    out: list[Check] = []
    by_source: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        if row.source_hash:
            by_source[row.source_hash].append(row.submitted_at)
    bursts = _clustered(by_source.values(), BURST_SIZE, BURST_WINDOW)
    if bursts:
        title = _("Bursts of responses from one device")
        detail = _(
            "%(devices)s device(s) sent %(count)s responses in bursts of %(size)s or more "
            "within %(minutes)s minutes",
            devices=len(bursts),
            count=sum(bursts),
            size=BURST_SIZE,
            minutes=int(BURST_WINDOW.total_seconds() // 60),
        )
        out.append(Check("bursts", title, sum(bursts), [detail]))

    signature: dict[int, list[Any]] = defaultdict(list)
    for a in answers:
        signature[a.response_id].append(
            (a.question_id, a.moment_id, a.value_int, (a.value_text or "").lower())
        )
    same: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for row in rows:
        answers_of = signature.get(row.id)
        # Only a verbatim of some length makes a repeat telling: "goed" and "nvt" recur honestly.
        if answers_of and any(len(text) >= REPEAT_MIN_TEXT for *_rest, text in answers_of):
            same[tuple(answers_of)].append(row.submitted_at)
    repeats = _clustered(same.values(), REPEAT_SIZE, REPEAT_WINDOW)
    if repeats:
        title = _("The same answers, word for word, again and again")
        detail = _(
            "%(sets)s set(s) of identical answers came %(count)s times in all "
            "(%(size)s or more within an hour)",
            sets=len(repeats),
            count=sum(repeats),
            size=REPEAT_SIZE,
        )
        out.append(Check("repeats", title, sum(repeats), [detail]))
    return out


def _straight_lining(session: Session, answers: list[Any]) -> Check | None:
    per_moment = set(
        session.scalars(select(Question.id).where(Question.per_moment.is_(True), Question.type == "emotion"))
    )
    grids: dict[tuple[int, int], list[int]] = defaultdict(list)
    for a in answers:
        if a.question_id in per_moment and a.value_int is not None:
            grids[(a.response_id, a.question_id)].append(a.value_int)
    long_grids = [values for values in grids.values() if len(values) >= STRAIGHT_MIN_MOMENTS]
    flat = sum(1 for values in long_grids if len(set(values)) == 1)
    if flat < STRAIGHT_MIN_COUNT or flat <= STRAIGHT_SHARE * len(long_grids):
        return None
    detail = _(
        "%(flat)s of %(total)s responses gave every one of %(min)s or more moments the same emotion",
        flat=flat,
        total=len(long_grids),
        min=STRAIGHT_MIN_MOMENTS,
    )
    return Check("straight_lining", _("Straight-lining"), flat, [detail])
