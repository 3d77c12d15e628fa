"""The organisation overview dashboard, read from the analytic store.

Per survey version and question: NPS (eNPS for an employee survey), CSAT and CES with n and the 95%
interval; per team of the respondents: the NPS of the newest month against the team's own earlier
months, flagged when the move is larger than its history and the interval allow (the honesty check of
DOMAIN section 4: a team's score that jumps is looked at before it is celebrated). Versions are never
pooled; below the minimum number of answers the reason is shown instead of a score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from nineplus.analytics import queries
from nineplus.analytics.engine import Engine, on_duckdb
from nineplus.analytics.scores import (
    INDICATIVE_BELOW,
    Mean,
    Nps,
    Proportion,
    compare_nps,
    false_discoveries,
)
from nineplus.analytics.store import AnalyticStore
from nineplus.analytics.weighting import WeightedNps, post_stratified

SCORE_KINDS = ("nps", "csat", "effort")
HISTORY_MONTHS = 6  # the team's own baseline: the months before the newest one


@dataclass(frozen=True)
class Cell:
    """One score with its interval, or the reason there is none."""

    kind: str  # nps, enps, csat, ces
    n: int
    score: float | None  # None: fewer than ``minimum`` answers
    low: float | None
    high: float | None
    indicative: bool
    minimum: int


def cell(kind: str, values: Mapping[int, int], minimum: int) -> Cell:
    """The score of one group from how many answers gave each value."""
    n = sum(values.values())
    stats: Nps | Proportion | Mean
    if kind in ("nps", "enps"):
        stats = _nps(values)
    elif kind == "csat":
        stats = Proportion(n, _count(values, lambda v: v >= 4))
    else:
        stats = Mean(n, sum(v * c for v, c in values.items()), sum(v * v * c for v, c in values.items()))
    return cell_of(kind, stats, minimum)


def cell_of(kind: str, stats: Nps | Proportion | Mean, minimum: int) -> Cell:
    """The score of one group from its sufficient statistics."""
    n = stats.n
    indicative = stats.indicative if isinstance(stats, Nps | Proportion) else n < INDICATIVE_BELOW
    interval = stats.interval() if n >= minimum else None
    if interval is None or stats.score is None:
        return Cell(kind, n, None, None, None, indicative, minimum)
    return Cell(kind, n, stats.score, interval.low, interval.high, indicative, minimum)


def _count(values: Mapping[int, int], test) -> int:  # type: ignore[no-untyped-def]
    return sum(c for v, c in values.items() if test(v))


@dataclass(frozen=True)
class SurveyLine:
    survey_id: int
    title: dict[str, str]
    version: int
    question_key: str
    cell: Cell
    weighted: WeightedNps | None = None  # NPS and eNPS: post-stratified to the known population


@dataclass(frozen=True)
class TeamLine:
    survey_id: int
    title: dict[str, str]
    version: int
    team: str | None  # None: respondents without a team (the anonymous link, imports)
    team_id: int | None
    month: date
    cell: Cell  # the newest month
    baseline: Cell  # the months before it
    change: float | None  # newest month minus baseline, NPS points
    flagged: bool  # the change stands after false-discovery control over all teams


@dataclass(frozen=True)
class Overview:
    refreshed_at: datetime | None
    surveys: list[SurveyLine]
    teams: list[TeamLine]
    weight_by: str | None = None  # the imported attribute the NPS is weighted on; None: the team
    attribute_keys: tuple[str, ...] = ()  # the imported attributes it could be weighted on


def overview(
    store: AnalyticStore,
    organisation_id: int,
    minimum: int,
    team_ids: frozenset[int] | None = None,
    *,
    weighting: bool = True,
    weight_by: str | None = None,
) -> Overview:
    """The dashboard's figures, read on one snapshot of the store. ``team_ids``: the teams the viewer may
    see (None: all of them). ``weighting``: also post-stratify each NPS to the known population per team,
    or per value of the imported attribute ``weight_by``."""
    with store.snapshot() as cur:
        engine = on_duckdb(cur)
        meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
        dims = dimensions(cur, organisation_id, meta)
        per_question = engine.rows(
            queries.value_counts(
                organisation_id, ["survey_id", "version_id", "question_id"], kinds=SCORE_KINDS, moment_id=0
            )
        )
        per_team = team_months(engine, organisation_id, dims.today())
        weights = None
        keys: tuple[str, ...] = ()
        if weighting:
            keys = tuple(key for (key,) in cur.execute(_ATTRIBUTE_KEYS, [organisation_id]).fetchall())
            weight_by = weight_by if weight_by in keys else None
            weights = Weights(
                engine.rows(queries.population(organisation_id, weight_by)),
                engine.rows(
                    queries.stratum_nps_counts(
                        organisation_id, ["survey_id", "version_id", "question_id"], weight_by
                    )
                ),
            )
    refreshed = meta.get("refreshed_at")
    view = overview_from(
        per_question,
        per_team,
        dims,
        minimum,
        team_ids,
        datetime.fromisoformat(refreshed) if refreshed else None,
        weights,
    )
    return replace(view, weight_by=weight_by if weighting else None, attribute_keys=keys)


_ATTRIBUTE_KEYS = "SELECT DISTINCT key FROM person_attributes WHERE organisation_id = ? ORDER BY key"


@dataclass(frozen=True)
class Weights:
    """What post-stratification needs: persons per kind and stratum (``queries.population``) and NPS
    counts per survey version, question and stratum (``queries.stratum_nps_counts``)."""

    population: list[dict]
    respondents: list[dict]

    def weighted(self, audience: str, survey_id: int, version_id: int, question_id: int) -> WeightedNps:
        population = {r["stratum"]: r["persons"] for r in self.population if r["kind"] == audience}
        respondents = {
            r["stratum"]: Nps(r["n"], r["promoters"], r["detractors"])
            for r in self.respondents
            if (r["survey_id"], r["version_id"], r["question_id"]) == (survey_id, version_id, question_id)
        }
        return post_stratified(population, respondents)


def team_months(engine: Engine, organisation_id: int, today: date) -> list[dict]:
    """NPS counts per survey version, question, team and month: the newest complete month with answers
    (before the month of ``today``, which has only begun) and the HISTORY_MONTHS before it, all the team
    table reads; the month in progress only when no earlier month has answers."""
    last_complete = date(today.year, today.month, 1) - timedelta(days=1)
    for until in (last_complete, None):
        rows = engine.rows(
            queries.nps_counts(
                organisation_id,
                ["survey_id", "version_id", "question_id", "team_id"],
                moment_id=0,
                period="month",
                until=until,
                recent_months=HISTORY_MONTHS,
            )
        )
        if rows:
            break
    return rows


def overview_from(
    per_question: list[dict],
    per_team: list[dict],
    dims: Dimensions,
    minimum: int,
    team_ids: frozenset[int] | None = None,
    refreshed_at: datetime | None = None,
    weights: Weights | None = None,
) -> Overview:
    """The overview from value counts per survey, version and question, and per team and month too
    (``weights``: with each NPS post-stratified too)."""
    surveys = _survey_lines(per_question, dims, minimum, weights)
    teams = team_lines(per_team, dims, minimum, team_ids)
    return Overview(refreshed_at, surveys, teams)


def months_before(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Dimensions:
    """What the overview names: survey titles and audiences, version numbers, questions, teams."""

    titles: dict[int, dict[str, str]]
    audiences: dict[int, str]
    versions: dict[int, int]  # id -> number
    version_surveys: dict[int, int]  # id -> survey id
    questions: dict[int, tuple[str, str]]  # id -> (key, type)
    teams: dict[int, str]
    timezone: str = "Europe/Amsterdam"  # the organisation's

    def today(self) -> date:
        """Today in the organisation's time zone."""
        return datetime.now(ZoneInfo(self.timezone)).date()


def dimensions(cur, organisation_id: int, meta: Mapping[str, str] | None = None) -> Dimensions:  # type: ignore[no-untyped-def]
    """The organisation's names in the snapshot ``cur`` reads. They change only when a refresh commits, so
    they are kept per state of the store (its instance, generation and batch in ``meta``, read when not
    given): four queries fewer for every page."""
    if meta is None:
        meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
    stamp = tuple(meta.get(key) for key in ("instance", "generation", "batch"))
    key = (organisation_id, stamp)
    found = _DIMENSIONS.get(key) if stamp[0] else None
    if found is None:
        found = _read_dimensions(cur, organisation_id)
        if len(_DIMENSIONS) >= 256:
            _DIMENSIONS.clear()
        _DIMENSIONS[key] = found
    return found


_DIMENSIONS: dict[tuple[int, tuple[str | None, ...]], Dimensions] = {}


def _read_dimensions(cur, organisation_id: int) -> Dimensions:  # type: ignore[no-untyped-def]
    org = [organisation_id]
    surveys = cur.execute(
        "SELECT id, title_en, title_nl, audience FROM surveys WHERE organisation_id = ?", org
    ).fetchall()
    versions = cur.execute(
        "SELECT id, survey_id, number FROM versions WHERE organisation_id = ?", org
    ).fetchall()
    return Dimensions(
        titles={i: {"en": en, "nl": nl} for i, en, nl, _ in surveys},
        audiences={i: audience for i, _, _, audience in surveys},
        versions={i: number for i, _, number in versions},
        version_surveys={i: survey for i, survey, _ in versions},
        questions={
            i: (key, kind)
            for i, key, kind in cur.execute(
                "SELECT id, key, type FROM questions WHERE organisation_id = ?", org
            ).fetchall()
        },
        teams=dict(cur.execute("SELECT id, name FROM teams WHERE organisation_id = ?", org).fetchall()),
        timezone=next(
            iter(cur.execute("SELECT timezone FROM organisations WHERE id = ?", org).fetchone() or ()),
            "Europe/Amsterdam",
        ),
    )


def score_kind(dims: Dimensions, survey_id: int, question_type: str) -> str:
    """What a question's answers score: nps, enps (NPS asked of employees), csat, ces or emotion."""
    if question_type == "nps":
        return "enps" if dims.audiences.get(survey_id) == "employee" else "nps"
    return "ces" if question_type == "effort" else question_type


def _values(rows: Iterable[dict], keys: tuple[str, ...]) -> dict[tuple, dict[int, int]]:
    grouped: dict[tuple, dict[int, int]] = defaultdict(dict)
    for row in rows:
        grouped[tuple(row[k] for k in keys)][row["value"]] = row["n"]
    return grouped


def _survey_lines(
    rows: list[dict], dims: Dimensions, minimum: int, weights: Weights | None
) -> list[SurveyLine]:
    lines = []
    for (survey_id, version_id, question_id), values in _values(
        rows, ("survey_id", "version_id", "question_id")
    ).items():
        key, question_type = dims.questions.get(question_id, ("?", "nps"))
        weighted = None
        if weights is not None and question_type == "nps":
            audience = dims.audiences.get(survey_id, "customer")
            weighted = weights.weighted(audience, survey_id, version_id, question_id)
        lines.append(
            SurveyLine(
                survey_id,
                dims.titles.get(survey_id, {}),
                dims.versions.get(version_id, 0),
                key,
                cell(score_kind(dims, survey_id, question_type), values, minimum),
                weighted,
            )
        )
    return sorted(lines, key=lambda line: (line.title.get("en", ""), -line.version, line.question_key))


def team_lines(
    rows: list[dict], dims: Dimensions, minimum: int, team_ids: frozenset[int] | None
) -> list[TeamLine]:
    """Per survey version, NPS question and team: the newest month against the months before it, from
    NPS counts (n, promoters, detractors) per team and month (``team_months``). The false-discovery
    control runs over every team; then the lines of ``team_ids`` (None: all) are kept."""
    by_team: dict[tuple, dict[date, Nps]] = defaultdict(dict)
    for row in rows:
        key = (row["survey_id"], row["version_id"], row["question_id"], row["team_id"])
        by_team[key][row["period"]] = Nps(row["n"], row["promoters"], row["detractors"])
    lines, p_values = [], []
    for (survey_id, version_id, _question, team_id), months in by_team.items():
        kind = score_kind(dims, survey_id, "nps")
        newest = max(months)
        history = [months[m] for m in sorted(m for m in months if m < newest)[-HISTORY_MONTHS:]]
        pooled = Nps(
            sum(h.n for h in history), sum(h.promoters for h in history), sum(h.detractors for h in history)
        )
        now, before = cell_of(kind, months[newest], minimum), cell_of(kind, pooled, minimum)
        tested = now.score is not None and before.score is not None
        p_values.append(compare_nps(months[newest], pooled)[1] if tested else None)
        lines.append(
            TeamLine(
                survey_id=survey_id,
                title=dims.titles.get(survey_id, {}),
                version=dims.versions.get(version_id, 0),
                team=dims.teams.get(team_id) if team_id else None,
                team_id=team_id or None,
                month=newest,
                cell=now,
                baseline=before,
                change=now.score - before.score if tested else None,  # type: ignore[operator]
                flagged=False,
            )
        )
    # One false-discovery control over every team that could be tested.
    tested_at = [i for i, p in enumerate(p_values) if p is not None]
    for i, stands in zip(tested_at, false_discoveries([p_values[i] for i in tested_at]), strict=True):
        lines[i] = replace(lines[i], flagged=stands)
    # The control ran over every team; the viewer sees their own teams' lines.
    lines = [line for line in lines if team_ids is None or line.team_id in team_ids]
    return sorted(lines, key=lambda line: (line.title.get("en", ""), -line.version, line.team or "~"))


def _nps(values: Mapping[int, int]) -> Nps:
    return Nps(sum(values.values()), _count(values, lambda v: v >= 9), _count(values, lambda v: v <= 6))
