"""Scoring an instrument's answers: per dimension a score from 0 to 100 (the respondents' mean of their
own item means, reversed items turned round), the spread between respondents, whether they are divided
(on the dimension or on any of its items: seed 004's telephone example, where a value scores fine on
average while people disagree about it), the advice that follows, and the persona on the 2x2.

Pure: numbers in, numbers out.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nineplus.scans.instrument import Instrument


@dataclass(frozen=True)
class ItemResult:
    key: str
    mean: float | None  # on the scale, reversed items turned round
    spread: float | None  # standard deviation between respondents, in scale points
    n: int
    divided: bool


@dataclass(frozen=True)
class DimensionResult:
    key: str
    score: float | None  # 0-100
    spread: float | None  # standard deviation of the respondents' dimension means, in scale points
    n: int
    divided: bool  # the respondents disagree on the dimension or on one of its items
    items: tuple[ItemResult, ...]

    def needs_work(self, threshold: float) -> bool:
        return self.score is not None and (self.score < threshold or self.divided)


@dataclass(frozen=True)
class Result:
    respondents: int
    dimensions: tuple[DimensionResult, ...]
    advice: tuple[str, ...]  # the dimensions to start with, in order
    persona: str | None  # low_low, low_high, high_low or high_high (x then y); None without a 2x2

    def dimension(self, key: str) -> DimensionResult:
        return next(d for d in self.dimensions if d.key == key)


def score(instrument: Instrument, answers: Sequence[Mapping[str, int | None]], minimum: int = 1) -> Result:
    """``answers``: one mapping per respondent, item key -> the point on the scale (None: skipped).
    ``minimum``: a dimension or statement answered by fewer people gets no score, spread or flag (people
    may skip statements, so a group large enough overall can be small on one of them)."""
    low, high = instrument.scale.min, instrument.scale.max
    valued: list[dict[str, float]] = []
    for given in answers:
        own = {}
        for item in instrument.items:
            value = given.get(item.key)
            if value is None:
                continue
            if not low <= value <= high:
                raise ValueError(f"{item.key}: {value} is not on the scale {low}-{high}")
            own[item.key] = float(low + high - value if item.reverse else value)
        if own:
            valued.append(own)
    dimensions = []
    for dimension in instrument.dimensions:
        keys = [i.key for i in instrument.items if i.dimension == dimension.key]
        items = tuple(_item(key, [r[key] for r in valued if key in r], instrument, minimum) for key in keys)
        means = [statistics.fmean(r[k] for k in keys if k in r) for r in valued if any(k in r for k in keys)]
        if len(means) < minimum:
            dimensions.append(DimensionResult(dimension.key, None, None, len(means), False, items))
            continue
        spread = statistics.stdev(means) if len(means) >= 2 else None
        divided = (spread is not None and spread >= instrument.advice.diverging) or any(
            i.divided for i in items
        )
        dimensions.append(
            DimensionResult(
                dimension.key,
                100 * (statistics.fmean(means) - low) / (high - low) if means else None,
                spread,
                len(means),
                divided,
                items,
            )
        )
    return Result(
        len(valued), tuple(dimensions), _advice(instrument, dimensions), _persona(instrument, dimensions)
    )


def _item(key: str, values: list[float], instrument: Instrument, minimum: int) -> ItemResult:
    if len(values) < minimum:
        return ItemResult(key, None, None, len(values), False)
    spread = statistics.stdev(values) if len(values) >= 2 else None
    divided = spread is not None and spread >= instrument.advice.diverging
    return ItemResult(key, statistics.fmean(values) if values else None, spread, len(values), divided)


def _advice(instrument: Instrument, dimensions: list[DimensionResult]) -> tuple[str, ...]:
    """Top-down: the first dimension (in the file's order) that needs work, and only that one: lower
    levels pay little while a higher one is not in order. Weakest first: every one that needs work."""
    threshold = instrument.advice.threshold
    needing = [d for d in dimensions if d.needs_work(threshold)]
    if instrument.advice.order == "top_down":
        return (needing[0].key,) if needing else ()
    return tuple(d.key for d in sorted(needing, key=lambda d: (d.score or 0.0, d.key)))


def axes(instrument: Instrument, dimensions: Sequence[DimensionResult]) -> tuple[float, float] | None:
    """Where the result stands on the persona's two axes (each the mean of its dimensions' scores)."""
    if instrument.persona is None:
        return None
    scores = {d.key: d.score for d in dimensions}

    def mean(keys: list[str]) -> float | None:
        known = [s for k in keys if (s := scores.get(k)) is not None]
        return statistics.fmean(known) if known else None

    x, y = mean(instrument.persona.x.dimensions), mean(instrument.persona.y.dimensions)
    return (x, y) if x is not None and y is not None else None


def _persona(instrument: Instrument, dimensions: list[DimensionResult]) -> str | None:
    found = axes(instrument, dimensions)
    if found is None or instrument.persona is None:
        return None
    split = instrument.persona.split
    return f"{'high' if found[0] >= split else 'low'}_{'high' if found[1] >= split else 'low'}"
