"""Reading uploaded files row by row: CSV (any common delimiter and encoding) and XLSX, and recognising
the response exports of Qualtrics and LimeSurvey.

A source yields its rows lazily, so a file of a million rows is read in bounded memory. Each row keeps
its line number in the file (the header is line 1; Qualtrics' two extra header rows are lines 2 and 3),
which is what the error report names.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nineplus.core.errors import Invalid
from nineplus.core.i18n import gettext as _

csv.field_size_limit(1 << 24)


@dataclass
class Source:
    """A file's columns, what the exporting tool said about them, and a way to read its rows."""

    path: Path
    kind: str  # "csv" or "xlsx"
    tool: str  # "plain", "qualtrics" or "limesurvey"
    headers: list[str]
    labels: dict[str, str] = field(default_factory=dict)  # header -> question text (Qualtrics row 2)
    import_ids: dict[str, str] = field(default_factory=dict)  # header -> Qualtrics ImportId (row 3)
    timezones: dict[str, str] = field(default_factory=dict)  # header -> Qualtrics timeZone of a date column
    skip: int = 0  # data rows that are really header rows (Qualtrics: 2)
    encoding: str = "utf-8-sig"
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number in the file, cells) for every data row, padded to the header's width. A row with
        more filled cells than the header has columns keeps them, so that the check can report it."""
        for lines, cells in self.batches():
            yield from zip(lines, cells, strict=True)

    def batches(self, size: int = 50_000) -> Iterator[tuple[list[int], list[list[str]]]]:
        """The rows of ``rows`` a batch at a time, as (line numbers, rows): a batch of ordinary rows (as
        wide as the header, none blank) passes through without a Python step per row."""
        width = len(self.headers)
        number = 2 + self.skip  # the line of the first data row
        raw = _csv_rows(self) if self.kind == "csv" else _xlsx_rows(self.path)
        next(raw, None)  # the header
        for _header_row in range(self.skip):
            next(raw, None)
        while chunk := list(itertools.islice(raw, size)):
            filled = list(map(str.strip, map("".join, chunk)))
            if all(filled) and list(map(len, chunk)).count(width) == len(chunk):
                yield list(range(number, number + len(chunk))), chunk
            else:
                lines, cells = [], []
                for offset, row in enumerate(chunk):
                    if not filled[offset]:
                        continue  # a blank row
                    while len(row) > width and not row[-1].strip():
                        row.pop()  # trailing empty cells, as spreadsheets often write them
                    lines.append(number + offset)
                    cells.append(row + [""] * (width - len(row)))
                if lines:
                    yield lines, cells
            number += len(chunk)


def open_source(path: Path) -> Source:
    """Look at the file's first rows: format, encoding, delimiter, columns and the tool that made it."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        source = Source(path, "xlsx", "plain", [])
        head = list(itertools.islice(_xlsx_rows(path), 3))
    elif suffix in (".csv", ".txt", ".tsv", ""):
        encoding = _encoding(path)
        sample = _read_text(path, encoding, 64 * 1024)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:  # rows of uneven length confuse the sniffer: the header line decides
            header_line = sample.splitlines()[0] if sample else ""
            best = max(",;\t|", key=header_line.count)

            class _Guessed(csv.excel):
                delimiter = best

            dialect = _Guessed
        if dialect.escapechar is None:
            # RFC 4180, as every spreadsheet and survey tool writes it: a quote inside quoted text is
            # doubled. The sniffer often guesses otherwise when the sample holds no such quote.
            dialect.doublequote = True
        source = Source(path, "csv", "plain", [], encoding=encoding, dialect=dialect)
        head = list(itertools.islice(_csv_rows(source), 3))
    else:
        raise Invalid({"file": _("Upload a CSV or XLSX file.")})
    if not head or not any(h.strip() for h in head[0]):
        raise Invalid({"file": _("The first row must name the columns.")})
    # A column without a name gets one, so the mapping can tell them apart.
    source.headers = [h.strip() or _("column %(n)s", n=i + 1) for i, h in enumerate(head[0])]
    seen = [h.lower() for h in source.headers if h]
    if len(set(seen)) != len(seen):
        raise Invalid({"file": _("Two columns have the same name.")})
    _recognise(source, head)
    return source


def _recognise(source: Source, head: list[list[str]]) -> None:
    """Qualtrics puts the question texts in row 2 and ImportId JSON in row 3; LimeSurvey names its
    columns id, submitdate, lastpage, startlanguage."""
    if len(head) >= 3 and any(cell.strip().startswith('{"ImportId"') for cell in head[2]):
        source.tool, source.skip = "qualtrics", 2
        for header, label, meta in zip(source.headers, head[1], head[2], strict=False):
            source.labels[header] = label.strip()
            try:
                parsed = json.loads(meta)
                source.import_ids[header] = str(parsed.get("ImportId", ""))
                if parsed.get("timeZone"):
                    source.timezones[header] = str(parsed["timeZone"])
            except (ValueError, AttributeError):
                source.import_ids[header] = ""
        return
    names = {h.lower() for h in source.headers}
    if {"id", "submitdate", "lastpage", "startlanguage"} <= names:
        source.tool = "limesurvey"


def _encoding(path: Path) -> str:
    with path.open("rb") as file:
        start = file.read(64 * 1024)
    if start.startswith(codecs.BOM_UTF16_LE) or start.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    try:
        start.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(start) - 4:  # not just a character cut in two at the end of the sample
            return "cp1252"
    return "utf-8-sig"


def _read_text(path: Path, encoding: str, size: int) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as file:
        return file.read(size)


def _csv_rows(source: Source) -> Iterator[list[str]]:
    # UTF-8 is read strictly: a file that is not UTF-8 throughout is refused rather than silently
    # garbled. Windows-1252 maps nearly every byte; its five holes become U+FFFD.
    errors = "replace" if source.encoding == "cp1252" else "strict"
    try:
        with source.path.open(encoding=source.encoding, errors=errors, newline="") as file:
            yield from csv.reader(file, source.dialect)
    except UnicodeDecodeError:
        raise Invalid({"file": _("The file is not UTF-8 throughout; save it again as UTF-8 CSV.")}) from None


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise Invalid({"file": _("This is not a readable XLSX file.")}) from exc
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield ["" if v is None else _xlsx_text(v) for v in row]
    finally:
        book.close()


def _xlsx_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return, attr-defined]
    return str(value)


def sample_rows(source: Source, n: int = 5) -> list[list[str]]:
    """The first data rows, for the mapping page."""
    return [cells for _line, cells in itertools.islice(source.rows(), n)]
