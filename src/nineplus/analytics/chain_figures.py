"""The effect chain per team and month, read from the analytic store (DOMAIN section 5): the employees'
eNPS, the customers' NPS, retention (the share of customers on record still customers at the month's end)
and revenue per customer, each link a regression across teams and months at lags of 0-2 months
(``analytics.chain``), read in plain words that say association, not proof."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nineplus.analytics import queries
from nineplus.analytics.chain import Link, chain
from nineplus.analytics.engine import Engine
from nineplus.analytics.kept import kept, stamp
from nineplus.analytics.overview import dimensions
from nineplus.analytics.scores import Nps
from nineplus.analytics.store import AnalyticStore
from nineplus.analytics.views import read
from nineplus.core.i18n import gettext as _

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


def effect_chain(store: AnalyticStore, organisation_id: int, minimum: int) -> ChainFigures:
    def question(engine: Engine, cur: Any) -> ChainFigures:
        dims = dimensions(cur, organisation_id)
        key = ("chain", organisation_id, minimum, stamp(cur, "batch"))  # (team names change too)
        return kept(key, lambda: _effect_chain(engine, organisation_id, minimum, dims.teams))

    return read(store, question)


def _effect_chain(engine: Engine, organisation_id: int, minimum: int, teams: dict[int, str]) -> ChainFigures:
    figures: dict[str, dict[tuple[int, Any], float]] = {name: {} for name in CHAIN}  # every link shows
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
    return ChainFigures(cells, links)


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
            "95-in-100 interval (%(low)s to %(high)s) includes 0, no relation (%(teams)s teams, "
            "%(n)s team-months).",
            **numbers,
        )
    return words
