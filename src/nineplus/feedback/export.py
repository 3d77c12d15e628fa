"""Exports of a survey's responses: CSV, XLSX and Parquet, streamed a batch of responses at a time.

Two shapes: ``answers`` in long form (a row per response, question and moment: what analyses want) and
``responses`` in wide form (a row per response, a column per question and, for questions asked per
moment, per moment: what a spreadsheet user wants). Every text cell of a CSV or XLSX file that a
spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return
or NUL) gets a leading apostrophe, so a respondent's "=HYPERLINK(...)" stays text. Numbers stay numbers.
Parquet is not interpreted by spreadsheets and keeps every value as given.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nineplus.core.models import localized
from nineplus.core.spreadsheet import neutralise
from nineplus.feedback import fielding
from nineplus.feedback.models import Answer, Question, Response, Survey, SurveyVersion
from nineplus.journeys.repository import moments as journey_moments

DATASETS = ("answers", "responses")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
BATCH = 1000  # responses read per query
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "int", "text" or "time": the Parquet type


@dataclass(frozen=True)
class Layout:
    """The columns of one export and how a response (with its answers) becomes rows."""

    columns: list[Column]
    rows: Callable[[Response, list[Answer]], list[list[Any]]]


class Exporter:
    """Reads one survey's responses in batches (in its own session, scoped by the caller)."""

    def __init__(self, session: Session, survey_id: int, locale: str) -> None:
        self.session = session
        self.survey = session.get_one(Survey, survey_id)
        self.locale = locale
        versions = list(session.scalars(select(SurveyVersion).where(SurveyVersion.survey_id == survey_id)))
        self.version_numbers = {v.id: v.number for v in versions}
        questions = list(
            session.scalars(
                select(Question)
                .where(Question.version_id.in_(self.version_numbers))
                .order_by(Question.version_id.desc(), Question.page, Question.position)
            )
        )
        self.questions = {q.id: q for q in questions}
        keys: list[str] = []  # newest version's order first, then keys only older versions had
        for q in questions:
            if q.key not in keys:
                keys.append(q.key)
        self.keys = keys
        self.per_moment = {q.key for q in questions if q.per_moment}
        self.moments = journey_moments(session, self.survey.journey_id, include_archived=True)
        self.moment_names = {m.id: localized(m.name, locale) for m in self.moments}

    def batches(self) -> Iterator[list[tuple[Response, list[Answer]]]]:
        after = 0
        while True:
            responses = list(
                self.session.scalars(
                    select(Response)
                    .where(Response.survey_id == self.survey.id, Response.id > after)
                    .where(Response.submitted_at.is_not(None))
                    .order_by(Response.id)
                    .limit(BATCH)
                )
            )
            if not responses:
                return
            by_response: dict[int, list[Answer]] = {r.id: [] for r in responses}
            answers = (
                select(Answer)
                .where(Answer.response_id.in_(by_response))
                .order_by(Answer.response_id, Answer.question_id, Answer.moment_key)
            )
            for answer in self.session.scalars(answers):
                by_response[answer.response_id].append(answer)
            yield [(r, by_response[r.id]) for r in responses]
            after = responses[-1].id
            self.session.expunge_all()  # keep memory bounded: what was written is not needed again

    def layout(self, dataset: str) -> Layout:
        return self._answers_layout() if dataset == "answers" else self._responses_layout()

    def _head(self, r: Response) -> list[Any]:
        return [
            r.id,
            r.client_id,
            self.version_numbers.get(r.version_id),
            r.locale,
            r.started_at,
            r.submitted_at,
        ]

    _HEAD = [
        Column("response_id", "int"),
        Column("client_id", "text"),
        Column("version", "int"),
        Column("locale", "text"),
        Column("started_at", "time"),
        Column("submitted_at", "time"),
    ]

    def _answers_layout(self) -> Layout:
        columns = [
            *self._HEAD,
            Column("question_key", "text"),
            Column("question_type", "text"),
            Column("moment_id", "int"),
            Column("moment", "text"),
            Column("value_number", "int"),
            Column("value_text", "text"),
        ]

        def rows(r: Response, answers: list[Answer]) -> list[list[Any]]:
            out = []
            for a in answers:
                q = self.questions.get(a.question_id)
                if q is None:
                    continue
                value = fielding.answer_value(a, q.type)
                text = LIST_SEPARATOR.join(value) if isinstance(value, list) else a.value_text
                if a.value_choices is not None and not isinstance(value, list):
                    text = str(value)
                moment = self.moment_names.get(a.moment_id) if a.moment_id else None
                out.append([*self._head(r), q.key, q.type, a.moment_id, moment, a.value_int, text])
            return out

        return Layout(columns, rows)

    def _responses_layout(self) -> Layout:
        targets: list[tuple[str, int | None, str]] = []  # (key, moment id, column name)
        for key in self.keys:
            if key in self.per_moment:
                targets += [(key, m.id, f"{key} [{self.moment_names[m.id]}]") for m in self.moments]
            else:
                targets.append((key, None, key))
        kinds = {q.key: q.type for q in self.questions.values()}
        numeric = {"nps", "csat", "effort", "emotion", "start_feeling"}
        columns = [
            *self._HEAD,
            Column("moments_experienced", "text"),
            *(Column(name, "int" if kinds[key] in numeric else "text") for key, _m, name in targets),
        ]
        index = {(key, moment): i for i, (key, moment, _name) in enumerate(targets)}

        def rows(r: Response, answers: list[Answer]) -> list[list[Any]]:
            cells: list[Any] = [None] * len(targets)
            for a in answers:
                q = self.questions.get(a.question_id)
                position = index.get((q.key, a.moment_id)) if q else None
                if q is None or position is None:
                    continue
                value = fielding.answer_value(a, q.type)
                cells[position] = LIST_SEPARATOR.join(value) if isinstance(value, list) else value
            moments = LIST_SEPARATOR.join(
                self.moment_names.get(m, str(m)) for m in r.moments_experienced or []
            )
            return [[*self._head(r), moments, *cells]]

        return Layout(columns, rows)


# Writers ----------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return neutralise(value)


def stream_csv(exporter: Exporter, dataset: str) -> Iterator[bytes]:
    layout = exporter.layout(dataset)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in layout.columns])
    yield ("\ufeff" + buffer.getvalue()).encode()  # the BOM tells Excel the file is UTF-8
    for batch in exporter.batches():
        buffer.seek(0)
        buffer.truncate()
        for response, answers in batch:
            for row in layout.rows(response, answers):
                writer.writerow(["" if v is None else _cell_text(v) for v in row])
        yield buffer.getvalue().encode()


def write_xlsx(exporter: Exporter, dataset: str, path: str) -> None:
    from openpyxl import Workbook

    layout = exporter.layout(dataset)
    book = Workbook(write_only=True)  # rows go straight to the file: memory stays flat
    sheet = book.create_sheet(dataset)
    sheet.append([c.name for c in layout.columns])
    for batch in exporter.batches():
        for response, answers in batch:
            for row in layout.rows(response, answers):
                sheet.append([_xlsx_cell(v) for v in row])
    book.save(path)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: the file says UTC in its columns' names
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # older answers may hold control characters
    return neutralise(value)


def write_parquet(exporter: Exporter, dataset: str, path: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    layout = exporter.layout(dataset)
    types = {"int": pa.int64(), "text": pa.string(), "time": pa.timestamp("us", tz="UTC")}
    schema = pa.schema([pa.field(c.name, types[c.kind]) for c in layout.columns])
    with pq.ParquetWriter(path, schema) as writer:
        for batch in exporter.batches():
            rows = [row for response, answers in batch for row in layout.rows(response, answers)]
            if rows:
                columns = zip(*rows, strict=True)
                arrays = [pa.array(values, type=f.type) for values, f in zip(columns, schema, strict=True)]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))


def stream_file(write: Callable[[str], None], chunk: int = 1 << 16) -> Iterator[bytes]:
    """Write a file that cannot be produced front to back (a zip, a Parquet footer) to a temporary path,
    then stream it and remove it."""
    handle, path = tempfile.mkstemp(prefix="nineplus-export-")
    os.close(handle)
    try:
        write(path)
        with open(path, "rb") as file:
            while data := file.read(chunk):
                yield data
    finally:
        os.unlink(path)
