"""The 0-10 distribution chart: its rows, its groups, and an SVG that names the zones."""

from __future__ import annotations

import pytest

from nineplus.analytics import charts

LABELS = charts.DistributionLabels(
    title="Scores",
    score="Score",
    share="Share",
    detractors="0-6 (25%)",
    passives="7-8 (25%)",
    promoters="9-10 (50%)",
)
COUNTS = [1, 0, 0, 0, 0, 1, 1, 2, 1, 3, 3]


def test_rows_carry_count_share_and_group() -> None:
    rows = charts.distribution_rows(COUNTS)
    assert [r["score"] for r in rows] == list(range(11))
    assert rows[8] == {"score": 8, "count": 1, "share": pytest.approx(1 / 12), "group": "passive"}
    assert {r["group"] for r in rows[:7]} == {"detractor"}
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)
    assert charts.group_shares(COUNTS) == (pytest.approx(0.25), pytest.approx(0.25), pytest.approx(0.5))


def test_a_distribution_needs_eleven_counts() -> None:
    with pytest.raises(ValueError, match="eleven"):
        charts.distribution_rows([1, 2, 3])


def test_the_svg_shows_eleven_bars_and_names_the_zones() -> None:
    svg = charts.svg(charts.distribution_spec(COUNTS, LABELS))
    assert svg.startswith("<svg")
    assert svg.count('role="graphics-symbol"') >= 11  # a bar per score (10 of them drawn, 0 counts too)
    for label in ("0-6 (25%)", "7-8 (25%)", "9-10 (50%)"):
        assert label in svg
    assert charts.png(charts.distribution_spec(COUNTS, LABELS)).startswith(b"\x89PNG")


def test_the_csv_holds_the_chart_data() -> None:
    text = charts.rows_csv(charts.distribution_rows(COUNTS), ("score", "count", "group"))
    lines = text.splitlines()
    assert lines[0] == "score,count,group"
    assert lines[10] == "9,3,promoter"
