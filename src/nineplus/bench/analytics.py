"""``nineplus bench analytics``: a large history through the product's own ingest path, then the dashboards
timed on the analytic store against pandas doing the same work.

The command makes a fresh SQLite database under DATA_DIR/bench-analytics/<size> with one organisation:
20 teams, 3 journeys of 8 moments (each moment owned by a team) and a survey per journey asking NPS and
the feeling at each of the 8 moments. It writes a list of persons (customer number, team, region,
segment, contract) and the responses as CSV files of at most a million rows, spread over 36 months,
with a team effect on NPS and a mean feeling per moment, and loads both with ``nineplus import persons``
and ``nineplus import responses`` in their own processes (the paths a user takes). The analytic store
is then filled by a full refresh and the timings run in child processes (``bench.analytics_timing``),
so that each side's peak memory is its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from nineplus.accounts import service as accounts
from nineplus.accounts.schemas import TeamIn
from nineplus.bench.database import fresh_database
from nineplus.core.principal import system_principal
from nineplus.feedback import service
from nineplus.feedback.schemas import ProtocolIn, QuestionIn, SurveyIn
from nineplus.journeys import service as journeys
from nineplus.journeys.schemas import JourneyIn, MomentIn

TEAMS = 20
JOURNEYS = 3
MOMENTS = 8
MONTHS = 36
FIRST_DAY = np.datetime64("2023-11-01T00:00:00")  # 36 months up to the end of October 2026
LAST_DAY = np.datetime64("2026-11-01T00:00:00")
FILE_ROWS = 1_000_000  # responses per CSV file
RESPONSES_PER_PERSON = 50
ATTRIBUTES = {
    "regio": ["Groningen", "Friesland", "Drenthe", "Overijssel", "Flevoland", "Gelderland", "Utrecht",
              "Noord-Holland", "Zuid-Holland", "Zeeland", "Noord-Brabant", "Limburg"],
    "segment": ["particulier", "zakelijk", "private banking", "student"],
    "contract": ["hypotheek", "sparen", "verzekering"],
}  # fmt: skip


@dataclass(frozen=True)
class Setup:
    folder: Path
    url: str
    slug: str
    organisation_id: int
    surveys: list[int]
    persons: int
    responses: int


def prepare(folder: Path, responses: int) -> Setup:
    """A fresh database with the benchmark's organisation, teams, journeys and fielded surveys."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    url = f"sqlite:///{(folder / 'bench.db').as_posix()}"
    with fresh_database(url) as session:
        org = accounts.create_organisation(session, "Benchbank", slug="benchbank")
        actor = system_principal(org.id)
        teams = [accounts.create_team(session, actor, TeamIn(name=f"Team {i + 1:02d}")) for i in range(TEAMS)]
        surveys = []
        for j in range(JOURNEYS):
            name = {"nl": f"Klantreis {j + 1}", "en": f"Journey {j + 1}"}
            journey = journeys.create_journey(session, actor, JourneyIn(name=name, start_feeling=1))
            for k in range(MOMENTS):
                owner = teams[(j * MOMENTS + k) % TEAMS].id
                moment = MomentIn(
                    name={"nl": f"Moment {j + 1}.{k + 1}", "en": f"Moment {j + 1}.{k + 1}"},
                    channel="phone",
                    team_id=owner,
                )
                journeys.create_moment(session, actor, journey.id, moment)
            survey = service.create_survey(session, actor, SurveyIn(journey_id=journey.id, title=name))
            service.set_protocol(session, actor, survey.id, ProtocolIn(frame="Benchmark history"))
            for spec in (
                QuestionIn(key="nps", type="nps", text={"nl": "Aanbevelen?"}, required=True),
                QuestionIn(key="emotion", type="emotion", text={"nl": "Gevoel?"}, per_moment=True, page=2),
            ):
                service.add_question(session, actor, survey.id, spec)
            service.start_fielding(session, actor, survey.id)
            surveys.append(survey.id)
        session.commit()
        org_id = org.id
    persons = max(TEAMS * 10, responses // RESPONSES_PER_PERSON)
    return Setup(folder, url, "benchbank", org_id, surveys, persons, responses)


def write_persons(setup: Setup) -> Path:
    """The customer list: number, team (by name) and three attributes."""
    rng = np.random.default_rng(2026)
    index = np.arange(setup.persons)
    columns = {
        "klantnummer": _prefixed("C", index),
        "team": pa.array([f"Team {i % TEAMS + 1:02d}" for i in range(setup.persons)]),
    }
    for key, values in ATTRIBUTES.items():
        columns[key] = pa.array(np.array(values, dtype=object)[rng.integers(0, len(values), setup.persons)])
    path = setup.folder / "persons.csv"
    pacsv.write_csv(pa.table(columns), path)
    return path


def write_responses(setup: Setup) -> list[tuple[int, Path]]:
    """CSV files of at most FILE_ROWS responses each, per survey: (survey id, file)."""
    files = []
    per_survey = [
        setup.responses // JOURNEYS + (1 if j < setup.responses % JOURNEYS else 0) for j in range(3)
    ]
    team_effect = np.linspace(-1.2, 1.2, TEAMS)
    for j, (survey_id, total) in enumerate(zip(setup.surveys, per_survey, strict=True)):
        moment_means = np.random.default_rng(100 + j).uniform(-1.8, 1.8, MOMENTS)
        for part, start in enumerate(range(0, total, FILE_ROWS)):
            rows = min(FILE_ROWS, total - start)
            rng = np.random.default_rng([j, part])
            person = rng.integers(0, setup.persons, rows)
            team = person % TEAMS  # the persons list gives person i team i % TEAMS
            span = int((LAST_DAY - FIRST_DAY) / np.timedelta64(1, "s"))
            seconds = rng.integers(0, span, rows)
            month = seconds / span * MONTHS
            latent = 7.0 + team_effect[team] + 0.03 * (month - MONTHS / 2) + rng.normal(0, 2.1, rows)
            columns = {
                "respondent": _prefixed(f"R{j + 1}-", start + np.arange(rows)),
                "klantnummer": _prefixed("C", person),
                "submitted_at": pa.array(
                    np.datetime_as_string(FIRST_DAY + seconds.astype("timedelta64[s]"), unit="s")
                ),
                "nps": pa.array(np.clip(np.rint(latent), 0, 10).astype(np.int8)),
            }
            for k in range(MOMENTS):
                feeling = moment_means[k] + 0.3 * team_effect[team] + rng.normal(0, 1.3, rows)
                columns[f"emotion[{k + 1}]"] = pa.array(np.clip(np.rint(feeling), -3, 3).astype(np.int8))
            path = setup.folder / f"responses-{j + 1}-{part + 1:02d}.csv"
            pacsv.write_csv(pa.table(columns), path)
            files.append((survey_id, path))
    return files


def _prefixed(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(numbers).cast(pa.string()), "")


@dataclass(frozen=True)
class Step:
    seconds: float
    peak_mb: float
    output: str


def run_cli(setup: Setup, *args: str) -> Step:
    """``nineplus <args>`` in its own process on the benchmark's database: time and peak memory."""
    env = {
        **os.environ,
        "NINEPLUS_DATABASE_URL": setup.url,
        "NINEPLUS_DATA_DIR": str(setup.folder),
        "NINEPLUS_ANALYTICS_PATH": str(setup.folder / "analytics.duckdb"),
    }
    return run_child([sys.executable, "-m", "nineplus.cli", *args], env)


def run_child(command: list[str], env: dict[str, str] | None = None) -> Step:
    start = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    # wait4 gives this child's own resource use: its largest resident set is its peak memory.
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command[2:4])} failed:\n{output[-3000:]}")
    return Step(seconds, usage.ru_maxrss / 1024, output)
