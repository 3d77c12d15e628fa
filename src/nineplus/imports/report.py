"""What an import found: counts, and the rows that are wrong (row, column, value, reason)."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_REPORTED = 500  # errors kept for the report (all are counted)
CHUNK = 2000  # rows per write transaction: short enough for the public endpoint to get its turn


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file (the header is line 1)
    column: str
    value: str
    reason: str


@dataclass
class Report:
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    skipped: int = 0  # rows the source marks as not to be loaded (unfinished responses)
    stored: int = 0  # new rows written
    existing: int = 0  # rows that matched what an earlier import stored (updated or left alone)
    refused: int = 0  # valid rows the store refused (the survey is a draft, or an id belongs elsewhere)
    errors: list[RowError] = field(default_factory=list)

    def rejected(self, errors: list[RowError]) -> bool:
        """Count a row as valid, or (with errors) as invalid with its errors reported; True if invalid."""
        if not errors:
            self.valid += 1
            return False
        self.invalid += 1
        for error in errors:
            self.add_error(error)
        return True

    def add_error(self, error: RowError) -> None:
        if len(self.errors) < MAX_REPORTED:
            value = error.value if len(error.value) <= 200 else error.value[:199] + "…"
            self.errors.append(RowError(error.row, error.column[:200], value, error.reason))


def extra_cells(line: int, cells: list[str], width: int) -> RowError | None:
    """A row with more filled cells than the header has columns: its values are shifted, so it is wrong."""
    if len(cells) <= width:
        return None
    from nineplus.core.i18n import gettext as _

    reason = _(
        "This row has %(cells)s cells; the header names %(columns)s columns.", cells=len(cells), columns=width
    )
    return RowError(line, "", cells[width], reason)
