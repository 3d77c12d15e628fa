"""The journey map: the moments of a customer journey with their emotion curves, as one standalone SVG.

Columns are the interaction moments in order, preceded by a "start" column holding the customer's start
feeling. Under the column headers, lanes describe each moment (channel, owning team, path, contact). Below
them the emotion curves are drawn on a signed scale from -3 to +3. The module is pure: standard library
plus ``vl_convert`` for the PNG export. All words arrive already translated; every user text is escaped.

Machine-checkable markup (used by the tests and by the web UI):

* ``<g class="moment" data-moment-id data-position data-kind data-contact>`` per moment, in order;
* ``<circle class="curve-point" data-curve data-moment-id data-emotion cx cy>`` per rated moment;
* ``<polygon class="start-point" data-curve data-emotion data-cx data-cy>`` per start feeling (a diamond);
* ``<polyline class="curve-line" data-curve points>`` per unbroken run of two or more rated moments;
* ``<line class="start-connector">`` from a start feeling to the first moment (when that one is rated);
* ``<polygon class="curve-band" data-curve>`` per unbroken run of a curve's (low, high) band.

The vertical geometry is fixed, so ``emotion_to_y`` and ``y_to_emotion`` are plain module functions;
curve coordinates are written with up to six decimals, so ``y_to_emotion(cy)`` gives the value back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

import vl_convert

FONT = "Inter, DejaVu Sans, Liberation Sans, Arial, sans-serif"
PALETTE = ("#2563eb", "#d97706", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d", "#dc2626")
INK, SOFT, MUTED, FAINT, LINE, WHITE = "#0f172a", "#475569", "#64748b", "#94a3b8", "#e2e8f0", "#ffffff"

MARGIN = 32
PLOT_X = 144  # the start column begins here; lane labels and the emotion scale sit left of it
START_W = 104
COL_W = 170  # one moment column
HEADER_TOP, HEADER_H = 92, 92
LANES_TOP = HEADER_TOP + HEADER_H + 12
LANE_HEIGHTS = (34, 44, 34, 34)  # channel, team (+ role), path, contact
LANES_BOTTOM = LANES_TOP + sum(LANE_HEIGHTS)
EMO_TOP = LANES_BOTTOM + 14
EMO_PAD = 20
UNIT = 40  # pixels per emotion step
ZERO_Y = EMO_TOP + EMO_PAD + 3 * UNIT  # = 496
EMO_BOTTOM = ZERO_Y + 3 * UNIT + EMO_PAD
NAME_CHARS, NAME_LINES = 17, 3


@dataclass(frozen=True)
class MapMoment:
    id: int
    name: str
    channel: str  # already translated label, e.g. "Phone" / "Telefoon"; "" for none
    team: str  # owning team name, "" for none
    role: str  # role label, "" for none
    kind: Literal["standard", "potential"]
    contact: Literal["touchpoint", "customer_only"]


@dataclass(frozen=True)
class MapCurve:
    label: str  # legend text, e.g. "Workshop 12 March 2026 (expected)"
    points: Sequence[int | float | None]  # one per moment, aligned with the moments, each -3..+3 or None
    start: int | float | None = None  # start feeling for this curve (drawn in the start column), or None
    kind: Literal["expected", "measured"] = "expected"
    band: Sequence[tuple[float, float] | None] | None = None  # optional (low, high) per moment


@dataclass(frozen=True)
class MapLabels:  # all visible words are passed in already translated (Dutch or English UI)
    start: str = "Start"
    start_feeling: str = "Start feeling"
    channel: str = "Channel"
    team: str = "Team"
    kind: str = "Path"
    contact: str = "Contact"
    standard: str = "Standard"
    potential: str = "Potential"
    touchpoint: str = "Touchpoint"
    customer_only: str = "Customer only"
    emotion: str = "Emotion"
    no_moments: str = "This journey has no moments yet."


def emotion_to_y(value: float) -> float:
    """The y coordinate of an emotion: 0 on the midline ``ZERO_Y`` (496), ``UNIT`` (40) pixels per step up."""
    return ZERO_Y - value * UNIT


def y_to_emotion(y: float) -> float:
    """The inverse of ``emotion_to_y``."""
    return (ZERO_Y - y) / UNIT


# ---------------------------------------------------------------- small helpers


def _n(value: float, digits: int = 3) -> str:
    """A number for the SVG: rounded, without trailing zeros, never '-0'."""
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _emotion_text(value: float) -> str:
    """The emotion as given: integral values without '.0', other floats as their shortest repr."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _el(tag: str, content: str | None = None, **attrs: object) -> str:
    """One element; keyword ``class_`` becomes ``class``, underscores become dashes, floats are rounded."""
    rendered = "".join(
        f" {key.rstrip('_').replace('_', '-')}={quoteattr(_n(v) if isinstance(v, float) else str(v))}"
        for key, v in attrs.items()
    )
    return f"<{tag}{rendered}/>" if content is None else f"<{tag}{rendered}>{content}</{tag}>"


def _text(x: float, y: float, content: str, size: float = 12, fill: str = INK, **attrs: object) -> str:
    return _el("text", escape(content), x=float(x), y=float(y), font_size=float(size), fill=fill, **attrs)


def _width(text: str, size: float, factor: float = 0.6) -> float:
    return len(text) * size * factor


def _clip(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max(max_chars - 1, 1)].rstrip() + "…"


def _wrap(text: str, max_chars: int = NAME_CHARS, max_lines: int = NAME_LINES) -> list[str]:
    """Greedy word wrap by character count; over-long words are cut; overflow ends in an ellipsis."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > max_chars:
            lines += [current] if current else []
            lines.append(word[:max_chars])
            current, word = "", word[max_chars:]
        if current and len(current) + 1 + len(word) <= max_chars:
            current += " " + word
        else:
            lines += [current] if current else []
            current = word
    lines += [current] if current else []
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _clip(lines[-1] + " …", max_chars)
    return lines or [""]


def _check(value: object, what: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what}: {value!r} is not a number")
    if not -3 <= value <= 3:
        raise ValueError(f"{what}: {value!r} lies outside -3..+3")


def _validate(moments: Sequence[MapMoment], curves: Sequence[MapCurve]) -> None:
    for moment in moments:
        if moment.kind not in ("standard", "potential") or moment.contact not in (
            "touchpoint",
            "customer_only",
        ):
            raise ValueError(
                f"moment {moment.id}: unknown kind {moment.kind!r} or contact {moment.contact!r}"
            )
    for index, curve in enumerate(curves):
        if len(curve.points) != len(moments):
            raise ValueError(f"curve {index}: {len(curve.points)} points for {len(moments)} moments")
        if curve.band is not None and len(curve.band) != len(moments):
            raise ValueError(f"curve {index}: {len(curve.band)} band entries for {len(moments)} moments")
        for value in [*curve.points, curve.start]:
            _check(value, f"curve {index}")


def _runs(values: Sequence[object]) -> list[list[int]]:
    """Indices of the maximal runs of consecutive non-None values."""
    runs: list[list[int]] = []
    for i, value in enumerate(values):
        if value is not None:
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
    return runs


def _col_x(position: int) -> int:
    return PLOT_X + START_W + position * COL_W


def _shift(index: int, count: int) -> float:
    """A small horizontal shift per curve, so that equal values of different curves stay visible."""
    return (index - (count - 1) / 2) * min(6, 24 / max(count - 1, 1))


def _rect(x: float, y: float, w: float, h: float, **attrs: object) -> str:
    return _el("rect", x=float(x), y=float(y), width=float(w), height=float(h), **attrs)


def _line(x1: float, y1: float | str, x2: float, y2: float | str, **attrs: object) -> str:
    return _el("line", x1=float(x1), y1=y1, x2=float(x2), y2=y2, **attrs)


def _chip(cx: float, cy: float, label: str, colors: tuple[str, str, str], dashed: bool = False) -> str:
    fill, stroke, ink = colors
    label = _clip(label, 22)
    w = _width(label, 11) + 16
    dash = {"stroke_dasharray": "3 2"} if dashed else {}
    rect = _rect(cx - w / 2, cy - 10, w, 20, rx=10, fill=fill, stroke=stroke, **dash)
    return rect + _text(cx, cy + 4, label, 11, ink, text_anchor="middle", font_weight=600)


# ---------------------------------------------------------------- parts of the drawing

HATCH = _el(
    "pattern",
    _rect(0, 0, 8, 8, fill="#f5f3ff") + _line(0, 0, 0, 8, stroke="#ddd6fe", stroke_width=3),
    **{"id": "np-hatch", "patternUnits": "userSpaceOnUse", "width": 8, "height": 8},
    patternTransform="rotate(45)",
)
CENTER = {"text_anchor": "middle"}
BOLD = {"font_weight": 700}


def _heading(title: str, subtitle: str, width: int) -> list[str]:
    chars = int((width - 2 * MARGIN) / (22 * 0.6))
    out = [_text(MARGIN, 48, _clip(title, chars), 22, INK, **BOLD)]
    if subtitle:
        out.append(_text(MARGIN, 72, _clip(subtitle, int(chars * 22 / 14)), 14, MUTED))
    return out


def _grid(labels: MapLabels, right: int) -> list[str]:
    """Emotion zones and scale, lane labels and lines, and the start column."""
    w = right - PLOT_X
    out = [
        _rect(PLOT_X, EMO_TOP, w, ZERO_Y - EMO_TOP, fill="#ecfdf5"),
        _rect(PLOT_X, ZERO_Y, w, EMO_BOTTOM - ZERO_Y, fill="#fff1f2"),
    ]
    for step in range(-3, 4):
        y = emotion_to_y(step)
        if step:
            out.append(_line(PLOT_X, y, right, y, stroke=WHITE, stroke_width=1.5))
        tick = "0" if step == 0 else f"+{step}" if step > 0 else f"−{-step}"
        out.append(_text(PLOT_X - 12, y + 4, tick, 12, MUTED, text_anchor="end", class_="tick"))
    out.append(_line(PLOT_X, ZERO_Y, right, ZERO_Y, class_="zero-line", stroke=FAINT, stroke_dasharray="5 4"))
    mid = (EMO_TOP + EMO_BOTTOM) / 2
    turn = f"rotate(-90 {MARGIN + 6} {_n(mid)})"
    out.append(_text(MARGIN + 6, mid, _clip(labels.emotion, 24), 12, MUTED, transform=turn, **CENTER))
    y = LANES_TOP
    lane_names = (labels.channel, labels.team, labels.kind, labels.contact)
    for label, height in zip(lane_names, LANE_HEIGHTS, strict=True):
        out.append(_text(MARGIN, y + height / 2 + 4, _clip(label, 14), 12, MUTED, font_weight=600))
        y += height
        out.append(_line(MARGIN, y, right, y, stroke=LINE))
    out += [_line(x, LANES_TOP, x, EMO_BOTTOM, stroke=LINE) for x in (PLOT_X, right)]
    # the start column: a muted header card; the start feelings themselves are drawn with the curves
    lines = _wrap(labels.start_feeling, 13, 3)
    top, cx = HEADER_TOP + HEADER_H / 2 - len(lines) * 7, PLOT_X + START_W / 2
    out.append(_rect(PLOT_X + 6, HEADER_TOP, START_W - 12, HEADER_H, rx=10, fill="#f8fafc", stroke=LINE))
    out.append(_text(cx, top, _clip(labels.start, 12), 13, SOFT, **CENTER, **BOLD))
    out += [_text(cx, top + 18 + i * 14, line, 11, MUTED, **CENTER) for i, line in enumerate(lines)]
    return out


def _moment(moment: MapMoment, position: int, labels: MapLabels) -> str:
    x = _col_x(position)
    cx = x + COL_W / 2
    potential, customer_only = moment.kind == "potential", moment.contact == "customer_only"
    out = [f"<title>{escape(moment.name)}</title>"]
    if customer_only:  # hatched lanes and emotion area: no contact with the organisation here
        h = EMO_BOTTOM - LANES_TOP - 1
        out.append(_rect(x + 1, LANES_TOP + 1, COL_W - 2, h, fill="url(#np-hatch)", opacity=0.5))
    out.append(_line(x, LANES_TOP, x, EMO_BOTTOM, stroke=LINE))
    if potential:  # a deviating path: the whole column gets a dashed outline
        dash = {"stroke_dasharray": "6 4", "stroke_width": 1.5, "fill": "none", "stroke": FAINT}
        out.append(_rect(x + 3, HEADER_TOP - 4, COL_W - 6, EMO_BOTTOM - HEADER_TOP + 8, rx=12, **dash))
    if customer_only:
        fill, stroke, pill = "url(#np-hatch)", "#c4b5fd", "#7c3aed"
    else:
        fill, stroke, pill = (WHITE, FAINT, FAINT) if potential else ("#eff6ff", "#bfdbfe", "#1e40af")
    dash = {"stroke_dasharray": "5 3"} if potential else {}
    out.append(_rect(x + 8, HEADER_TOP, COL_W - 16, HEADER_H, rx=10, fill=fill, stroke=stroke, **dash))
    out.append(_el("circle", cx=x + 30, cy=HEADER_TOP + 22, r=11, fill=pill))
    out.append(_text(x + 30, HEADER_TOP + 26, str(position + 1), 11, WHITE, **CENTER, **BOLD))
    badges = [b for b, on in ((labels.potential, potential), (labels.customer_only, customer_only)) if on]
    if badges:
        badge, ink = _clip(" · ".join(badges), (COL_W - 70) // 6), "#6d28d9" if customer_only else MUTED
        out.append(_text(x + COL_W - 20, HEADER_TOP + 26, badge, 10, ink, text_anchor="end", **BOLD))
    for i, line in enumerate(_wrap(moment.name)):
        out.append(
            _text(x + 20, HEADER_TOP + 52 + i * 16, line, 13, SOFT if potential else INK, font_weight=600)
        )
    lane_y = [LANES_TOP + sum(LANE_HEIGHTS[:i]) for i in range(len(LANE_HEIGHTS))]
    for text, y in ((moment.channel, lane_y[0] + 21), (moment.team, lane_y[1] + (19 if moment.role else 26))):
        out.append(_text(cx, y, _clip(text or "—", 22), 12, INK if text else FAINT, **CENTER))
    if moment.role:
        out.append(_text(cx, lane_y[1] + 34, _clip(moment.role, 24), 11, MUTED, **CENTER))
    if potential:
        out.append(_chip(cx, lane_y[2] + 17, labels.potential, (WHITE, FAINT, SOFT), dashed=True))
    else:
        out.append(_chip(cx, lane_y[2] + 17, labels.standard, ("#f1f5f9", LINE, "#334155")))
    if customer_only:
        out.append(_chip(cx, lane_y[3] + 17, labels.customer_only, ("#ede9fe", "#c4b5fd", "#6d28d9")))
    else:
        out.append(_chip(cx, lane_y[3] + 17, labels.touchpoint, ("#dbeafe", "#bfdbfe", "#1e40af")))
    marks = {"data_position": position, "data_kind": moment.kind, "data_contact": moment.contact}
    return _el("g", "".join(out), class_="moment", data_moment_id=moment.id, **marks)


def _y(value: float) -> str:
    """A curve's y coordinate, precise enough that ``y_to_emotion`` gives the value back."""
    return _n(emotion_to_y(value), 6)


def _styles(color: str, measured: bool) -> tuple[dict[str, object], dict[str, object]]:
    """The line and point attributes: measured curves solid, thick and filled; expected dashed and hollow."""
    if measured:
        return {"stroke": color, "stroke_width": 3.5}, {
            "r": 5.5,
            "fill": color,
            "stroke": WHITE,
            "stroke_width": 2,
        }
    line = {"stroke": color, "stroke_width": 2.5, "stroke_dasharray": "7 5"}
    return line, {"r": 5, "fill": WHITE, "stroke": color, "stroke_width": 2.5}


def _band(ci: int, color: str, xs: list[float], band: Sequence[tuple[float, float] | None]) -> list[str]:
    out = []
    for run in _runs(band):
        spans = [sorted(band[i]) for i in run]  # type: ignore[arg-type]
        spans = [[max(-3.0, lo), min(3.0, hi)] for lo, hi in spans]  # intervals may reach past the scale
        run_x = [xs[i] for i in run] if len(run) > 1 else [xs[run[0]] - 8, xs[run[0]] + 8]
        spans = spans if len(run) > 1 else spans * 2
        outline = [f"{_n(x)},{_y(hi)}" for x, (_, hi) in zip(run_x, spans, strict=True)]
        outline += [f"{_n(x)},{_y(lo)}" for x, (lo, _) in reversed(list(zip(run_x, spans, strict=True)))]
        look = {"fill": color, "fill_opacity": 0.14}
        out.append(_el("polygon", class_="curve-band", data_curve=ci, points=" ".join(outline), **look))
    return out


def _curves(moments: Sequence[MapMoment], curves: Sequence[MapCurve]) -> list[str]:
    """Bands first, then lines and start connectors, then all points on top."""
    bands: list[str] = []
    lines: list[str] = []
    points: list[str] = []
    for ci, curve in enumerate(curves):
        color = PALETTE[ci % len(PALETTE)]
        line_look, point_look = _styles(color, curve.kind == "measured")
        shift = _shift(ci, len(curves))
        xs = [_col_x(i) + COL_W / 2 + shift for i in range(len(moments))]
        if curve.band is not None:
            bands += _band(ci, color, xs, curve.band)
        for run in _runs(curve.points):
            if len(run) > 1:
                coords = " ".join(f"{_n(xs[i])},{_y(curve.points[i])}" for i in run)  # type: ignore[arg-type]
                round_ = {"stroke_linejoin": "round", "stroke_linecap": "round", "fill": "none"}
                lines.append(
                    _el("polyline", class_="curve-line", data_curve=ci, points=coords, **round_, **line_look)
                )
        if curve.start is not None:
            sx, sy = PLOT_X + START_W / 2 + shift, emotion_to_y(curve.start)
            if moments and curve.points[0] is not None:
                look = {
                    "stroke": color,
                    "stroke_width": 1.8,
                    "stroke_dasharray": "2 4",
                    "stroke_linecap": "round",
                }
                lines.append(
                    _line(sx, _y(curve.start), xs[0], _y(curve.points[0]), class_="start-connector", **look)
                )
            corners = ((0, -8), (8, 0), (0, 8), (-8, 0))
            diamond = " ".join(f"{_n(sx + dx)},{_n(sy + dy, 6)}" for dx, dy in corners)
            marks = {
                "data_curve": ci,
                "data_emotion": _emotion_text(curve.start),
                "data_cx": sx,
                "data_cy": _y(curve.start),
            }
            points.append(
                _el("polygon", class_="start-point", **marks, points=diamond, fill=color, stroke=WHITE)
            )
        for moment, x, value in zip(moments, xs, curve.points, strict=True):
            if value is not None:
                marks = {"data_curve": ci, "data_moment_id": moment.id, "data_emotion": _emotion_text(value)}
                points.append(_el("circle", class_="curve-point", **marks, cx=x, cy=_y(value), **point_look))
    return bands + lines + points


def _legend(curves: Sequence[MapCurve], labels: MapLabels, width: int) -> tuple[list[str], int]:
    """The legend rows under the chart, wrapped to the width; returns the markup and the y of the last row."""
    items: list[tuple[str, str]] = []
    for ci, curve in enumerate(curves):
        color = PALETTE[ci % len(PALETTE)]
        line_look, point_look = _styles(color, curve.kind == "measured")
        band = _rect(0, -7, 36, 14, rx=3, fill=color, fill_opacity=0.14) if curve.kind == "measured" else ""
        sample = band + _line(2, 0.0, 34, 0.0, **line_look) + _el("circle", cx=18, cy=0, **point_look)
        items.append((sample, _clip(curve.label, 110)))
    if any(curve.start is not None for curve in curves):
        diamond = _el("polygon", points="18,-8 26,0 18,8 10,0", fill=MUTED)
        items.append((diamond, _clip(labels.start_feeling, 40)))
    out = []
    x, y = MARGIN, EMO_BOTTOM + 36
    for sample, label in items:
        item_width = 44 + _width(label, 12.5, 0.55)
        if x > MARGIN and x + item_width > width - MARGIN:
            x, y = MARGIN, y + 28
        content = sample + _text(44, 4.5, label, 12.5, "#334155")
        out.append(_el("g", content, class_="legend-item", transform=f"translate({_n(x)} {y})"))
        x += item_width + 28
    return out, y


def _document(width: int, height: int, title: str, body: list[str]) -> str:
    content = f"<title>{escape(title)}</title><defs>{HATCH}</defs>" + _rect(0, 0, width, height, fill=WHITE)
    size = {"width": width, "height": height, "viewBox": f"0 0 {width} {height}"}
    svg = _el("svg", content + "".join(body), xmlns="http://www.w3.org/2000/svg", **size, font_family=FONT)
    return svg + "\n"


# ---------------------------------------------------------------- public API


def render_journey_map(
    title: str,
    moments: Sequence[MapMoment],
    curves: Sequence[MapCurve],
    labels: MapLabels = MapLabels(),
    subtitle: str = "",
) -> str:
    """Return the journey map as a standalone SVG document (str, starts with '<svg', has xmlns,
    width/height and viewBox). Raises ValueError on misaligned curves or emotions outside -3..+3."""
    _validate(moments, curves)
    if not moments:
        width = 720
        box = _rect(
            MARGIN, 96, width - 2 * MARGIN, 72, rx=12, fill="#f8fafc", stroke=LINE, stroke_dasharray="6 4"
        )
        message = _text(
            width / 2, 137, _clip(labels.no_moments, 80), 14, MUTED, class_="no-moments", **CENTER
        )
        return _document(width, 200, title, [*_heading(title, subtitle, width), box, message])
    right = _col_x(len(moments))
    width = right + MARGIN
    legend, legend_y = _legend(curves, labels, width)
    body = _heading(title, subtitle, width) + _grid(labels, right)
    body += [_moment(moment, position, labels) for position, moment in enumerate(moments)]
    body += _curves(moments, curves) + legend
    return _document(width, (legend_y + 10 if legend else EMO_BOTTOM) + MARGIN, title, body)


def svg_to_png(svg: str, scale: float = 2.0) -> bytes:
    """Render the SVG to PNG bytes with vl_convert.svg_to_png (offline; no network)."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    return bytes(vl_convert.svg_to_png(svg, scale=scale))
