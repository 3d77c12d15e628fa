"""The analytics layer's questions, written once as Ibis expressions over the analytic tables.

Every expression returns per-group sufficient statistics only (how many answers gave each value, how
many responses), never a score: scores, intervals and tests are computed from these small results in
``analytics.scores``, identically whichever engine ran the group-by (METHODS.md, "Portable analytics").
Every expression is scoped to one organisation first: the analytic tables hold all of them.

Groupings (``by``): ``survey_id``, ``version_id``, ``question_id``, ``kind``, ``moment_id`` (0: asked
once, not per moment), ``team_id`` (the respondent's team, 0 when unknown), and through the dimensions
``journey_id``, ``channel`` and ``moment_team_id`` (the team that owns the moment), and ``period`` (the
first day of the week, month or quarter, in the organisation's time zone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal

import ibis
from ibis import _

Period = Literal["day", "week", "month", "quarter"]
_TRUNCATE = {"week": "W", "month": "M", "quarter": "Q"}

# The keys an answer carries in both ``counts`` and ``scores`` (analytics.store).
_ANSWER_KEYS = {
    "organisation_id": "int32",
    "survey_id": "int32",
    "version_id": "int32",
    "question_id": "int32",
    "kind": "string",
    "moment_id": "int32",
    "team_id": "int32",
    "day": "date",
    "value": "int16",
}
COUNTS = ibis.table({**_ANSWER_KEYS, "n": "int64"}, name="counts")
COUNTS_MONTH = ibis.table(
    {**{k: v for k, v in _ANSWER_KEYS.items() if k != "day"}, "month": "date", "n": "int64"},
    name="counts_month",
)
COUNTS_TOTAL = ibis.table(
    {**{k: v for k, v in _ANSWER_KEYS.items() if k != "day"}, "n": "int64"}, name="counts_total"
)
NPS_MONTH = ibis.table(
    {
        **{k: v for k, v in _ANSWER_KEYS.items() if k not in ("kind", "day", "value")},
        "month": "date",
        "n": "int64",
        "promoters": "int64",
        "detractors": "int64",
    },
    name="nps_month",
)
SCORES = ibis.table(
    {"response_id": "int64", **_ANSWER_KEYS, "respondent": "int64", "batch": "int32"}, name="scores"
)
RESPONSES = ibis.table(
    {
        "response_id": "int64",
        "organisation_id": "int32",
        "survey_id": "int32",
        "version_id": "int32",
        "respondent": "int64",
        "team_id": "int32",
        "submitted_at": "timestamp",
        "day": "date",
        "batch": "int32",
    },
    name="responses",
)
SURVEYS = ibis.table(
    {"id": "int32", "organisation_id": "int32", "journey_id": "int32", "audience": "string"}, name="surveys"
)
MOMENTS = ibis.table(
    {"id": "int32", "organisation_id": "int32", "channel": "string", "team_id": "int32"}, name="moments"
)
PERSONS = ibis.table(
    {"respondent": "int64", "organisation_id": "int32", "kind": "string", "team_id": "int32"}, name="persons"
)
ATTRIBUTES = ibis.table(
    {"respondent": "int64", "organisation_id": "int32", "key": "string", "value": "string"},
    name="person_attributes",
)
OUTCOMES = ibis.table(
    {
        "respondent": "int64",
        "organisation_id": "int32",
        "period_start": "date",
        "active": "boolean",
        "churned_on": "date",
        "revenue": "float64",
    },
    name="outcomes",
)

_DERIVED = {"journey_id", "channel", "moment_team_id", "audience"}


def value_counts(organisation_id: int, by: Sequence[str], **options: Any) -> Any:
    """How many answers gave each value, per group of ``by`` (and ``period``): columns ``by``, [``period``],
    ``value``, ``n``, ordered by all of them. Options: see ``_value_counts``.

    Read from the counts over all time when the question spans all of it, from the monthly counts unless
    it needs days (weeks, or a date range), and from the answers themselves when it filters on an
    imported person attribute (``attribute``: key and value).
    Building an expression costs milliseconds: the same question returns the same expression."""
    if options.get("kinds") is not None:
        options["kinds"] = tuple(options["kinds"])
    return _value_counts(organisation_id, tuple(by), **options)


def nps_counts(organisation_id: int, by: Sequence[str], **options: Any) -> Any:
    """NPS's sufficient statistics per group: columns ``by``, [``period``], ``n``, ``promoters`` (9-10)
    and ``detractors`` (0-6), from the same counts as ``value_counts`` (same options)."""
    return _nps_counts(organisation_id, tuple(by), **options)


@lru_cache(maxsize=256)
def _nps_counts(organisation_id: int, by: tuple[str, ...], **options: Any) -> Any:
    t, total, keys = _grouped(organisation_id, by, kinds=("nps",), value_free=True, **options)
    return _nps_aggregate(t, total, keys).order_by(keys)


def _nps_aggregate(t: Any, total: Any, keys: list[str]) -> Any:
    """n, promoters (9-10) and detractors (0-6) per group of ``keys``; ``total`` counts the rows."""
    if "promoters" in t.columns:  # the monthly NPS counts carry them already
        return t.group_by(keys).aggregate(
            n=total.cast("int64"),
            promoters=t.promoters.sum().cast("int64"),
            detractors=t.detractors.sum().cast("int64"),
        )
    n = t.n if "n" in t.columns else ibis.literal(1)  # the counts tables carry n; answers count one each
    return t.group_by(keys).aggregate(
        n=total.cast("int64"),
        promoters=(t.value >= 9).ifelse(n, 0).sum().cast("int64"),
        detractors=(t.value <= 6).ifelse(n, 0).sum().cast("int64"),
    )


@lru_cache(maxsize=256)
def _value_counts(organisation_id: int, by: tuple[str, ...], **options: Any) -> Any:
    t, total, keys = _grouped(organisation_id, by, **options)
    keys.append("value")
    return t.group_by(keys).aggregate(n=total.cast("int64")).order_by(keys)


def _grouped(
    organisation_id: int,
    by: Sequence[str],
    *,
    kinds: Sequence[str] | None = None,
    survey_id: int | None = None,
    version_id: int | None = None,
    question_id: int | None = None,
    moment_id: int | None = None,
    team_id: int | None = None,
    journey_id: int | None = None,
    period: Period | None = None,
    since: date | None = None,
    until: date | None = None,
    recent_months: int | None = None,
    attribute: tuple[str, str] | None = None,
    value_free: bool = False,
) -> tuple[Any, Any, list[str]]:
    """The filtered rows to group (with their derived columns), how to total them, and the group keys.
    ``since`` and ``until`` are days, both included; whole months are read from the monthly counts.
    ``recent_months``: only the newest month among the answers counted and that many months before it,
    found in the same query. ``value_free``: the caller needs NPS counts, not the values (then the
    monthly NPS counts serve)."""
    if attribute is not None:
        key, wanted = attribute
        people = ATTRIBUTES.filter(
            (_.organisation_id == organisation_id) & (_.key == key) & (_.value == wanted)
        ).respondent
        t = SCORES.filter((_.organisation_id == organisation_id) & _.respondent.isin(people))
        total = _.count()
    elif period in ("week", "day") or (since is not None and since.day != 1) or not _month_end(until):
        t, total = COUNTS.filter(_.organisation_id == organisation_id), _.n.sum()
    elif period is None and since is None and until is None and recent_months is None:
        t, total = COUNTS_TOTAL.filter(_.organisation_id == organisation_id), _.n.sum()
    elif tuple(kinds or ()) == ("nps",) and value_free:
        t, total = NPS_MONTH.filter(_.organisation_id == organisation_id), _.n.sum()
        kinds = None  # the table holds NPS answers only
    else:
        t, total = COUNTS_MONTH.filter(_.organisation_id == organisation_id), _.n.sum()
    t = _filtered(t, kinds, survey_id, version_id, question_id, moment_id, team_id, since, until)
    if journey_id is not None:
        on_journey = SURVEYS.filter((_.organisation_id == organisation_id) & (_.journey_id == journey_id)).id
        t = t.filter(t.survey_id.isin(on_journey))
    if recent_months is not None:  # the newest month among the answers counted, whole months
        when = "month" if "month" in t.columns else "day"
        newest = t[when].max().truncate("M").as_scalar()
        t = t.filter(t[when] >= (newest - ibis.interval(months=recent_months)).cast("date"))
    t = _with_dimensions(t, organisation_id, by)
    keys = list(by)
    if period is not None:
        t = t.mutate(period=_period(t.month if "month" in t.columns else t.day, period))
        keys.append("period")
    return t, total, keys


def _month_end(day: date | None) -> bool:
    """None, or the last day of its month (the monthly counts can stop there)."""
    return day is None or (day + timedelta(days=1)).day == 1


def attribute_value_counts(
    organisation_id: int,
    key: str,
    *,
    version_id: int,
    question_id: int,
    moment_id: int = 0,
) -> Any:
    """How many answers to one question gave each value, per value of an imported person attribute
    (``attribute``: the value, or null for respondents without it): columns attribute, value, n."""
    scores = SCORES.filter(
        (_.organisation_id == organisation_id)
        & (_.version_id == version_id)
        & (_.question_id == question_id)
        & (_.moment_id == moment_id)
    )
    attrs = ATTRIBUTES.filter((_.organisation_id == organisation_id) & (_.key == key)).select(
        "respondent", attribute="value"
    )
    joined = scores.left_join(attrs, "respondent")
    return (
        joined.group_by("attribute", "value")
        .aggregate(n=_.count().cast("int64"))
        .order_by([ibis.asc("attribute", nulls_first=True), "value"])
    )


def population(organisation_id: int, attribute: str | None = None) -> Any:
    """The known population per stratum: persons per kind (customer or employee) and team, or per kind and
    value of the imported attribute ``attribute``; persons without one are in no stratum. Columns ``kind``,
    ``stratum`` (the team id or the value, as text) and ``persons``."""
    people = PERSONS.filter(_.organisation_id == organisation_id)
    if attribute is None:
        strata = people.filter(_.team_id.notnull()).select("kind", stratum=_.team_id.cast("string"))
    else:
        values = ATTRIBUTES.filter((_.organisation_id == organisation_id) & (_.key == attribute))
        strata = people.join(values, "respondent").select(people.kind, stratum=values.value)
    return (
        strata.group_by("kind", "stratum")
        .aggregate(persons=_.count().cast("int64"))
        .order_by("kind", "stratum")
    )


def stratum_nps_counts(organisation_id: int, by: Sequence[str], attribute: str | None = None) -> Any:
    """NPS counts per group of ``by`` and stratum of the population (``population``): columns ``by``,
    ``stratum`` (null for respondents in none), ``n``, ``promoters``, ``detractors``. Per team they come
    from the counts over all time; per attribute value the answers are scanned."""
    if attribute is None:
        t = COUNTS_TOTAL.filter(_.organisation_id == organisation_id)
        t = t.mutate(stratum=(t.team_id == 0).ifelse(ibis.null("string"), t.team_id.cast("string")))
    else:
        values = ATTRIBUTES.filter((_.organisation_id == organisation_id) & (_.key == attribute)).select(
            "respondent", stratum="value"
        )
        t = SCORES.filter(_.organisation_id == organisation_id).left_join(values, "respondent")
    t = t.filter((t.kind == "nps") & (t.moment_id == 0))
    total = t.n.sum() if "n" in t.columns else t.count()
    grouped = _nps_aggregate(t, total, [*by, "stratum"])
    return grouped.order_by([*by, ibis.asc("stratum", nulls_first=True)])


def response_counts(organisation_id: int, by: Sequence[str], *, period: Period | None = None) -> Any:
    """Submitted responses per group (of ``survey_id``, ``version_id``, ``team_id``, and ``period``)."""
    t = RESPONSES.filter(_.organisation_id == organisation_id)
    keys = list(by)
    if period is not None:
        t = t.mutate(period=_period(t.day, period))
        keys.append("period")
    return t.group_by(keys).aggregate(responses=_.count().cast("int64")).order_by(keys)


def _filtered(
    t: Any,
    kinds: Sequence[str] | None,
    survey_id: int | None,
    version_id: int | None,
    question_id: int | None,
    moment_id: int | None,
    team_id: int | None,
    since: date | None,
    until: date | None,
) -> Any:
    if kinds is not None:
        t = t.filter(_.kind.isin(list(kinds)))
    for column, value in (
        ("survey_id", survey_id),
        ("version_id", version_id),
        ("question_id", question_id),
        ("moment_id", moment_id),
        ("team_id", team_id),
    ):
        if value is not None:
            t = t.filter(t[column] == value)
    if since is None and until is None:
        return t
    when = t.month if "month" in t.columns else t.day  # the monthly counts start at a month's first day
    if since is not None:
        t = t.filter(when >= since)
    if until is not None:
        t = t.filter(when <= until)
    return t


def _with_dimensions(t: Any, organisation_id: int, by: Sequence[str]) -> Any:
    """Join the dimensions that ``by`` needs (journey and audience of the survey; channel and owning team
    of the moment)."""
    wanted = _DERIVED & set(by)
    if wanted & {"journey_id", "audience"}:
        surveys = SURVEYS.filter(_.organisation_id == organisation_id).select(
            survey_key="id", journey_id="journey_id", audience="audience"
        )
        t = t.left_join(surveys, t.survey_id == surveys.survey_key).drop("survey_key")
    if wanted & {"channel", "moment_team_id"}:
        moments = MOMENTS.filter(_.organisation_id == organisation_id).select(
            moment_key="id", channel="channel", moment_team_id="team_id"
        )
        t = t.left_join(moments, t.moment_id == moments.moment_key).drop("moment_key")
    return t


def _period(day: Any, period: Period) -> Any:
    """The first day of the period (``day`` is a day, or the first day of a month)."""
    if period == "day" or (period == "month" and day.get_name() == "month"):
        return day
    return day.truncate(_TRUNCATE[period])


# Questions about individual customers (the insight models need the answers of each customer together,
# which no count holds): a systematic sample keeps them bounded whatever the store holds.


def journey_answers(organisation_id: int, journey_id: int, every: int = 1) -> Any:
    """The overall score (NPS question, moment 0) and the feeling per moment of the customers who answered
    a customer survey on the journey: columns response_id, moment_id (0 for the overall score), value.
    ``every``: only responses whose id is a multiple of it (a systematic sample)."""
    on_journey = SURVEYS.filter(
        (_.organisation_id == organisation_id) & (_.journey_id == journey_id) & (_.audience == "customer")
    ).id
    t = SCORES.filter(
        (_.organisation_id == organisation_id)
        & _.survey_id.isin(on_journey)
        & (((_.kind == "nps") & (_.moment_id == 0)) | ((_.kind == "emotion") & (_.moment_id != 0)))
    )
    if every > 1:
        t = t.filter(t.response_id % every == 0)
    return t.select("response_id", "moment_id", "value").order_by("response_id", "moment_id")


def scored_outcomes(organisation_id: int, attribute: str | None = None, months: int = 3) -> Any:
    """Per customer whose latest NPS answer has a known outcome ``months`` months on: the score, whether the
    customer stayed, and the value of ``attribute`` (null without one): columns respondent, score, stayed,
    segment.

    The follow-up window runs from the month of the answer for ``months`` months. A customer left when an
    outcome in the window says "no longer a customer" or a churn date falls in it on or after the answer;
    stayed when no outcome says so and the outcomes reach the window's last month. Customers whose outcomes
    stop earlier without saying they left are left out: their follow-up is unknown. Outcome rows that say
    neither (revenue only) count for neither. The latest answer is the one of the latest day (the highest
    response id among that day's)."""
    customer_surveys = SURVEYS.filter((_.organisation_id == organisation_id) & (_.audience == "customer")).id
    answers = SCORES.filter(
        (_.organisation_id == organisation_id)
        & (_.kind == "nps")
        & (_.moment_id == 0)
        & _.respondent.notnull()
        & _.survey_id.isin(customer_surveys)
    )
    last_day = answers.group_by("respondent").aggregate(last=_.day.max())
    on_last_day = answers.join(last_day, "respondent").filter(_.day == _.last)
    latest = on_last_day.group_by(["respondent", "day"]).aggregate(score=_.value.argmax(_.response_id))
    latest = latest.mutate(start=_.day.truncate("M"))
    latest = latest.mutate(
        end=(_.start + ibis.interval(months=months)).cast("date"),
        final=(_.start + ibis.interval(months=months - 1)).cast("date"),
    )
    outcomes = OUTCOMES.filter(
        (_.organisation_id == organisation_id) & (_.active.notnull() | _.churned_on.notnull())
    )
    t = latest.join(outcomes, "respondent")
    t = t.mutate(churned=((t.churned_on >= t.day) & (t.churned_on < t.end)).fill_null(False))
    t = t.filter(((t.period_start >= t.start) & (t.period_start < t.end)) | t.churned)
    left = (t.active == False).fill_null(False) | t.churned  # noqa: E712 (an Ibis expression)
    followed = t.group_by(["respondent", "score"]).aggregate(
        left=left.any(), reached=(t.period_start >= t.final).any()
    )
    known = followed.filter(_.left | _.reached).select("respondent", "score", stayed=~_.left)
    if attribute is None:
        return known.mutate(segment=ibis.null("string")).order_by("respondent")
    values = ATTRIBUTES.filter((_.organisation_id == organisation_id) & (_.key == attribute)).select(
        "respondent", segment="value"
    )
    return known.left_join(values, "respondent").drop("respondent_right").order_by("respondent")


def outcome_cells(organisation_id: int) -> Any:
    """Per team of the customers (their team now) and month (the outcome's period): customers whose state
    at its end is known, how many were still customers (no "no longer a customer", no churn date), and the
    revenue summed over those with one: columns team_id, period, customers, stayed, revenue,
    with_revenue."""
    people = PERSONS.filter((_.organisation_id == organisation_id) & (_.kind == "customer")).select(
        person_key="respondent", team_id="team_id"
    )
    t = OUTCOMES.filter(_.organisation_id == organisation_id)
    t = t.join(people, t.respondent == people.person_key).filter(_.team_id.notnull())
    t = t.mutate(period=t.period_start.truncate("M"))
    known = t.active.notnull() | t.churned_on.notnull()
    stayed = (t.active & t.churned_on.isnull()).fill_null(False)
    return (
        t.group_by("team_id", "period")
        .aggregate(
            customers=known.ifelse(1, 0).sum().cast("int64"),
            stayed=stayed.ifelse(1, 0).sum().cast("int64"),
            revenue=t.revenue.sum(),
            with_revenue=t.revenue.count().cast("int64"),
        )
        .order_by("team_id", "period")
    )
