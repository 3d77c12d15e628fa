"""The insight pages: the moments of truth of a journey (a section of the journey dashboard, with its
quadrant and downloads), retention per score and segment, and the effect chain from employees to revenue.
They read the responses of every customer, like the journey dashboard; the effect chain shows every team's
figures, so it also needs every team."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts.roles import Permission
from nineplus.accounts.service import require
from nineplus.analytics.store import read_store
from nineplus.core.errors import NotFound
from nineplus.core.i18n import get_locale
from nineplus.core.models import localized
from nineplus.core.principal import Principal
from nineplus.core.settings import get_settings
from nineplus.web import charts as web_charts
from nineplus.web.deps import Db, PagePrincipal, csrf_protect
from nineplus.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def moments_of_truth(db: Db, me: Principal, journey_id: int) -> Any:
    """The journey's moments of truth (None while the store is busy); the journey dashboard shows them."""
    from nineplus.analytics import truths
    from nineplus.journeys import repository as journeys_repo

    moments = [
        truths.MomentOnMap(m.id, localized(m.name, get_locale()), m.contact == "touchpoint", number)
        for number, m in enumerate(journeys_repo.moments(db, journey_id), start=1)
    ]
    minimum = get_settings().minimum_n
    return read_store(
        lambda store: truths.moments_of_truth(store, me.organisation_id, journey_id, moments, minimum)
    )


def truth_rows(found: Any) -> list[dict[str, Any]]:
    """The moments of truth as CSV rows, in the journey's order."""
    return [
        {
            "moment": line.moment.name,
            "touchpoint": line.moment.touchpoint,
            "mean_feeling": None if line.feeling.mean is None else round(line.feeling.mean, 3),
            "feeling_n": line.feeling.n,
            "swing": None if line.swing is None else round(line.swing, 3),
            "driver_share": None if line.share is None else round(line.share, 4),
            "share_low": None if line.low is None else round(line.low, 4),
            "share_high": None if line.high is None else round(line.high, 4),
            "shapley_share": None if line.shapley is None else round(line.shapley, 4),
            "sign": line.sign,
            "customers": line.pairs,
            "moment_of_truth": line.truth,
            "quadrant": line.quadrant,
        }
        for line in found.lines
    ]


TRUTH_COLUMNS = (
    "moment", "touchpoint", "mean_feeling", "feeling_n", "swing", "driver_share", "share_low", "share_high",
    "shapley_share", "sign", "customers", "moment_of_truth", "quadrant",
)  # fmt: skip


@router.get("/dashboard/journeys/{journey_id}/truths.{kind}")
def truths_download(db: Db, me: PagePrincipal, journey_id: int, kind: str) -> Response:
    """The quadrant as SVG or PNG, the moments of truth with their figures as CSV."""
    from nineplus.analytics import charts
    from nineplus.journeys import service as journeys

    require(me, Permission.VIEW_RESPONSES)
    journey = journeys.get_journey(db, journey_id)
    found = moments_of_truth(db, me, journey.id)
    if found is None or found.model is None:
        raise NotFound("chart")
    name = f"journey-{journey.id}-moments-of-truth"
    if kind == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
        data = charts.rows_csv(truth_rows(found), TRUTH_COLUMNS)
        return Response(data, media_type="text/csv; charset=utf-8", headers=headers)
    if kind not in ("svg", "png"):
        raise NotFound("chart")
    return web_charts.download(found.charts.get("quadrant"), kind, name)


# Retention --------------------------------------------------------------------------------------------


def _retention(me: Principal, by: str | None, months: str | None) -> Any:
    from nineplus.analytics import retention_figures

    require(me, Permission.VIEW_RESPONSES)
    minimum = get_settings().minimum_n
    chosen = int(months) if months and months.isdigit() else 0
    follow_up = chosen if chosen in retention_figures.FOLLOW_UPS else retention_figures.FOLLOW_UP
    return read_store(
        lambda store: retention_figures.retention(store, me.organisation_id, by or None, minimum, follow_up)
    )


@router.get("/dashboard/retention", response_class=HTMLResponse)
def retention_page(
    request: Request, me: PagePrincipal, by: str | None = None, months: str | None = None
) -> Response:
    from nineplus.analytics import retention_figures

    figures = _retention(me, by, months)
    inline = {} if figures is None else {k: web_charts.inline(c) for k, c in figures.charts.items()}
    context = {"figures": figures, "inline": inline, "follow_ups": retention_figures.FOLLOW_UPS}
    return render(request, "analytics/retention.html", context)


@router.get("/dashboard/retention/chart.{kind}")
def retention_chart(
    me: PagePrincipal, kind: str, by: str | None = None, months: str | None = None
) -> Response:
    figures = _retention(me, by, months)
    chart = None if figures is None else figures.charts.get("retention")
    return web_charts.download(chart, kind, "retention-per-score")


# The effect chain -------------------------------------------------------------------------------------


def _chain(me: Principal) -> Any:
    from nineplus.analytics import chain_figures

    require(me, Permission.VIEW_RESPONSES)
    require(me, Permission.VIEW_ALL_TEAMS)
    minimum = get_settings().minimum_n
    return read_store(lambda store: chain_figures.effect_chain(store, me.organisation_id, minimum))


@router.get("/dashboard/chain", response_class=HTMLResponse)
def chain_page(request: Request, me: PagePrincipal) -> Response:
    from nineplus.analytics import chain_figures

    figures = _chain(me)
    readings = [] if figures is None else [(link, chain_figures.link_reading(link)) for link in figures.links]
    context = {
        "figures": figures,
        "readings": readings,
        "names": chain_figures.figure_names(),
        "units": chain_figures.units(),
        "minimum": get_settings().minimum_n,
    }
    return render(request, "analytics/chain.html", context)


@router.get("/dashboard/chain.csv")
def chain_csv(me: PagePrincipal) -> Response:
    from nineplus.analytics import chain_figures, charts

    figures = _chain(me)
    if figures is None:
        raise NotFound("chart")
    headers = {"Content-Disposition": 'attachment; filename="effect-chain-per-team-and-month.csv"'}
    rows = [{**row, "month": row["month"].isoformat()} for row in figures.cells]
    return Response(
        charts.rows_csv(rows, chain_figures.CELL_COLUMNS),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )
