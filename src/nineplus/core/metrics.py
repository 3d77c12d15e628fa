"""Prometheus metrics at ``/metrics``: request latency, responses stored, the queue's depth and failed jobs.

- ``nineplus_http_request_duration_seconds`` (histogram; method, route template, status class): the route
  template, never the path, so a survey link's token is never a label and the series stay few;
- ``nineplus_responses_stored_total`` (counter; channel ``api``, ``web`` or ``import``): responses
  committed by this server's processes;
- ``nineplus_jobs_waiting`` (queue), ``nineplus_jobs_failed`` and ``nineplus_jobs_retrying``: read from the
  database at each scrape, so they hold for every process and every worker machine.

With several server processes (`nineplus serve --workers N`), each writes its counters to
``PROMETHEUS_MULTIPROC_DIR`` (which `serve` sets to ``DATA_DIR/metrics`` and empties at start) and a
scrape of any process sums them (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.orm import Session

REQUEST_SECONDS = Histogram(
    "nineplus_http_request_duration_seconds",
    "Time from a request's arrival to its answer's start, by route template.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RESPONSES_STORED = Counter(
    "nineplus_responses_stored_total", "Responses committed to the database.", ["channel"]
)


def responses_stored(count: int, channel: str) -> None:
    if count:
        RESPONSES_STORED.labels(channel=channel).inc(count)


def after_commit(session: Session, count: Callable[[], None]) -> None:
    """Count once the session's transaction has committed (nothing when it rolls back)."""
    event.listen(session, "after_commit", lambda _session: count(), once=True)


class JobsCollector(Collector):
    """The queue's depth and the failed jobs, asked of the database at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from nineplus.jobs.history import depth

        waiting, failed, retrying = depth()
        gauge = GaugeMetricFamily(
            "nineplus_jobs_waiting", "Jobs due and not yet started, per queue.", labels=["queue"]
        )
        for queue, count in sorted(waiting.items()):
            gauge.add_metric([queue], count)
        yield gauge
        yield GaugeMetricFamily("nineplus_jobs_failed", "Jobs that failed for good.", value=failed)
        yield GaugeMetricFamily(
            "nineplus_jobs_retrying", "Jobs whose last attempt failed, waiting for the next.", value=retrying
        )


def scrape() -> tuple[bytes, str]:
    """The text a Prometheus scrape gets."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
        registry.register(RESPONSES_STORED)
    registry.register(JobsCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class RequestTimer:
    """ASGI middleware: each request's time, labelled by its route template once routing has found it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def timed_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                route = scope.get("route")
                REQUEST_SECONDS.labels(
                    method=scope["method"],
                    route=getattr(route, "path", "unmatched"),
                    status=f"{status // 100}xx",
                ).observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, timed_send)


def prepare_multiprocess(folder: os.PathLike[str] | str) -> None:
    """Before several server processes start: an empty folder for their counters, named in the
    environment they inherit."""
    import shutil
    from pathlib import Path

    path = Path(folder)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
