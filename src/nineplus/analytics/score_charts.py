"""The NPS charts of the survey page and the dashboards, with their words in the UI's language: one
definition of each, so that a chart reads the same wherever it is shown (the specs: ``analytics.charts``)."""

from __future__ import annotations

from typing import Any

from nineplus.analytics import charts
from nineplus.core.i18n import gettext as _


def nps_series_chart(points: list[Any], title: str, version: int | None = None) -> charts.Chart:
    """NPS per period (``analytics.series`` points) with intervals, changes that stand coloured apart."""
    labels = charts.SeriesLabels(
        title=title,
        period=_("Month"),
        score="NPS",
        significant=_("Changed significantly"),
        steady=_("No significant change"),
    )
    rows = charts.series_rows(points)
    columns = ("period", "n", "nps", "low", "high", "change", "significant")
    return charts.Chart(charts.series_spec(rows, labels), rows, columns, version)


def distribution_chart(counts: list[int], title: str, version: int | None = None) -> charts.Chart:
    """The 0-10 distribution with the detractors, the zone of indifference and the promoters named."""
    detractors, passives, promoters = charts.group_shares(counts)
    labels = charts.DistributionLabels(
        title=title,
        score=_("Score"),
        share=_("Share of answers"),
        detractors=_("0-6: detractors (%(share)s)", share=f"{detractors:.0%}"),
        passives=_("7-8: zone of indifference (%(share)s)", share=f"{passives:.0%}"),
        promoters=_("9-10: promoters (%(share)s)", share=f"{promoters:.0%}"),
    )
    columns = ("score", "count", "share", "group")
    return charts.Chart(
        charts.distribution_spec(counts, labels), charts.distribution_rows(counts), columns, version
    )
