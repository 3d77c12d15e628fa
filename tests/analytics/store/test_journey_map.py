"""The journey map's measured curve, read from the analytic store: the mean feeling per moment with its
band, from submitted customer answers, per survey version, and no point where too few customers answered."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from tests.analytics.store.conftest import Feed
from tests.analytics.store.test_survey_scores import answer, extra_question
from tests.conftest import html


def test_the_map_draws_the_measured_curve_with_its_band(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    firsts = [int(v) for v in rng.integers(-3, 4, size=30)]
    for number, value in enumerate(firsts):
        feelings = {0: value, 1: -2} if number < 12 else {0: value}
        if number < 3:
            feelings[2] = 3
        feed.respond(8, feelings)
    journey = feed.target.survey.journey_id
    page = browse(f"/journeys/{journey}/map")
    assert page.status_code == 200, page.text[-2000:]
    svg = html(page).select_one("#journey-map svg")
    assert svg.select(".curve-band")  # the band is drawn
    assert "Measured" in svg.text or "Gemeten" in svg.text  # the legend names the measured curve
    data = browse(f"/dashboard/journeys/{journey}/map.csv")
    means = {r["moment"]: r["mean"] for r in csv.DictReader(io.StringIO(data.text))}
    names = [m.name["nl"] for m in feed.target.moments]
    assert float(means[names[0]]) == pytest.approx(np.mean(firsts), abs=0.005)
    assert float(means[names[1]]) == -2.0  # twelve answers: enough
    assert means[names[2]] == ""  # three answers: below the minimum of ten
    assert browse(f"/journeys/{journey}/map.svg").text.count("curve-band") == svg.decode().count("curve-band")
    assert browse(f"/journeys/{journey}/map.png").content.startswith(b"\x89PNG")


def test_no_measured_curve_without_enough_answers(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        feed.respond(8, {0: 1})
    svg = html(browse(f"/journeys/{feed.target.survey.journey_id}/map")).select_one("#journey-map svg")
    assert not svg.select(".curve-band")
    assert "Measured" not in svg.text


def test_the_measured_start_feeling_comes_from_its_own_question(feed: Feed, browse) -> None:  # type: ignore[no-untyped-def]
    start = extra_question(feed, "start", "start_feeling")
    for number in range(12):
        answer(feed, feed.respond(8, {0: 1}), start, 2 if number % 2 else -1)  # mean +0.5
    journey = feed.target.survey.journey_id
    data = browse(f"/dashboard/journeys/{journey}/map.csv")
    means = {r["moment"]: r["mean"] for r in csv.DictReader(io.StringIO(data.text))}
    assert float(means["Start feeling"]) == 0.5
    assert float(means[feed.target.moments[0].name["nl"]]) == 1.0
    svg = html(browse(f"/journeys/{journey}/map")).select_one("#journey-map svg")
    starts = [float(p["data-emotion"].replace("−", "-")) for p in svg.select(".start-point")]
    assert 0.5 in starts  # the measured start is drawn before the first moment
