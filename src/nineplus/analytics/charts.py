"""Charts as Vega-Lite specifications, rendered to SVG (and PNG) on the server by vl-convert, so a page
shows them without JavaScript and every chart can be downloaded with the data behind it.

Every visible word is passed in, already translated. Pure: no web layer, no ORM.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nineplus.core.spreadsheet import neutralise

DETRACTOR, PASSIVE, PROMOTER = "#d9485f", "#c9a227", "#1f9d55"


@dataclass(frozen=True)
class Chart:
    """A chart of a page: its Vega-Lite spec, the rows behind it and their columns for the CSV
    (``version``: the survey version it shows, where it shows one)."""

    spec: dict[str, Any]
    rows: list[dict[str, Any]]
    columns: tuple[str, ...]
    version: int | None = None


@dataclass(frozen=True)
class DistributionLabels:
    title: str
    score: str  # the x axis: "Score (0-10)"
    share: str  # the y axis: "Share of answers"
    detractors: str  # legend entries, each with its share: "0-6: detractors (30%)"
    passives: str
    promoters: str


def distribution_rows(counts: Sequence[int]) -> list[dict[str, Any]]:
    """One row per score 0..10: its count, its share of all answers (0..1) and its group."""
    if len(counts) != 11:
        raise ValueError("a 0-10 distribution has eleven counts")
    total = sum(counts)
    return [
        {
            "score": score,
            "count": count,
            "share": count / total if total else 0.0,
            "group": "detractor" if score <= 6 else "passive" if score <= 8 else "promoter",
        }
        for score, count in enumerate(counts)
    ]


def group_shares(counts: Sequence[int]) -> tuple[float, float, float]:
    """(detractors, passives, promoters) as shares 0..1."""
    total = sum(counts) or 1
    return sum(counts[:7]) / total, sum(counts[7:9]) / total, sum(counts[9:]) / total


def distribution_spec(counts: Sequence[int], labels: DistributionLabels) -> dict[str, Any]:
    """The 0-10 distribution: a bar per score, coloured by group, the 7-8 zone of indifference and the
    9-10 promoters named with their shares in the legend."""
    rows = distribution_rows(counts)
    legend = {"detractor": labels.detractors, "passive": labels.passives, "promoter": labels.promoters}
    for row in rows:
        row["legend"] = legend[row["group"]]
    return _bars(
        labels.title,
        rows,
        ("score", labels.score),
        labels.share,
        {
            "field": "legend",
            "type": "nominal",
            "title": None,
            "sort": [labels.detractors, labels.passives, labels.promoters],
            "scale": {
                "domain": [labels.detractors, labels.passives, labels.promoters],
                "range": [DETRACTOR, PASSIVE, PROMOTER],
            },
            "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 0},
        },
    )


def _bars(
    title: str, rows: Sequence[dict[str, Any]], x: tuple[str, str], share: str, color: dict[str, Any]
) -> dict[str, Any]:
    """A bar per value of ``x`` (field, axis title) at its share of the answers, coloured by ``color``."""
    field, axis = x
    return vega_lite(
        title,
        rows,
        mark={"type": "bar", "cornerRadiusEnd": 2},
        encoding={
            "x": {"field": field, "type": "ordinal", "title": axis, "axis": {"labelAngle": 0}},
            "y": {"field": "share", "type": "quantitative", "title": share, "axis": {"format": ".0%"}},
            "color": color,
            "tooltip": [
                {"field": field, "type": "ordinal"},
                {"field": "count", "type": "quantitative"},
                {"field": "share", "type": "quantitative", "format": ".1%"},
            ],
        },
    )


def _months(title: str) -> dict[str, Any]:
    """An x axis of one band per month, each labelled once (a time axis would tick at arbitrary days)."""
    return {
        "field": "period",
        "type": "ordinal",
        "timeUnit": "yearmonth",
        "title": title,
        "axis": {"format": "%b %Y", "labelAngle": 0},
    }


def _interval_rule(x: dict[str, Any]) -> dict[str, Any]:
    """A grey bar from ``low`` to ``high`` per ``x``: the interval behind a point."""
    return {
        "mark": {"type": "rule", "color": "#9aa5b1", "strokeWidth": 2},
        "encoding": {"x": x, "y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}},
    }


def vega_lite(title: str, rows: Sequence[dict[str, Any]], **body: Any) -> dict[str, Any]:
    """A Vega-Lite chart of the product's size and font over ``rows``; ``body`` holds its marks."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "width": 440,
        "height": 200,
        "data": {"values": list(rows)},
        **body,
        "config": {"font": "Inter, DejaVu Sans, sans-serif", "view": {"stroke": None}},
    }


_LOCALES = {"nl": "nl-NL", "en": "en-GB"}  # vl-convert's built-in number and date formats


def svg(spec: dict[str, Any], locale: str = "en") -> str:
    """The chart as SVG, its months and numbers written as ``locale`` writes them."""
    import vl_convert

    name = _LOCALES.get(locale, "en-GB")
    return str(vl_convert.vegalite_to_svg(spec, format_locale=name, time_format_locale=name))


def png(spec: dict[str, Any], locale: str = "en", scale: float = 2.0) -> bytes:
    import vl_convert

    name = _LOCALES.get(locale, "en-GB")
    return bytes(vl_convert.vegalite_to_png(spec, scale=scale, format_locale=name, time_format_locale=name))


def rows_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """The chart's data as CSV; names the organisation gave (teams, moments) that start like a formula are
    made inert."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(row[c]) for c in columns])
    return out.getvalue()


@dataclass(frozen=True)
class SeriesLabels:
    title: str
    period: str  # the x axis: "Month"
    score: str  # the y axis: "NPS"
    significant: str  # legend: "Changed significantly"
    steady: str  # legend: "No significant change"


def series_rows(points: Sequence[Any]) -> list[dict[str, Any]]:
    """One row per period of ``analytics.series`` points: NPS, interval, n, change and its verdict."""
    rows = []
    for point in points:
        rows.append(
            {
                "period": point.period.isoformat(),
                "n": point.nps.n,
                "nps": None if point.interval is None else round(point.nps.score, 1),
                "low": None if point.interval is None else round(point.interval.low, 1),
                "high": None if point.interval is None else round(point.interval.high, 1),
                "change": None if point.change is None else round(point.change, 1),
                "significant": point.significant,
            }
        )
    return rows


def series_spec(rows: Sequence[dict[str, Any]], labels: SeriesLabels) -> dict[str, Any]:
    """NPS per period as a point with its interval as a bar; a change that stands after false-discovery
    control is coloured apart. Periods without a score (too few answers) are left out."""
    scored = [
        {**row, "verdict": labels.significant if row["significant"] else labels.steady}
        for row in rows
        if row["nps"] is not None
    ]
    x = _months(labels.period)
    return vega_lite(
        labels.title,
        scored,
        layer=[
            _interval_rule(x),
            {
                "mark": {"type": "point", "filled": True, "size": 60},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "nps",
                        "type": "quantitative",
                        "title": labels.score,
                        "scale": {"domain": [-100, 100]},
                    },
                    "color": {
                        "field": "verdict",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": [labels.steady, labels.significant],
                            "range": ["#1d4ed8", "#d9485f"],
                        },
                        "legend": {"orient": "bottom"},
                    },
                },
            },
        ],
    )


@dataclass(frozen=True)
class MeanSeriesLabels:
    title: str
    period: str  # the x axis: "Month"
    mean: str  # the y axis: "Mean feeling (-3 to +3)"


def mean_series_rows(points: Sequence[tuple[Any, Any]]) -> list[dict[str, Any]]:
    """One row per (period, ``curves.CurvePoint``): n, mean, spread and band (None below the minimum)."""
    return [
        {
            "period": period.isoformat(),
            "n": p.n,
            "mean": None if p.mean is None else round(p.mean, 2),
            "sd": None if p.sd is None else round(p.sd, 2),
            "low": None if p.band is None else round(p.band[0], 2),
            "high": None if p.band is None else round(p.band[1], 2),
        }
        for period, p in points
    ]


def mean_series_spec(rows: Sequence[dict[str, Any]], labels: MeanSeriesLabels) -> dict[str, Any]:
    """A mean on the emotion scale per period, its 95% band as a bar; periods without a mean left out."""
    x = _months(labels.period)
    shown = [row for row in rows if row["mean"] is not None]
    return vega_lite(
        labels.title,
        shown,
        layer=[
            _interval_rule(x),
            {
                "mark": {"type": "line", "color": "#1d4ed8", "point": {"filled": True, "size": 50}},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "mean",
                        "type": "quantitative",
                        "title": labels.mean,
                        "scale": {"domain": [-3, 3]},
                    },
                },
            },
        ],
    )


@dataclass(frozen=True)
class FeelingLabels:
    title: str
    feeling: str  # the x axis: "Feeling (-3 to +3)"
    share: str  # the y axis: "Share of answers"


def feeling_rows(counts: dict[int, int]) -> list[dict[str, Any]]:
    """One row per feeling from -3 to +3: its count and share of all answers (0..1)."""
    total = sum(counts.values())
    return [
        {
            "feeling": value,
            "count": counts.get(value, 0),
            "share": counts.get(value, 0) / total if total else 0.0,
        }
        for value in range(-3, 4)
    ]


def feeling_spec(rows: Sequence[dict[str, Any]], labels: FeelingLabels) -> dict[str, Any]:
    """How the feelings at a moment are spread: a bar per value, red below zero, green above."""
    return _bars(
        labels.title,
        rows,
        ("feeling", labels.feeling),
        labels.share,
        {
            "field": "feeling",
            "type": "ordinal",
            "legend": None,
            "scale": {"domain": list(range(-3, 4)), "range": [DETRACTOR] * 3 + [PASSIVE] + [PROMOTER] * 3},
        },
    )
