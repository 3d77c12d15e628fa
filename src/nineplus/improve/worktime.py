"""Service levels in working time: a case opened on Friday at 16:00 with eight working hours is due on
Monday at 16:00, not on Saturday. Working hours are the organisation's office hours in its own time zone,
on weekdays that are not public holidays (from the ``holidays`` package, which keeps the Dutch ones:
King's Day, Ascension Day, Whit Monday, Liberation Day in its lustrum years, ...).

Pure: the standard library and ``holidays``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Office:
    """When an organisation works: its time zone, its hours on a working day, its country's holidays."""

    timezone: str = "Europe/Amsterdam"
    opens: time = time(9)
    closes: time = time(17)
    country: str = "NL"

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _holidays(self.country, day.year)

    def holiday(self, day: date) -> str | None:
        return _holidays(self.country, day.year).get(day)


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> dict[date, str]:
    import holidays

    return dict(holidays.country_holidays(country, years=year, language="en_US").items())


def due(start: datetime, hours: float, office: Office) -> datetime:
    """The moment ``hours`` working hours after ``start`` (aware), in UTC. Time outside working hours does
    not count: a case opened in the evening starts counting at the next opening."""
    zone = ZoneInfo(office.timezone)
    local = start.astimezone(zone)
    left = timedelta(hours=hours)
    day = local.date()
    moment = local
    for _ in range(3_660):  # ten years of days: a service level never runs longer
        if office.is_working_day(day):
            opens = datetime.combine(day, office.opens, zone)
            closes = datetime.combine(day, office.closes, zone)
            begin = max(moment, opens)
            if begin < closes:
                if begin + left <= closes:
                    return (begin + left).astimezone(UTC)
                left -= closes - begin
        day += timedelta(days=1)
        moment = datetime.combine(day, time(0), zone)
    raise ValueError("a service level of more than ten years")


def working_hours_between(start: datetime, end: datetime, office: Office) -> float:
    """Working hours from ``start`` to ``end`` (0 when ``end`` is not later)."""
    if end <= start:
        return 0.0
    zone = ZoneInfo(office.timezone)
    a, b = start.astimezone(zone), end.astimezone(zone)
    total = timedelta()
    day = a.date()
    while day <= b.date():
        if office.is_working_day(day):
            opens = datetime.combine(day, office.opens, zone)
            closes = datetime.combine(day, office.closes, zone)
            begin, finish = max(a, opens), min(b, closes)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600
