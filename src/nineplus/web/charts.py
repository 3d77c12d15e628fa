"""Charts in pages and as downloads: the SVG inline (readable without JavaScript), and the same chart as
SVG, PNG or the CSV of its data."""

from __future__ import annotations

from fastapi.responses import Response
from markupsafe import Markup

from nineplus.analytics import charts
from nineplus.core.errors import NotFound
from nineplus.core.i18n import get_locale


def inline(chart: charts.Chart | None) -> Markup | None:
    """The chart's SVG for the page itself. Its words are the product's own translations and the names the
    organisation gave; Vega escapes the text it draws."""
    return None if chart is None else Markup(charts.svg(chart.spec, get_locale()))  # noqa: S704


def download(chart: charts.Chart | None, kind: str, filename: str) -> Response:
    """``chart`` as ``kind`` (svg, png or csv), saved as ``filename`` plus the extension."""
    if chart is None or kind not in ("svg", "png", "csv"):
        raise NotFound("chart")
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{kind}"'}
    if kind == "csv":
        data = charts.rows_csv(chart.rows, chart.columns)
        return Response(data, media_type="text/csv; charset=utf-8", headers=headers)
    if kind == "png":
        return Response(charts.png(chart.spec, get_locale()), media_type="image/png", headers=headers)
    return Response(charts.svg(chart.spec, get_locale()), media_type="image/svg+xml", headers=headers)
