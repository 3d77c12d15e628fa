"""``nineplus bench submit``: whole responses posted over HTTP to the server as ``nineplus serve`` runs it.

The command makes a fresh SQLite database under DATA_DIR/bench (the disk the product really uses), loads
the demo organisation and fields a survey on its first journey (NPS, an emotion for each of three
moments, and "why?": five answers a response). It then starts the server in its own process, drives it
from this process with N keep-alive clients for the measured window, and counts what the database holds
after each run: the number stored must equal the number acknowledged. The same runs are repeated with
group commit switched off (one transaction per submission) as the baseline.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.bench.database import fresh_database
from nineplus.bench.loadgen import LoadResult, run_load
from nineplus.core.db import make_engine
from nineplus.core.principal import system_principal
from nineplus.core.tenancy import scope, system
from nineplus.demo.loader import load_demo
from nineplus.feedback import service
from nineplus.feedback.models import Answer, Response
from nineplus.feedback.schemas import ProtocolIn, QuestionIn, SurveyIn
from nineplus.journeys import repository as journeys

TARGET_RATE = 1000.0
TARGET_P99_MS = 100.0


@dataclass(frozen=True)
class BenchSurvey:
    key: str
    survey_id: int
    nps: int
    emotion: int
    why: int
    moments: list[int]

    def body_for(self) -> Callable[[str], bytes]:
        """A function that renders a complete response for a client id (scores vary, shape does not)."""
        rng = random.Random(9)  # noqa: S311 - test data, not secrets
        templates = []
        for _ in range(64):
            answers = [
                {"question_id": self.nps, "value": rng.randint(0, 10)},
                *(
                    {"question_id": self.emotion, "moment_id": m, "value": rng.randint(-3, 3)}
                    for m in self.moments
                ),
                {"question_id": self.why, "value": rng.choice(WHY)},
            ]
            text = json.dumps(
                {"client_id": "@ID@", "locale": "nl", "moments_experienced": self.moments, "answers": answers}
            )
            templates.append(text.encode().split(b"@ID@"))
        index = iter(range(10**12))

        def render(client_id: str) -> bytes:
            before, after = templates[next(index) % len(templates)]
            return before + client_id.encode() + after

        return render

    @property
    def answers_per_response(self) -> int:
        return 2 + len(self.moments)


WHY = [
    "De adviseur nam echt de tijd voor onze vragen.",
    "Ik moest drie keer bellen voordat iemand terugbelde.",
    "The online form lost my documents twice.",
    "Snel geregeld, duidelijke uitleg over de rente.",
]


def prepare(url: str, *, moments: int = 3, title: str = "Benchmark") -> BenchSurvey:
    """Migrate a fresh database, load the demo and field a survey on its longest journey: NPS, an emotion
    per moment (the first ``moments`` moments go into ``BenchSurvey.moments``) and "why?"."""
    with fresh_database(url) as session:
        org, _created = load_demo(session)
        scope(session, org.id)
        actor = system_principal(org.id)
        journey = max(journeys.journeys(session), key=lambda j: len(journeys.moments(session, j.id)))
        moment_ids = [m.id for m in journeys.moments(session, journey.id)][:moments]
        survey = service.create_survey(
            session, actor, SurveyIn(journey_id=journey.id, title={"nl": title, "en": title})
        )
        service.set_protocol(session, actor, survey.id, ProtocolIn(frame=f"{title} (benchmark)"))
        specs = [
            QuestionIn(key="nps", type="nps", text={"nl": "Aanbevelen?"}, required=True),
            QuestionIn(key="emotion", type="emotion", text={"nl": "Gevoel?"}, per_moment=True, page=2),
            QuestionIn(key="why", type="text", text={"nl": "Waarom?"}, page=2),
        ]
        ids = {s.key: service.add_question(session, actor, survey.id, s).id for s in specs}
        service.start_fielding(session, actor, survey.id)
        key, survey_id = survey.public_key, survey.id
        session.commit()
    return BenchSurvey(key, survey_id, ids["nps"], ids["emotion"], ids["why"], moment_ids)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# A benchmark's clients all post from 127.0.0.1 to one survey link, far past the abuse limits meant for
# the public: its server runs with those two limits raised (and the command says so).
BENCH_LIMITS = "public_posts_per_address=1000000000/minute; public_posts_per_link=1000000000/minute"


class Server:
    """``nineplus serve`` in a child process, as the README starts it (output to a log file), with the
    submission limits raised to BENCH_LIMITS."""

    def __init__(self, folder: Path, url: str, *, group_commit: bool) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "NINEPLUS_DATABASE_URL": url,
            "NINEPLUS_DATA_DIR": str(folder),
            "NINEPLUS_GROUP_COMMIT": "true" if group_commit else "false",
            "NINEPLUS_RATE_LIMIT_OVERRIDES": BENCH_LIMITS,
        }
        self.log = (folder / f"server-{'group' if group_commit else 'baseline'}.log").open("w")
        command = [sys.executable, "-m", "nineplus.cli", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)  # noqa: S603
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not answer within a minute")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def stored(url: str, survey_id: int, prefix: str) -> tuple[int, int]:
    """Responses and answers the database holds for client ids starting with ``prefix``."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            system(session)
            of_run = (Response.survey_id == survey_id) & Response.client_id.startswith(f"{prefix}-")
            responses = session.scalar(select(func.count()).select_from(Response).where(of_run)) or 0
            answers = (
                session.scalar(select(func.count()).select_from(Answer).join(Response).where(of_run)) or 0
            )
            return responses, answers
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Run:
    mode: str
    number: int
    result: LoadResult
    stored_responses: int
    stored_answers: int
    expected_answers: int

    @property
    def consistent(self) -> bool:
        return (
            self.stored_responses == len(self.result.acknowledged)
            and self.stored_answers == self.expected_answers
        )


def run_mode(
    folder: Path,
    url: str,
    survey: BenchSurvey,
    *,
    group_commit: bool,
    runs: int,
    clients: int,
    seconds: float,
    warmup: float,
    report: Callable[[Run], None],
) -> list[Run]:
    mode = "group commit" if group_commit else "baseline"
    server = Server(folder, url, group_commit=group_commit)
    done: list[Run] = []
    try:
        for number in range(1, runs + 1):
            prefix = f"{'g' if group_commit else 'b'}{number}"
            result = run_load(
                "127.0.0.1",
                server.port,
                f"/api/v1/public/surveys/{survey.key}/responses",
                survey.body_for(),
                prefix=prefix,
                clients=clients,
                seconds=seconds,
                warmup=warmup,
            )
            responses, answers = stored(url, survey.survey_id, prefix)
            run = Run(
                mode,
                number,
                result,
                responses,
                answers,
                len(result.acknowledged) * survey.answers_per_response,
            )
            done.append(run)
            report(run)
    finally:
        server.stop()
    return done


def fresh_folder(data_dir: Path) -> tuple[Path, str]:
    folder = data_dir / "bench"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder.resolve(), f"sqlite:///{(folder / 'bench.db').resolve().as_posix()}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
