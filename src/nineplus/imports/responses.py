"""Importing responses into a survey: the column mapping, and the rules that read one cell.

The mapping says, per column of the file, what it holds: the source's own response id (which makes a
second import of the same file change nothing), the moment it was submitted, the language, whether it
was finished (Qualtrics), or the answer to one question of the survey (per moment, for questions asked
per moment); other columns are ignored. ``suggest`` proposes a mapping from the column names, the
question texts of a Qualtrics export and LimeSurvey's question codes; the user confirms it.

``imports.staging`` checks every row of the file against the plan and stores the valid ones in bulk,
with ``parse_cell`` and ``parse_when`` as the rules for one cell.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized
from nineplus.feedback import fielding, service
from nineplus.feedback.models import SCALES, Question, Survey
from nineplus.imports.sources import Source
from nineplus.journeys.models import Moment
from nineplus.journeys.repository import moments as journey_moments
from nineplus.privacy import pseudonyms

META = ("client_id", "submitted_at", "locale", "finished", "person")


@dataclass(frozen=True)
class Target:
    """What one column holds."""

    field: str  # a META name, or "answer"
    question_id: int | None = None
    moment_id: int | None = None

    @property
    def code(self) -> str:
        if self.field != "answer":
            return self.field
        return f"q:{self.question_id}" + (f":{self.moment_id}" if self.moment_id else "")

    @staticmethod
    def parse(code: str) -> Target | None:
        if code in META:
            return Target(code)
        match = re.fullmatch(r"q:(\d+)(?::(\d+))?", code)
        if match is None:
            return None
        return Target("answer", int(match.group(1)), int(match.group(2)) if match.group(2) else None)


@dataclass
class Plan:
    """A confirmed mapping for one survey version: column index -> target."""

    survey: Survey
    version_id: int
    questions: dict[int, fielding.QuestionView]
    moments: dict[int, Moment]
    columns: dict[int, Target]
    headers: list[str]
    timezone: ZoneInfo
    skip_unsubmitted: bool = False  # LimeSurvey: a row without a submit date was never finished
    timezones: dict[int, ZoneInfo] = field(default_factory=dict)  # a column's own zone (Qualtrics)
    fingerprint: str = ""  # of the file: rows without a response id get ids unique to this file
    # external id or e-mail, lower case -> the person's pseudonym and team (never the person)
    persons: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    anonymous: bool = False  # the survey keeps no person and only the day of each response
    staged: Any = None  # the checked rows, kept from the check for the write (imports.staging)

    def column_of(self, field_name: str) -> int | None:
        return next((i for i, t in self.columns.items() if t.field == field_name), None)


# Suggesting a mapping ------------------------------------------------------------------------------------

_META_NAMES = {
    "client_id": {"responseid", "_recordid", "response_id", "id", "respondent", "respondent_id",
                  "client_id", "respons_id"},
    "submitted_at": {"recordeddate", "submitdate", "submitted_at", "submitted", "datum", "date", "enddate",
                     "ingevuld_op"},
    "locale": {"userlanguage", "startlanguage", "language", "locale", "taal"},
    "finished": {"finished"},
    # The respondent, by customer number: gives the response the person's team and attributes. An
    # e-mail column is not suggested (exports carry the recipient's address as contact data); mapped by
    # hand, an address matches too.
    "person": {"person", "persoon", "customer", "customerid", "customernumber", "klant", "klantnummer",
               "klantid", "relatienummer", "externalid", "personeelsnummer", "employeeid", "employeenumber"},
}  # fmt: skip


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def suggest(source: Source, questions: list[Question], moments: list[Moment]) -> dict[str, str]:
    """header -> target code ("" for columns to ignore), from names, Qualtrics texts and LimeSurvey codes."""
    out: dict[str, str] = {}
    used: set[str] = set()
    by_key = {q.key.lower(): q for q in questions}
    for header in source.headers:
        code = _suggest_one(source, header, by_key, questions, moments)
        if code and code not in used:
            out[header] = code
            used.add(code)
        else:
            out[header] = ""
    # The first date column that matched wins; Qualtrics has both EndDate and RecordedDate.
    return out


def _suggest_one(
    source: Source, header: str, by_key: dict[str, Question], questions: list[Question], moments: list[Moment]
) -> str:
    low = header.strip().lower()
    meta_id = source.import_ids.get(header, "").lower()
    for name, aliases in _META_NAMES.items():
        if name == "client_id" and low == "id" and source.tool != "limesurvey":
            continue  # a bare "id" is as often a customer number as a response id: the user says which
        if low in aliases or _norm(low) in aliases or meta_id in aliases:
            return name
    # "key", "KEY[SQ002]" (LimeSurvey), "key[moment]" or "key - moment"
    match = re.fullmatch(r"(.+?)\s*(?:\[(.+)\]|\s-\s(.+))?", header.strip())
    base, sub = (match.group(1), match.group(2) or match.group(3)) if match else (header, None)
    question = by_key.get(base.strip().lower())
    if question is None and source.labels.get(header):
        label = source.labels[header]
        text_part, _dash, moment_part = label.rpartition(" - ") if " - " in label else (label, "", "")
        question = _closest_question(text_part or label, questions)
        sub = sub or (moment_part or None)
    if question is None:
        return ""
    if not question.per_moment:
        return f"q:{question.id}"
    moment = _moment_for(sub, moments)
    return f"q:{question.id}:{moment.id}" if moment else ""


def _closest_question(text: str, questions: list[Question]) -> Question | None:
    best, best_score = None, 0.0
    for q in questions:
        for wording in (q.text or {}).values():
            score = difflib.SequenceMatcher(None, text.lower().strip(), wording.lower().strip()).ratio()
            if score > best_score:
                best, best_score = q, score
    return best if best_score >= 0.75 else None


def _moment_for(sub: str | None, moments: list[Moment]) -> Moment | None:
    if not sub:
        return None
    number = re.fullmatch(r"(?:sq)?0*(\d+)", sub.strip().lower())
    if number:  # LimeSurvey sub-question codes SQ001, SQ002 ... in the order of the journey
        index = int(number.group(1)) - 1
        return moments[index] if 0 <= index < len(moments) else None
    wanted = sub.strip().lower()
    for m in moments:
        if wanted in {n.strip().lower() for n in (m.name or {}).values()}:
            return m
    return None


def resolve(text: str, questions: list[Question], moments: list[Moment]) -> str:
    """A target written by a person ("nps", "emo[2]", "emo[Afspraak maken]", "client_id", "ignore") as a
    target code; Invalid when it names nothing."""
    text = text.strip()
    if text.lower() in ("", "ignore", "-"):
        return ""
    if text in META or Target.parse(text):
        return text
    match = re.fullmatch(r"(.+?)\s*(?:\[(.+)\])?", text)
    key, sub = (match.group(1).lower(), match.group(2)) if match else (text.lower(), None)
    question = next((q for q in questions if q.key.lower() == key), None)
    if question is not None and question.per_moment == (sub is not None):
        if sub is None:
            return f"q:{question.id}"
        moment = _moment_for(sub, moments)
        if moment is not None:
            return f"q:{question.id}:{moment.id}"
    raise Invalid({"map": _("%(target)s names no question (or moment) of this survey.", target=text)})


# Planning and converting -------------------------------------------------------------------------------


def plan(session: Session, survey_id: int, source: Source, mapping: dict[str, str], timezone: str) -> Plan:
    """Check a mapping (header -> target code) against the survey's current version."""
    survey = service.get_survey(session, survey_id)
    version = service.current_version(session, survey.id)
    questions = {q.id: fielding.QuestionView.of(q) for q in service.questions(session, version.id)}
    moments = {m.id: m for m in journey_moments(session, survey.journey_id)}
    columns: dict[int, Target] = {}
    errors: dict[str, str] = {}
    seen: dict[str, str] = {}
    for index, header in enumerate(source.headers):
        code = (mapping.get(header) or "").strip()
        if not code:
            continue
        target = Target.parse(code)
        if target is None or (target.field == "answer" and target.question_id not in questions):
            errors[f"map.{index}"] = _("Choose one of the listed options.")
            continue
        if target.field == "answer":
            question = questions[target.question_id]  # type: ignore[index]
            if question.per_moment != (target.moment_id is not None) or (
                target.moment_id is not None and target.moment_id not in moments
            ):
                errors[f"map.{index}"] = _("Choose one of the listed options.")
                continue
        if code in seen:
            errors[f"map.{index}"] = _("Column %(other)s is already mapped to this.", other=seen[code])
            continue
        seen[code] = header
        columns[index] = target
    if not any(t.field == "answer" for t in columns.values()) and not errors:
        errors["__all__"] = _("Map at least one column to a question.")
    anonymous = service.is_anonymous(version)
    if anonymous and any(t.field == "person" for t in columns.values()):
        errors["__all__"] = _("This survey is anonymous: leave out the column that names the respondent.")
    if errors:
        raise Invalid(errors)
    zones = {}
    for index, header in enumerate(source.headers):
        try:
            zones[index] = ZoneInfo(source.timezones[header])
        except (KeyError, ValueError, ZoneInfoNotFoundError):
            continue
    return Plan(
        survey,
        version.id,
        questions,
        moments,
        columns,
        source.headers,
        ZoneInfo(timezone),
        skip_unsubmitted=source.tool == "limesurvey",
        timezones=zones,
        fingerprint=_fingerprint(source),
        persons=_persons(session, survey.organisation_id)
        if any(t.field == "person" for t in columns.values())
        else {},
        anonymous=anonymous,
    )


def _persons(session: Session, organisation_id: int) -> dict[str, tuple[int, int | None]]:
    """The organisation's persons' pseudonyms and teams by lower-case external id and e-mail address (the
    external id wins where one person's id is another's address)."""
    keys: dict[str, tuple[int, int | None]] = {}
    rows = pseudonyms.directory(session, organisation_id)
    for _external, email, respondent, team_id in rows:
        if email:
            keys[email.strip().lower()] = (respondent, team_id)
    for external, _email, respondent, team_id in rows:
        if external:
            keys[external.strip().lower()] = (respondent, team_id)
    return keys


def _fingerprint(source: Source) -> str:
    digest = hashlib.sha256()
    with source.path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()[:16]


_NUMBER = re.compile(r"^\s*(-?\d+)(?:[.,]0+)?\s*$")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
                 "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y")  # fmt: skip


def parse_when(text: str, timezone: ZoneInfo) -> datetime | None:
    try:
        moment = _parse_when(text, timezone)
    except (OverflowError, ValueError):
        return None
    return moment if moment is not None and 1990 <= moment.year <= 2100 else None


def _parse_when(text: str, timezone: ZoneInfo) -> datetime | None:
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
        for form in _DATE_FORMATS:
            try:
                moment = datetime.strptime(text, form)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone)
    return moment.astimezone(UTC)


def parse_cell(question: Question, text: str) -> Any:
    """The cell as the answer value the survey's validation expects, or raise ValueError with a reason."""
    text = text.strip()
    if question.type in SCALES:
        match = _NUMBER.match(text)
        if match is None:
            raise ValueError(_("Enter a whole number."))
        return int(match.group(1))
    if question.type in ("single", "multiple"):
        by_label = {}
        for option in question.options:
            by_label[option["value"].lower()] = option["value"]
            for label in (option.get("label") or {}).values():
                by_label[label.strip().lower()] = option["value"]
        parts = [p.strip() for p in re.split(r"[;|,]", text)] if question.type == "multiple" else [text]
        values = [by_label.get(p.lower()) for p in parts if p]
        if any(v is None for v in values):
            raise ValueError(_("Choose one of the listed options."))
        return values if question.type == "multiple" else values[0]
    if question.type == "consent":
        yes = {"yes", "ja", "1", "true", "waar", "y", "j"}
        no = {"no", "nee", "0", "false", "onwaar", "n"}
        if text.lower() in yes:
            return "yes"
        if text.lower() in no:
            return "no"
        raise ValueError(_("Choose one of the listed options."))
    return text


FINISHED = {"1", "true", "waar", "yes", "ja", "complete", "completed"}  # Qualtrics' Finished column


def question_choices(
    plan_questions: list[Question], moments: list[Moment], locale: str
) -> list[tuple[str, str]]:
    """The targets a column can be mapped to, as (code, label) for the mapping page and the CLI."""
    choices = [
        ("", _("Ignore this column")),
        ("client_id", _("Response id in the source (makes a re-import harmless)")),
        ("submitted_at", _("Submitted at")),
        ("locale", _("Language")),
        ("finished", _("Finished (rows that are not are skipped)")),
        ("person", _("Respondent: customer number or e-mail address of a known person")),
    ]
    for q in plan_questions:
        if q.per_moment:
            choices += [(f"q:{q.id}:{m.id}", f"{q.key} · {localized(m.name, locale)}") for m in moments]
        else:
            choices.append((f"q:{q.id}", f"{q.key} · {localized(q.text, locale)}"))
    return choices
