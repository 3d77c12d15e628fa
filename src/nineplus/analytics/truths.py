"""The moments of truth of a journey, read from the analytic store: per moment the emotional swing into
it, its weight as a driver of the overall score (Johnson's relative weights with bootstrap intervals, and
Shapley values as a check; ``analytics.drivers``), its performance (the mean feeling), and the
importance-performance quadrant. A moment of truth is one whose weight stays above an even share at the
low end of its interval. It is association in the customers' answers, not proof of cause.

The model reads each customer's answers together, which no count holds: a systematic sample (by response
id) of at most SAMPLE customers with an overall score keeps that bounded whatever the store holds.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nineplus.analytics import charts, queries
from nineplus.analytics.curves import CurvePoint, point
from nineplus.analytics.dashboards import mean_by
from nineplus.analytics.drivers import MIN_CUSTOMERS, MIN_PAIRS, DriverModel, key_drivers, swings
from nineplus.analytics.engine import Engine
from nineplus.analytics.kept import kept, stamp
from nineplus.analytics.store import AnalyticStore
from nineplus.analytics.views import read
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _

SAMPLE = 5_000  # customers per driver model: a systematic sample of the responses beyond this
BOOTSTRAP = 200  # resamples for the drivers' intervals


@dataclass(frozen=True)
class MomentOnMap:
    """A moment as the journey map holds it (the caller reads the row store for these)."""

    id: int
    name: str
    touchpoint: bool  # the organisation has contact here (else the moment happens on the customer's side)
    number: int = 0  # its place on the map (1 first), as the map numbers it


@dataclass(frozen=True)
class MomentLine:
    moment: MomentOnMap
    feeling: CurvePoint  # performance: the mean feeling at the moment with its band
    swing: float | None  # mean feeling here minus at the step before (the start feeling first)
    share: float | None  # of the explained variance of the overall score (relative weights)
    low: float | None  # bootstrap 95% interval of the share
    high: float | None
    shapley: float | None  # the same share by Shapley values (LMG), as a check on the method
    sign: int  # direction of the moment's coefficient with the others held fixed
    pairs: int  # customers who went through the moment and gave an overall score
    truth: bool  # a moment of truth: its share clearly above an even split over the moments
    quadrant: str | None  # "focus", "keep", "low" or "overkill" (None without a weight or a mean)


@dataclass(frozen=True)
class MomentsOfTruth:
    lines: list[MomentLine]  # in the journey's order
    model: DriverModel | None
    reason: str | None  # why there is no driver model
    customers: int  # customers with an overall score on the journey's customer surveys
    sampled: int  # of them in the model (a systematic sample beyond SAMPLE)
    even: float  # the share each moment would have if all weighed the same
    feeling_split: float  # the quadrant's performance split: the mean of the moments' mean feelings
    charts: dict[str, charts.Chart]
    bootstrap: int = BOOTSTRAP

    @property
    def ranked(self) -> list[MomentLine]:
        weighted = [line for line in self.lines if line.share is not None]
        return sorted(weighted, key=lambda line: -(line.share or 0.0))

    @property
    def truths(self) -> list[MomentLine]:
        return [line for line in self.ranked if line.truth]

    @property
    def by_swing(self) -> list[MomentLine]:
        swung = [line for line in self.lines if line.swing is not None]
        return sorted(swung, key=lambda line: -abs(line.swing or 0.0))


def moments_of_truth(
    store: AnalyticStore, organisation_id: int, journey_id: int, moments: Sequence[MomentOnMap], minimum: int
) -> MomentsOfTruth:
    def question(engine: Engine, cur: Any) -> MomentsOfTruth:
        # New responses change the model; persons and outcomes do not (a refresh that brought only those
        # keeps it). The moments' names and order come from the row store with the question.
        state = stamp(cur, "watermark")
        key = ("truth", organisation_id, journey_id, tuple(moments), minimum, get_locale(), state)
        return kept(key, lambda: moments_of_truth_on(engine, organisation_id, journey_id, moments, minimum))

    return read(store, question)


def moments_of_truth_on(
    engine: Engine, organisation_id: int, journey_id: int, moments: Sequence[MomentOnMap], minimum: int
) -> MomentsOfTruth:
    """The journey's moments of truth, computed now (``moments_of_truth`` keeps them per store state)."""
    counts = engine.rows(
        queries.value_counts(
            organisation_id, ["audience", "kind", "moment_id"], kinds=["emotion", "start_feeling", "nps"],
            journey_id=journey_id,
        )
    )  # fmt: skip
    rows = [row for row in counts if row["audience"] == "customer"]
    feelings = mean_by((r for r in rows if r["kind"] == "emotion"), lambda r: r["moment_id"])
    start = mean_by((r for r in rows if r["kind"] == "start_feeling"), lambda r: 0).get(0)
    customers = sum(r["n"] for r in rows if r["kind"] == "nps" and r["moment_id"] == 0)
    points = {m.id: point(feelings.get(m.id), minimum) for m in moments}
    swing_of = {
        s.name: s.swing
        for s in swings(
            start.score if start is not None and start.n >= minimum else None,
            [(m.id, points[m.id].mean) for m in moments],
        )
    }
    model, shapley, reason, sampled = _driver_models(engine, organisation_id, journey_id, moments, customers)
    # A moment too few customers went through gets no weight (it counts as unrelated in the model).
    shares = {d.name: d for d in model.drivers if d.n >= MIN_PAIRS} if model else {}
    even = 1 / len(shares) if shares else 0.0  # the share each weighed moment would have if all weighed alike
    means = [p.mean for p in points.values() if p.mean is not None]
    split = float(np.mean(means)) if means else 0.0
    lines = []
    for m in moments:
        driver = shares.get(m.id)
        share = None if driver is None else driver.share
        mean = points[m.id].mean
        quadrant = None
        if share is not None and mean is not None:
            important, good = share >= even, mean >= split
            quadrant = {(True, False): "focus", (True, True): "keep", (False, False): "low"}.get(
                (important, good), "overkill"
            )
        lines.append(
            MomentLine(
                m,
                points[m.id],
                swing_of.get(m.id),
                share,
                None if driver is None else driver.low,
                None if driver is None else driver.high,
                None if driver is None else shapley.get(m.id),
                0 if driver is None else driver.sign,
                0 if driver is None else driver.n,
                driver is not None and driver.low is not None and driver.low > even,
                quadrant,
            )
        )
    found = MomentsOfTruth(lines, model, reason, customers, sampled, even, split, {})
    if model is not None:
        found.charts["quadrant"] = quadrant_chart(found)
    return found


def _answers(
    engine: Engine, organisation_id: int, journey_id: int, moments: Sequence[MomentOnMap], customers: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """One row per sampled response: the feeling per moment (NaN: not gone through) and the overall score."""
    every = max(1, math.ceil(customers / SAMPLE))
    data = engine.columns(queries.journey_answers(organisation_id, journey_id, every))
    ids = np.asarray(data["response_id"], dtype=np.int64)
    rows, at = np.unique(ids, return_inverse=True)
    column = {m.id: i for i, m in enumerate(moments)}
    x = np.full((len(rows), len(moments)), np.nan)
    y = np.full(len(rows), np.nan)
    for where, moment, value in zip(at, data["moment_id"], data["value"], strict=True):
        if moment == 0:
            y[where] = value
        elif moment in column:
            x[where, column[moment]] = value
    scored = ~np.isnan(y)
    return x[scored], y[scored], int(scored.sum())


def _driver_models(
    engine: Engine, organisation_id: int, journey_id: int, moments: Sequence[MomentOnMap], customers: int
) -> tuple[DriverModel | None, dict[Hashable, float], str | None, int]:
    """Relative weights with bootstrap intervals, and Shapley shares (LMG) as a check on the method,
    on the same customers; why there is no model, and how many customers it saw."""
    from nineplus.analytics.drivers import MAX_SHAPLEY

    too_few = _("A driver model needs %(n)s customers with an overall score.", n=MIN_CUSTOMERS)
    if len(moments) < 2:
        return None, {}, _("A driver model needs at least two moments on the map."), 0
    if customers < MIN_CUSTOMERS:
        return None, {}, too_few, 0
    x, y, sampled = _answers(engine, organisation_id, journey_id, moments, customers)
    if len(y) and np.ptp(y) == 0:
        same = _("Every customer gave the same overall score: nothing for the moments to explain.")
        return None, {}, same, sampled
    names = [m.id for m in moments]
    try:
        model = key_drivers(x, y, names, bootstrap=BOOTSTRAP)
    except (ValueError, np.linalg.LinAlgError):
        return None, {}, too_few, sampled
    shapley = {}
    if len(moments) <= MAX_SHAPLEY:
        shapley = {d.name: d.share for d in key_drivers(x, y, names, method="shapley", bootstrap=0).drivers}
    return model, shapley, None, sampled


QUADRANTS = {
    "focus": "#d9485f",
    "keep": "#1f9d55",
    "low": "#9aa5b1",
    "overkill": "#c9a227",
}


def quadrant_names() -> dict[str, str]:
    return {
        "focus": _("Focus here"),
        "keep": _("Keep it up"),
        "low": _("Lower priority"),
        "overkill": _("Possibly overdone"),
    }


def quadrant_labels() -> dict[str, str]:
    return {
        "focus": _("Focus here: weighs a lot, feels poor"),
        "keep": _("Keep it up: weighs a lot, feels good"),
        "low": _("Lower priority: weighs little, feels poor"),
        "overkill": _("Possibly overdone: weighs little, feels good"),
    }


def quadrant_chart(found: MomentsOfTruth) -> charts.Chart:
    """Importance (share of the explained variance) against performance (mean feeling), one point per
    moment, with the even share and the moments' average feeling as the quadrant lines."""
    labels = quadrant_labels()
    rows = [
        {
            "moment": line.moment.name,
            "number": line.moment.number,
            "label": f"{line.moment.number}. {line.moment.name}"
            if line.share >= found.even
            else str(line.moment.number),
            "feeling": round(line.feeling.mean, 3),
            "share": round(line.share, 4),
            "low": None if line.low is None else round(line.low, 4),
            "high": None if line.high is None else round(line.high, 4),
            "touchpoint": line.moment.touchpoint,
            "quadrant": labels[line.quadrant],
        }
        for line in found.lines
        if line.quadrant is not None and line.share is not None and line.feeling.mean is not None
    ]
    order = [labels[key] for key in QUADRANTS]
    x = {"field": "feeling", "type": "quantitative", "title": _("Mean feeling (-3 to +3)"),
         "scale": {"zero": False, "padding": 20}}  # fmt: skip
    y = {"field": "share", "type": "quantitative", "title": _("Weight as a driver (share of R²)"),
         "axis": {"format": ".0%"}}  # fmt: skip
    spec = charts.vega_lite(
        _("Importance and performance per moment"),
        rows,
        layer=[
            {"mark": {"type": "rule", "color": "#cbd2d9", "strokeDash": [4, 4]},
             "data": {"values": [{"even": found.even}]},
             "encoding": {"y": {"field": "even", "type": "quantitative"}}},
            {"mark": {"type": "rule", "color": "#cbd2d9", "strokeDash": [4, 4]},
             "data": {"values": [{"split": found.feeling_split}]},
             "encoding": {"x": {"field": "split", "type": "quantitative"}}},
            {"mark": {"type": "rule", "color": "#9aa5b1"},
             "encoding": {"x": x, "y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}}},
            {"mark": {"type": "point", "filled": True, "size": 90},
             "encoding": {
                 "x": x, "y": y,
                 "shape": {"field": "touchpoint", "type": "nominal", "legend": None,
                           "scale": {"domain": [True, False], "range": ["circle", "diamond"]}},
                 "color": {"field": "quadrant", "type": "nominal", "title": None, "sort": order,
                           "scale": {"domain": order, "range": list(QUADRANTS.values())},
                           "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 0}},
                 "tooltip": [{"field": "moment"}, {"field": "feeling", "format": ".2f"},
                             {"field": "share", "format": ".1%"}]}},
            {"mark": {"type": "text", "align": "left", "dx": 7, "dy": -7, "fontSize": 10},
             "encoding": {"x": x, "y": y, "text": {"field": "label"}}},
        ],
    )  # fmt: skip
    spec["width"], spec["height"] = 560, 340
    columns = ("number", "moment", "feeling", "share", "low", "high", "touchpoint", "quadrant")
    return charts.Chart(spec, rows, columns)
