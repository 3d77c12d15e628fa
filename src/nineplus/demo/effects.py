"""The effects planted in the demo's data, so that a new user finds a real moment of truth, a retention
plateau and an effect chain on first start (and the tests can check that the pages find them):

- the overall score leans on the feeling while waiting for the offer, a moment with no contact at all
  (the customer's side of the map), about twice as much as on any other moment;
- each team has a working climate per month (a lasting level and a monthly change): its employees' own
  score follows it, and so do its customers' scores in the same month (the employee-customer link);
- two improvement actions: the advice team's weekly status message while waiting for the offer (from its
  start, its customers feel a point better while waiting, and so score higher) and the branches' list of
  what to bring to the signing meeting (no effect at all), so the action pages show one "improved" and one
  "no detectable effect";
- a customer's chance to leave in a month falls as the score rises up to 8 and not beyond (the plateau),
  and revenue stops with the customer (the link from retention to revenue).

Pure: a seeded random generator in, numbers out.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

DRIVER = "waiting_offer"  # the planted moment of truth (not a touchpoint)
# Points of the overall score per point of feeling at a moment (the others share a small weight).
WEIGHTS = {"waiting_offer": 0.95, "advice_visit": 0.45}
OTHERS = 0.15  # per point of the mean feeling over the other moments
BASE = 8.6  # the overall score of a customer who felt neutral everywhere (waiting feels poor: -1.9)
DELAY = 1.2  # points lost when the bank had to announce a delay
NOISE = 1.0
BACKGROUND = 7.3  # the average score of the customers as a whole

CLIMATE_LEVEL, CLIMATE_CHANGE = 0.9, 0.5  # standard deviations of a team's level and its monthly change
CUSTOMER_CLIMATE = 0.8  # customer score points per unit of climate
EMPLOYEE_BASE, EMPLOYEE_CLIMATE, EMPLOYEE_NOISE = 7.4, 1.3, 1.2  # the employees' 0-10 score
PLATEAU = 8  # the score from which a higher score no longer keeps customers
# Chance a customer leaves in a month, per score: falling up to the plateau, flat after it.
# About 15% stay three months at a 3, 82% from 8 on: a straight rise on the logit scale up to 8.
LEAVE = {
    0: 0.5, 1: 0.5, 2: 0.5, 3: 0.469, 4: 0.370, 5: 0.276, 6: 0.191, 7: 0.121, 8: 0.064, 9: 0.064, 10: 0.064
}  # fmt: skip
# The demo's improvement actions: key -> (team, moment, weeks before the demo was loaded that it started,
# points of feeling its team's customers gain at the moment from then on).
ACTIONS = {
    "waiting_status_text": ("mortgage_advice", "waiting_offer", 10, 1),
    "signing_checklist": ("branches", "signing_visit", 9, 0),
}
REVENUE, REVENUE_SPREAD = 180.0, 25.0  # a customer's monthly revenue (euros); none in the month of leaving


def clip(score: float) -> int:
    return max(0, min(10, round(score)))


def climate(rng: random.Random, teams: list[str], months: list[date]) -> dict[tuple[str, date], float]:
    """Per team and month: the team's lasting level plus this month's change."""
    found = {}
    for team in teams:
        level = rng.gauss(0, CLIMATE_LEVEL)
        for month in months:
            found[(team, month)] = level + rng.gauss(0, CLIMATE_CHANGE)
    return found


def action_start(today: date, weeks_ago: int) -> date:
    """The Monday ``weeks_ago`` weeks before ``today``'s week: when a demo action started."""
    return today - timedelta(days=today.weekday(), weeks=weeks_ago)


def lift(team: str, moment: str, day: date, today: date) -> float:
    """The points of feeling at ``moment`` the demo's actions add for a customer of ``team`` on ``day``."""
    return sum(
        points
        for action_team, action_moment, weeks_ago, points in ACTIONS.values()
        if (action_team, action_moment) == (team, moment) and day >= action_start(today, weeks_ago)
    )


def customer_score(feelings: dict[str, int], delayed: bool, climate_now: float, rng: random.Random) -> int:
    """The overall score (0-10) of a customer with these feelings per moment (key -> -3..+3)."""
    weighted = sum(w * feelings[key] for key, w in WEIGHTS.items() if key in feelings)
    others = [v for key, v in feelings.items() if key not in WEIGHTS]
    rest = OTHERS * sum(others) / len(others) if others else 0.0
    score = BASE + weighted + rest - (DELAY if delayed else 0) + CUSTOMER_CLIMATE * climate_now
    return clip(score + rng.gauss(0, NOISE))


def employee_score(climate_now: float, rng: random.Random) -> int:
    return clip(EMPLOYEE_BASE + EMPLOYEE_CLIMATE * climate_now + rng.gauss(0, EMPLOYEE_NOISE))


def background_score(climate_now: float, rng: random.Random) -> int:
    """The score a customer who did not answer would have given (drives leaving all the same)."""
    return clip(BACKGROUND + CUSTOMER_CLIMATE * climate_now + rng.gauss(0, 1.6))


FOLLOW_UP = 3  # months: the respondents' leaving is planted exactly over this window after the answer


def outcomes(
    rng: random.Random,
    months: list[date],
    scores: dict[date, int],
    leaves: date | None = None,
    decided: bool = False,
) -> list[tuple[date, bool, float]]:
    """One customer's months on record, (first day, still a customer at its end, revenue), until the
    month the customer left; ``scores``: the customer's score in each month. ``decided``: the month of
    leaving is ``leaves`` (None: stays), not drawn month by month."""
    revenue = max(40.0, rng.gauss(REVENUE, REVENUE_SPREAD))
    found = []
    for month in months:
        left = month == leaves if decided else rng.random() < LEAVE[scores[month]]
        found.append((month, not left, 0.0 if left else round(revenue, 2)))
        if left:
            break
    return found


def fates(
    rng: random.Random, answered: dict[int, tuple[date, int]], months: list[date]
) -> dict[int, date | None]:
    """For each respondent (id -> month of the answer, score), the month of leaving or None: exactly the
    share the planted curve says leaves within FOLLOW_UP months of the answer leaves, per score, so the
    demo's retention curve is the planted one and not a draw that may hide its plateau."""
    by_score: dict[int, list[int]] = {}
    found: dict[int, date | None] = {}
    for person, (month, score) in sorted(answered.items()):
        if months.index(month) + FOLLOW_UP <= len(months):
            by_score.setdefault(score, []).append(person)
        else:
            found[person] = None  # answered too recently for the whole window: stays on record
    for score, people in by_score.items():
        rng.shuffle(people)
        leaving = round(len(people) * (1 - (1 - LEAVE[score]) ** FOLLOW_UP))
        for index, person in enumerate(people):
            start = months.index(answered[person][0])
            window = months[start : start + FOLLOW_UP]
            found[person] = rng.choice(window) if index < leaving else None
    return found
