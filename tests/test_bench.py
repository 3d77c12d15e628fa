"""`nineplus bench submit` end to end, briefly: it starts the server, drives it over HTTP, and checks what
is stored against what was acknowledged. Speed is the command's output, never asserted here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def test_bench_submit_runs_and_checks_stored_against_acknowledged(tmp_path: Path) -> None:
    env = {**os.environ, "NINEPLUS_DATA_DIR": str(tmp_path), "NINEPLUS_SECRET_KEY": "bench-test-key"}
    env.pop("NINEPLUS_DATABASE_URL", None)
    command = [sys.executable, "-m", "nineplus.cli", "bench", "submit"]
    options = ["--seconds", "1.5", "--runs", "1", "--clients", "5", "--warmup", "0.5"]
    result = subprocess.run(
        command + options, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    runs = re.findall(
        r"(group commit|baseline) run 1: [\d,]+ responses/s.*?([\d,]+) acknowledged, ([\d,]+) stored",
        result.stdout,
    )
    assert [mode for mode, _acked, _stored in runs] == ["group commit", "baseline"]
    for _mode, acked, stored in runs:
        assert int(acked.replace(",", "")) > 0
        assert acked == stored
    assert "ratio group commit / baseline" in result.stdout
    assert (tmp_path / "bench" / "bench.db").exists()


def test_bench_import_runs_and_finds_every_row_stored(tmp_path: Path) -> None:
    env = {**os.environ, "NINEPLUS_DATA_DIR": str(tmp_path), "NINEPLUS_SECRET_KEY": "bench-test-key"}
    env.pop("NINEPLUS_DATABASE_URL", None)
    bench = ["bench", "import", "--rows", "300", "--clients", "1", "--runs", "2"]
    command = [sys.executable, "-m", "nineplus.cli", *bench]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "run 2:" in result.stdout  # each run into a fresh copy of the database
    assert "all rows stored" in result.stdout
    assert "1 clients meanwhile" in result.stdout
    assert "median of 2" in result.stdout


def test_bench_analytics_loads_through_the_imports_and_agrees_with_pandas(tmp_path: Path) -> None:
    """A small history through `nineplus import persons|responses` and a full refresh; the product's
    dashboard set and ad-hoc query give the figures pandas computes from the same rows (the command
    fails otherwise)."""
    env = {**os.environ, "NINEPLUS_DATA_DIR": str(tmp_path), "NINEPLUS_SECRET_KEY": "bench-test-key"}
    env.pop("NINEPLUS_DATABASE_URL", None)
    bench = ["bench", "analytics", "--responses", "3000", "--small", "0", "--runs", "2", "--minimum", "5"]
    command = [sys.executable, "-m", "nineplus.cli", *bench]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(3,000 responses, 27,000 score rows)" in result.stdout
    assert "the product and pandas give the same figures" in result.stdout
    assert re.search(r"dashboard set, warm \(median of 2\): [\d.]+ ms; pandas", result.stdout)
    assert re.search(r"moments of truth, uncached \(median of 2; [\d,]+ of [\d,]+ customers", result.stdout)


def test_bench_text_analyses_every_generated_verbatim(tmp_path: Path) -> None:
    """The text pipeline's benchmark runs a small set in one process and in two, and reports the rate."""
    env = {**os.environ, "NINEPLUS_DATA_DIR": str(tmp_path)}
    bench = ["bench", "text", "--verbatims", "6000", "--runs", "1", "--embedding-sample", "200"]
    command = [sys.executable, "-m", "nineplus.cli", *bench]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6,000 verbatims generated" in result.stdout
    assert re.search(r"\(5,9\d\d distinct", result.stdout)  # hardly two alike
    assert re.search(r"2 processes \(median of 1\): [\d.]+ s, [\d,]+ verbatims/s", result.stdout)
    assert re.search(
        r"embedding path \(one process, 200 verbatims, model loaded\): [\d,]+ verbatims/s", result.stdout
    )
