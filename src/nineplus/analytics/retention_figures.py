"""Retention and the score, read from the analytic store: per customer the latest NPS answer and whether
the customer was still a customer a few months on (the imported outcomes), then per score the rate with
its Wilson interval, the isotonic fit and the threshold test (``analytics.retention``), for every customer
and per value of an imported attribute, with what the curve means in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nineplus.analytics import charts, queries
from nineplus.analytics.engine import Engine
from nineplus.analytics.kept import kept, stamp
from nineplus.analytics.retention import RetentionCurve, retention_curve
from nineplus.analytics.store import AnalyticStore
from nineplus.analytics.views import read
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _


@dataclass(frozen=True)
class SegmentRetention:
    segment: str | None  # the attribute's value; None: every customer
    curve: RetentionCurve
    reading: list[str]  # the consequence in plain words


@dataclass(frozen=True)
class RetentionFigures:
    months: int  # the follow-up: still a customer this many months on from the month of the answer
    attribute: str | None
    attributes: list[str]  # keys a page can split by
    overall: SegmentRetention | None  # None: no customer with a score and an outcome after it
    segments: list[SegmentRetention]
    charts: dict[str, charts.Chart]


RETENTION_MINIMUM = 100  # customers with a score and an outcome for a curve worth reading
FOLLOW_UP = 3  # months, by default
FOLLOW_UPS = (1, 3, 6, 12)


def retention(
    store: AnalyticStore, organisation_id: int, attribute: str | None, minimum: int, months: int = FOLLOW_UP
) -> RetentionFigures:
    def question(engine: Engine, cur: Any) -> RetentionFigures:
        keys = [k for (k,) in cur.execute(
            "SELECT DISTINCT key FROM person_attributes WHERE organisation_id = ? ORDER BY key LIMIT 50",
            [organisation_id],
        ).fetchall()]  # fmt: skip
        chosen = attribute if attribute in keys else None
        state = stamp(cur, "watermark", "persons", "outcomes")
        key = ("retention", organisation_id, chosen, minimum, months, get_locale(), state)
        return kept(key, lambda: _retention(engine, organisation_id, chosen, keys, minimum, months))

    return read(store, question)


def _retention(
    engine: Engine, organisation_id: int, attribute: str | None, keys: list[str], minimum: int, months: int
) -> RetentionFigures:
    data = engine.columns(queries.scored_outcomes(organisation_id, attribute, months))
    scores = np.asarray(data["score"], dtype=int)
    stayed = np.asarray(data["stayed"], dtype=bool)
    if not len(scores):
        return RetentionFigures(months, attribute, keys, None, [], {})
    overall = _segment(None, scores, stayed)
    segments = []
    if attribute is not None:
        values = np.asarray([v if v is not None else "" for v in data["segment"]], dtype=object)
        for value in sorted(set(values) - {""}):
            chosen = values == value
            if chosen.sum() >= max(minimum, RETENTION_MINIMUM // 2):
                segments.append(_segment(value, scores[chosen], stayed[chosen]))
    found = RetentionFigures(months, attribute, keys, overall, segments, {})
    found.charts["retention"] = retention_chart(found)
    return found


def _segment(segment: str | None, scores: np.ndarray, stayed: np.ndarray) -> SegmentRetention:
    curve = retention_curve(scores, stayed)
    return SegmentRetention(segment, curve, retention_reading(curve))


def _points(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:+.1f}"


def _steps(a: int, first: float, second: float) -> str:
    """How much more often customers one and two points above ``a`` stayed, on the fitted curve."""
    return _(
        "On the fitted curve, customers who gave %(b)s stayed %(gain)s percentage points more often than "
        "those who gave %(a)s; those who gave %(c)s, %(more)s more than those who gave %(b)s.",
        a=a, b=a + 1, c=a + 2, gain=_points(first), more=_points(second),
    )  # fmt: skip


def retention_reading(curve: RetentionCurve) -> list[str]:
    """What the curve means for where to act, in plain words."""
    if curve.n < RETENTION_MINIMUM:
        return [
            _("Only %(n)s customers with a score and a known outcome: too few to read the curve.", n=curve.n)
        ]
    said = []
    threshold = curve.threshold
    if threshold is not None and threshold.plateau:
        c = threshold.score
        said.append(
            _(
                "Retention rises with the score up to %(c)s and stops rising after it: customers who gave "
                "%(c)s stayed about as often as those who gave more.",
                c=c,
            )
        )
        before, after = curve.gain(c), curve.gain(c + 1) if c < 10 else None
        if before is not None and after is not None:
            said.append(_steps(c - 1, before, after))
        said.append(
            _(
                "So the customers below %(c)s are where more retention is to be won, if a better experience "
                "is what keeps them.",
                c=c,
            )
        )
    elif threshold is not None and threshold.p_value < 0.05 and threshold.after_low > 0:
        said.append(
            _(
                "The rise in retention changes at %(c)s but does not stop: customers who scored higher still "
                "stayed more often.",
                c=threshold.score,
            )
        )
    else:
        said.append(_("No score was found where retention clearly stops rising."))
    if not (threshold is not None and threshold.plateau):
        seven, eight = curve.gain(8), curve.gain(9)
        if seven is not None and eight is not None:
            said.append(_steps(7, seven, eight))
    return said


def retention_chart(found: RetentionFigures) -> charts.Chart:
    groups = [found.overall, *found.segments] if found.overall else []
    everyone = _("Every customer")
    rows = [
        {
            "segment": group.segment or everyone,
            "score": rate.score,
            "n": rate.n,
            "retained": rate.retained,
            "rate": None if rate.rate is None else round(rate.rate, 4),
            "low": None if rate.low is None else round(rate.low, 4),
            "high": None if rate.high is None else round(rate.high, 4),
            "fitted": None if fitted is None else round(fitted, 4),
        }
        for group in groups
        for rate, fitted in zip(group.curve.rates, group.curve.fitted, strict=True)
        if rate.n
    ]
    x = {"field": "score", "type": "ordinal", "title": _("Score (0-10)"), "axis": {"labelAngle": 0}}
    color = {"field": "segment", "type": "nominal", "title": None,
             "legend": {"orient": "bottom", "labelLimit": 0}}  # fmt: skip
    share = {"type": "quantitative", "axis": {"format": ".0%"}, "scale": {"zero": False}}
    spec = charts.vega_lite(
        _("Still a customer, per score"),
        rows,
        layer=[
            {"mark": {"type": "rule", "strokeWidth": 2, "opacity": 0.5},
             "encoding": {"x": x, "y": {**share, "field": "low", "title": _("Still a customer")},
                          "y2": {"field": "high"}, "color": color, "xOffset": {"field": "segment"}}},
            {"mark": {"type": "point", "filled": True},
             "encoding": {"x": x, "y": {**share, "field": "rate"}, "color": color,
                          "xOffset": {"field": "segment"},
                          "tooltip": [{"field": "segment"}, {"field": "score"}, {"field": "n"},
                                      {"field": "rate", "format": ".1%"}]}},
            {"mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 1.5},
             "encoding": {"x": x, "y": {**share, "field": "fitted"}, "color": color}},
        ],
    )  # fmt: skip
    spec["height"] = 260
    return charts.Chart(spec, rows, ("segment", "score", "n", "retained", "rate", "low", "high", "fitted"))
