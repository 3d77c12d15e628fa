"""Which rules a response trips and where its case goes (pure)."""

from __future__ import annotations

from nineplus.improve.rules import Catch, Comment, Rule, Said, caught, route

RULES = [
    Rule(1, "nps", threshold=6),
    Rule(2, "emotion", threshold=-2),
    Rule(3, "theme", value="wait"),
    Rule(4, "keyword", value="taxateur"),
]


def test_each_rule_trips_on_its_own_ground() -> None:
    said = Said(
        nps=4,
        feelings={10: 1, 11: -3},
        comments=[Comment("wait", frozenset({"taxateur", "laat"}), (12,))],
        team_id=7,
    )
    assert caught(RULES, said) == [
        Catch(1, "nps:4"),
        Catch(2, "emotion:-3:11", 11),
        Catch(3, "theme:wait", 12),
        Catch(4, "keyword:taxateur", 12),
    ]
    assert caught(RULES, Said(nps=7, feelings={10: -1})) == []
    assert caught(
        [Rule(4, "keyword", value="taxatie")], Said(comments=[Comment(None, frozenset({"taxatierapport"}))])
    ) == [Catch(4, "keyword:taxatie")]  # a long keyword finds the compounds it starts


def test_a_case_goes_to_the_team_that_owns_the_moment_else_to_the_respondent_s_team() -> None:
    said = Said(nps=3, feelings={11: -3}, team_id=7)
    catches = caught(RULES, said)
    assert route(catches, said, {11: 5}) == (5, 11)
    assert route(catches, said, {11: None}) == (7, 11)
    assert route([Catch(1, "nps:3")], Said(nps=3), {}) == (None, None)
