"""The analytics dashboards (read from the analytic store): the organisation overview, and a page per
journey (the map with its measured curves, laid over other segments and periods), per moment and per team.
Each chart is SVG in the page and downloads as SVG, PNG and the CSV of its data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nineplus.accounts import service as accounts
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


def _viewer_teams(me: Principal) -> frozenset[int] | None:
    return None if me.can(Permission.VIEW_ALL_TEAMS) else me.team_ids


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, db: Db, me: PagePrincipal, weight_by: str | None = None) -> Response:
    require(me, Permission.VIEW_RESPONSES)
    from nineplus.analytics.overview import overview  # Ibis and Arrow: loaded on first use, not at start

    minimum = get_settings().minimum_n
    figures = read_store(
        lambda store: overview(
            store, me.organisation_id, minimum, _viewer_teams(me), weight_by=weight_by or None
        )
    )
    from nineplus.journeys import repository as journeys_repo

    context = {
        "figures": figures,
        "minimum": minimum,
        "journeys": journeys_repo.journeys(db),
        "can_view_all_teams": me.can(Permission.VIEW_ALL_TEAMS),
    }
    return render(request, "analytics/overview.html", context)


def _team_grid(me: Principal, period: str | None) -> tuple[str, list[Any] | None]:
    from nineplus.analytics import views

    require(me, Permission.VIEW_RESPONSES)
    chosen = next((kind for kind in views.GRID_KINDS if kind == period), "month")
    minimum = get_settings().minimum_n
    grids = read_store(
        lambda store: views.team_grid(store, me.organisation_id, minimum, _viewer_teams(me), chosen)
    )
    return chosen, grids


@router.get("/dashboard/teams", response_class=HTMLResponse)
def team_grid_page(request: Request, me: PagePrincipal, period: str | None = None) -> Response:
    chosen, grids = _team_grid(me, period)
    context = {"grids": grids, "period": chosen, "minimum": get_settings().minimum_n}
    return render(request, "analytics/teams.html", context)


@router.get("/dashboard/teams.csv")
def team_grid_csv(me: PagePrincipal, period: str | None = None) -> Response:
    from nineplus.analytics import charts, views

    chosen, grids = _team_grid(me, period)
    if grids is None:
        raise NotFound("chart")
    rows = views.grid_rows(grids)
    headers = {"Content-Disposition": f'attachment; filename="nps-per-team-and-{chosen}.csv"'}
    return Response(
        charts.rows_csv(rows, views.GRID_COLUMNS), media_type="text/csv; charset=utf-8", headers=headers
    )


def _with_charts(request: Request, template: str, context: dict[str, Any]) -> Response:
    """The page with its figures' charts as SVG in it."""
    figures = context["figures"]
    context["inline"] = (
        {} if figures is None else {k: web_charts.inline(c) for k, c in figures.charts.items()}
    )
    return render(request, template, context)


def _download(context: dict[str, Any], name: str, kind: str, filename: str) -> Response:
    figures = context["figures"]
    return web_charts.download(None if figures is None else figures.charts.get(name), kind, filename)


# A journey: its map with the measured curves of two selections --------------------------------------


def _journey(db: Db, me: Principal, journey_id: int, query: dict[str, str]) -> dict[str, Any]:
    from nineplus.analytics import views
    from nineplus.journeys import repository as journeys_repo
    from nineplus.journeys import service as journeys

    require(me, Permission.VIEW_RESPONSES)
    journey = journeys.get_journey(db, journey_id)
    selections = [
        views.Selection.parse(query.get("segment"), query.get("period")),
        views.Selection.parse(query.get("compare_segment"), query.get("compare_period")),
    ]
    minimum = get_settings().minimum_n
    figures = read_store(
        lambda store: views.journey(store, me.organisation_id, journey.id, minimum, *selections)
    )
    moments = journeys_repo.moments(db, journey.id)
    return {
        "journey": journey,
        "moments": moments,
        "selections": selections,
        "figures": figures,
        "minimum": minimum,
        "query": {k: v for k, v in query.items() if v},
    }


def _journey_query(request: Request) -> dict[str, str]:
    keys = ("segment", "period", "compare_segment", "compare_period")
    return {k: request.query_params.get(k, "") for k in keys}


@router.get("/dashboard/journeys/{journey_id}", response_class=HTMLResponse)
def journey_dashboard(request: Request, db: Db, me: PagePrincipal, journey_id: int) -> Response:
    from nineplus.analytics import insight_routes, truths
    from nineplus.journeys import mapdata

    context = _journey(db, me, journey_id, _journey_query(request))
    figures = context["figures"]
    curves = [] if figures is None else figures.curves
    context["svg"] = mapdata.build_map_svg(db, context["journey"], curves)
    found = None if figures is None else insight_routes.moments_of_truth(db, me, journey_id)
    context["truths"] = found
    context["quadrant"] = None if found is None else web_charts.inline(found.charts.get("quadrant"))
    context["quadrants"] = truths.quadrant_names()
    from nineplus.text import service as comments

    context["candidates"], context["story"] = comments.journey_comments(db, me.organisation_id, journey_id)
    return render(request, "analytics/journey.html", context)


@router.get("/dashboard/journeys/{journey_id}/map.{kind}")
def journey_download(request: Request, db: Db, me: PagePrincipal, journey_id: int, kind: str) -> Response:
    from nineplus.analytics import charts, views
    from nineplus.journeys import mapdata
    from nineplus.journeys.journey_map import svg_to_png

    if kind not in ("svg", "png", "csv"):
        raise NotFound("chart")
    context = _journey(db, me, journey_id, _journey_query(request))
    curves = [] if context["figures"] is None else context["figures"].curves
    headers = {"Content-Disposition": f'attachment; filename="journey-{journey_id}-measured.{kind}"'}
    if kind == "csv":
        names = [(m.id, localized(m.name, get_locale())) for m in context["moments"]]
        data = charts.rows_csv(views.curve_rows(curves, names), views.CURVE_COLUMNS)
        return Response(data, media_type="text/csv; charset=utf-8", headers=headers)
    svg = mapdata.build_map_svg(db, context["journey"], curves)
    if kind == "png":
        return Response(svg_to_png(svg, scale=2), media_type="image/png", headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)


# A moment -------------------------------------------------------------------------------------------


def _moment(db: Db, me: Principal, moment_id: int) -> dict[str, Any]:
    from nineplus.analytics import views
    from nineplus.journeys import service as journeys

    require(me, Permission.VIEW_RESPONSES)
    moment = journeys.get_moment(db, moment_id)
    minimum = get_settings().minimum_n
    figures = read_store(
        lambda store: views.moment(store, me.organisation_id, moment.id, minimum, _viewer_teams(me))
    )
    return {
        "moment": moment,
        "journey": journeys.get_journey(db, moment.journey_id),
        "figures": figures,
        "minimum": minimum,
    }


@router.get("/dashboard/moments/{moment_id}", response_class=HTMLResponse)
def moment_dashboard(request: Request, db: Db, me: PagePrincipal, moment_id: int) -> Response:
    from nineplus.text import service as comments

    context = _moment(db, me, moment_id)
    context["story"] = comments.moment_story(db, moment_id)
    return _with_charts(request, "analytics/moment.html", context)


@router.get("/dashboard/moments/{moment_id}/charts/{name}.{kind}")
def moment_chart(db: Db, me: PagePrincipal, moment_id: int, name: str, kind: str) -> Response:
    return _download(_moment(db, me, moment_id), name, kind, f"moment-{moment_id}-{name}")


# A team ---------------------------------------------------------------------------------------------


def _team(db: Db, me: Principal, team_id: int) -> dict[str, Any]:
    from nineplus.analytics import views
    from nineplus.journeys import repository as journeys_repo

    require(me, Permission.VIEW_RESPONSES)
    team = accounts.get_team(db, me, team_id)  # another organisation's team, or one not visible: 404
    minimum = get_settings().minimum_n
    figures = read_store(lambda store: views.team(store, me.organisation_id, team.id, minimum))
    return {
        "team": team,
        "figures": figures,
        "minimum": minimum,
        "owned": journeys_repo.moments_of_team(db, team.id),
    }


@router.get("/dashboard/teams/{team_id}", response_class=HTMLResponse)
def team_dashboard(request: Request, db: Db, me: PagePrincipal, team_id: int) -> Response:
    from nineplus.text import service as comments

    context = _team(db, me, team_id)
    context["story"] = comments.team_story(db, context["team"].id)
    return _with_charts(request, "analytics/team.html", context)


@router.get("/dashboard/teams/{team_id}/charts/{name}.{kind}")
def team_chart(db: Db, me: PagePrincipal, team_id: int, name: str, kind: str) -> Response:
    return _download(_team(db, me, team_id), name, kind, f"team-{team_id}-{name}")
