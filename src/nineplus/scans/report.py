"""A scan run's printable report: the advice, the persona, the charts and the scores, in Dutch or English,
as a PDF made with WeasyPrint from the same results the page shows (so the minimum group size holds in
the report as on the page)."""

from __future__ import annotations

from typing import Any

from nineplus.analytics import charts as chart_svg
from nineplus.core.i18n import gettext as _
from nineplus.scans import charts
from nineplus.scans.runs import Results


def figures(found: Results, locale: str) -> dict[str, Any]:
    """The charts the page and the report show, as SVG text (None where there is nothing to draw)."""
    if found.whole is None:
        return {"radar": None, "grid": None}
    series = [(_("Everyone"), found.whole)]
    if found.previous is not None:
        series.append((_("Previous run"), found.previous))
    if all(g.result is not None for g in found.roles):
        series += [(g.name, g.result) for g in found.roles if g.result is not None]
    radar = charts.radar(found.instrument, series, locale, _("Score per part (0-100)"))
    grid = charts.two_by_two(found.instrument, found.whole, locale, _("Where the organisation stands"))
    return {
        "radar": chart_svg.svg(radar.spec, locale),
        "grid": chart_svg.svg(grid.spec, locale) if grid is not None else None,
    }


def pdf(html: str) -> bytes:
    """The report's HTML (rendered by the caller in the reader's language) as PDF."""
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())
