"""A small HTTP/1.1 load generator: N clients on keep-alive connections, each posting as fast as the
server answers (a closed loop, like wrk). Written on asyncio streams so that the generator itself costs
little of the machine it shares with the server; it records the latency of every request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    seconds: float  # the measured window (after the warm-up)
    latencies: list[float] = field(default_factory=list)  # seconds, of requests in the window
    acknowledged: set[str] = field(default_factory=set)  # ids the server acknowledged (warm-up included)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0  # connections that broke

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def _client(
    host: str,
    port: int,
    path: str,
    body_for: Callable[[str], bytes],
    next_id: Callable[[], str],
    window: tuple[float, float],
    result: LoadResult,
) -> None:
    start, end = window
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
    reader = writer = None
    while time.perf_counter() < end:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                result.failures += 1
                await asyncio.sleep(0.05)
                continue
        assert reader is not None
        client_id = next_id()
        body = body_for(client_id)
        request = f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
        sent = time.perf_counter()
        try:
            writer.write(request)
            status, close = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            result.failures += 1
            writer.close()
            reader = writer = None
            continue
        done = time.perf_counter()
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status in (200, 201):
            result.acknowledged.add(client_id)
        if start <= sent and done <= end:
            result.latencies.append(done - sent)
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _colon, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, close


def run_load(
    host: str,
    port: int,
    path: str,
    body_for: Callable[[str], bytes],
    *,
    prefix: str,
    clients: int,
    seconds: float,
    warmup: float,
) -> LoadResult:
    """Drive ``clients`` concurrent clients for ``warmup + seconds``; measure the last ``seconds``."""
    try:
        import uvloop

        runner: Callable[..., object] = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with the product's dependencies
        runner = asyncio.run
    counter = iter(range(10**12))
    result = LoadResult(seconds=seconds)

    async def main() -> None:
        now = time.perf_counter()
        window = (now + warmup, now + warmup + seconds)
        await asyncio.gather(
            *(
                _client(host, port, path, body_for, lambda: f"{prefix}-{next(counter):09d}", window, result)
                for _ in range(clients)
            )
        )

    runner(main())
    return result
