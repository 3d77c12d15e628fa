"""The 95% intervals hold the truth in 93% to 97% of 1,000 simulated samples at every point of the grid."""

from __future__ import annotations

import pytest

from nineplus.analytics.coverage import GRID_N, GRID_SHARES, nps_coverage, share_coverage

GRID = [(n, p, d) for n in GRID_N for p, d in GRID_SHARES]


@pytest.mark.parametrize(("n", "promoters", "detractors"), GRID)
def test_the_nps_interval_holds_the_truth_about_95_percent_of_the_time(
    n: int, promoters: float, detractors: float
) -> None:
    assert 0.93 <= nps_coverage(n, promoters, detractors) <= 0.97


@pytest.mark.parametrize(("n", "share", "_unused"), GRID)
def test_the_csat_interval_holds_the_truth_about_95_percent_of_the_time(
    n: int, share: float, _unused: float
) -> None:
    assert 0.93 <= share_coverage(n, share) <= 0.97


def test_a_broken_interval_would_be_caught() -> None:
    # The check can fail: a 50% interval covers about half the samples.
    assert nps_coverage(1000, 0.5, 0.1, confidence=0.5) < 0.6


def test_the_coverage_command_reports_the_grid_and_n_50() -> None:
    from typer.testing import CliRunner

    from nineplus.cli import app

    result = CliRunner().invoke(app, ["analytics", "coverage", "--samples", "200"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("│")]
    assert len(rows) == 12  # n = 50 and the nine grid points, three shares each
    assert rows[0].split("│")[1].strip() == "50"
