"""The scan's charts as Vega-Lite specs, rendered to SVG on the server like every chart of the product: a
radar of the dimension scores (0-100; the managers' and employees' shapes beside each other where both
may be shown) and the 2x2 on which the persona stands.

Vega-Lite has no polar line, so the radar is drawn in plain x/y: each dimension a spoke at its angle,
the score its distance from the centre, rings at 25, 50, 75 and 100.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nineplus.analytics import charts
from nineplus.core.i18n import gettext as _
from nineplus.scans import scoring
from nineplus.scans.instrument import Instrument

SIZE = 340
RINGS = (25, 50, 75, 100)


def _point(index: int, count: int, score: float) -> tuple[float, float]:
    angle = 2 * math.pi * index / count - math.pi / 2  # the first dimension straight up, then clockwise
    return round(score / 100 * math.cos(angle), 4), round(-score / 100 * math.sin(angle), 4)


def radar(
    instrument: Instrument, series: Sequence[tuple[str, scoring.Result]], locale: str, title: str
) -> charts.Chart:
    """The dimension scores of each named result, as closed shapes over the rings."""
    count = len(instrument.dimensions)
    rows: list[dict[str, object]] = []
    for ring in RINGS:
        for index in range(count + 1):
            x, y = _point(index % count, count, ring)
            rows.append({"layer": "ring", "group": str(ring), "order": index, "x": x, "y": y})
    for index, dimension in enumerate(instrument.dimensions):
        x, y = _point(index, count, 100)
        rows.append({"layer": "spoke", "group": dimension.key, "order": 0, "x": 0.0, "y": 0.0})
        rows.append({"layer": "spoke", "group": dimension.key, "order": 1, "x": x, "y": y})
        lx, ly = _point(index, count, 118)
        rows.append(
            {"layer": "label", "group": dimension.key, "x": lx, "y": ly, "text": dimension.name.in_(locale)}
        )
    for name, result in series:
        scored = [(i, d) for i, d in enumerate(result.dimensions) if d.score is not None]
        for order, (index, found) in enumerate([*scored, scored[0]] if scored else []):
            shown = round(found.score or 0)  # as the table shows it: no more precision than that
            x, y = _point(index, count, shown)
            rows.append(
                {
                    "layer": "score",
                    "group": name,
                    "order": order,
                    "x": x,
                    "y": y,
                    "score": shown,
                }
            )
    scale = {"domain": [-1.45, 1.45]}
    position = {
        "x": {"field": "x", "type": "quantitative", "scale": scale, "axis": None},
        "y": {"field": "y", "type": "quantitative", "scale": scale, "axis": None},
    }
    spec = charts.vega_lite(
        title,
        rows,
        width=SIZE,
        height=SIZE,
        layer=[
            {
                "transform": [{"filter": "datum.layer === 'ring' || datum.layer === 'spoke'"}],
                "mark": {"type": "line", "color": "#d0d5dd", "strokeWidth": 1, "aria": False},
                "encoding": {**position, "detail": {"field": "group"}, "order": {"field": "order"}},
            },
            *(
                {
                    "transform": [{"filter": f"datum.layer === 'label' && {test}"}],
                    "mark": {"type": "text", "fontSize": 11, "color": "#344054", "align": align},
                    "encoding": {**position, "text": {"field": "text"}},
                }
                for align, test in (
                    ("left", "datum.x > 0.1"),
                    ("right", "datum.x < -0.1"),
                    ("center", "abs(datum.x) <= 0.1"),
                )
            ),
            {
                "transform": [{"filter": "datum.layer === 'score'"}],
                "mark": {"type": "line", "point": True, "strokeWidth": 2},
                "encoding": {
                    **position,
                    "order": {"field": "order"},
                    "color": {
                        "field": "group",
                        "type": "nominal",
                        "title": None,
                        "legend": {"orient": "bottom"},
                    },
                    "tooltip": [{"field": "group"}, {"field": "score", "title": _("Score")}],
                },
            },
        ],
    )
    return charts.Chart(
        spec, [r for r in rows if r["layer"] == "score"], ("group", "order", "x", "y", "score")
    )


def two_by_two(
    instrument: Instrument, result: scoring.Result, locale: str, title: str
) -> charts.Chart | None:
    """Where the organisation stands on the persona's two axes (0-100), with the quadrants named."""
    persona = instrument.persona
    if persona is None:
        return None
    found = scoring.axes(instrument, result.dimensions)
    if found is None:
        return None
    x, y = round(found[0]), round(found[1])  # as the table shows them: no more precision than that
    split = persona.split
    corners = {"low_low": (split / 2, split / 2), "low_high": (split / 2, (100 + split) / 2)}
    corners |= {
        "high_low": ((100 + split) / 2, split / 2),
        "high_high": ((100 + split) / 2, (100 + split) / 2),
    }
    rows: list[dict[str, object]] = [
        {"layer": "quadrant", "x": cx, "y": cy, "text": persona.quadrants[key].in_(locale).split(":")[0]}
        for key, (cx, cy) in corners.items()
    ]
    rows.append({"layer": "us", "x": x, "y": y, "text": _("We")})
    scale = {"domain": [0, 100]}
    spec = charts.vega_lite(
        title,
        rows,
        width=SIZE,
        height=SIZE,
        layer=[
            {
                "mark": {"type": "rule", "color": "#98a2b3", "strokeDash": [4, 4], "aria": False},
                "encoding": {"x": {"datum": split}},
            },
            {
                "mark": {"type": "rule", "color": "#98a2b3", "strokeDash": [4, 4], "aria": False},
                "encoding": {"y": {"datum": split}},
            },
            {
                "transform": [{"filter": "datum.layer === 'quadrant'"}],
                "mark": {"type": "text", "fontSize": 12, "color": "#667085"},
                "encoding": {
                    "x": {
                        "field": "x",
                        "type": "quantitative",
                        "scale": scale,
                        "title": f"{persona.x.low.in_(locale)} → {persona.x.high.in_(locale)}",
                    },
                    "y": {
                        "field": "y",
                        "type": "quantitative",
                        "scale": scale,
                        "title": f"{persona.y.low.in_(locale)} → {persona.y.high.in_(locale)}",
                    },
                    "text": {"field": "text"},
                },
            },
            {
                "transform": [{"filter": "datum.layer === 'us'"}],
                "mark": {"type": "point", "filled": True, "size": 160, "color": "#4f46e5"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", "scale": scale},
                    "y": {"field": "y", "type": "quantitative", "scale": scale},
                    "tooltip": [{"field": "x"}, {"field": "y"}],
                },
            },
        ],
    )
    return charts.Chart(spec, [r for r in rows if r["layer"] == "us"], ("x", "y"))
