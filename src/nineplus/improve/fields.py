"""Form values as typed, read leniently: an empty or unreadable value is None, for the caller to refuse
with a message per field."""

from __future__ import annotations

import math
from datetime import date


def whole(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def number(value: object) -> float | None:
    """A decimal number (a Dutch comma too); not NaN or infinity."""
    try:
        found = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return found if math.isfinite(found) else None


def day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
