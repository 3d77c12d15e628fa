"""A `nineplus serve` process the fault tests can kill and start again on the same port, and the load
generator of `nineplus bench submit` running beside it in a thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from nineplus.bench.loadgen import LoadResult, run_load
from nineplus.bench.submit import BENCH_LIMITS, BenchSurvey, free_port


class LiveServer:
    def __init__(
        self, url: str, folder: Path, *, workers: int = 1, env: dict[str, str] | None = None
    ) -> None:
        self.url, self.folder, self.workers, self.extra = url, folder, workers, env or {}
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 60.0) -> float:
        """Start the server; return the seconds until it answered."""
        self.starts += 1
        env = {
            **os.environ,
            "NINEPLUS_DATABASE_URL": self.url,
            "NINEPLUS_DATA_DIR": str(self.folder),
            "NINEPLUS_SECRET_KEY": "fault-tests-key-0123456789abcdef0123456789",
            "NINEPLUS_RATE_LIMIT_OVERRIDES": BENCH_LIMITS,
            **self.extra,
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        log = (self.folder / f"server-{self.starts}.log").open("wb")
        command = [sys.executable, "-m", "nineplus.cli", "serve", "--port", str(self.port)]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        began = time.monotonic()
        self.process = subprocess.Popen(  # its own process group: a kill takes its children too
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start: {self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=1):
                    return time.monotonic() - began
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not answer within a minute")

    def kill(self) -> None:
        """SIGKILL the server and its worker processes: no shutdown, no flush, nothing finished."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def environment(self) -> dict[str, str]:
        """What a `nineplus worker` beside this server needs."""
        return {
            **os.environ,
            "NINEPLUS_DATABASE_URL": self.url,
            "NINEPLUS_DATA_DIR": str(self.folder),
            "NINEPLUS_SECRET_KEY": "fault-tests-key-0123456789abcdef0123456789",
            **self.extra,
        }

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("server-*.log")))


class Load:
    """`clients` keep-alive clients posting whole responses for `seconds`, in a thread."""

    def __init__(self, server: LiveServer, survey: BenchSurvey, prefix: str, *, clients: int, seconds: float):
        self.result: LoadResult | None = None
        self.error: BaseException | None = None

        def drive() -> None:
            try:
                self.result = run_load(
                    "127.0.0.1",
                    server.port,
                    f"/api/v1/public/surveys/{survey.key}/responses",
                    survey.body_for(),
                    prefix=prefix,
                    clients=clients,
                    seconds=seconds,
                    warmup=0.0,
                )
            except BaseException as exc:  # handed to the test
                self.error = exc

        self.thread = threading.Thread(target=drive, name=f"load-{prefix}", daemon=True)
        self.thread.start()

    def wait(self) -> LoadResult:
        self.thread.join()
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result
