"""Scores over time: periods made from days, changes against the previous period, and false-discovery
control over all the changes compared at once."""

from __future__ import annotations

from datetime import date

import pytest

from nineplus.analytics.scores import Nps, compare_nps
from nineplus.analytics.series import DayCounts, period_start, series


@pytest.mark.parametrize(
    ("day", "period", "start"),
    [
        (date(2026, 11, 26), "week", date(2026, 11, 23)),  # a Thursday: its Monday
        (date(2026, 11, 23), "week", date(2026, 11, 23)),
        (date(2026, 11, 26), "month", date(2026, 11, 1)),
        (date(2026, 11, 26), "quarter", date(2026, 10, 1)),
        (date(2026, 3, 31), "quarter", date(2026, 1, 1)),
    ],
)
def test_a_day_belongs_to_its_week_month_and_quarter(day: date, period: str, start: date) -> None:
    assert period_start(day, period) == start  # type: ignore[arg-type]


def test_days_add_up_to_their_month_and_the_change_is_tested() -> None:
    days = [
        DayCounts("team A", date(2026, 1, 5), 300, 150, 60),
        DayCounts("team A", date(2026, 1, 20), 200, 100, 40),  # January: 500, 250, 100 -> +30
        DayCounts("team A", date(2026, 2, 3), 500, 200, 150),  # February: -> +10
    ]
    january, february = series(days, "month", minimum_n=10)
    assert (january.nps, january.change) == (Nps(500, 250, 100), None)
    assert february.change == pytest.approx(-20.0)
    assert february.p_value == pytest.approx(compare_nps(Nps(500, 200, 150), Nps(500, 250, 100))[1])
    assert february.significant  # twenty points at n = 500 twice is no accident


def test_a_period_below_the_minimum_has_no_interval_and_is_skipped_as_a_baseline() -> None:
    days = [
        DayCounts("t", date(2026, 1, 5), 400, 200, 80),
        DayCounts("t", date(2026, 2, 5), 5, 5, 0),  # too few to score
        DayCounts("t", date(2026, 3, 5), 400, 200, 80),
    ]
    _january, february, march = series(days, "month", minimum_n=30)
    assert february.interval is None
    assert february.change is None
    assert march.change == pytest.approx(0.0)  # against January, the last period with a score


def test_many_small_changes_do_not_all_pass_for_discoveries() -> None:
    # 20 teams whose score wobbles by chance only: p-values that would pass one at a time rarely survive
    # false-discovery control; one team that really moved does.
    days = []
    for team in range(20):
        days.append(DayCounts(team, date(2026, 1, 10), 200, 90, 40))
        wobble = 33 if team % 4 == 0 else 0  # five moves of 16.5 points: p about 0.03 each, alone
        days.append(DayCounts(team, date(2026, 2, 10), 200, 90 + wobble, 40))
    days += [
        DayCounts("moved", date(2026, 1, 10), 400, 160, 100),
        DayCounts("moved", date(2026, 2, 10), 400, 240, 60),
    ]
    points = [p for p in series(days, "month", minimum_n=10) if p.change is not None]
    assert all(0.01 < p.p_value < 0.05 for p in points if p.group in (0, 4, 8, 12, 16))  # type: ignore[operator]
    significant = {p.group for p in points if p.significant}
    assert significant == {"moved"}


def test_impossible_counts_are_refused_in_a_series_too() -> None:
    with pytest.raises(ValueError, match="impossible counts"):
        series([DayCounts("t", date(2026, 1, 5), 10, 8, 5)], "month", minimum_n=1)
