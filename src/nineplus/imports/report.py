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
    errors: list[RowError] = field(default_factory=list)

    def add_error(self, error: RowError) -> None:
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(error)
