"""Service levels run in working time, in the organisation's time zone, past weekends and Dutch holidays."""

from __future__ import annotations

from datetime import UTC, datetime

from nineplus.improve.worktime import Office, due, working_hours_between

OFFICE = Office()  # Amsterdam, 9:00-17:00, Dutch holidays


def test_a_friday_afternoon_case_is_due_on_monday() -> None:
    friday = datetime(2027, 4, 23, 14, 0, tzinfo=UTC)  # 16:00 in Amsterdam (summer time)
    assert due(friday, 8, OFFICE) == datetime(2027, 4, 26, 14, 0, tzinfo=UTC)  # Monday 16:00
    assert working_hours_between(friday, due(friday, 8, OFFICE), OFFICE) == 8.0


def test_kings_day_and_christmas_do_not_count() -> None:
    monday = datetime(2027, 4, 26, 14, 0, tzinfo=UTC)  # Monday 16:00; Tuesday is King's Day
    assert OFFICE.holiday(datetime(2027, 4, 27).date()) == "King's Day"
    assert due(monday, 2, OFFICE) == datetime(2027, 4, 28, 8, 0, tzinfo=UTC)  # Wednesday 10:00
    before_christmas = datetime(2028, 12, 22, 15, 0, tzinfo=UTC)  # Friday 16:00 (winter time)
    # Christmas on Monday and Tuesday: due on Wednesday at 10:00.
    assert due(before_christmas, 2, OFFICE) == datetime(2028, 12, 27, 9, 0, tzinfo=UTC)


def test_a_case_opened_at_night_starts_counting_at_opening_time_in_the_organisation_s_zone() -> None:
    night = datetime(2027, 1, 12, 2, 0, tzinfo=UTC)  # 03:00 in Amsterdam
    assert due(night, 1, OFFICE) == datetime(2027, 1, 12, 9, 0, tzinfo=UTC)  # 10:00 local
    london = Office(timezone="Europe/London", country="GB")
    assert due(night, 1, london) == datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
    assert working_hours_between(night, night, OFFICE) == 0.0
