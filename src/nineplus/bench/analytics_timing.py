"""The two sides of ``nineplus bench analytics``, each run as its own process (peak memory is its own).

``product``: a full refresh of the analytic store from the row store (the product's ingest path), then
the dashboard set (the overview, NPS per team and month with intervals, the measured curves with bands,
the 0-10 distributions) timed warm, and apart the ad-hoc question: NPS per survey version and month
with intervals for the respondents with one value of an imported attribute, chosen at random per run.
Everything goes through the product's own functions (``analytics.overview``, ``analytics.dashboards``)
on the analytics layer. Nothing is cached between runs but DuckDB's own buffers.

Third, the moments of truth of the first customer journey, uncached: the answers of each sampled customer
read from the store, then the driver model with its bootstrap (``analytics.truths``).

``pandas``: the baseline, a straightforward pandas implementation of the same work on the same rows
(the store's Parquet export, loaded once and not timed): group-bys over the answers, then the same
scores, intervals and tests; for the moments of truth, the same sample pivoted from the answers and the
same model. Both print a digest of their figures; the command checks they agree.
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nineplus.analytics import dashboards
from nineplus.analytics.overview import (
    HISTORY_MONTHS,
    Dimensions,
    Overview,
    months_before,
    overview,
    overview_from,
)
from nineplus.analytics.series import DayCounts, series

NPS_KINDS = ("nps", "csat", "effort")


def truth_figures(found: Any) -> list[Any]:
    """What the moments of truth must agree on: the sample's size and each moment's share and interval."""
    model = found.model
    return [model.n, [(d.name, round(d.share, 6), round(d.low, 6), round(d.high, 6)) for d in model.drivers]]


def first_journey(surveys: list[tuple[int, int, str]], moments: list[tuple[int, int, int, bool]]) -> tuple:
    """The first journey with a customer survey and its active moments in their order, from rows
    (survey id, journey id, audience) and (moment id, journey id, position, archived)."""
    journey = min(j for _s, j, audience in surveys if audience == "customer")
    ordered = sorted((position, m) for m, j, position, archived in moments if j == journey and not archived)
    return journey, [m for _p, m in ordered]


def digest(figures: Any) -> str:
    return hashlib.sha256(json.dumps(figures, default=str, sort_keys=True).encode()).hexdigest()[:16]


def set_figures(
    view: Overview,
    teams: dict[tuple[int, int], list[Any]],
    curves: list[dashboards.MeasuredCurve],
    dists: list[dashboards.Distribution],
) -> list[Any]:
    """What a dashboard shows, as plain values (for the digest both sides must agree on)."""
    return [
        [
            (line.survey_id, line.version, line.question_key, line.cell.n, line.cell.score)
            for line in view.surveys
        ],
        [(line.team, line.month, line.cell.n, line.change, line.flagged) for line in view.teams],
        sorted(
            (key, p.group, p.period, p.nps.n, p.nps.promoters, p.nps.detractors, p.significant)
            for key, points in teams.items()
            for p in points
        ),
        [
            (c.version_id, sorted((m, p.n, round(p.mean or 0, 9)) for m, p in c.points.items()))
            for c in curves
        ],
        [(d.version_id, d.question_id, sorted(d.counts.items())) for d in dists],
    ]


def adhoc_figures(rows: list[dict], minimum: int) -> list[Any]:
    """NPS per survey version and month for the filtered respondents, with intervals and changes."""
    days = [
        DayCounts((r["version_id"], r["question_id"]), r["period"], r["n"], r["promoters"], r["detractors"])
        for r in rows
    ]
    return [
        (p.group, p.period, p.nps.n, p.nps.score, p.interval and p.interval.low, p.significant)
        for p in series(days, "month", minimum)
    ]


def timed(runs: int, work: Callable[[int], Any]) -> tuple[list[float], Any]:
    seconds, result = [], None
    for run in range(runs):
        start = time.perf_counter()
        result = work(run)
        seconds.append(time.perf_counter() - start)
    return seconds, result


def product(store_path: Path, url: str, org: int, runs: int, seed: int, minimum: int, export: Path) -> dict:
    from nineplus.analytics import queries
    from nineplus.analytics.engine import on_duckdb
    from nineplus.analytics.export import export as export_store
    from nineplus.analytics.store import AnalyticStore
    from nineplus.core.db import make_engine

    store_path.unlink(missing_ok=True)  # the load starts from an empty store
    store = AnalyticStore(store_path)
    engine = make_engine(url)
    report = store.refresh(engine, full=True)
    with store.snapshot() as cur:
        pairs = cur.execute(
            "SELECT DISTINCT key, value FROM person_attributes WHERE organisation_id = ? ORDER BY ALL", [org]
        ).fetchall()
        rows = cur.execute("SELECT count(*) FROM scores").fetchone()[0]  # type: ignore[index]

    def dashboard_set(_run: int) -> tuple[Any, ...]:
        view = overview(store, org, minimum, weighting=False)  # the set as the issue names it
        with store.snapshot() as cur:
            on = on_duckdb(cur)
            teams = dashboards.team_periods(on, org, minimum)
            curves = dashboards.measured_curves(on, org, minimum)
            dists = dashboards.distributions(on, org)
        return view, teams, curves, dists

    chosen = _choices(pairs, runs, seed)

    def adhoc(run: int) -> list[Any]:
        with store.snapshot() as cur:
            found = on_duckdb(cur).rows(
                queries.nps_counts(
                    org, ["version_id", "question_id"], moment_id=0, period="month", attribute=chosen[run]
                )
            )
        return adhoc_figures(found, minimum)

    from nineplus.analytics import truths as truth_model

    with store.snapshot() as cur:
        surveys = cur.execute("SELECT id, journey_id, audience FROM surveys WHERE organisation_id = ?", [org])
        survey_rows = surveys.fetchall()
        moment_rows = cur.execute(
            "SELECT id, journey_id, position, archived FROM moments WHERE organisation_id = ?", [org]
        ).fetchall()
    journey, moment_ids = first_journey(survey_rows, moment_rows)
    moments = [truth_model.MomentOnMap(m, str(m), True, n) for n, m in enumerate(moment_ids, start=1)]

    def truths(_run: int) -> Any:
        with store.snapshot() as cur:
            return truth_model.moments_of_truth_on(on_duckdb(cur), org, journey, moments, minimum)

    dashboard_set(0)  # warm: the first run reads the tables from disk
    set_seconds, set_result = timed(runs, dashboard_set)
    adhoc(0)
    adhoc_seconds, adhoc_result = timed(runs, adhoc)
    truths(0)
    truth_seconds, truth_result = timed(runs, truths)
    export_store(store, export)
    store.close()
    return {
        "refresh_seconds": report.seconds,
        "responses": report.added,
        "score_rows": rows,
        "set_seconds": set_seconds,
        "adhoc_seconds": adhoc_seconds,
        "set_digest": digest(set_figures(*set_result)),
        "adhoc_digest": digest(adhoc_result),
        "adhoc_last": list(chosen[runs - 1]),
        "truth_seconds": truth_seconds,
        "truth_digest": digest(truth_figures(truth_result)),
        "truth_sampled": truth_result.sampled,
        "truth_customers": truth_result.customers,
    }


def _choices(pairs: list[tuple[str, str]], runs: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)  # noqa: S311 - a benchmark's choice, not a secret
    return [tuple(rng.choice(pairs)) for _ in range(runs)]  # type: ignore[misc]


def baseline(folder: Path, org: int, runs: int, seed: int, minimum: int) -> dict:
    """The same work in pandas on the export's rows, loaded into data frames first (not timed)."""
    import pandas as pd

    from nineplus.analytics.export import table_files

    files = table_files(folder)

    def frame(table: str, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.concat([pd.read_parquet(f, columns=columns) for f in files[table]], ignore_index=True)

    start = time.perf_counter()
    scores = frame("scores")
    scores["kind"] = scores["kind"].astype("category")
    scores["day"] = pd.to_datetime(scores["day"])
    attributes = frame("person_attributes")
    surveys, versions, questions, teams = (frame(t) for t in ("surveys", "versions", "questions", "teams"))
    load_seconds = time.perf_counter() - start
    of_org = scores["organisation_id"] == org
    dims = Dimensions(
        titles={r.id: {"en": r.title_en, "nl": r.title_nl} for r in surveys.itertuples()},
        audiences={r.id: r.audience for r in surveys.itertuples()},
        versions={r.id: r.number for r in versions.itertuples()},
        version_surveys={r.id: r.survey_id for r in versions.itertuples()},
        questions={r.id: (r.key, r.type) for r in questions.itertuples()},
        teams={r.id: r.name for r in teams.itertuples()},
    )
    pairs = sorted(
        {
            (k, v)
            for k, v in attributes.loc[attributes["organisation_id"] == org, ["key", "value"]].itertuples(
                index=False
            )
        }
    )
    chosen = _choices(pairs, runs, seed)

    def records(grouped: pd.DataFrame) -> list[dict]:
        if "period" in grouped.columns:
            grouped["period"] = grouped["period"].dt.date
        return grouped.to_dict("records")

    def counted(frame: pd.DataFrame, keys: list[Any], names: list[str]) -> list[dict]:
        grouped = frame.groupby([*keys, "value"], observed=True).size().reset_index()
        grouped.columns = [*names, "value", "n"]
        return records(grouped)

    def nps_counted(frame: pd.DataFrame, keys: list[Any], names: list[str]) -> list[dict]:
        marked = frame.assign(promoter=frame["value"] >= 9, detractor=frame["value"] <= 6)
        grouped = marked.groupby(keys, observed=True).agg(
            n=("value", "size"), promoters=("promoter", "sum"), detractors=("detractor", "sum")
        )
        grouped = grouped.reset_index()
        grouped.columns = [*names, "n", "promoters", "detractors"]
        return records(grouped)

    def month(frame: pd.DataFrame) -> pd.Series:
        return pd.Series(frame["day"].to_numpy().astype("datetime64[M]"), index=frame.index, name="month")

    def dashboard_set(_run: int) -> tuple[Any, ...]:
        s = scores  # the rows are selected with one mask per question, never copied whole
        asked_once = of_org & (s["moment_id"] == 0)
        per_question = counted(
            s[s["kind"].isin(NPS_KINDS) & asked_once],
            ["survey_id", "version_id", "question_id"],
            ["survey_id", "version_id", "question_id"],
        )
        nps = s[(s["kind"] == "nps") & asked_once]
        per_team = nps_counted(
            nps,
            ["survey_id", "version_id", "question_id", "team_id", month(nps)],
            ["survey_id", "version_id", "question_id", "team_id", "period"],
        )
        # The overview's team table reads the newest month and the HISTORY_MONTHS before it.
        since = months_before(max(r["period"] for r in per_team), HISTORY_MONTHS)
        view = overview_from(per_question, [r for r in per_team if r["period"] >= since], dims, minimum)
        teams = dashboards.team_periods_from({k: [r[k] for r in per_team] for k in per_team[0]}, minimum)
        emotion = s[of_org & (s["kind"] == "emotion")]
        curves = dashboards.measured_curves_from(
            counted(
                emotion,
                ["version_id", "question_id", "moment_id"],
                ["version_id", "question_id", "moment_id"],
            ),
            minimum,
        )
        dists = dashboards.distributions_from(
            counted(nps, ["version_id", "question_id"], ["version_id", "question_id"])
        )
        return view, teams, curves, dists

    def adhoc(run: int) -> list[Any]:
        key, value = chosen[run]
        people = attributes.loc[
            (attributes["organisation_id"] == org)
            & (attributes["key"] == key)
            & (attributes["value"] == value),
            "respondent",
        ]
        s = scores[of_org & (scores["kind"] == "nps") & (scores["moment_id"] == 0)]
        s = s[s["respondent"].isin(people)]
        rows = nps_counted(
            s, ["version_id", "question_id", month(s)], ["version_id", "question_id", "period"]
        )
        return adhoc_figures(rows, minimum)

    from types import SimpleNamespace

    from nineplus.analytics.drivers import key_drivers
    from nineplus.analytics.truths import BOOTSTRAP, SAMPLE

    moments = frame("moments")
    ours = surveys[surveys["organisation_id"] == org]
    journey, moment_ids = first_journey(
        [(r.id, r.journey_id, r.audience) for r in ours.itertuples()],
        [
            (r.id, r.journey_id, r.position, r.archived)
            for r in moments[moments["organisation_id"] == org].itertuples()
        ],
    )
    on_journey = ours.loc[(ours["journey_id"] == journey) & (ours["audience"] == "customer"), "id"]

    def truths(_run: int) -> Any:
        s = scores[of_org & scores["survey_id"].isin(on_journey)]
        overall = (s["kind"] == "nps") & (s["moment_id"] == 0)
        every = max(1, -(-int(overall.sum()) // SAMPLE))
        feelings = (s["kind"] == "emotion") & (s["moment_id"] != 0)
        s = s[(overall | feelings) & (s["response_id"] % every == 0)]
        wide = s.pivot_table(index="response_id", columns="moment_id", values="value", aggfunc="first")
        wide = wide[wide[0].notna()]
        x = wide.reindex(columns=moment_ids).to_numpy(dtype=float)
        model = key_drivers(x, wide[0].to_numpy(dtype=float), moment_ids, bootstrap=BOOTSTRAP)
        return SimpleNamespace(model=model)

    set_seconds, set_result = timed(runs, dashboard_set)
    adhoc_seconds, adhoc_result = timed(runs, adhoc)
    truth_seconds, truth_result = timed(runs, truths)
    return {
        "load_seconds": load_seconds,
        "set_seconds": set_seconds,
        "adhoc_seconds": adhoc_seconds,
        "truth_seconds": truth_seconds,
        "set_digest": digest(set_figures(*set_result)),
        "adhoc_digest": digest(adhoc_result),
        "truth_digest": digest(truth_figures(truth_result)),
    }


def median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str]) -> None:
    side, options = argv[0], json.loads(argv[1])
    if side == "product":
        result = product(
            Path(options["store"]),
            options["url"],
            options["org"],
            options["runs"],
            options["seed"],
            options["minimum"],
            Path(options["export"]),
        )
    else:
        result = baseline(
            Path(options["export"]), options["org"], options["runs"], options["seed"], options["minimum"]
        )
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
