"""Importing responses into a survey: a column mapping, a check of every row, then short write transactions.

The mapping says, per column of the file, what it holds: the source's own response id (which makes a
second import of the same file change nothing), the moment it was submitted, the language, whether it
was finished (Qualtrics), or the answer to one question of the survey (per moment, for questions asked
per moment); other columns are ignored. ``suggest`` proposes a mapping from the column names, the
question texts of a Qualtrics export and LimeSurvey's question codes; the user confirms it.

The file is read twice, row by row: first every row is checked and nothing is written (a file with a
wrong row is rejected with a report of row, column, value and reason, unless the user chose to load the
valid rows only); then the rows are stored through the same code as the group-commit writer, a few
thousand per transaction, so that public submissions keep flowing while a large file loads.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _
from nineplus.core.models import localized
from nineplus.feedback import fielding, intake, service
from nineplus.feedback.models import SCALES, Question, Survey
from nineplus.feedback.schemas import AnswerIn
from nineplus.imports import pipeline
from nineplus.imports.report import Report, RowError, extra_cells
from nineplus.imports.sources import Source
from nineplus.journeys.models import Moment
from nineplus.journeys.repository import moments as journey_moments

META = ("client_id", "submitted_at", "locale", "finished")


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
    )


def _fingerprint(source: Source) -> str:
    digest = hashlib.sha256()
    with source.path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()[:16]


_NUMBER = re.compile(r"^\s*(-?\d+)(?:[.,]0+)?\s*$")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
                 "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y")  # fmt: skip


def _when(text: str, timezone: ZoneInfo) -> datetime | None:
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


def _value(question: Question, text: str) -> Any:
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


_FINISHED = {"1", "true", "waar", "yes", "ja", "complete", "completed"}


def convert(
    plan: Plan, line: int, cells: list[str], report: Report, seen: dict[str, int]
) -> intake.Submission | None:
    """One row as a submission, or None (its errors added to ``report``, or skipped as unfinished)."""
    extra = extra_cells(line, cells, len(plan.headers))
    if extra is not None and report.rejected([extra]):
        return None
    finished, submitted = plan.column_of("finished"), plan.column_of("submitted_at")
    if finished is not None and cells[finished].strip().lower() not in _FINISHED:
        report.skipped += 1
        return None
    if plan.skip_unsubmitted and submitted is not None and not cells[submitted].strip():
        report.skipped += 1
        return None
    errors: list[RowError] = []
    answers: list[AnswerIn] = []
    column_of_field: dict[str, int] = {}
    experienced: set[int] = set()
    submitted_at = None
    locale = "nl"
    for index, target in plan.columns.items():
        text = cells[index]
        if target.field == "submitted_at" and text.strip():
            submitted_at = _when(text, plan.timezones.get(index, plan.timezone))
            if submitted_at is None:
                errors.append(
                    RowError(
                        line, plan.headers[index], text, _("Enter a date and time, e.g. 2026-03-31 14:05.")
                    )
                )
        elif target.field == "locale" and text.strip():
            locale = "en" if text.strip().lower().startswith("en") else "nl"
        elif target.field == "answer" and text.strip():
            question = plan.questions[target.question_id]  # type: ignore[index]
            try:
                value = _value(question, text)
            except ValueError as exc:
                errors.append(RowError(line, plan.headers[index], text, str(exc)))
                continue
            answers.append(AnswerIn(question_id=question.id, moment_id=target.moment_id, value=value))
            column_of_field[fielding.answer_field(question.id, target.moment_id)] = index
            if target.moment_id is not None:
                experienced.add(target.moment_id)
    if not errors:
        try:
            rows = fielding.checked_answers(plan.questions, sorted(experienced), answers)
        except Invalid as exc:
            for name, reason in exc.errors.items():
                index = column_of_field.get(name)
                header = plan.headers[index] if index is not None else name
                errors.append(RowError(line, header, cells[index] if index is not None else "", reason))
    if not errors and not answers:
        errors.append(RowError(line, "", "", _("The row answers no question.")))
    if report.rejected(errors):
        return None
    return intake.Submission(
        organisation_id=plan.survey.organisation_id,
        survey_id=plan.survey.id,
        version_id=plan.version_id,
        client_id=_client_id(plan, cells, seen),
        locale=locale,
        moments_experienced=sorted(experienced),
        answers=rows,
        submitted_at=submitted_at,
        require_live=False,
    )


def _client_id(plan: Plan, cells: list[str], seen: dict[str, int]) -> str:
    """The response id of an imported row: from the source's own id, else from the row's content (the
    n-th identical row of a file gets the n-th id, so a second import finds them all again)."""
    column = plan.column_of("client_id")
    if column is not None and cells[column].strip():
        basis = f"{plan.survey.id}:id:{cells[column].strip()}"
    else:
        content = "\x1f".join(cells)
        seen[content] = seen.get(content, 0) + 1
        basis = f"{plan.survey.id}:file:{plan.fingerprint}:row:{seen[content]}:{content}"
    return "imp-" + hashlib.sha256(basis.encode()).hexdigest()[:40]


# Running -------------------------------------------------------------------------------------------------


def _converter(plan: Plan) -> pipeline.Convert[intake.Submission]:
    seen: dict[str, int] = {}
    return lambda line, cells, report: convert(plan, line, cells, report, seen)


def check(plan: Plan, source: Source, progress: pipeline.Progress = None) -> Report:
    """Read every row and report what is wrong; write nothing."""
    return pipeline.check_rows(source, _converter(plan), progress)


def write(
    plan: Plan, source: Source, open_session: Callable[[], Session], progress: pipeline.Progress = None
) -> Report:
    """Store the valid rows, a chunk per transaction; rows stored before are recognised, not doubled."""

    def store(session: Session, chunk: list[tuple[int, intake.Submission]], report: Report) -> None:
        outcomes = intake.store_batch(session, [item for _line, item in chunk])
        report.stored += sum(1 for o in outcomes if o.is_new)
        report.existing += sum(1 for o in outcomes if o.earlier)
        report.refused += sum(1 for o in outcomes if o.refused)

    return pipeline.write_chunks(source, _converter(plan), open_session, store, progress)


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
    ]
    for q in plan_questions:
        if q.per_moment:
            choices += [(f"q:{q.id}:{m.id}", f"{q.key} · {localized(m.name, locale)}") for m in moments]
        else:
            choices.append((f"q:{q.id}", f"{q.key} · {localized(q.text, locale)}"))
    return choices
