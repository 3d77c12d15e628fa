"""The insight pages' figures, read from the analytic store: the moments of truth of a journey (the
emotional swing into each moment, its weight as a driver of the overall score, its performance, and the
importance-performance quadrant), retention as a function of the score per segment, and the effect chain
per team and month. The models themselves are pure (``drivers``, ``retention``, ``chain``); this module
asks the store for their inputs and words their results.

Every figure here is an association in the organisation's own data, never proof of a cause; the pages say
so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nineplus.analytics import charts, queries
from nineplus.analytics.chain import Link, chain
from nineplus.analytics.curves import CurvePoint, point
from nineplus.analytics.dashboards import mean_by
from nineplus.analytics.drivers import MIN_CUSTOMERS, MIN_PAIRS, DriverModel, key_drivers, swings
from nineplus.analytics.engine import Engine
from nineplus.analytics.overview import dimensions
from nineplus.analytics.retention import RetentionCurve, retention_curve
from nineplus.analytics.scores import Nps
from nineplus.analytics.store import AnalyticStore
from nineplus.analytics.views import read
from nineplus.core.i18n import get_locale
from nineplus.core.i18n import gettext as _

SAMPLE = 5_000  # customers per driver model: a systematic sample of the responses beyond this
BOOTSTRAP = 200  # resamples for the drivers' intervals
# Figures per question, language and state of the store: a bootstrap takes a second.
_CACHE: dict[tuple[Hashable, ...], Any] = {}


def _kept(key: tuple[Hashable, ...], make: Any) -> Any:
    """The figures for ``key`` (which names the store's state), computed once."""
    found = _CACHE.get(key)
    if found is None:
        found = make()
        if len(_CACHE) >= 64:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def _stamp(cur: Any) -> tuple[str | None, ...]:
    """What the figures depend on: the store (instance, generation), the newest response in it and the
    persons and outcomes copied (a refresh that brought nothing new keeps the figures)."""
    meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
    return tuple(meta.get(key) for key in ("instance", "generation", "watermark", "persons", "outcomes"))


# Moments of truth ------------------------------------------------------------------------------------


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
    # Moments customers raise in their own words that are not on the map: filled by the text analysis.
    candidates: list[Any] = field(default_factory=list)
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
        key = ("truth", organisation_id, journey_id, tuple(moments), minimum, get_locale(), _stamp(cur))
        return _kept(key, lambda: moments_of_truth_on(engine, organisation_id, journey_id, moments, minimum))

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
    even = 1 / len(moments) if moments else 0.0
    shares = {d.name: d for d in model.drivers} if model else {}
    means = [p.mean for p in points.values() if p.mean is not None]
    split = float(np.mean(means)) if means else 0.0
    lines = []
    for m in moments:
        driver = shares.get(m.id)
        if driver is not None and driver.n < MIN_PAIRS:
            driver = None  # too few customers went through it to weigh it (it counts as unrelated)
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
    if customers < MIN_CUSTOMERS or len(moments) < 2:
        return None, {}, too_few, 0
    x, y, sampled = _answers(engine, organisation_id, journey_id, moments, customers)
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


# Retention -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentRetention:
    segment: str | None  # the attribute's value; None: every customer
    curve: RetentionCurve
    reading: list[str]  # the consequence in plain words


@dataclass(frozen=True)
class RetentionFigures:
    attribute: str | None
    attributes: list[str]  # keys a page can split by
    overall: SegmentRetention | None  # None: no customer with a score and an outcome after it
    segments: list[SegmentRetention]
    charts: dict[str, charts.Chart]


RETENTION_MINIMUM = 100  # customers with a score and an outcome for a curve worth reading


def retention(
    store: AnalyticStore, organisation_id: int, attribute: str | None, minimum: int
) -> RetentionFigures:
    def question(engine: Engine, cur: Any) -> RetentionFigures:
        keys = [k for (k,) in cur.execute(
            "SELECT DISTINCT key FROM person_attributes WHERE organisation_id = ? ORDER BY key LIMIT 50",
            [organisation_id],
        ).fetchall()]  # fmt: skip
        chosen = attribute if attribute in keys else None
        key = ("retention", organisation_id, chosen, minimum, get_locale(), _stamp(cur))
        return _kept(key, lambda: _retention(engine, organisation_id, chosen, keys, minimum))

    return read(store, question)


def _retention(
    engine: Engine, organisation_id: int, attribute: str | None, keys: list[str], minimum: int
) -> RetentionFigures:
    data = engine.columns(queries.scored_outcomes(organisation_id, attribute))
    scores = np.asarray(data["score"], dtype=int)
    stayed = np.asarray(data["stayed"], dtype=bool)
    if not len(scores):
        return RetentionFigures(attribute, keys, None, [], {})
    overall = _segment(None, scores, stayed)
    segments = []
    if attribute is not None:
        values = np.asarray([v if v is not None else "" for v in data["segment"]], dtype=object)
        for value in sorted(set(values) - {""}):
            chosen = values == value
            if chosen.sum() >= max(minimum, RETENTION_MINIMUM // 2):
                segments.append(_segment(value, scores[chosen], stayed[chosen]))
    found = RetentionFigures(attribute, keys, overall, segments, {})
    found.charts["retention"] = retention_chart(found)
    return found


def _segment(segment: str | None, scores: np.ndarray, stayed: np.ndarray) -> SegmentRetention:
    curve = retention_curve(scores, stayed)
    return SegmentRetention(segment, curve, retention_reading(curve))


def _points(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:+.1f}"


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
                "Retention rises with the score up to %(c)s and stops rising after it: customers who give "
                "%(c)s stay about as often as those who give more.",
                c=c,
            )
        )
        before, after = curve.gain(c), curve.gain(c + 1) if c < 10 else None
        if before is not None and after is not None:
            said.append(
                _(
                    "Moving customers from %(a)s to %(b)s is worth %(gain)s points of retention here; "
                    "from %(b)s to %(c)s, %(more)s.",
                    a=c - 1, b=c, c=c + 1, gain=_points(before), more=_points(after),
                )
            )  # fmt: skip
        said.append(_("So the customers below %(c)s are where a better experience pays most.", c=c))
    elif threshold is not None and threshold.p_value < 0.05:
        said.append(
            _(
                "The rise in retention changes at %(c)s but does not stop: a higher score still pays "
                "after it.",
                c=threshold.score,
            )
        )
    else:
        said.append(_("No score was found where retention clearly stops rising."))
    if not (threshold is not None and threshold.plateau):
        seven, eight = curve.gain(8), curve.gain(9)
        if seven is not None and eight is not None:
            said.append(
                _(
                    "On the fitted curve, moving customers from 7 to 8 is worth %(gain)s points of "
                    "retention; from 8 to 9, %(more)s.",
                    gain=_points(seven),
                    more=_points(eight),
                )
            )
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


# The effect chain ------------------------------------------------------------------------------------

CHAIN = ("employee", "customer", "retention", "revenue")
LAGS = range(3)  # months between the cause's month and the effect's


@dataclass(frozen=True)
class ChainLink:
    cause: str
    effect: str
    links: list[Link]  # one per lag that could be fitted

    @property
    def same_month(self) -> Link | None:
        return next((link for link in self.links if link.lag == 0), None)


@dataclass(frozen=True)
class ChainFigures:
    cells: list[dict[str, Any]]  # per team and month: the four figures (None where too few answers)
    links: list[ChainLink]
    teams: int
    months: int


def effect_chain(store: AnalyticStore, organisation_id: int, minimum: int) -> ChainFigures:
    def question(engine: Engine, cur: Any) -> ChainFigures:
        dims = dimensions(cur, organisation_id)
        key = ("chain", organisation_id, minimum, _stamp(cur))
        return _kept(key, lambda: _effect_chain(engine, organisation_id, minimum, dims.teams))

    return read(store, question)


def _effect_chain(engine: Engine, organisation_id: int, minimum: int, teams: dict[int, str]) -> ChainFigures:
    figures: dict[str, dict[tuple[int, Any], float]] = defaultdict(dict)
    counts: dict[tuple[str, int, Any], int] = {}
    nps = engine.rows(queries.nps_counts(organisation_id, ["audience", "team_id"], period="month"))
    for row in nps:
        if not row["team_id"] or row["n"] < minimum:
            continue
        name = "employee" if row["audience"] == "employee" else "customer"
        cell = (row["team_id"], row["period"])
        figures[name][cell] = Nps(row["n"], row["promoters"], row["detractors"]).score
        counts[(name, *cell)] = row["n"]
    for row in engine.rows(queries.outcome_cells(organisation_id)):
        cell = (row["team_id"], row["period"])
        if row["customers"] >= minimum:
            figures["retention"][cell] = 100 * row["stayed"] / row["customers"]
            counts[("retention", *cell)] = row["customers"]
        if row["with_revenue"] >= minimum:
            figures["revenue"][cell] = row["revenue"] / row["with_revenue"]
            counts[("revenue", *cell)] = row["with_revenue"]
    months = sorted({period for values in figures.values() for _team, period in values})
    index = {month: i for i, month in enumerate(months)}
    indexed = {
        name: {(team, index[period]): value for (team, period), value in values.items()}
        for name, values in figures.items()
    }
    found = chain(indexed, LAGS)
    links = [ChainLink(cause, effect, found_links) for (cause, effect), found_links in found.items()]
    cells = []
    for team, period in sorted({cell for values in figures.values() for cell in values}, key=str):
        row: dict[str, Any] = {"team": teams.get(team, str(team)), "month": period}
        for name in CHAIN:
            value = figures[name].get((team, period))
            row[name] = None if value is None else round(value, 2)
            row[f"{name}_n"] = counts.get((name, team, period))
        cells.append(row)
    cells.sort(key=lambda r: (r["team"], r["month"]))
    present = {team for values in figures.values() for team, _period in values}
    return ChainFigures(cells, links, len(present), len(months))


CELL_COLUMNS = ("team", "month", *(f"{n}{s}" for n in CHAIN for s in ("", "_n")))


def figure_names() -> dict[str, str]:
    return {
        "employee": _("employee score (eNPS)"),
        "customer": _("customer score (NPS)"),
        "retention": _("retention (% still a customer)"),
        "revenue": _("revenue per customer"),
    }


def units() -> dict[str, str]:
    return {
        "employee": _("eNPS point"),
        "customer": _("NPS point"),
        "retention": _("percentage point of retention"),
        "revenue": _("unit of revenue"),
    }


def link_reading(found: ChainLink) -> str:
    """One link in plain words, from its same-month regression."""
    names, per = figure_names(), units()
    link = found.same_month
    if link is None:
        return _(
            "Too few teams and months with both a %(cause)s and a %(effect)s to relate them (at least three "
            "teams and ten team-months).",
            cause=names[found.cause],
            effect=names[found.effect],
        )
    numbers = {
        "cause": names[found.cause],
        "effect": names[found.effect],
        "slope": f"{link.slope:+.2f}",
        "low": f"{link.low:+.2f}",
        "high": f"{link.high:+.2f}",
        "unit": per[found.cause],
        "teams": link.teams,
        "n": link.n,
    }
    if link.detected:
        words = _(
            "Where the %(cause)s was higher, the %(effect)s was %(direction)s in the same month: "
            "%(slope)s per %(unit)s (95-in-100 interval %(low)s to %(high)s; %(teams)s teams, "
            "%(n)s team-months).",
            direction=_("higher") if link.slope > 0 else _("lower"),
            **numbers,
        )
    else:
        words = _(
            "No clear relation between the %(cause)s and the %(effect)s: %(slope)s per %(unit)s, and the "
            "95-in-100 interval (%(low)s to %(high)s) includes none (%(teams)s teams, %(n)s team-months).",
            **numbers,
        )
    return words
