"""The effect of an improvement action on planted data: a planted improvement is found and its interval
holds the truth; no planted effect with enough respondents reads "no detectable effect"; an already
treated team is never a control; teams that were drifting apart before the action are flagged; too few
respondents read "too little data yet"."""

from __future__ import annotations

import numpy as np

from nineplus.improve.effect import estimate

TEAMS = (1, 2, 3, 4)  # team 1 takes the action at period 10


def feelings(
    seed: int,
    effect: float,
    *,
    per_cell: int = 40,
    trend: float = 0.0,
    drift: float = 0.0,
    shocks: float = 0.0,
    teams: tuple[int, ...] = TEAMS,
) -> list[tuple[int, int, float]]:
    """Per team and period (0-19), respondents' feelings: a team level, a common time trend, the planted
    effect for team 1 from period 10, (``drift``) a slope of team 1's own before it, and (``shocks``) a
    shock to a team's whole score that lasts four periods (a month of weeks)."""
    rng = np.random.default_rng(seed)
    rows = []
    for team in teams:
        level = rng.normal(0, 0.3)
        month = {m: rng.normal(0, shocks) if shocks else 0.0 for m in range(6)}
        for period in range(20):
            mean = level + trend * period + month[(period + 2) // 4]
            if team == 1:
                mean += effect * (period >= 10) + drift * min(period, 10)
            for value in rng.normal(mean, 1.2, per_cell):
                rows.append((team, period, float(value)))
    return rows


def test_a_planted_improvement_is_found_and_its_interval_holds_the_truth() -> None:
    covered = found = 0
    for seed in range(100):
        effect = estimate(
            feelings(seed, 0.5, trend=0.05), 1, 10, before=10, after=10, starts={}, minimum_effect=0.3
        )
        assert effect.difference is not None
        found += effect.verdict == "improved"
        covered += effect.difference.low <= 0.5 <= effect.difference.high
    assert found >= 95
    assert covered >= 90


def test_no_planted_effect_with_enough_respondents_reads_no_detectable_effect() -> None:
    verdicts = [
        estimate(
            feelings(seed, 0.0, trend=0.05), 1, 10, before=10, after=10, starts={}, minimum_effect=0.3
        ).verdict
        for seed in range(100)
    ]
    assert verdicts.count("no_effect") >= 85  # the rest: a pre-trend or a shock test fooled by chance
    assert verdicts.count("improved") + verdicts.count("worse") <= 10  # about 5 in 100 by chance


def test_a_team_treated_within_the_window_is_no_control() -> None:
    rows = feelings(1, 0.5)
    effect = estimate(rows, 1, 10, before=10, after=10, starts={3: 14, 4: 25}, minimum_effect=0.3)
    assert effect.controls == (2, 4)  # team 3's own action started at 14; team 4's after the window


def test_teams_drifting_apart_before_the_action_are_flagged() -> None:
    flagged = sum(
        estimate(
            feelings(seed, 0.0, drift=0.08), 1, 10, before=10, after=10, starts={}, minimum_effect=0.3
        ).parallel
        is False
        for seed in range(20)
    )
    assert flagged >= 16
    steady = sum(
        estimate(feelings(seed, 0.0), 1, 10, before=10, after=10, starts={}, minimum_effect=0.3).parallel
        is False
        for seed in range(20)
    )
    assert steady <= 3


def test_too_few_respondents_read_too_little_data_yet() -> None:
    effect = estimate(feelings(3, 0.5, per_cell=1), 1, 10, before=10, after=10, starts={}, minimum_effect=0.3)
    assert effect.verdict == "too_little_data"
    assert effect.difference is None
    wide = estimate(feelings(3, 0.0, per_cell=3), 1, 10, before=10, after=10, starts={}, minimum_effect=0.3)
    assert wide.verdict in ("too_little_data", "improved", "worse")
    assert wide.difference is not None
    assert wide.verdict != "too_little_data" or wide.difference.half_width > 0.3


def test_shocks_that_hit_a_team_for_a_month_widen_the_interval_so_it_still_holds_the_truth() -> None:
    """Monthly shocks to each team's score do not average out over respondents; counted as sampling
    alone, most intervals would miss the truth (here 0)."""
    covered = naive = 0
    for seed in range(100):
        rows = feelings(seed, 0.0, shocks=0.4, teams=(1, 2, 3, 4, 5, 6))
        effect = estimate(rows, 1, 10, before=10, after=10, starts={}, minimum_effect=0.3)
        assert effect.difference is not None
        covered += effect.difference.low <= 0 <= effect.difference.high
        naive += abs(effect.difference.value) <= 1.96 * _sampling_only(rows)
    assert covered >= 85
    assert naive <= 60  # what the interval held before the shocks counted


def _sampling_only(rows: list[tuple[int, int, float]]) -> float:
    cells: dict[tuple[bool, bool], list[float]] = {}
    for team, period, score in rows:
        cells.setdefault((team == 1, period >= 10), []).append(score)
    return sum(float(np.var(v, ddof=1)) / len(v) for v in cells.values()) ** 0.5


def test_a_control_team_with_hardly_any_respondents_does_not_hide_the_shocks() -> None:
    """A control with one respondent a month is left out of the shock estimate; it used to empty every
    block and with them the shocks (coverage then fell to about half)."""
    covered = 0
    for seed in range(100):
        rows = feelings(seed, 0.0, shocks=0.4, teams=(1, 2, 3, 4, 5))
        rows += [(6, period, 0.0) for period in range(0, 20, 4)]  # one answer a block
        effect = estimate(rows, 1, 10, before=10, after=10, starts={}, minimum_effect=0.3)
        assert effect.difference is not None
        covered += effect.difference.low <= 0 <= effect.difference.high
    assert covered >= 85


def test_scores_without_any_spread_give_an_answer_not_an_error() -> None:
    rows = [(team, period, 1.0) for team in TEAMS for period in range(20) for _ in range(25)]
    effect = estimate(rows, 1, 10, before=10, after=10, starts={}, minimum_effect=0.3)
    assert effect.verdict == "no_effect"
    assert effect.difference is not None
    assert effect.difference.value == 0
