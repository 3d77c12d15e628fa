"""The journey map SVG: points, gaps, order, marking, escaping, determinism and the PNG export."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import pytest

from nineplus.journeys.journey_map import (
    MapCurve,
    MapLabels,
    MapMoment,
    emotion_to_y,
    render_journey_map,
    svg_to_png,
    y_to_emotion,
)

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _moments(count: int = 6) -> list[MapMoment]:
    kinds = ["standard", "standard", "standard", "standard", "potential", "standard"]
    contacts = ["touchpoint", "touchpoint", "customer_only", "touchpoint", "touchpoint", "customer_only"]
    names = ["Orientation", "Advice meeting", "Waiting for the offer", "Signing", "Complaint", "Notary"]
    return [
        MapMoment(
            id=100 + i,
            name=names[i % 6],
            channel="Phone" if i % 2 else "",
            team="Mortgages" if i % 3 else "",
            role="Advisor" if i == 1 else "",
            kind=kinds[i % 6],  # type: ignore[arg-type]
            contact=contacts[i % 6],  # type: ignore[arg-type]
        )
        for i in range(count)
    ]


def _curves() -> list[MapCurve]:
    return [
        MapCurve("Workshop A (expected)", [1, 2, -1, 1.5, -2.5, 3], start=0),
        MapCurve("Workshop B (expected)", [0, 2, None, 1, -2, 2.5], start=-1),
        MapCurve(
            "Survey (measured)",
            [0.8, 1.6, -1.4, 0.9, -2.25, 2.4],
            start=-0.4,
            kind="measured",
            band=[(0.4, 1.2), (1.2, 2.0), (-2.0, -0.8), (0.5, 1.3), (-3.4, -1.5), None],
        ),
    ]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it


def _all(root: ET.Element, tag: str, cls: str | None = None) -> list[ET.Element]:
    return [el for el in root.iter(SVG + tag) if cls is None or el.get("class") == cls]


def _points(root: ET.Element, curve: int) -> list[ET.Element]:
    return [el for el in _all(root, "circle", "curve-point") if el.get("data-curve") == str(curve)]


def _lines(root: ET.Element, curve: int) -> list[list[tuple[float, float]]]:
    return [
        [tuple(float(v) for v in pair.split(",")) for pair in el.get("points", "").split()]  # type: ignore[misc]
        for el in _all(root, "polyline", "curve-line")
        if el.get("data-curve") == str(curve)
    ]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_document_is_a_standalone_svg_with_size_viewbox_and_font() -> None:
    svg = render_journey_map("Mortgage", _moments(), _curves(), subtitle="Retail")
    root = _parse(svg)
    assert svg.startswith("<svg")
    assert root.tag == SVG + "svg"
    width, height = int(root.get("width", "0")), int(root.get("height", "0"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert "Inter" in root.get("font-family", "")
    assert "DejaVu Sans" in root.get("font-family", "")


def test_points_equal_the_entered_emotions_in_order() -> None:
    moments, curves = _moments(), _curves()
    root = _parse(render_journey_map("Mortgage", moments, curves))
    for index, curve in enumerate(curves):
        drawn = _points(root, index)
        entered = [(m.id, v) for m, v in zip(moments, curve.points, strict=True) if v is not None]
        assert [int(el.get("data-moment-id", "")) for el in drawn] == [moment_id for moment_id, _ in entered]
        assert [float(el.get("data-emotion", "")) for el in drawn] == [value for _, value in entered]
        for el, (_, value) in zip(drawn, entered, strict=True):
            assert y_to_emotion(float(el.get("cy", ""))) == pytest.approx(value, abs=1e-6)


def test_integral_emotions_are_printed_without_a_decimal() -> None:
    moments = _moments(3)
    curve = MapCurve("c", [2, 2.0, -0.5], start=-3.0)
    root = _parse(render_journey_map("t", moments, [curve]))
    assert [el.get("data-emotion") for el in _points(root, 0)] == ["2", "2", "-0.5"]
    assert _all(root, "polygon", "start-point")[0].get("data-emotion") == "-3"


def test_emotion_to_y_is_linear_with_positive_emotions_higher_up() -> None:
    assert emotion_to_y(3) < emotion_to_y(0) < emotion_to_y(-3)
    step = emotion_to_y(0) - emotion_to_y(1)
    for value in (-3, -2.5, -1, 0, 0.25, 1.7, 3):
        assert emotion_to_y(value) == pytest.approx(emotion_to_y(0) - value * step)
        assert y_to_emotion(emotion_to_y(value)) == pytest.approx(value, abs=1e-12)


def test_polylines_break_at_a_missing_rating() -> None:
    moments = _moments(6)
    curve = MapCurve("gappy", [1, 2, None, -1, 0, None])
    root = _parse(render_journey_map("t", moments, [curve]))
    segments = _lines(root, 0)
    assert len(segments) == 2
    assert [y_to_emotion(y) for _, y in segments[0]] == [1, 2]
    assert [y_to_emotion(y) for _, y in segments[1]] == [-1, 0]
    assert [el.get("data-moment-id") for el in _points(root, 0)] == ["100", "101", "103", "104"]


def test_a_lone_rating_between_gaps_is_a_point_without_a_line() -> None:
    root = _parse(render_journey_map("t", _moments(3), [MapCurve("c", [None, 1, None])]))
    assert _lines(root, 0) == []
    assert [el.get("data-moment-id") for el in _points(root, 0)] == ["101"]


def test_moment_columns_and_points_run_left_to_right_in_order() -> None:
    moments = _moments(6)
    root = _parse(render_journey_map("t", moments, _curves()))
    groups = _all(root, "g", "moment")
    assert [int(g.get("data-moment-id", "")) for g in groups] == [m.id for m in moments]
    assert [int(g.get("data-position", "")) for g in groups] == list(range(6))
    for index in range(3):
        xs = [float(el.get("cx", "")) for el in _points(root, index)]
        assert xs == sorted(xs)
        assert len(set(xs)) == len(xs)
        for segment in _lines(root, index):
            assert [x for x, _ in segment] == sorted(x for x, _ in segment)


def test_potential_and_customer_only_moments_are_marked() -> None:
    moments = _moments(6)
    root = _parse(render_journey_map("t", moments, []))
    groups = {int(g.get("data-moment-id", "")): g for g in _all(root, "g", "moment")}
    for moment in moments:
        assert groups[moment.id].get("data-kind") == moment.kind
        assert groups[moment.id].get("data-contact") == moment.contact
    potential = "".join(groups[104].itertext())
    customer_only = "".join(groups[102].itertext())
    assert "Potential" in potential
    assert "Touchpoint" in potential
    assert "Customer only" in customer_only
    assert "Standard" in customer_only


def test_start_feeling_is_a_marker_in_the_start_column_joined_to_the_first_point() -> None:
    root = _parse(render_journey_map("t", _moments(), _curves()))
    starts = _all(root, "polygon", "start-point")
    first_x = min(float(p.get("cx", "")) for p in _all(root, "circle", "curve-point"))
    assert [el.get("data-curve") for el in starts] == ["0", "1", "2"]
    assert [el.get("data-emotion") for el in starts] == ["0", "-1", "-0.4"]
    for el, value in zip(starts, (0, -1, -0.4), strict=True):
        assert y_to_emotion(float(el.get("data-cy", ""))) == pytest.approx(value, abs=1e-6)
        assert float(el.get("data-cx", "")) < first_x
    assert len(_all(root, "line", "start-connector")) == 3


def test_no_connector_when_the_first_moment_is_unrated() -> None:
    root = _parse(render_journey_map("t", _moments(2), [MapCurve("c", [None, 1], start=2)]))
    assert len(_all(root, "polygon", "start-point")) == 1
    assert _all(root, "line", "start-connector") == []


def test_measured_curve_has_a_band_clamped_to_the_scale() -> None:
    root = _parse(render_journey_map("t", _moments(), _curves()))
    bands = _all(root, "polygon", "curve-band")
    assert bands
    assert {el.get("data-curve") for el in bands} == {"2"}
    ys = [float(pair.split(",")[1]) for el in bands for pair in el.get("points", "").split()]
    assert min(y_to_emotion(y) for y in ys) == pytest.approx(-3)


def test_scale_has_ticks_from_minus_three_to_plus_three_and_a_zero_line() -> None:
    root = _parse(render_journey_map("t", _moments(), _curves()))
    ticks = list(_all(root, "text", "tick"))
    assert ["".join(el.itertext()) for el in ticks] == ["−3", "−2", "−1", "0", "+1", "+2", "+3"]
    assert [round(y_to_emotion(float(el.get("y", "")) - 4)) for el in ticks] == list(range(-3, 4))
    (zero,) = _all(root, "line", "zero-line")
    assert float(zero.get("y1", "")) == emotion_to_y(0)


def test_hostile_names_are_escaped_and_the_svg_still_parses() -> None:
    hostile = "<script>&\"'"
    moment = MapMoment(1, hostile, hostile, hostile, hostile, "standard", "touchpoint")
    labels = MapLabels(channel=hostile, start=hostile, potential=hostile)
    svg = render_journey_map(hostile, [moment], [MapCurve(hostile, [1], start=1)], labels, subtitle=hostile)
    assert "<script>" not in svg
    assert "&lt;script&gt;&amp;" in svg
    root = _parse(svg)
    assert "".join(root.find(SVG + "title").itertext()) == hostile  # type: ignore[union-attr]
    assert "".join(_all(root, "g", "moment")[0].find(SVG + "title").itertext()) == hostile  # type: ignore[union-attr]


def test_empty_journey_is_a_valid_svg_with_the_no_moments_text() -> None:
    labels = MapLabels(no_moments="Deze klantreis heeft nog geen momenten.")
    svg = render_journey_map("Lege reis", [], [], labels)
    root = _parse(svg)
    assert root.get("viewBox")
    assert "Deze klantreis heeft nog geen momenten." in "".join(root.itertext())
    assert _all(root, "g", "moment") == []
    assert _all(root, "circle", "curve-point") == []


def test_output_is_deterministic() -> None:
    first = render_journey_map("Mortgage", _moments(), _curves(), subtitle="s")
    second = render_journey_map("Mortgage", list(_moments()), list(_curves()), subtitle="s")
    assert first == second


def test_width_grows_with_the_number_of_moments_and_height_does_not() -> None:
    sizes = []
    for count in (3, 6, 10):
        curve = MapCurve("c", [0] * count)
        root = _parse(render_journey_map("t", _moments(count), [curve]))
        sizes.append((int(root.get("width", "")), int(root.get("height", ""))))
    assert sizes[0][0] < sizes[1][0] < sizes[2][0]
    assert sizes[2][0] - sizes[1][0] >= 4 * 150
    assert len({height for _, height in sizes}) == 1


def test_long_names_wrap_onto_at_most_three_lines_ending_in_an_ellipsis() -> None:
    name = "A remarkably long moment name that goes on and on well past three lines of header"
    moment = MapMoment(7, name, "", "", "", "standard", "touchpoint")
    root = _parse(render_journey_map("t", [moment], []))
    group = _all(root, "g", "moment")[0]
    lines = [el for el in group.iter(SVG + "text") if el.get("font-size") == "13"]
    assert len(lines) == 3
    assert "".join(lines[-1].itertext()).endswith("…")
    assert all(len("".join(el.itertext())) <= 18 for el in lines)


@pytest.mark.parametrize(
    "curve",
    [
        MapCurve("too few", [1, 2]),
        MapCurve("too high", [1, 2, 3.5]),
        MapCurve("bad start", [1, 2, 3], start=-4),
        MapCurve("bad band", [1, 2, 3], kind="measured", band=[(0, 1)]),
    ],
)
def test_misaligned_or_out_of_range_curves_are_rejected(curve: MapCurve) -> None:
    with pytest.raises(ValueError, match="curve 0"):
        render_journey_map("t", _moments(3), [curve])


def test_png_has_the_signature_and_the_svg_dimensions() -> None:
    svg = render_journey_map("Mortgage", _moments(), _curves())
    root = _parse(svg)
    png = svg_to_png(svg, scale=1)
    assert png.startswith(PNG_SIGNATURE)
    assert _png_size(png) == (int(root.get("width", "")), int(root.get("height", "")))


def test_png_scale_two_doubles_the_width() -> None:
    svg = render_journey_map("Mortgage", _moments(), _curves())
    width_1, height_1 = _png_size(svg_to_png(svg, scale=1))
    width_2, height_2 = _png_size(svg_to_png(svg))
    assert (width_2, height_2) == (2 * width_1, 2 * height_1)
