"""Post-stratification: an NPS that counts every part of the invited population as much as it weighs.

When teams or segments answer at different rates, the plain NPS leans towards the ones that answer most.
With the population known per stratum (persons with their team, or an imported attribute such as a
segment), each respondent in stratum h gets the weight w_h = W_h / (n_h / n), with W_h = N_h / N its
share of the population and n_h / n its share of the respondents; the weighted NPS is then
sum_h W_h NPS_h. Its variance is that of a stratified sample, sum_h W_h^2 V_h / n_h, with V_h the
per-respondent variance of the +1/0/-1 score taken on the adjusted shares (Rocks 2016: P + 3/4 and D + 3/4
of n + 3, as the unweighted interval does), so a small stratum of all promoters does not claim certainty.

Kish's design effect deff = n sum_i w_i^2 / (sum_i w_i)^2 says how much precision the weighting costs: the
weighted score is as precise as an unweighted one from n / deff answers (the effective n).

Strata with population but no respondents cannot be weighted up: they are named and left out (``uncovered``,
their share of the population), and respondents outside every known stratum (no team, an attribute value
the population lacks) are counted apart (``outside``). Pure: no web layer, no ORM, no engine.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from nineplus.analytics.scores import Interval, Nps, z_for


@dataclass(frozen=True)
class WeightedNps:
    unweighted: Nps  # the respondents in the weighted strata, counted as they answered
    score: float | None  # the post-stratified NPS in points; None without any weighted stratum
    interval: Interval | None
    design_effect: float | None  # Kish's deff; 1.0 when the strata answered in proportion
    effective_n: float | None  # n / deff
    weights: dict[Hashable, float]  # per stratum, the weight of each of its respondents (mean 1)
    uncovered: tuple[Hashable, ...]  # strata with population but no respondents
    uncovered_share: float  # their share of the population, 0..1
    outside: int  # respondents in no stratum of the population

    @property
    def shift(self) -> float | None:
        """Weighted minus unweighted score, in points."""
        plain = self.unweighted.score
        return None if self.score is None or plain is None else self.score - plain


def post_stratified(
    population: Mapping[Hashable, int], respondents: Mapping[Hashable, Nps], confidence: float = 0.95
) -> WeightedNps:
    """The NPS weighted to ``population`` (persons per stratum) from ``respondents`` (NPS counts per
    stratum, keyed like the population)."""
    if any(size < 0 for size in population.values()):
        raise ValueError("a stratum cannot have a negative population")
    strata = [h for h, size in population.items() if size > 0 and respondents.get(h, Nps(0, 0, 0)).n > 0]
    uncovered = tuple(h for h, size in population.items() if size > 0 and h not in strata)
    total = sum(population.values())
    uncovered_share = sum(population[h] for h in uncovered) / total if total else 0.0
    outside = sum(nps.n for h, nps in respondents.items() if h not in strata)
    unweighted = Nps(
        sum(respondents[h].n for h in strata),
        sum(respondents[h].promoters for h in strata),
        sum(respondents[h].detractors for h in strata),
    )
    if not strata:
        return WeightedNps(unweighted, None, None, None, None, {}, uncovered, uncovered_share, outside)
    covered = sum(population[h] for h in strata)
    n = unweighted.n
    shares = {h: population[h] / covered for h in strata}
    weights = {h: shares[h] * n / respondents[h].n for h in strata}
    score = 100 * sum(
        shares[h] * (respondents[h].promoters - respondents[h].detractors) / respondents[h].n for h in strata
    )
    variance = sum(shares[h] ** 2 * respondents[h].variance() / (respondents[h].n + 3) for h in strata)
    half = 100 * z_for(confidence) * math.sqrt(variance)
    interval = Interval(max(-100.0, score - half), min(100.0, score + half))
    deff = sum(respondents[h].n * weights[h] ** 2 for h in strata) / n  # sum of the weights is n
    return WeightedNps(
        unweighted, score, interval, deff, n / deff, weights, uncovered, uncovered_share, outside
    )
