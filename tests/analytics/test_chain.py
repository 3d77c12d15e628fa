"""The effect chain: regressions across teams and periods, lagged, with intervals; the planted
employee-to-customer slope (about half a standard deviation) at 5,000 customer responses per seed: its
interval holds the truth in at least 90 of 100 seeds and excludes zero in at least 80 (issue 6)."""

from __future__ import annotations

import numpy as np
import pytest

from nineplus.analytics.chain import chain, link
from nineplus.analytics.synthetic import chain_sample


def test_a_lagged_link_pairs_each_effect_with_the_cause_periods_before() -> None:
    """y in period t is exactly 2 x the cause in t - 1 for five teams over four periods."""
    cause = {(team, period): float(team * 10 + period) for team in range(5) for period in range(4)}
    effect = {(team, period): 2 * cause[(team, period - 1)] for team in range(5) for period in range(1, 4)}
    found = link(cause, effect, lag=1)
    assert found is not None
    assert (found.n, found.teams) == (15, 5)
    assert found.slope == pytest.approx(2.0)
    assert found.standardised == pytest.approx(1.0)
    assert found.detected
    assert link(cause, effect, lag=3) is None  # no pairs that far apart
    assert link({k: v for k, v in cause.items() if k[0] < 2}, effect, lag=1) is None  # two teams: too few
    assert link(dict.fromkeys(cause, 5.0), effect, lag=1) is None  # a cause that never varies


def test_the_chain_links_each_step_at_each_lag() -> None:
    sample = chain_sample(5000, 1)
    links = chain({"employee": sample.employee, "customer": sample.customer}, lags=range(2))
    assert list(links) == [("employee", "customer")]
    assert [found.lag for found in links[("employee", "customer")]] == [0, 1]


def test_the_planted_employee_to_customer_slope_is_recovered() -> None:
    held = detected = 0
    standardised = []
    for seed in range(100):
        sample = chain_sample(5000, seed)
        found = link(sample.employee, sample.customer, lag=0)
        assert found is not None
        held += found.low <= sample.slope <= found.high
        detected += found.detected
        standardised.append(found.standardised)
    assert held >= 90, held
    assert detected >= 80, detected
    assert 0.35 <= float(np.median(standardised)) <= 0.65  # about half a standard deviation
