"""Fault tests on PostgreSQL with fsync and synchronous commit on (a cluster of their own): under load,
with the server killed, with the database restarted, and with an import killed in the middle of its file.
Each records its figure, which the run prints at its end ("fault tests: figures")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from nineplus.bench.importing import counts, write_csv
from nineplus.bench.submit import BenchSurvey, prepare
from nineplus.core.db import make_engine
from nineplus.core.tenancy import system
from nineplus.feedback.models import Answer, Response
from nineplus.imports.storing import CHUNK
from tests.fault.cluster import Cluster
from tests.fault.live import LiveServer, Load

pytestmark = pytest.mark.xdist_group("fault")
Figure = Callable[[str, object], None]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    made = Cluster()
    yield made
    made.remove()


@pytest.fixture(scope="module")
def fielded(cluster: Cluster) -> tuple[str, BenchSurvey]:
    url = cluster.create_database("nineplus_fault")
    return url, prepare(url, title="Fault")


def _stored(url: str, survey: BenchSurvey, prefix: str) -> tuple[set[str], int]:
    """The client ids stored under ``prefix``, and how many of those responses lack an answer."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            system(session)
            mine = (Response.survey_id == survey.survey_id) & Response.client_id.startswith(f"{prefix}-")
            ids = set(session.scalars(select(Response.client_id).where(mine)))
            per_response = (
                select(Response.id, func.count(Answer.response_id).label("n"))
                .join(Answer, Answer.response_id == Response.id, isouter=True)
                .where(mine)
                .group_by(Response.id)
                .subquery()
            )
            short = session.scalar(
                select(func.count()).where(per_response.c.n != survey.answers_per_response)
            )
            return ids, int(short or 0)
    finally:
        engine.dispose()


def test_the_durability_settings_are_in_force(cluster: Cluster, fielded, record_property) -> None:  # type: ignore[no-untyped-def]
    url, _survey = fielded
    server = {name: cluster.setting(name) for name in ("fsync", "synchronous_commit", "full_page_writes")}
    assert server == {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
    engine = make_engine(url)  # the product's own connection: nothing it sets turns commits asynchronous
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
            assert conn.execute(text("SHOW fsync")).scalar() == "on"
    finally:
        engine.dispose()
    record_property("figure", "fsync, synchronous_commit, full_page_writes on (server and connections)")


def test_50_clients_for_60_seconds_every_acknowledged_response_is_stored(
    fielded,
    tmp_path: Path,
    record_property,  # type: ignore[no-untyped-def]
) -> None:
    url, survey = fielded
    server = LiveServer(url, tmp_path)
    server.start()
    try:
        result = Load(server, survey, "load", clients=50, seconds=60).wait()
    finally:
        server.stop()
    ids, short = _stored(url, survey, "load")
    acknowledged = result.acknowledged
    assert len(acknowledged) > 1000
    assert ids == acknowledged  # stored == acknowledged, response for response
    assert short == 0
    assert result.statuses.keys() <= {200, 201}, result.statuses
    figure = (
        f"{len(acknowledged):,} acknowledged, {len(ids):,} stored in 60 s ({result.rate:,.0f}/s, "
        f"p99 {result.percentile(99) * 1000:.0f} ms, 50 clients)"
    )
    record_property("figure", figure)


def test_the_server_killed_mid_load_loses_no_acknowledged_response(
    fielded,
    tmp_path: Path,
    record_property,  # type: ignore[no-untyped-def]
) -> None:
    url, survey = fielded
    server = LiveServer(url, tmp_path, workers=2)
    server.start()
    try:
        load = Load(server, survey, "kill", clients=30, seconds=16)
        time.sleep(5)
        server.kill()  # SIGKILL, the server and both its processes
        killed_at = time.monotonic()
        restart = server.start()
        result = load.wait()
    finally:
        server.stop()
    ids, short = _stored(url, survey, "kill")
    acknowledged = result.acknowledged
    assert acknowledged <= ids, f"{len(acknowledged - ids)} acknowledged responses are not stored"
    assert short == 0  # no response stored without all its answers
    unacknowledged = len(ids - acknowledged)  # committed, but the answer never reached the client
    assert unacknowledged <= 30  # at most one in flight per client
    assert len(acknowledged) > 100
    del killed_at
    record_property(
        "figure",
        f"{len(acknowledged):,} acknowledged, all stored; {unacknowledged} stored whose answer the kill "
        f"cut off; {result.failures:,} requests or connection attempts failed while it was down; "
        f"back up in {restart:.1f} s",
    )


def test_postgresql_crashed_and_restarted_under_load_recovers_by_itself(
    cluster: Cluster,
    fielded,
    tmp_path: Path,
    record_property,  # type: ignore[no-untyped-def]
) -> None:
    url, survey = fielded
    server = LiveServer(url, tmp_path)
    server.start()
    try:
        load = Load(server, survey, "restart", clients=20, seconds=20)
        time.sleep(5)
        before = len(_stored(url, survey, "restart")[0])
        began = time.monotonic()
        cluster.stop("immediate")  # a crash: no checkpoint, the next start replays the write-ahead log
        time.sleep(3)
        cluster.start()
        down = time.monotonic() - began
        result = load.wait()
        after = len(_stored(url, survey, "restart")[0])
    finally:
        server.stop()
    ids, short = _stored(url, survey, "restart")
    acknowledged = result.acknowledged
    assert acknowledged <= ids, f"{len(acknowledged - ids)} acknowledged responses are not stored"
    assert short == 0
    assert after > before + 100, "the server did not store responses again after the restart"
    refused = sum(n for status, n in result.statuses.items() if status not in (200, 201))
    codes = ", ".join(str(c) for c in sorted(result.statuses) if c not in (200, 201))
    record_property(
        "figure",
        f"{len(acknowledged):,} acknowledged, all stored, {len(ids - acknowledged)} stored unacknowledged; "
        f"PostgreSQL crashed (immediate stop) and down {down:.1f} s; {refused:,} requests refused meanwhile "
        f"(status {codes}); no manual step",
    )


def test_an_import_killed_mid_file_leaves_whole_chunks_and_a_rerun_completes_it(
    fielded,
    tmp_path: Path,
    record_property,  # type: ignore[no-untyped-def]
) -> None:
    url, survey = fielded
    rows = 3 * CHUNK
    csv_path = tmp_path / "history.csv"
    write_csv(csv_path, rows, len(survey.moments))
    env = {**os.environ, "NINEPLUS_DATABASE_URL": url, "NINEPLUS_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "nineplus.cli", "import", "responses", str(csv_path)]
    command += ["--survey", str(survey.survey_id)]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while counts(url, survey.survey_id)[0] == 0:  # the first chunk committed
        assert time.monotonic() < deadline, "the import stored nothing within five minutes"
        assert first.poll() is None, "the import finished before it could be killed"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    stored_at_kill, answers_at_kill = counts(url, survey.survey_id)
    per_response = answers_at_kill / stored_at_kill
    assert stored_at_kill % CHUNK == 0  # whole transactions
    assert stored_at_kill < rows  # not all of them
    assert answers_at_kill % stored_at_kill == 0  # no response without its answers
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    stored, answers = counts(url, survey.survey_id)
    assert stored == rows  # completed, and no row stored twice
    assert answers == rows * per_response
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            distinct = conn.execute(
                text(
                    "SELECT count(DISTINCT client_id) FROM responses "
                    "WHERE survey_id = :s AND client_id LIKE 'imp-%'"
                ),
                {"s": survey.survey_id},
            ).scalar()
    finally:
        engine.dispose()
    assert distinct == rows
    record_property(
        "figure",
        f"killed with {stored_at_kill:,} of {rows:,} rows stored (whole chunks of {CHUNK:,}); "
        f"the re-run stored the other {rows - stored_at_kill:,}, none twice",
    )


def test_a_webhook_receiver_down_for_a_while_gets_every_event_once_it_is_back(
    fielded,
    tmp_path: Path,
    record_property,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from nineplus.core.principal import system_principal
    from nineplus.core.settings import get_settings
    from nineplus.core.tenancy import scope
    from nineplus.webhooks import service
    from tests.webhooks.receiver import Receiver

    url, survey = fielded
    receiver = Receiver()
    receiver.status = 503  # down
    extra = {"NINEPLUS_WEBHOOK_ALLOW_PRIVATE": "true", "NINEPLUS_WEBHOOK_RETRY_SECONDS": "2"}
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            system(session)
            organisation_id = session.scalar(select(Response.organisation_id).limit(1))
            scope(session, organisation_id)
            monkeypatch.setenv("NINEPLUS_WEBHOOK_ALLOW_PRIVATE", "true")  # the address check in this process
            get_settings.cache_clear()
            endpoint = service.add_endpoint(
                session, system_principal(organisation_id), receiver.url, ["response.submitted"]
            )
            receiver.secret = endpoint.secret
            session.commit()
    finally:
        engine.dispose()
    server = LiveServer(url, tmp_path, env=extra)
    server.start()
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "nineplus.cli", "worker"], env=server.environment(), stdout=log, stderr=log
    )
    try:
        result = Load(server, survey, "hook", clients=10, seconds=8).wait()
        time.sleep(12)  # down for about 20 s in all
        receiver.status = 200
        back = time.monotonic()
        ids, _short = _stored(url, survey, "hook")
        wanted = _response_ids(url, survey, "hook")

        def arrived() -> set[int]:
            return {m["payload"]["data"]["response_id"] for m in receiver.received}

        deadline = back + 300  # (the worker also works through the cases and e-mails the load made)
        while not wanted <= arrived():
            assert time.monotonic() < deadline, f"{len(wanted - arrived())} events never arrived"
            time.sleep(0.2)
        took = time.monotonic() - back
    finally:
        server.stop()
        worker.terminate()  # it finishes its running jobs first (the cases the load opened, their e-mails)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        receiver.close()
    assert result.acknowledged <= ids
    assert receiver.bad_signatures == 0
    repeats = len(receiver.received) - len(receiver.ids())
    record_property(
        "figure",
        f"{len(wanted):,} events while the receiver refused for about 20 s "
        f"({receiver.refused:,} posts refused); all delivered {took:.1f} s after it came back; "
        f"{repeats} arrived twice",
    )


def _response_ids(url: str, survey: BenchSurvey, prefix: str) -> set[int]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            system(session)
            mine = (Response.survey_id == survey.survey_id) & Response.client_id.startswith(f"{prefix}-")
            return set(session.scalars(select(Response.id).where(mine)))
    finally:
        engine.dispose()
