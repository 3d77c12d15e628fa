"""``nineplus bench import``: a large response file through ``nineplus import responses``, while the
public endpoint keeps taking submissions.

The command makes a fresh SQLite database under DATA_DIR/bench-import, loads the demo, fields a survey
on its first journey (NPS, an emotion for each of eight moments and a verbatim: ten answers a response)
and writes a CSV of that many responses. It then starts ``nineplus serve``, keeps a few clients posting
responses to it, and runs ``nineplus import responses`` as its own process, measuring its wall time and
peak memory (the child's maximum resident set). The baseline, measured in the same run, is reading the
same file with Python's csv module and doing nothing else: the floor for an importer written in Python.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nineplus.bench import submit
from nineplus.bench.loadgen import LoadResult, run_load
from nineplus.bench.submit import BenchSurvey, Server
from nineplus.core.db import make_engine
from nineplus.core.tenancy import system
from nineplus.feedback.models import Answer, Response

MOMENTS = 8
VERBATIMS = [
    "De adviseur nam echt de tijd voor onze vragen.",
    "Ik moest drie keer bellen voordat iemand terugbelde.",
    "Snel geregeld, duidelijke uitleg over de rente.",
    "The online form lost my documents twice.",
    "Prima, maar de offerte kwam een week te laat.",
]


@dataclass(frozen=True)
class Prepared:
    folder: Path
    url: str
    survey: BenchSurvey
    csv_path: Path
    rows: int


def prepare(data_dir: Path, rows: int) -> Prepared:
    folder = (data_dir / "bench-import").resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    url = f"sqlite:///{(folder / 'bench.db').as_posix()}"
    survey = submit.prepare(url, moments=MOMENTS, title="History")
    bench_survey = BenchSurvey(
        survey.key, survey.survey_id, survey.nps, survey.emotion, survey.why, survey.moments[:3]
    )
    csv_path = folder / "responses.csv"
    write_csv(csv_path, rows, len(survey.moments))
    with closing(sqlite3.connect(folder / "bench.db")) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the file itself, then copy it
    shutil.copyfile(folder / "bench.db", folder / "pristine.db")
    return Prepared(folder, url, bench_survey, csv_path, rows)


def reset(prepared: Prepared) -> None:
    """The database as it was before any import, for the next run."""
    for suffix in ("-wal", "-shm"):
        (prepared.folder / f"bench.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(prepared.folder / "pristine.db", prepared.folder / "bench.db")


def write_csv(path: Path, rows: int, moments: int) -> None:
    """A history file as another tool would export it: id, date, NPS, an emotion per moment, a verbatim."""
    rng = random.Random(2026)  # noqa: S311 - test data, not secrets
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["respondent", "submitted_at", "nps", *(f"emotion[{i + 1}]" for i in range(moments)), "why"]
        )
        for n in range(rows):
            day = 1 + n % 28
            writer.writerow(
                [
                    f"HIST-{n:08d}",
                    f"2025-{1 + n % 12:02d}-{day:02d} {n % 24:02d}:{n % 60:02d}:00",
                    rng.randint(0, 10),
                    *(rng.randint(-3, 3) for _ in range(moments)),
                    VERBATIMS[n % len(VERBATIMS)],
                ]
            )


def parse_only(path: Path) -> float:
    """The baseline: read every row with the csv module, keep nothing."""
    start = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as file:
        for _row in csv.reader(file):
            pass
    return time.perf_counter() - start


@dataclass(frozen=True)
class ImportRun:
    seconds: float
    peak_mb: float
    returncode: int
    output: str


def run_import(prepared: Prepared) -> ImportRun:
    env = {**os.environ, "NINEPLUS_DATABASE_URL": prepared.url, "NINEPLUS_DATA_DIR": str(prepared.folder)}
    command = [
        sys.executable,
        "-m",
        "nineplus.cli",
        "import",
        "responses",
        str(prepared.csv_path),
        "--survey",
        str(prepared.survey.survey_id),
    ]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603
    assert process.stdout is not None
    output = process.stdout.read()
    # wait4 gives this child's own resource use: its largest resident set is the import's peak memory.
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    return ImportRun(seconds, usage.ru_maxrss / 1024, process.returncode, output)


def counts(url: str, survey_id: int) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            system(session)
            of_survey = (Response.survey_id == survey_id) & Response.client_id.startswith("imp-")
            responses = session.scalar(select(func.count()).select_from(Response).where(of_survey)) or 0
            answers = (
                session.scalar(select(func.count()).select_from(Answer).join(Response).where(of_survey)) or 0
            )
            return responses, answers
    finally:
        engine.dispose()


def with_submissions(prepared: Prepared, clients: int) -> tuple[ImportRun, LoadResult | None]:
    """Run the import while ``clients`` keep posting responses to a running server."""
    if clients <= 0:
        return run_import(prepared), None
    server = Server(prepared.folder, prepared.url, group_commit=True)
    stop = threading.Event()
    results: list[LoadResult] = []

    def load() -> None:
        while not stop.is_set():
            results.append(
                run_load(
                    "127.0.0.1",
                    server.port,
                    f"/api/v1/public/surveys/{prepared.survey.key}/responses",
                    prepared.survey.body_for(),
                    prefix=f"live{len(results)}",
                    clients=clients,
                    seconds=2.0,
                    warmup=0.0,
                )
            )

    thread = threading.Thread(target=load, daemon=True)
    try:
        thread.start()
        run = run_import(prepared)
        stop.set()
        thread.join(30)
    finally:
        server.stop()
    merged = LoadResult(seconds=sum(r.seconds for r in results))
    for r in results:
        merged.latencies += r.latencies
        merged.acknowledged |= r.acknowledged
        for status, n in r.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + n
    return run, merged
