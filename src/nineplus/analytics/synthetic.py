"""Synthetic customer journeys with planted effects: what the insight models must find (issue 6).

One journey of eight moments. Each customer goes through a moment with some probability (the rest is
missing by structure, as in real data) and feels -3..+3 there: the moment's mean feeling plus the
customer's own experience of it, all lifted a little by the customer's general mood. The overall score
(0-10) follows the experiences of the moments the customer went through, with planted weights:

- the **driver**: the moment whose experience weighs most, with a coefficient about √2 times the next
  one's, so that its share of the explained variance is about twice the next moment's;
- the **moment of truth that is not a touchpoint**: a moment the organisation does not take part in
  (the customer on their own) into which the feeling drops sharply: the largest emotional swing.

Pure (numpy). Seeded: the same seed gives the same customers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Planted:
    names: tuple[str, ...] = tuple(f"Moment {i + 1}" for i in range(8))
    coefficients: tuple[float, ...] = (0.28, 0.40, 0.20, 0.15, 0.12, 0.10, 0.08, 0.05)
    means: tuple[float, ...] = (1.0, 0.8, 1.2, 0.5, 0.6, -1.8, -0.2, 1.0)  # mean feeling per moment
    touchpoint: tuple[bool, ...] = (True, True, True, True, True, False, True, True)
    start: float = 1.0  # the mean start feeling
    experienced: float = 0.75  # chance a customer goes through a moment (the first: always)
    mood: float = 0.4  # how much a customer's general mood colours every moment

    @property
    def driver(self) -> int:
        return int(np.argmax(self.coefficients))

    @property
    def moment_of_truth(self) -> int:
        """The moment with the largest swing in mean feeling into it."""
        before = (self.start, *self.means[:-1])
        return int(np.argmax(np.abs(np.subtract(self.means, before))))


@dataclass(frozen=True)
class Sample:
    feelings: np.ndarray  # customers x moments, -3..+3, NaN where not gone through
    nps: np.ndarray  # the overall score, 0..10
    start: np.ndarray  # the start feeling, -3..+3
    planted: Planted = field(default_factory=Planted)

    def means(self) -> list[float | None]:
        return [None if np.isnan(c).all() else float(np.nanmean(c)) for c in self.feelings.T]


def journey_sample(customers: int, seed: int, planted: Planted | None = None) -> Sample:
    """``customers`` customers' feelings per moment and overall scores, with ``planted``'s effects."""
    planted = planted or Planted()
    rng = np.random.default_rng(seed)
    moments = len(planted.names)
    mood = rng.normal(size=(customers, 1))
    own = rng.normal(size=(customers, moments))
    experience = planted.mood * mood + np.sqrt(1 - planted.mood**2) * own  # standardised, per moment
    went = rng.random((customers, moments)) < planted.experienced
    went[:, 0] = True
    feelings = np.clip(np.rint(np.asarray(planted.means) + 1.2 * experience), -3, 3)
    feelings[~went] = np.nan
    drive = (experience * went) @ np.asarray(planted.coefficients)
    latent = drive + 0.8 * rng.normal(size=customers)
    nps = np.clip(np.rint(7 + 1.6 * latent / latent.std()), 0, 10)
    start = np.clip(np.rint(planted.start + planted.mood * mood[:, 0] + rng.normal(size=customers)), -3, 3)
    return Sample(feelings, nps, start, planted)


@dataclass(frozen=True)
class RetentionSample:
    scores: np.ndarray  # 0..10
    retained: np.ndarray  # bool: still a customer a year later
    plateau: int  # the score from which retention no longer rises


SCORE_SHARES = (0.01, 0.01, 0.02, 0.03, 0.04, 0.06, 0.09, 0.17, 0.25, 0.18, 0.14)  # a typical NPS spread


def retention_sample(customers: int, seed: int, plateau: int = 8) -> RetentionSample:
    """Customers' scores and whether they stayed: retention rises with the score (a logit slope of 0.45
    per point, from about 35% at 0) up to ``plateau`` and stays flat from there."""
    rng = np.random.default_rng(seed)
    scores = rng.choice(11, size=customers, p=np.asarray(SCORE_SHARES) / sum(SCORE_SHARES))
    logit = -0.6 + 0.45 * np.minimum(scores, plateau)
    retained = rng.random(customers) < 1 / (1 + np.exp(-logit))
    return RetentionSample(scores, retained, plateau)


@dataclass(frozen=True)
class ChainSample:
    employee: dict[tuple[int, int], float]  # (team, month) -> employee score (eNPS points)
    customer: dict[tuple[int, int], float]  # (team, month) -> NPS of that team's customers that month
    slope: float  # the planted NPS points per eNPS point
    responses: int


CHAIN_SLOPE = 0.58  # NPS points per eNPS point: about half a standard deviation per standard deviation here


def chain_sample(responses: int, seed: int, teams: int = 20, months: int = 12) -> ChainSample:
    """Employee scores per team and month (a lasting team level plus monthly noise; SD about 17 points)
    and the NPS of ``responses`` customers spread over the teams and months, whose expected NPS rises
    CHAIN_SLOPE points per point of their team's employee score that month, plus a lasting team shock
    (SD 8 points) that has nothing to do with the employees: the reason the interval is clustered by team.
    With about 21 customers per team-month a cell's NPS has a sampling noise of about 18 points, so the
    planted effect is about half a standard deviation of the customer score per standard deviation of the
    employee score."""
    rng = np.random.default_rng(seed)
    level = rng.normal(10, 15, teams)
    employee = {(t, m): float(level[t] + rng.normal(0, 8)) for t in range(teams) for m in range(months)}
    shock = rng.normal(0, 8, teams)  # what else makes a team's customers happier, month after month
    cells = list(employee)
    counts = rng.multinomial(responses, np.full(len(cells), 1 / len(cells)))
    customer = {}
    for cell, n in zip(cells, counts, strict=True):
        if n == 0:
            continue
        expected = 20 + CHAIN_SLOPE * (employee[cell] - 10) + shock[cell[0]]  # NPS points
        promoters, detractors = 0.35 + expected / 200, 0.35 - expected / 200
        drawn = rng.multinomial(n, [promoters, 1 - promoters - detractors, detractors])
        customer[cell] = 100 * (drawn[0] - drawn[2]) / n
    return ChainSample(employee, customer, CHAIN_SLOPE, responses)
