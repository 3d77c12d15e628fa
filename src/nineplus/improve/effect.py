"""The effect of an improvement action on a score (METHODS.md, "Effect of an improvement action"). Pure:
numpy and SciPy.

The estimate compares the action's team before and after the action started with teams that had no such
action in that time (never treated, or not yet: a team whose own action at the same moment started within
the window is no control), the comparison Callaway and Sant'Anna (2021) make for one cohort. Unlike a
two-way fixed-effects regression over all teams, it never uses an already-treated team as a control, the
source of the bias Goodman-Bacon (2021) shows for actions that start at different times.

    effect = (treated after - treated before) - (controls after - controls before)

over respondent scores (NPS coded -100 / 0 / +100 per respondent, so the effect is in NPS points; or a
feeling from -3 to +3). The interval has two parts. The four cells' sampling variances (respondents
independent within a cell), and the variance of shocks that hit a team's whole score for a while (a
month of sick leave, a campaign): respondents of one team in one month share them, so they do not average
out over respondents (Bertrand, Duflo and Mullainathan 2004). With a handful of teams no cluster-robust
error works, so the shocks' variance is estimated from the data the way Donald and Lang (2007) aggregate:
the window is cut into blocks of BLOCK periods, and the control teams' block means stray from a two-way
layout (team level plus block level) more than sampling alone explains by exactly the shocks' variance
(method of moments; the action's team is left out, so its effect or its drift cannot pass for shocks).
The shocks only count when that spread is more than sampling explains (a chi-squared test at SHOCK_TEST):
where teams move in step, the estimate's own noise would only widen the interval.

The pre-trend check repeats the comparison inside the before window (its first half against its second):
an "effect" there means the teams were not moving in parallel, and the verdict then claims nothing
(METHODS.md: check the pre-trends before trusting the estimate).

The verdict follows the 95% interval: improved (above 0), worse (below 0), no detectable effect (covers 0
and its half-width is at most the minimum effect worth detecting), too little data yet (covers 0 and is
wider, or a cell has fewer than MINIMUM respondents), not parallel (the pre-trend check failed, so the
difference cannot be read as the action's effect).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

MINIMUM = 20  # respondents a cell (treated or controls, before or after) needs
BLOCK = 4  # periods (weeks) per block for the variance of team shocks: about a month
SHOCK_TEST = 0.05  # the shocks count when the controls' spread is this unlikely from sampling alone
Z = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


@dataclass(frozen=True)
class Effect:
    verdict: str  # improved, worse, no_effect, too_little_data, not_parallel
    difference: Estimate | None  # the difference-in-differences
    before_after: Estimate | None  # the treated team after minus before, without controls
    pre_trend: Estimate | None  # the same comparison inside the before window
    parallel: bool | None  # whether the pre-trend interval covers 0 (None: not enough data)
    cells: Mapping[str, tuple[int, float]]  # cell -> (respondents, mean)
    controls: tuple[int, ...]  # the control teams
    minimum_effect: float
    shock_sd: float = 0.0  # the shocks' standard deviation in the treated-minus-controls gap per block


def nps_points(score: int) -> float:
    """An NPS answer as its respondent's contribution in NPS points."""
    return 100.0 if score >= 9 else (-100.0 if score <= 6 else 0.0)


def estimate(
    rows: Sequence[tuple[int, int, float]],
    team: int,
    start: int,
    *,
    before: int,
    after: int,
    starts: Mapping[int, int],
    minimum_effect: float,
) -> Effect:
    """``rows``: (team, period, score) per respondent; ``start``: the action's first period; ``before``
    and ``after``: the window's periods on each side; ``starts``: other teams' first period of an action
    at the same moment (a team treated within the window is no control)."""
    first, last = start - before, start + after - 1
    controls = tuple(sorted({t for t, _, _ in rows if t != team and not (t in starts and starts[t] <= last)}))
    cells: dict[str, list[float]] = {
        "treated_before": [],
        "treated_after": [],
        "control_before": [],
        "control_after": [],
    }
    for row_team, period, score in rows:
        if not first <= period <= last:
            continue
        side = "after" if period >= start else "before"
        if row_team == team:
            cells[f"treated_{side}"].append(score)
        elif row_team in controls:
            cells[f"control_{side}"].append(score)
    arrays = {key: np.asarray(values, dtype=float) for key, values in cells.items()}
    summary = {key: (len(a), float(a.mean()) if len(a) else float("nan")) for key, a in arrays.items()}
    enough = all(len(a) >= MINIMUM for a in arrays.values())
    treated_enough = len(arrays["treated_before"]) >= MINIMUM and len(arrays["treated_after"]) >= MINIMUM
    before_after = (
        _difference([arrays["treated_after"]], [arrays["treated_before"]]) if treated_enough else None
    )
    if not enough:
        return Effect("too_little_data", None, before_after, None, None, summary, controls, minimum_effect)
    # The shocks of the team and of its controls (their mean pools respondents, so a team weighs by its
    # share of them: the variance of a weighted mean of independent shocks is the sum of squared weights),
    # averaged over the blocks each side of the start spans.
    counted = Counter(t for t, p, _ in rows if first <= p <= last)
    shares = np.asarray([counted[c] for c in controls], dtype=float)
    weights = float(((shares / shares.sum()) ** 2).sum()) if shares.sum() else 1.0
    shocks = _shock_variance(rows, controls, first, last, start) * (1 + weights)
    difference = _difference(
        [arrays["treated_after"], arrays["control_before"]],
        [arrays["treated_before"], arrays["control_after"]],
        extra=shocks * (_averaged(first, start - 1, start) + _averaged(start, last, start)),
    )
    pre = _pre_trend(rows, team, controls, first, start, shocks)
    parallel = None if pre is None else pre.low <= 0 <= pre.high
    verdict = "not_parallel" if parallel is False else _verdict(difference, minimum_effect)
    return Effect(
        verdict,
        difference,
        before_after,
        pre,
        parallel,
        summary,
        controls,
        minimum_effect,
        shocks**0.5,
    )


def _shock_variance(
    rows: Sequence[tuple[int, int, float]], controls: Sequence[int], first: int, last: int, start: int
) -> float:
    """The variance of one team's shocks per block, from the control teams: how far a control's block
    mean strays from its own level and the block's common level (a two-way layout of controls by
    blocks), beyond what sampling explains. The action's team is left out, so its effect or its own
    drift cannot pass for shocks. Fewer than two controls tell nothing: 0."""
    chosen = set(controls)
    cells: dict[tuple[int, int], list[float]] = {}
    for row_team, period, score in rows:
        if first <= period <= last and row_team in chosen:
            cells.setdefault((row_team, (period - start) // BLOCK), []).append(score)
    blocks = sorted({b for _, b in cells})
    # A control with too few respondents in some block is left out (not the block: one small team would
    # otherwise remove every block and, with them, the shocks).
    teams = sorted(t for t in {t for t, _ in cells} if all(len(cells.get((t, b), [])) >= 2 for b in blocks))
    full = blocks
    if len(teams) < 2 or len(full) < 2:
        return 0.0
    means = np.array([[float(np.mean(cells[(t, b)])) for b in full] for t in teams])
    sampling = np.array(
        [[float(np.var(cells[(t, b)], ddof=1)) / len(cells[(t, b)]) for b in full] for t in teams]
    )
    residuals = means - means.mean(axis=1, keepdims=True) - means.mean(axis=0, keepdims=True) + means.mean()
    freedom = (len(teams) - 1) * (len(full) - 1)
    spread, noise = float((residuals**2).sum()) / freedom, float(sampling.mean())
    if noise <= 0:
        return spread  # every cell without spread of its own: all of it is shocks
    if chi2.sf(freedom * spread / noise, freedom) >= SHOCK_TEST:
        return 0.0  # no more spread than sampling explains: its noise would only widen the interval
    return max(0.0, spread - noise)


def _averaged(first: int, last: int, start: int) -> float:
    """What share of one block's shock variance stays in the mean over periods ``first``..``last``: the
    sum of each block's squared share of those periods (blocks counted from ``start``). One week holds a
    whole block's shock; twelve weeks in three blocks keep a third of it."""
    counts: dict[int, int] = {}
    for period in range(first, last + 1):
        counts[(period - start) // BLOCK] = counts.get((period - start) // BLOCK, 0) + 1
    total = last - first + 1
    return sum((n / total) ** 2 for n in counts.values()) if total > 0 else 0.0


def _difference(plus: Sequence[np.ndarray], minus: Sequence[np.ndarray], extra: float = 0.0) -> Estimate:
    """Sum of the means in ``plus`` minus those in ``minus``, with the 95% interval from their variances
    (and ``extra``: the team shocks' share)."""
    value = sum(float(a.mean()) for a in plus) - sum(float(a.mean()) for a in minus)
    variance = extra + sum(float(a.var(ddof=1)) / len(a) for a in [*plus, *minus])
    half = Z * variance**0.5
    return Estimate(value, value - half, value + half, sum(len(a) for a in [*plus, *minus]))


def _pre_trend(
    rows: Sequence[tuple[int, int, float]],
    team: int,
    controls: Sequence[int],
    first: int,
    start: int,
    shocks: float,
) -> Estimate | None:
    """The same comparison inside the before window: its first half against its second."""
    middle = first + (start - first) // 2
    cells: dict[tuple[bool, bool], list[float]] = {(a, b): [] for a in (True, False) for b in (True, False)}
    chosen = set(controls)
    for row_team, period, score in rows:
        if first <= period < start and (row_team == team or row_team in chosen):
            cells[(row_team == team, period >= middle)].append(score)
    arrays = {key: np.asarray(values, dtype=float) for key, values in cells.items()}
    if any(len(a) < MINIMUM for a in arrays.values()):
        return None
    return _difference(
        [arrays[(True, True)], arrays[(False, False)]],
        [arrays[(True, False)], arrays[(False, True)]],
        extra=shocks * (_averaged(first, middle - 1, start) + _averaged(middle, start - 1, start)),
    )


def _verdict(effect: Estimate, minimum_effect: float) -> str:
    if effect.low > 0:
        return "improved"
    if effect.high < 0:
        return "worse"
    return "no_effect" if effect.half_width <= minimum_effect else "too_little_data"
